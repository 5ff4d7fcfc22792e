// LoadRulesFromPaths: the shipped example profiles, directory walking, unreadable paths.

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/loader.h"

namespace warden::rules {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Behaviour* FindBehaviour(const RuleSet& rules, const std::string& profile,
                               const std::string& behaviour) {
  for (const Profile& p : rules.profiles) {
    for (const Behaviour& b : p.behaviours) {
      if (p.name == profile && b.name == behaviour) return &b;
    }
  }
  return nullptr;
}

TEST(LoaderPathsTest, ExampleProfilesLoadCleanly) {
  LoadResult result = LoadRulesFromPaths({std::string(WARDEN_SOURCE_DIR) + "/deploy/profiles"});
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  EXPECT_THAT(result.diagnostics, IsEmpty()) << FormatDiagnostics(result.diagnostics);
  const RuleSet& rules = *result.rules;
  ASSERT_EQ(rules.profiles.size(), 3u);
  EXPECT_EQ(rules.lists.size(), 4u);
  EXPECT_EQ(rules.devices.size(), 10u);
  const auto cameras = std::find_if(rules.profiles.begin(), rules.profiles.end(),
                                    [](const Profile& p) { return p.name == "cameras"; });
  ASSERT_NE(cameras, rules.profiles.end());
  EXPECT_TRUE(rules.TargetsDevice(*cameras, "dev-00001"));
  EXPECT_FALSE(rules.TargetsDevice(*cameras, "dev-00011"));
}

// The demo's misbehaving devices break a behaviour; its normal devices break none.
TEST(LoaderPathsTest, ExampleProfilesCatchTheDemoMisbehaviour) {
  LoadResult result = LoadRulesFromPaths({std::string(WARDEN_SOURCE_DIR) + "/deploy/profiles"});
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const RuleSet& rules = *result.rules;

  const Behaviour* telnet = FindBehaviour(rules, "fleet-baseline", "no-risky-tcp-ports");
  ASSERT_NE(telnet, nullptr);
  EXPECT_TRUE(telnet->list->ports.Contains(23));
  for (uint32_t normal : {22, 443, 8883, 1883, 8080}) {
    EXPECT_FALSE(telnet->list->ports.Contains(normal)) << normal;
  }

  const Behaviour* threat = FindBehaviour(rules, "fleet-baseline", "no-threat-intel-destinations");
  ASSERT_NE(threat, nullptr);
  EXPECT_NE(threat->list->cidrs.Find(*ParseIp("203.0.113.66")), nullptr);
  EXPECT_EQ(threat->list->cidrs.Find(*ParseIp("52.94.10.20")), nullptr);

  const Behaviour* vendor = FindBehaviour(rules, "cameras", "vendor-cloud-only");
  ASSERT_NE(vendor, nullptr);
  EXPECT_NE(vendor->list->cidrs.Find(*ParseIp("52.94.10.20")), nullptr);
  EXPECT_EQ(vendor->list->cidrs.Find(*ParseIp("203.0.113.66")), nullptr);

  // Volumes differ by orders of magnitude between devices (the demo's 20-80 KB per
  // report, a camera's 50 MB): each device's own baseline, not one number.
  const Behaviour* bytes = FindBehaviour(rules, "fleet-baseline", "bytes-out-baseline");
  ASSERT_NE(bytes, nullptr);
  ASSERT_TRUE(bytes->baseline.has_value());
  EXPECT_EQ(bytes->baseline->confidence, Confidence::kMedium);
  EXPECT_TRUE(bytes->baseline->hourly);
  EXPECT_EQ(bytes->consecutive_datapoints_to_alarm, 2);

  const Behaviour* connections =
      FindBehaviour(rules, "fleet-baseline", "established-connections-baseline");
  ASSERT_NE(connections, nullptr);
  EXPECT_EQ(connections->consecutive_datapoints_to_alarm, 2);
  EXPECT_EQ(connections->consecutive_datapoints_to_clear, 2);

  // The cloud-side fixed thresholds and the placeholder egress list that matches
  // every address until the user fills it in.
  const Behaviour* egress = FindBehaviour(rules, "fleet-broker", "known-source-addresses");
  ASSERT_NE(egress, nullptr);
  EXPECT_NE(egress->list->cidrs.Find(*ParseIp("52.94.10.20")), nullptr);
  EXPECT_NE(egress->list->cidrs.Find(*ParseIp("2001:db8::1")), nullptr);
  ASSERT_NE(FindBehaviour(rules, "fleet-broker", "few-authorization-failures"), nullptr);
  ASSERT_NE(FindBehaviour(rules, "fleet-broker", "offline"), nullptr);
}

class LoaderDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("warden_rules_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& relative, const std::string& content) {
    fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }

  fs::path dir_;
};

TEST_F(LoaderDirectoryTest, ReadsYamlFilesRecursivelyInSortedOrder) {
  // Each file holds a list with a bad value, so the diagnostics show what was read.
  const std::string bad = "type: port\nvalues: [70000]\n";
  Write("b.yaml", "list: b\n" + bad);
  Write("a/z.yml", "list: az\n" + bad);
  Write("a/c.yaml", "list: ac\n" + bad);
  Write("notes.txt", "list: txt\n" + bad);            // not YAML by name
  Write(".hidden/x.yaml", "list: hidden\n" + bad);    // hidden directory
  Write("..data/y.yaml", "list: configmap\n" + bad);  // ConfigMap internals
  Write(".#editor.yaml", "list: editor\n" + bad);     // hidden file
  LoadResult result = LoadRulesFromPaths({dir_.string()});
  std::vector<std::string> files;
  for (const Diagnostic& d : result.diagnostics) {
    files.push_back(fs::relative(d.file, dir_).string());
  }
  EXPECT_THAT(files, ElementsAre("a/c.yaml", "a/z.yml", "b.yaml"));
}

TEST_F(LoaderDirectoryTest, FilesAndDirectoriesMixAndMissingPathsAreReported) {
  Write("lists/ports.yaml", "list: p\ntype: port\nvalues: [23]\n");
  Write("profile.yaml",
        "profile: p\ntargets: all\nbehaviours:\n"
        "  - {name: b, metric: aws:listening-tcp-ports, operator: not-in-port-set, list: p}\n");
  LoadResult ok = LoadRulesFromPaths({(dir_ / "profile.yaml").string(), (dir_ / "lists").string()});
  ASSERT_TRUE(ok.ok()) << FormatDiagnostics(ok.diagnostics);
  EXPECT_EQ(ok.rules->profiles[0].behaviours[0].list, ok.rules->lists.at("p"));

  const std::string missing = (dir_ / "missing.yaml").string();
  LoadResult failed = LoadRulesFromPaths({(dir_ / "profile.yaml").string(), missing});
  EXPECT_FALSE(failed.ok());
  // Only the unreadable path is reported: the list it may define is not blamed on
  // the profile that names it.
  EXPECT_EQ(FormatDiagnostics(failed.diagnostics),
            missing + ": error: cannot read: No such file or directory [E_IO]\n1 error\n");
}

}  // namespace
}  // namespace warden::rules
