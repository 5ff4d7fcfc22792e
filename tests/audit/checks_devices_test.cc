#include <cstdint>
#include <string>
#include <vector>

#include "audit/checks.h"
#include "audit/groups.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warden::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1795651200;  // 2026-11-26T00:00:00Z

Device MakeDevice(const std::string& name) {
  Device device;
  device.name = name;
  return device;
}

CheckResult Audit(const std::string& check, const Registry& registry,
                  const AuditSettings& settings = {}) {
  absl::StatusOr<CheckResult> result = RunCheck(check, registry, settings, kNow);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : CheckResult{};
}

std::vector<std::string> ResourceIds(const CheckResult& result) {
  std::vector<std::string> ids;
  for (const Finding& f : result.findings) ids.push_back(f.resource.id);
  return ids;
}

TEST(GroupsOfTest, StaticGroupsPlusMatchingDynamicGroups) {
  Registry registry;
  registry.groups["cameras"].attribute_selector = {{"type", "camera"}};
  registry.groups["berlin-cameras"].attribute_selector = {{"type", "camera"}, {"site", "berlin"}};
  registry.groups["lobby"];  // static
  Device device = MakeDevice("cam-0001");
  device.attributes = {{"type", "camera"}, {"site", "paris"}};
  device.groups = {"lobby", "quarantine", "lobby"};
  EXPECT_THAT(GroupsOf(registry, device), ElementsAre("cameras", "lobby", "quarantine"));

  device.attributes["site"] = "berlin";
  device.groups.clear();
  EXPECT_THAT(GroupsOf(registry, device), ElementsAre("berlin-cameras", "cameras"));
  EXPECT_THAT(GroupsOf(registry, MakeDevice("bare")), IsEmpty());
}

class FirmwareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.groups["cameras"].attribute_selector = {{"type", "camera"}};
    registry_.groups["cameras"].min_firmware_version = "2.4";
    registry_.groups["secure"].min_firmware_version = "3.0.1";
    Add("old", "2.3.9");
    Add("exact", "2.4");
    Add("exact-longer", "2.4.0");
    Add("numeric", "10.0");  // 10 > 2 numerically, not as text
  }

  void Add(const std::string& name, const std::string& firmware,
           std::vector<std::string> groups = {}) {
    Device device = MakeDevice(name);
    device.attributes = {{"type", "camera"}};
    device.firmware_version = firmware;
    device.groups = std::move(groups);
    registry_.devices[name] = device;
  }

  Registry registry_;
};

TEST_F(FirmwareTest, FlagsDevicesBelowTheirGroupsMinimum) {
  Device outsider = MakeDevice("thermostat");
  outsider.firmware_version = "0.1";
  registry_.devices["thermostat"] = outsider;  // in no group with a minimum: not evaluated

  const CheckResult result = Audit("DEVICE_FIRMWARE_OUTDATED_CHECK", registry_);
  EXPECT_EQ(result.resources_evaluated, 4);
  EXPECT_THAT(result.errors, IsEmpty());
  ASSERT_THAT(result.findings, SizeIs(1));
  const Finding& f = result.findings[0];
  EXPECT_EQ(f.severity, Severity::kMedium);
  EXPECT_EQ(f.resource, (ResourceRef{"DEVICE", "old"}));
  EXPECT_THAT(f.related, ElementsAre(ResourceRef{"GROUP", "cameras"}));
  EXPECT_EQ(f.reason_code, "FIRMWARE_BELOW_MINIMUM_VERSION");
  EXPECT_EQ(f.reason, "firmware 2.3.9 is below the minimum of group cameras (2.4)");
}

TEST_F(FirmwareTest, EveryUnmetGroupIsNamed) {
  Add("old", "2.3.9", {"secure"});
  Add("exact", "2.4", {"secure"});
  const CheckResult result = Audit("DEVICE_FIRMWARE_OUTDATED_CHECK", registry_);
  EXPECT_THAT(ResourceIds(result), ElementsAre("exact", "old"));
  EXPECT_EQ(result.findings[1].reason,
            "firmware 2.3.9 is below the minimum of group cameras (2.4), group secure (3.0.1)");
  EXPECT_THAT(result.findings[1].related,
              ElementsAre(ResourceRef{"GROUP", "cameras"}, ResourceRef{"GROUP", "secure"}));
}

TEST_F(FirmwareTest, UnparsableVersionsAreErrorsAndTheCheckGoesOn) {
  Add("letters", "2.x");
  Add("empty", "");
  registry_.groups["beta"].min_firmware_version = "latest";
  Add("beta-tester", "9.9", {"beta"});
  const CheckResult result = Audit("DEVICE_FIRMWARE_OUTDATED_CHECK", registry_);
  EXPECT_THAT(result.errors,
              UnorderedElementsAre(
                  "group beta: minimum firmware version 'latest' is not a dotted numeric version",
                  "device letters: firmware version '2.x' is not a dotted numeric version",
                  "device empty: firmware version '' is not a dotted numeric version"));
  EXPECT_THAT(ResourceIds(result), ElementsAre("old"));
}

TEST_F(FirmwareTest, InactiveDevicesAreNotEvaluated) {
  registry_.devices["old"].active = false;
  const CheckResult result = Audit("DEVICE_FIRMWARE_OUTDATED_CHECK", registry_);
  EXPECT_EQ(result.resources_evaluated, 3);
  EXPECT_THAT(result.findings, IsEmpty());
}

TEST(InsecureListeningPortsCheckTest, FlagsInsecurePortsFromTheLastReport) {
  Registry registry;
  Device telnet = MakeDevice("cam-0001");
  telnet.listening_tcp_ports = {8883, 2323, 23, 8080};
  Device clean = MakeDevice("cam-0002");
  clean.listening_tcp_ports = {8883, 443};
  registry.devices = {
      {"cam-0001", telnet}, {"cam-0002", clean}, {"cam-0003", MakeDevice("cam-0003")}};

  CheckResult result = Audit("INSECURE_LISTENING_PORTS_CHECK", registry);
  EXPECT_EQ(result.resources_evaluated, 3);
  ASSERT_THAT(result.findings, SizeIs(1));
  EXPECT_EQ(result.findings[0].severity, Severity::kHigh);
  EXPECT_EQ(result.findings[0].resource, (ResourceRef{"DEVICE", "cam-0001"}));
  EXPECT_EQ(result.findings[0].reason_code, "INSECURE_PORTS_LISTENING");
  EXPECT_EQ(result.findings[0].reason,
            "listening on insecure tcp ports 23 (telnet), 2323 (telnet)");

  AuditSettings settings;
  settings.insecure_ports = {8080, 443};
  result = Audit("INSECURE_LISTENING_PORTS_CHECK", registry, settings);
  EXPECT_THAT(ResourceIds(result), ElementsAre("cam-0001", "cam-0002"));
  EXPECT_EQ(result.findings[0].reason, "listening on insecure tcp ports 8080");
}

TEST(DeviceSilentCheckTest, FlagsActiveDevicesNotSeenWithinTheThreshold) {
  Registry registry;
  registry.devices["silent"] = MakeDevice("silent");
  registry.devices["silent"].last_seen = kNow - 56 * kDay;
  registry.devices["recent"] = MakeDevice("recent");
  registry.devices["recent"].last_seen = kNow - 29 * kDay;
  registry.devices["never-seen"] = MakeDevice("never-seen");
  registry.devices["retired"] = MakeDevice("retired");
  registry.devices["retired"].last_seen = kNow - 400 * kDay;
  registry.devices["retired"].active = false;

  CheckResult result = Audit("DEVICE_SILENT_CHECK", registry);
  EXPECT_EQ(result.resources_evaluated, 2);
  ASSERT_THAT(result.findings, SizeIs(1));
  EXPECT_EQ(result.findings[0].severity, Severity::kLow);
  EXPECT_EQ(result.findings[0].resource, (ResourceRef{"DEVICE", "silent"}));
  EXPECT_EQ(result.findings[0].reason_code, "DEVICE_SILENT_PAST_THRESHOLD");
  EXPECT_EQ(result.findings[0].reason,
            "device last seen 2026-10-01T00:00:00Z (56 days ago; threshold 30 days)");

  AuditSettings settings;
  settings.silent_device_days = 7;
  EXPECT_THAT(ResourceIds(Audit("DEVICE_SILENT_CHECK", registry, settings)),
              ElementsAre("recent", "silent"));
}

}  // namespace
}  // namespace warden::audit
