// Lists reload with the profiles: list files and the geoip database go through
// RulesManager, and a set whose list file is bad is refused as a whole.
#include <filesystem>
#include <fstream>

#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/config.h"
#include "services/metrics.h"
#include "services/rules_manager.h"
#include "tests/rules/test_mmdb.h"

namespace warden::services {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kProfile[] = R"(profile: p
targets: all
behaviours:
  - name: no-threats
    metric: aws:destination-ip-addresses
    operator: not-in-cidr-set
    list: threats
)";

class ListReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("warden_list_reload_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "profiles");
    Write("profiles/p.yaml", kProfile);
    Write("profiles/threats.yaml", "list: threats\ntype: cidr\nfile: threats.txt\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& relative, const std::string& content) {
    std::ofstream(dir_ / relative, std::ios::trunc) << content;
  }

  // What the running set's `threats` list matches for `ip`, or "".
  static std::string Match(const RulesManager& rules, const char* ip) {
    const rules::NamedList& list = *rules.current().evaluator->rules().lists.at("threats");
    const std::string* entry = list.cidrs.Find(*rules::ParseIp(ip));
    return entry == nullptr ? "" : *entry;
  }

  fs::path dir_;
  FakeClock clock_;
  Metrics metrics_{1};
};

TEST_F(ListReloadTest, ABadListFileLeavesTheRunningSetAndAFixedOneIsSwappedIn) {
  Write("profiles/threats.txt", "203.0.113.0/24\n");
  RulesManager rules((dir_ / "profiles").string(), &clock_, &metrics_);
  ASSERT_TRUE(rules.Reload().ok());
  ASSERT_EQ(rules.current().generation, 1);
  EXPECT_EQ(Match(rules, "203.0.113.9"), "203.0.113.0/24");

  // A feed update with a bad line: the whole set is refused, the old list stays.
  Write("profiles/threats.txt", "198.51.100.0/24\n198.51.100.300\n");
  absl::StatusOr<std::vector<rules::Diagnostic>> refused = rules.Reload();
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("threats.txt:2:1: error: cidr '198.51.100.300' has an invalid address"));
  EXPECT_EQ(rules.current().generation, 1);
  EXPECT_EQ(Match(rules, "203.0.113.9"), "203.0.113.0/24");
  EXPECT_EQ(Match(rules, "198.51.100.1"), "");

  // A missing list file is refused the same way.
  fs::remove(dir_ / "profiles" / "threats.txt");
  refused = rules.Reload();
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("cannot read list file"));
  EXPECT_EQ(rules.current().generation, 1);

  // The fixed feed reloads with the profiles.
  Write("profiles/threats.txt", "198.51.100.0/24\n");
  ASSERT_TRUE(rules.Reload().ok());
  EXPECT_EQ(rules.current().generation, 2);
  EXPECT_EQ(Match(rules, "198.51.100.1"), "198.51.100.0/24");
  EXPECT_EQ(Match(rules, "203.0.113.9"), "");
}

TEST_F(ListReloadTest, CountryEntriesUseTheConfiguredDatabase) {
  Write("profiles/threats.txt", "country:RU\n");
  RulesManager without((dir_ / "profiles").string(), &clock_, &metrics_);
  absl::StatusOr<std::vector<rules::Diagnostic>> refused = without.Reload();
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("threats.txt:1:1: error: cannot use country entry 'country:RU': country "
                        "entries need a geoip database, and none is configured"));

  rules::LoadOptions options;
  options.geoip_database = rules::TestMmdbPath();
  RulesManager with((dir_ / "profiles").string(), &clock_, &metrics_, options);
  ASSERT_TRUE(with.Reload().ok());
  EXPECT_EQ(Match(with, "5.8.1.1"), "country:RU");
  EXPECT_EQ(Match(with, "1.0.0.1"), "");

  // A database damaged in place: the reload is refused, the running set keeps its own.
  const std::string damaged = (dir_ / "damaged.mmdb").string();
  Write("damaged.mmdb", "not a database");
  options.geoip_database = damaged;
  RulesManager broken((dir_ / "profiles").string(), &clock_, &metrics_, options);
  refused = broken.Reload();
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("geoip database '" + damaged + "' is not a MaxMind DB file"));
}

TEST_F(ListReloadTest, ConfigKeyGeoipDatabaseIsRelativeToTheConfigFile) {
  Write("wardend.yaml", "profiles: profiles\ngeoip_database: geo/Country.mmdb\n");
  absl::StatusOr<ServerOptions> options =
      LoadConfigFile((dir_ / "wardend.yaml").string(), ServerOptions());
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->geoip_database, (dir_ / "geo" / "Country.mmdb").string());
  EXPECT_EQ(ServerOptions().geoip_database, "");

  Write("wardend.yaml", "geoip_database: [a, b]\n");
  options = LoadConfigFile((dir_ / "wardend.yaml").string(), ServerOptions());
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("'geoip_database' has the wrong type"));
}

}  // namespace
}  // namespace warden::services
