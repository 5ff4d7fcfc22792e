#include "audit/checks.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warden::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr int64_t kNow = 1795651200;  // 2026-11-26T00:00:00Z

TEST(AllChecksTest, AwsChecksFirstThenWardenExtras) {
  EXPECT_THAT(
      AllChecks(),
      ElementsAre("CA_CERTIFICATE_EXPIRING_CHECK", "CA_CERTIFICATE_KEY_QUALITY_CHECK",
                  "CONFLICTING_CLIENT_IDS_CHECK", "DEVICE_CERTIFICATE_AGE_CHECK",
                  "DEVICE_CERTIFICATE_EXPIRING_CHECK", "DEVICE_CERTIFICATE_KEY_QUALITY_CHECK",
                  "DEVICE_CERTIFICATE_SHARED_CHECK",
                  "INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK",
                  "IOT_POLICY_OVERLY_PERMISSIVE_CHECK",
                  "IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK", "LOGGING_DISABLED_CHECK",
                  "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK",
                  "REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK", "DEVICE_FIRMWARE_OUTDATED_CHECK",
                  "INSECURE_LISTENING_PORTS_CHECK", "DEVICE_SILENT_CHECK"));
}

TEST(DefaultSeverityTest, AsInTheReference) {
  EXPECT_EQ(DefaultSeverity("CA_CERTIFICATE_EXPIRING_CHECK"), Severity::kMedium);
  EXPECT_EQ(DefaultSeverity("CA_CERTIFICATE_KEY_QUALITY_CHECK"), Severity::kCritical);
  EXPECT_EQ(DefaultSeverity("CONFLICTING_CLIENT_IDS_CHECK"), Severity::kHigh);
  EXPECT_EQ(DefaultSeverity("DEVICE_CERTIFICATE_AGE_CHECK"), Severity::kLow);
  EXPECT_EQ(DefaultSeverity("DEVICE_CERTIFICATE_EXPIRING_CHECK"), Severity::kMedium);
  EXPECT_EQ(DefaultSeverity("DEVICE_CERTIFICATE_KEY_QUALITY_CHECK"), Severity::kCritical);
  EXPECT_EQ(DefaultSeverity("DEVICE_CERTIFICATE_SHARED_CHECK"), Severity::kCritical);
  EXPECT_EQ(DefaultSeverity("INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK"),
            Severity::kCritical);
  EXPECT_EQ(DefaultSeverity("IOT_POLICY_OVERLY_PERMISSIVE_CHECK"), Severity::kCritical);
  EXPECT_EQ(DefaultSeverity("IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK"), Severity::kMedium);
  EXPECT_EQ(DefaultSeverity("LOGGING_DISABLED_CHECK"), Severity::kLow);
  EXPECT_EQ(DefaultSeverity("REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK"), Severity::kCritical);
  EXPECT_EQ(DefaultSeverity("REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK"), Severity::kMedium);
  EXPECT_EQ(DefaultSeverity("DEVICE_FIRMWARE_OUTDATED_CHECK"), Severity::kMedium);
  EXPECT_EQ(DefaultSeverity("INSECURE_LISTENING_PORTS_CHECK"), Severity::kHigh);
  EXPECT_EQ(DefaultSeverity("DEVICE_SILENT_CHECK"), Severity::kLow);
}

TEST(RunCheckTest, UnknownCheckIsNotFound) {
  const absl::StatusOr<CheckResult> result =
      RunCheck("DEVICE_CERTIFICATE_SHARING_CHECK", Registry{}, AuditSettings{}, kNow);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("'DEVICE_CERTIFICATE_SHARING_CHECK'"));
}

TEST(RunCheckTest, AnEmptyRegistryIsCompliant) {
  for (const std::string& check : AllChecks()) {
    SCOPED_TRACE(check);
    const absl::StatusOr<CheckResult> result = RunCheck(check, Registry{}, AuditSettings{}, kNow);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->check, check);
    EXPECT_THAT(result->findings, IsEmpty());
    EXPECT_THAT(result->errors, IsEmpty());
  }
}

TEST(RunCheckTest, SeverityOverrideApplies) {
  Registry registry;
  registry.logging.broker_logging_enabled = false;
  AuditSettings settings;
  settings.severity["LOGGING_DISABLED_CHECK"] = Severity::kCritical;
  settings.severity["DEVICE_SILENT_CHECK"] = Severity::kHigh;  // other checks: no effect
  const absl::StatusOr<CheckResult> result =
      RunCheck("LOGGING_DISABLED_CHECK", registry, settings, kNow);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_THAT(result->findings, SizeIs(1));
  EXPECT_EQ(result->findings[0].check, "LOGGING_DISABLED_CHECK");
  EXPECT_EQ(result->findings[0].severity, Severity::kCritical);
}

TEST(RunCheckTest, FindingsAreOrderedByResource) {
  Registry registry;
  for (const char* name : {"cam-0003", "cam-0001", "cam-0002"}) {
    registry.devices[name].name = name;
    registry.devices[name].listening_tcp_ports = {23};
  }
  const absl::StatusOr<CheckResult> result =
      RunCheck("INSECURE_LISTENING_PORTS_CHECK", registry, AuditSettings{}, kNow);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_THAT(result->findings, SizeIs(3));
  EXPECT_EQ(result->findings[0].resource.id, "cam-0001");
  EXPECT_EQ(result->findings[1].resource.id, "cam-0002");
  EXPECT_EQ(result->findings[2].resource.id, "cam-0003");
}

}  // namespace
}  // namespace warden::audit
