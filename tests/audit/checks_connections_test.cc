#include <cstdint>
#include <string>

#include "audit/checks.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warden::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr int64_t kNow = 1795651200;  // 2026-11-26T00:00:00Z
constexpr int64_t kHour = 3600;
constexpr int64_t kT0 = kNow - 24 * kHour;  // 2026-11-25T00:00:00Z

ConnectionObservation Connection(const std::string& device, const std::string& client_id,
                                 const std::string& certificate_id, const std::string& ip,
                                 int64_t connected_at, int64_t disconnected_at) {
  return {client_id, device, certificate_id, ip, connected_at, disconnected_at};
}

CheckResult Audit(const std::string& check, const Registry& registry) {
  absl::StatusOr<CheckResult> result = RunCheck(check, registry, AuditSettings{}, kNow);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : CheckResult{};
}

TEST(DeviceCertificateSharedCheckTest, FlagsConcurrentConnectionsOfDifferentDevices) {
  Registry registry;
  registry.certificates["aaaa"].info.subject = "CN=cam-0001,O=Example";
  registry.connections = {
      // aaaa: cam-0001 and cam-0002 overlap for an hour.
      Connection("cam-0001", "cam-0001", "aaaa", "10.0.0.1", kT0, kT0 + 2 * kHour),
      Connection("cam-0002", "cam-0002", "aaaa", "10.0.0.2", kT0 + kHour, kT0 + 3 * kHour),
      // bbbb: handed from cam-0003 to cam-0004 (the second connects as the first leaves).
      Connection("cam-0003", "cam-0003", "bbbb", "10.0.0.3", kT0, kT0 + kHour),
      Connection("cam-0004", "cam-0004", "bbbb", "10.0.0.4", kT0 + kHour, 0),
      // cccc: one device reconnecting before its old session timed out.
      Connection("cam-0005", "cam-0005", "cccc", "10.0.0.5", kT0, kT0 + 2 * kHour),
      Connection("cam-0005", "cam-0005", "cccc", "10.0.0.5", kT0 + kHour, 0),
  };
  const CheckResult result = Audit("DEVICE_CERTIFICATE_SHARED_CHECK", registry);
  EXPECT_EQ(result.resources_evaluated, 3);
  ASSERT_THAT(result.findings, SizeIs(1));
  const Finding& f = result.findings[0];
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.resource, (ResourceRef{"DEVICE_CERTIFICATE", "aaaa"}));
  EXPECT_THAT(
      f.related,
      ElementsAre(ResourceRef{"DEVICE", "cam-0001"}, ResourceRef{"DEVICE", "cam-0002"},
                  ResourceRef{"CLIENT_ID", "cam-0001"}, ResourceRef{"CLIENT_ID", "cam-0002"}));
  EXPECT_EQ(f.reason_code, "CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES");
  EXPECT_EQ(f.reason,
            "certificate CN=cam-0001,O=Example used by concurrent connections of 2 devices: "
            "cam-0001 (client id cam-0001 from 10.0.0.1, connected 2026-11-25T00:00:00Z), "
            "cam-0002 (client id cam-0002 from 10.0.0.2, connected 2026-11-25T01:00:00Z)");
}

TEST(DeviceCertificateSharedCheckTest, StillConnectedOverlapsEverythingLater) {
  Registry registry;
  registry.connections = {
      Connection("cam-0001", "cam-0001", "aaaa", "10.0.0.1", kT0, 0),
      Connection("", "clone", "aaaa", "192.0.2.9", kT0 + 20 * kHour, kT0 + 21 * kHour),
  };
  const CheckResult result = Audit("DEVICE_CERTIFICATE_SHARED_CHECK", registry);
  ASSERT_THAT(result.findings, SizeIs(1));
  // An unknown device is told apart by its client id; the certificate is not registered.
  EXPECT_THAT(result.findings[0].reason,
              testing::StartsWith("certificate aaaa used by concurrent connections of 2 devices"));
  EXPECT_THAT(result.findings[0].reason,
              testing::HasSubstr("unknown device with client id clone (client id clone from "
                                 "192.0.2.9, connected 2026-11-25T20:00:00Z)"));
  EXPECT_THAT(result.findings[0].related,
              ElementsAre(ResourceRef{"DEVICE", "cam-0001"}, ResourceRef{"CLIENT_ID", "cam-0001"},
                          ResourceRef{"CLIENT_ID", "clone"}));
}

TEST(ConflictingClientIdsCheckTest, FlagsAClientIdUsedByDifferentDevices) {
  Registry registry;
  registry.connections = {
      // sensor: two devices, never at the same time (the broker kicks one off).
      Connection("cam-0001", "sensor", "aaaa", "10.0.0.1", kT0, kT0 + kHour),
      Connection("cam-0002", "sensor", "bbbb", "10.0.0.2", kT0 + kHour, kT0 + 2 * kHour),
      Connection("cam-0001", "sensor", "aaaa", "10.0.0.1", kT0 + 2 * kHour, 0),
      // cam-0003: one device reconnecting.
      Connection("cam-0003", "cam-0003", "cccc", "10.0.0.3", kT0, kT0 + kHour),
      Connection("cam-0003", "cam-0003", "cccc", "10.0.0.3", kT0 + 2 * kHour, 0),
      // No client id: nothing to conflict on.
      Connection("cam-0004", "", "dddd", "10.0.0.4", kT0, 0),
      Connection("cam-0005", "", "eeee", "10.0.0.5", kT0, 0),
  };
  const CheckResult result = Audit("CONFLICTING_CLIENT_IDS_CHECK", registry);
  EXPECT_EQ(result.resources_evaluated, 2);
  ASSERT_THAT(result.findings, SizeIs(1));
  const Finding& f = result.findings[0];
  EXPECT_EQ(f.severity, Severity::kHigh);
  EXPECT_EQ(f.resource, (ResourceRef{"CLIENT_ID", "sensor"}));
  EXPECT_THAT(f.related,
              ElementsAre(ResourceRef{"DEVICE", "cam-0001"}, ResourceRef{"DEVICE", "cam-0002"},
                          ResourceRef{"DEVICE_CERTIFICATE", "aaaa"},
                          ResourceRef{"DEVICE_CERTIFICATE", "bbbb"}));
  EXPECT_EQ(f.reason_code, "DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS");
  EXPECT_EQ(f.reason,
            "client id sensor used by 2 devices: cam-0001 (last connected 2026-11-25T02:00:00Z "
            "from 10.0.0.1), cam-0002 (last connected 2026-11-25T01:00:00Z from 10.0.0.2)");
}

TEST(ConflictingClientIdsCheckTest, UnknownDevicesAreToldApartByCertificate) {
  Registry registry;
  registry.connections = {
      Connection("", "sensor", "aaaa", "10.0.0.1", kT0, kT0 + kHour),
      Connection("", "sensor", "aaaa", "10.0.0.1", kT0 + 2 * kHour, kT0 + 3 * kHour),
  };
  EXPECT_THAT(Audit("CONFLICTING_CLIENT_IDS_CHECK", registry).findings, IsEmpty());
  registry.connections.push_back(Connection("", "sensor", "bbbb", "10.0.0.9", kT0 + 4 * kHour, 0));
  const CheckResult result = Audit("CONFLICTING_CLIENT_IDS_CHECK", registry);
  ASSERT_THAT(result.findings, SizeIs(1));
  EXPECT_EQ(result.findings[0].reason,
            "client id sensor used by 2 devices: unknown device with certificate aaaa (last "
            "connected 2026-11-25T02:00:00Z from 10.0.0.1), unknown device with certificate bbbb "
            "(last connected 2026-11-25T04:00:00Z from 10.0.0.9)");
}

}  // namespace
}  // namespace warden::audit
