#include <cstdint>
#include <string>
#include <vector>

#include "audit/checks.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warden::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr int64_t kNow = 1795651200;  // 2026-11-26T00:00:00Z

// Each device publishes and subscribes under its own thing name only.
constexpr char kScopedPolicy[] = R"({
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect",
     "Resource": "arn:aws:iot:eu-west-1:123456789012:client/${iot:Connection.Thing.ThingName}"},
    {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
     "Resource": "arn:aws:iot:eu-west-1:123456789012:topic/things/${iot:Connection.Thing.ThingName}/*"}
  ]
})";

constexpr char kEverythingPolicy[] = R"({
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]
})";

constexpr char kWildcardDenyPolicy[] = R"({
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect",
     "Resource": "arn:aws:iot:eu-west-1:123456789012:client/${iot:Connection.Thing.ThingName}"},
    {"Effect": "Deny", "Action": "iot:Publish",
     "Resource": "arn:aws:iot:eu-west-1:123456789012:topic/admin/#"}
  ]
})";

Policy MakePolicy(const std::string& name, const std::string& document,
                  std::vector<std::string> certificates = {}) {
  return {name, document, std::move(certificates)};
}

CheckResult Audit(const std::string& check, const Registry& registry) {
  absl::StatusOr<CheckResult> result = RunCheck(check, registry, AuditSettings{}, kNow);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : CheckResult{};
}

Registry Policies() {
  Registry registry;
  registry.policies["scoped"] = MakePolicy("scoped", kScopedPolicy, {"c1"});
  registry.policies["everything"] = MakePolicy("everything", kEverythingPolicy, {"c2", "c3"});
  registry.policies["wildcard-deny"] = MakePolicy("wildcard-deny", kWildcardDenyPolicy);
  return registry;
}

TEST(IotPolicyOverlyPermissiveCheckTest, FlagsBroadAllowsOnly) {
  const CheckResult result = Audit("IOT_POLICY_OVERLY_PERMISSIVE_CHECK", Policies());
  EXPECT_EQ(result.resources_evaluated, 3);
  EXPECT_THAT(result.errors, IsEmpty());
  ASSERT_THAT(result.findings, SizeIs(1));
  const Finding& f = result.findings[0];
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.resource, (ResourceRef{"POLICY", "everything"}));
  EXPECT_THAT(f.related, ElementsAre(ResourceRef{"DEVICE_CERTIFICATE", "c2"},
                                     ResourceRef{"DEVICE_CERTIFICATE", "c3"}));
  EXPECT_EQ(f.reason_code, "ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS");
  EXPECT_THAT(f.reason, StartsWith("policy everything: Statement[0]: "));
}

TEST(IotPolicyPotentialMisconfigurationCheckTest, FlagsMqttWildcardsInDeny) {
  const CheckResult result = Audit("IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK", Policies());
  EXPECT_EQ(result.resources_evaluated, 3);
  ASSERT_THAT(result.findings, SizeIs(1));
  const Finding& f = result.findings[0];
  EXPECT_EQ(f.severity, Severity::kMedium);
  EXPECT_EQ(f.resource, (ResourceRef{"POLICY", "wildcard-deny"}));
  EXPECT_THAT(f.related, IsEmpty());
  EXPECT_EQ(f.reason_code, "POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT");
  EXPECT_THAT(f.reason, StartsWith("policy wildcard-deny: Statement[1]: "));
  EXPECT_THAT(f.reason, HasSubstr("admin/#"));
}

TEST(IotPolicyChecksTest, AMalformedPolicyIsAnErrorAndTheOthersAreStillChecked) {
  Registry registry = Policies();
  registry.policies["broken"] = MakePolicy("broken", R"({"Statement": [)");
  for (const char* check :
       {"IOT_POLICY_OVERLY_PERMISSIVE_CHECK", "IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK"}) {
    SCOPED_TRACE(check);
    const CheckResult result = Audit(check, registry);
    EXPECT_EQ(result.resources_evaluated, 4);
    ASSERT_THAT(result.errors, SizeIs(1));
    EXPECT_THAT(result.errors[0], StartsWith("policy broken: "));
    EXPECT_THAT(result.findings, SizeIs(1));
  }
}

TEST(LoggingDisabledCheckTest, FlagsWhicheverLoggingIsOff) {
  Registry registry;
  CheckResult result = Audit("LOGGING_DISABLED_CHECK", registry);
  EXPECT_EQ(result.resources_evaluated, 1);
  EXPECT_THAT(result.findings, IsEmpty());

  registry.logging.device_logging_enabled = false;
  result = Audit("LOGGING_DISABLED_CHECK", registry);
  ASSERT_THAT(result.findings, SizeIs(1));
  EXPECT_EQ(result.findings[0].resource, (ResourceRef{"ACCOUNT_SETTINGS", "logging"}));
  EXPECT_EQ(result.findings[0].severity, Severity::kLow);
  EXPECT_EQ(result.findings[0].reason_code, "LOGGING_DISABLED");
  EXPECT_EQ(result.findings[0].reason, "device logging disabled");

  registry.logging.broker_logging_enabled = false;
  result = Audit("LOGGING_DISABLED_CHECK", registry);
  ASSERT_THAT(result.findings, SizeIs(1));
  EXPECT_EQ(result.findings[0].reason, "broker logging and device logging disabled");
}

}  // namespace
}  // namespace warden::audit
