// The loader on valid input: every field lands where the engine expects it.

#include "rules/loader.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warden::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

constexpr char kFleet[] = R"(# lists, profiles and an inventory in one file
list: trusted
type: cidr
values: [10.0.0.0/8, "2001:db8::/32"]
---
profile: cameras
description: camera rules
targets:
  groups: [cameras]
  attributes: {model: cam-x}
behaviours:
  - name: upload
    metric: aws:all-bytes-out
    operator: less-than-equals
    value: 1.5e6
    duration_seconds: 600
    consecutive_datapoints_to_alarm: 3
    consecutive_datapoints_to_clear: 4
    severity: critical
    labels: {team: video, tier: gold}
    suppress_alerts: true
    description: at most 1.5 MB per 10 minutes
  - name: trusted-only
    metric: aws:destination-ip-addresses
    operator: in-cidr-set
    list: trusted
  - name: no-telnet
    metric: aws:listening-tcp-ports
    operator: not-in-port-set
    value: [23, "6000-6010"]
---
profile: everyone
targets: all
behaviours:
  - name: trusted-only
    metric: aws:destination-ip-addresses
    operator: in-cidr-set
    list: trusted
  - name: firmware
    metric: firmware_version
    operator: in-set
    value: [v2, v1]
  - name: temperature
    metric: temperature
    operator: less-than
    value: 80
    duration_seconds: 60
  - name: error-codes
    metric: error_codes
    operator: not-in-set
    list: bad-codes
  - name: peers
    metric: peer_ips
    operator: in-cidr-set
    value: [192.168.0.0/16]
---
list: bad-codes
type: number
values: [3, 1, 2, 2]
---
devices:
  - name: cam-1
    groups: [cameras, outdoor]
    attributes: {model: cam-x}
  - name: cam-2
    groups: [cameras]
    attributes: {model: cam-y}
)";

LoadResult Load(const std::string& content) { return LoadRules({{"fleet.yaml", content}}); }

const Profile& FindProfile(const RuleSet& rules, const std::string& name) {
  for (const Profile& p : rules.profiles) {
    if (p.name == name) return p;
  }
  ADD_FAILURE() << "no profile " << name;
  return rules.profiles.front();
}

const Behaviour& FindBehaviour(const Profile& profile, const std::string& name) {
  for (const Behaviour& b : profile.behaviours) {
    if (b.name == name) return b;
  }
  ADD_FAILURE() << "no behaviour " << name;
  return profile.behaviours.front();
}

TEST(LoaderTest, MultiDocumentFileLoadsEveryField) {
  LoadResult result = Load(kFleet);
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  EXPECT_THAT(result.diagnostics, IsEmpty());
  const RuleSet& rules = *result.rules;
  ASSERT_EQ(rules.profiles.size(), 2u);

  const Profile& cameras = FindProfile(rules, "cameras");
  EXPECT_EQ(cameras.description, "camera rules");
  EXPECT_FALSE(cameras.targets.all);
  EXPECT_THAT(cameras.targets.groups, ElementsAre("cameras"));
  EXPECT_THAT(cameras.targets.attributes, ElementsAre(Pair("model", "cam-x")));
  EXPECT_EQ(cameras.location.file, "fleet.yaml");
  EXPECT_EQ(cameras.location.line, 6);
  EXPECT_EQ(cameras.location.column, 10);
  ASSERT_EQ(cameras.behaviours.size(), 3u);

  const Behaviour& upload = cameras.behaviours[0];
  EXPECT_EQ(upload.name, "upload");
  EXPECT_EQ(upload.metric.id, "aws:all-bytes-out");
  EXPECT_EQ(upload.metric.builtin, BuiltinMetric::kAllBytesOut);
  EXPECT_EQ(upload.metric.type, ValueType::kNumber);
  EXPECT_TRUE(upload.metric.delta);
  EXPECT_EQ(upload.op, Operator::kLessThanEquals);
  EXPECT_EQ(upload.value, 1.5e6);
  EXPECT_EQ(upload.list, nullptr);
  EXPECT_EQ(upload.duration_seconds, 600);
  EXPECT_EQ(upload.consecutive_datapoints_to_alarm, 3);
  EXPECT_EQ(upload.consecutive_datapoints_to_clear, 4);
  EXPECT_EQ(upload.severity, Severity::kCritical);
  EXPECT_THAT(upload.labels, ElementsAre(Pair("team", "video"), Pair("tier", "gold")));
  EXPECT_TRUE(upload.suppress_alerts);
  EXPECT_EQ(upload.location.line, 12);  // the name
  EXPECT_EQ(upload.location.column, 11);
  EXPECT_NE(upload.fingerprint, 0u);
  EXPECT_EQ(upload.key, BehaviourKey("cameras", "upload"));  // where its baselines are kept

  const Behaviour& no_telnet = cameras.behaviours[2];
  EXPECT_EQ(no_telnet.op, Operator::kNotInPortSet);
  EXPECT_EQ(no_telnet.severity, Severity::kMedium);  // defaults
  EXPECT_EQ(no_telnet.consecutive_datapoints_to_alarm, 1);
  EXPECT_EQ(no_telnet.consecutive_datapoints_to_clear, 1);
  EXPECT_FALSE(no_telnet.suppress_alerts);
  EXPECT_EQ(no_telnet.duration_seconds, 0);
  ASSERT_NE(no_telnet.list, nullptr);
  EXPECT_EQ(no_telnet.list->name, "");  // inline
  EXPECT_EQ(no_telnet.list->type, ListType::kPort);
  EXPECT_EQ(no_telnet.list->entries, 2u);
  EXPECT_TRUE(no_telnet.list->ports.Contains(23));
  EXPECT_TRUE(no_telnet.list->ports.Contains(6005));
  EXPECT_FALSE(no_telnet.list->ports.Contains(22));
}

TEST(LoaderTest, NamedListsAreSharedByEveryBehaviourNamingThem) {
  LoadResult result = Load(kFleet);
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const RuleSet& rules = *result.rules;
  const NamedList* trusted = rules.lists.at("trusted").get();
  EXPECT_EQ(FindBehaviour(FindProfile(rules, "cameras"), "trusted-only").list.get(), trusted);
  EXPECT_EQ(FindBehaviour(FindProfile(rules, "everyone"), "trusted-only").list.get(), trusted);
  EXPECT_EQ(trusted->type, ListType::kCidr);
  EXPECT_EQ(trusted->file, "fleet.yaml");
  EXPECT_EQ(trusted->entries, 2u);
  ASSERT_NE(trusted->cidrs.Find(*ParseIp("10.9.8.7")), nullptr);
  EXPECT_EQ(*trusted->cidrs.Find(*ParseIp("2001:db8::5")), "2001:db8::/32");
  EXPECT_EQ(rules.lists.at("bad-codes")->numbers, (std::vector<double>{1, 2, 3}));
}

TEST(LoaderTest, CustomMetricTypesComeFromOperatorAndList) {
  LoadResult result = Load(kFleet);
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const Profile& everyone = FindProfile(*result.rules, "everyone");

  const Behaviour& firmware = FindBehaviour(everyone, "firmware");
  EXPECT_EQ(firmware.metric.builtin, BuiltinMetric::kCustom);
  EXPECT_EQ(firmware.metric.type, ValueType::kStringList);
  EXPECT_TRUE(firmware.list->ContainsString("v1"));
  EXPECT_FALSE(firmware.list->ContainsString("v3"));

  const Behaviour& temperature = FindBehaviour(everyone, "temperature");
  EXPECT_EQ(temperature.metric.type, ValueType::kNumber);
  EXPECT_TRUE(temperature.metric.delta);  // custom numbers are summed over the window
  EXPECT_EQ(temperature.duration_seconds, 60);

  const Behaviour& codes = FindBehaviour(everyone, "error-codes");
  EXPECT_EQ(codes.metric.type, ValueType::kNumberList);
  EXPECT_TRUE(codes.list->ContainsNumber(2));

  const Behaviour& peers = FindBehaviour(everyone, "peers");
  EXPECT_EQ(peers.metric.type, ValueType::kIpList);
  EXPECT_NE(peers.list->cidrs.Find(*ParseIp("192.168.3.4")), nullptr);
}

TEST(LoaderTest, InventoryDrivesTargeting) {
  LoadResult result = Load(kFleet);
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const RuleSet& rules = *result.rules;
  ASSERT_EQ(rules.devices.size(), 2u);
  EXPECT_THAT(rules.devices.at("cam-1").groups, ElementsAre("cameras", "outdoor"));
  const Profile& cameras = FindProfile(rules, "cameras");
  EXPECT_TRUE(rules.TargetsDevice(cameras, "cam-1"));
  EXPECT_FALSE(rules.TargetsDevice(cameras, "cam-2"));    // model cam-y
  EXPECT_FALSE(rules.TargetsDevice(cameras, "unknown"));  // not in the inventory
  EXPECT_TRUE(rules.TargetsDevice(FindProfile(rules, "everyone"), "unknown"));
}

// A one-behaviour profile with the given targets.
std::string ProfileWithTargets(const std::string& targets) {
  return "profile: p\n" + targets +
         "\nbehaviours:\n"
         "  - {name: b, metric: aws:all-bytes-in, operator: less-than, value: 1}\n";
}

TEST(LoaderTest, TargetsAllForms) {
  for (const char* targets : {"targets: all", "targets: {all: true}", "targets:\n  all: true"}) {
    LoadResult result = Load(ProfileWithTargets(targets));
    ASSERT_TRUE(result.ok()) << targets << "\n" << FormatDiagnostics(result.diagnostics);
    EXPECT_TRUE(result.rules->profiles[0].targets.all) << targets;
  }
}

TEST(LoaderTest, TargetsByAttributesOnly) {
  LoadResult result = Load(ProfileWithTargets("targets: {attributes: {site: lab}}") +
                           "---\ndevices: [{name: d, attributes: {site: lab}}]\n");
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const Profile& p = result.rules->profiles[0];
  EXPECT_THAT(p.targets.groups, IsEmpty());
  EXPECT_THAT(p.targets.attributes, ElementsAre(Pair("site", "lab")));
  EXPECT_TRUE(result.rules->TargetsDevice(p, "d"));
}

TEST(LoaderTest, GroupWithoutDevicesIsOnlyAWarning) {
  LoadResult result = Load(ProfileWithTargets("targets: {groups: [doorbells]}"));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(FormatDiagnostics(result.diagnostics),
            "fleet.yaml:2:20: warning: no device in the inventory is in group 'doorbells', so "
            "this target selects nothing [W_EMPTY_TARGET]\n"
            "    targets: {groups: [doorbells]}\n"
            "                       ^\n"
            "  in profile 'p' (fleet.yaml:1:10)\n"
            "1 warning\n");
}

// The fingerprint of the only behaviour of the only profile in `yaml`.
uint64_t FingerprintOf(const std::string& behaviour, const std::string& more = "") {
  LoadResult result =
      Load("profile: p\ntargets: all\nbehaviours:\n  - name: b\n" + behaviour + more);
  EXPECT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  return result.ok() ? result.rules->profiles[0].behaviours[0].fingerprint : 0;
}

TEST(LoaderTest, FingerprintFollowsWhatDecidesViolations) {
  const std::string base = "    metric: aws:all-bytes-out\n    operator: less-than\n";
  const uint64_t fp = FingerprintOf(base + "    value: 100\n");
  EXPECT_EQ(fp, FingerprintOf(base + "    value: 100\n"));  // stable
  // Severity, labels and alert suppression do not decide violations.
  EXPECT_EQ(fp, FingerprintOf(base + "    value: 100\n    severity: high\n    labels: {a: b}\n"
                                     "    suppress_alerts: true\n"));
  EXPECT_NE(fp, FingerprintOf(base + "    value: 101\n"));
  EXPECT_NE(fp, FingerprintOf(base + "    value: 100\n    duration_seconds: 300\n"));
  EXPECT_NE(fp, FingerprintOf(base + "    value: 100\n    consecutive_datapoints_to_alarm: 2\n"));
  EXPECT_NE(fp, FingerprintOf(base + "    value: 100\n    consecutive_datapoints_to_clear: 2\n"));
  EXPECT_NE(fp, FingerprintOf("    metric: aws:all-bytes-in\n    operator: less-than\n"
                              "    value: 100\n"));
}

TEST(LoaderTest, FingerprintOfListsIgnoresOrderAndNamedListContents) {
  const std::string ports = "    metric: aws:listening-tcp-ports\n    operator: in-port-set\n";
  EXPECT_EQ(FingerprintOf(ports + "    value: [22, 443]\n"),
            FingerprintOf(ports + "    value: [443, 22]\n"));
  EXPECT_NE(FingerprintOf(ports + "    value: [22, 443]\n"),
            FingerprintOf(ports + "    value: [22, 8443]\n"));
  // A named list is identified by its name: editing it keeps alarm state.
  EXPECT_EQ(FingerprintOf(ports + "    list: l\n", "---\n{list: l, type: port, values: [1]}\n"),
            FingerprintOf(ports + "    list: l\n", "---\n{list: l, type: port, values: [2]}\n"));
}

TEST(LoaderTest, EmptyInputAndEmptyDocumentsLoadNothing) {
  LoadResult result = LoadRules({{"empty.yaml", ""}, {"comments.yaml", "# nothing\n---\n---\n"}});
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(result.diagnostics, IsEmpty());
  EXPECT_THAT(result.rules->profiles, IsEmpty());
}

TEST(LoaderTest, HostileYamlNeverThrows) {
  const char* inputs[] = {
      "a: &x [*x]\n",
      "profile: *undefined\n",
      "? [a, b]\n: c\n",
      "profile: p\ntargets: all\nbehaviours:\n  - {[x]: 1, name: b}\n",
      "%YAML 9.9\n---\na: 1\n",
      "\xc3\x28 invalid utf-8: [\n",
      "profile: {a: b}\nbehaviours: {}\n",
      "list: l\ntype: port\nvalues: [[1], {a: 2}, ~, -1, 1.5, 99999999999, 5-, -5, a-b]\n",
      "devices: {a: b}\n",
      "devices: [1, [2], {name: [3]}]\n",
      "!!binary profile: x\n",
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
  };
  for (const char* input : inputs) {
    LoadResult result = Load(input);
    EXPECT_FALSE(result.ok()) << input;
    EXPECT_THAT(result.diagnostics, Not(IsEmpty())) << input;
  }
}

}  // namespace
}  // namespace warden::rules
