// Country entries of cidr lists, against a small MaxMind DB built at test time
// (tests/rules/make_test_mmdb.pl).
#include "rules/geoip.h"

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/lists.h"
#include "rules/loader.h"
#include "tests/rules/test_mmdb.h"

namespace warden::rules {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

IpAddress Ip(const char* text) {
  std::optional<IpAddress> ip = ParseIp(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpAddress{});
}

std::shared_ptr<const GeoIpDatabase> OpenTestDatabase() {
  absl::StatusOr<std::shared_ptr<const GeoIpDatabase>> db = GeoIpDatabase::Open(TestMmdbPath());
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *db : nullptr;
}

std::string Match(const CidrSet& set, const char* ip) {
  const std::string* entry = set.Find(Ip(ip));
  return entry == nullptr ? "" : *entry;
}

TEST(GeoIpDatabaseTest, CountryOfIpv4Ipv6AndV4MappedAddresses) {
  std::shared_ptr<const GeoIpDatabase> db = OpenTestDatabase();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->database_type(), "Warden-Test-Country");
  EXPECT_EQ(db->Country(Ip("1.0.0.1")), "CN");
  EXPECT_EQ(db->Country(Ip("1.0.0.255")), "CN");
  EXPECT_EQ(db->Country(Ip("1.0.1.0")), "");
  EXPECT_EQ(db->Country(Ip("5.8.200.1")), "RU");
  EXPECT_EQ(db->Country(Ip("::ffff:5.8.200.1")), "RU");  // v4-mapped: the IPv4 data
  EXPECT_EQ(db->Country(Ip("2001:db8:cafe:1::1")), "CN");
  EXPECT_EQ(db->Country(Ip("2001:db8:beef::")), "DE");
}

TEST(GeoIpDatabaseTest, CountryFallsBackToRegisteredCountry) {
  std::shared_ptr<const GeoIpDatabase> db = OpenTestDatabase();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->Country(Ip("198.51.100.9")), "US");  // country wins over registered GB
  EXPECT_EQ(db->Country(Ip("203.0.113.9")), "JP");   // registered_country only
  EXPECT_EQ(db->Country(Ip("192.0.2.9")), "");       // a record without a code
}

TEST(GeoIpDatabaseTest, AddressesNotInTheDatabaseHaveNoCountry) {
  std::shared_ptr<const GeoIpDatabase> db = OpenTestDatabase();
  ASSERT_NE(db, nullptr);
  for (const char* absent : {"8.8.8.8", "0.0.0.0", "255.255.255.255", "2001:db8:1::1", "::", "::1",
                             "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    EXPECT_EQ(db->Country(Ip(absent)), "") << absent;
  }
}

TEST(GeoIpDatabaseTest, MissingAndCorruptFilesAreClearErrors) {
  const std::string dir = ::testing::TempDir();
  const std::string missing = dir + "warden-no-such.mmdb";
  absl::StatusOr<std::shared_ptr<const GeoIpDatabase>> db = GeoIpDatabase::Open(missing);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(db.status().message(),
            "cannot open geoip database '" + missing + "': No such file or directory");

  const std::string garbage = dir + "warden-garbage.mmdb";
  std::ofstream(garbage) << "this is not a MaxMind DB\n";
  db = GeoIpDatabase::Open(garbage);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db.status().message(),
            "geoip database '" + garbage +
                "' is not a MaxMind DB file (The MaxMind DB file contains invalid metadata)");

  // A real database cut short loses its metadata, at the end of the file.
  const std::string truncated = dir + "warden-truncated.mmdb";
  fs::copy_file(TestMmdbPath(), truncated, fs::copy_options::overwrite_existing);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  db = GeoIpDatabase::Open(truncated);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(db.status().message(), HasSubstr("is not a MaxMind DB file"));
  fs::remove(garbage);
  fs::remove(truncated);
}

TEST(CidrSetCountryTest, CountryEntriesMatchAfterBlocks) {
  CidrSet set;
  ASSERT_TRUE(set.AddCountry("country:CN").ok());
  ASSERT_TRUE(set.AddCountry("country:JP").ok());
  ASSERT_TRUE(set.Add("1.0.0.128/25").ok());  // inside CN's network: the block is reported
  ASSERT_TRUE(set.Add("10.0.0.0/8").ok());
  set.Finalize();
  set.SetGeoIp(OpenTestDatabase());
  EXPECT_EQ(Match(set, "1.0.0.1"), "country:CN");
  EXPECT_EQ(Match(set, "::ffff:1.0.0.1"), "country:CN");  // as a device may report it
  EXPECT_EQ(Match(set, "2001:db8:cafe::7"), "country:CN");
  EXPECT_EQ(Match(set, "1.0.0.200"), "1.0.0.128/25");
  EXPECT_EQ(Match(set, "10.1.2.3"), "10.0.0.0/8");
  EXPECT_EQ(Match(set, "203.0.113.1"), "country:JP");  // registered country
  EXPECT_EQ(Match(set, "5.8.0.1"), "");                // RU: not in the list
  EXPECT_EQ(Match(set, "2001:db8:beef::1"), "");       // DE: not in the list
  EXPECT_EQ(Match(set, "8.8.8.8"), "");                // not in the database
  EXPECT_EQ(Match(set, "192.0.2.1"), "");              // no code in its record
}

TEST(CidrSetCountryTest, ConcurrentLookupsShareOneDatabase) {
  CidrSet set;
  ASSERT_TRUE(set.AddCountry("country:RU").ok());
  ASSERT_TRUE(set.AddCountry("country:DE").ok());
  set.Finalize();
  set.SetGeoIp(OpenTestDatabase());
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const IpAddress ru = Ip("5.8.1.2"), de = Ip("2001:db8:beef::2"), none = Ip("1.0.0.1");
      for (int i = 0; i < 20000; ++i) {
        const std::string* a = set.Find(ru);
        const std::string* b = set.Find(de);
        if (a == nullptr || *a != "country:RU" || b == nullptr || *b != "country:DE" ||
            set.Find(none) != nullptr) {
          ++wrong[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

class GeoIpLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("warden_geoip_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }

  static LoadOptions WithDatabase(std::string path) {
    LoadOptions options;
    options.geoip_database = std::move(path);
    return options;
  }

  fs::path dir_;
};

constexpr char kCountryLists[] = R"(list: deny
type: cidr
values: [country:CN, country:RU, 203.0.113.0/24]
---
list: allow-de
type: cidr
values: ["2001:db8:cafe::/48", country:DE]
---
profile: p
targets: all
behaviours:
  - name: no-deny
    metric: aws:destination-ip-addresses
    operator: not-in-cidr-set
    list: deny
  - name: peers
    metric: peer_ips
    operator: in-cidr-set
    value: [country:JP]
)";

TEST_F(GeoIpLoaderTest, CountryEntriesInNamedAndInlineLists) {
  LoadResult result = LoadRules({{"lists.yaml", kCountryLists}}, WithDatabase(TestMmdbPath()));
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const NamedList& deny = *result.rules->lists.at("deny");
  EXPECT_EQ(deny.entries, 3u);
  EXPECT_EQ(deny.cidrs.country_count(), 2u);
  EXPECT_EQ(Match(deny.cidrs, "1.0.0.9"), "country:CN");
  EXPECT_EQ(Match(deny.cidrs, "::ffff:5.8.0.9"), "country:RU");
  EXPECT_EQ(Match(deny.cidrs, "2001:db8:cafe::1"), "country:CN");
  EXPECT_EQ(Match(deny.cidrs, "203.0.113.9"), "203.0.113.0/24");
  EXPECT_EQ(Match(deny.cidrs, "198.51.100.1"), "");  // US
  EXPECT_EQ(Match(deny.cidrs, "8.8.8.8"), "");       // not in the database

  const NamedList& allow = *result.rules->lists.at("allow-de");
  EXPECT_EQ(Match(allow.cidrs, "2001:db8:cafe::1"), "2001:db8:cafe::/48");
  EXPECT_EQ(Match(allow.cidrs, "2001:db8:beef::1"), "country:DE");

  const Behaviour& peers = result.rules->profiles[0].behaviours[1];
  ASSERT_NE(peers.list, nullptr);
  EXPECT_EQ(Match(peers.list->cidrs, "203.0.113.1"), "country:JP");

  // One database per load, shared by every list that has country entries.
  EXPECT_NE(deny.cidrs.geoip(), nullptr);
  EXPECT_EQ(deny.cidrs.geoip(), allow.cidrs.geoip());
  EXPECT_EQ(deny.cidrs.geoip(), peers.list->cidrs.geoip());
  // A reload opens the database again (a new file renamed over the old one is seen).
  LoadResult again = LoadRules({{"lists.yaml", kCountryLists}}, WithDatabase(TestMmdbPath()));
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again.rules->lists.at("deny")->cidrs.geoip(), deny.cidrs.geoip());
}

TEST_F(GeoIpLoaderTest, CountryEntriesWithoutADatabaseAreAnErrorAtTheFirstOfEachList) {
  LoadResult result = LoadRules({{"lists.yaml", kCountryLists}});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(
      FormatDiagnostics(result.diagnostics),
      R"(lists.yaml:3:10: error: cannot use country entry 'country:CN': country entries need a geoip database, and none is configured (wardend: geoip_database in the config or --geoip-database) [E_GEOIP]
    values: [country:CN, country:RU, 203.0.113.0/24]
             ^
  in list 'deny' (lists.yaml:1:7)
lists.yaml:7:32: error: cannot use country entry 'country:DE': country entries need a geoip database, and none is configured (wardend: geoip_database in the config or --geoip-database) [E_GEOIP]
    values: ["2001:db8:cafe::/48", country:DE]
                                   ^
  in list 'allow-de' (lists.yaml:5:7)
lists.yaml:19:13: error: cannot use country entry 'country:JP': country entries need a geoip database, and none is configured (wardend: geoip_database in the config or --geoip-database) [E_GEOIP]
        value: [country:JP]
                ^
  in behaviour 'peers' of profile 'p' (lists.yaml:16:5)
3 errors
)");
}

TEST_F(GeoIpLoaderTest, CorruptOrMissingDatabaseIsAnErrorAtTheCountryEntry) {
  const std::string corrupt = Write("corrupt.mmdb", std::string(4096, '\x42'));
  LoadResult result =
      LoadRules({{"deny.yaml", "list: deny\ntype: cidr\nvalues: [10.0.0.0/8, country:CN]\n"}},
                WithDatabase(corrupt));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(FormatDiagnostics(result.diagnostics),
            "deny.yaml:3:22: error: cannot use country entry 'country:CN': geoip database '" +
                corrupt +
                "' is not a MaxMind DB file (The MaxMind DB file contains invalid metadata) "
                "[E_GEOIP]\n"
                "    values: [10.0.0.0/8, country:CN]\n"
                "                         ^\n"
                "  in list 'deny' (deny.yaml:1:7)\n"
                "1 error\n");

  const std::string missing = (dir_ / "missing.mmdb").string();
  result = LoadRules({{"deny.yaml", "list: deny\ntype: cidr\nvalues: [country:CN]\n"}},
                     WithDatabase(missing));
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].code, "E_GEOIP");
  EXPECT_EQ(result.diagnostics[0].message,
            "cannot use country entry 'country:CN': cannot open geoip database '" + missing +
                "': No such file or directory");
}

TEST_F(GeoIpLoaderTest, ADatabaseThatIsNotUsedIsNotOpened) {
  LoadResult result = LoadRules({{"deny.yaml", "list: deny\ntype: cidr\nvalues: [10.0.0.0/8]\n"}},
                                WithDatabase((dir_ / "missing.mmdb").string()));
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  EXPECT_EQ(result.rules->lists.at("deny")->cidrs.geoip(), nullptr);
}

TEST_F(GeoIpLoaderTest, BadCountryCodesAreValueErrors) {
  LoadResult result = LoadRules(
      {{"deny.yaml",
        "list: deny\ntype: cidr\nvalues: [country:cn, country:CHN, country:UK, country:RU]\n"}},
      WithDatabase(TestMmdbPath()));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(
      FormatDiagnostics(result.diagnostics),
      R"(deny.yaml:3:10: error: country entry 'country:cn' needs a two-letter upper-case ISO 3166-1 code (did you mean country:CN?) [E_LIST_VALUE]
    values: [country:cn, country:CHN, country:UK, country:RU]
             ^
  in list 'deny' (deny.yaml:1:7)
deny.yaml:3:22: error: country entry 'country:CHN' needs a two-letter upper-case ISO 3166-1 code such as country:CN [E_LIST_VALUE]
    values: [country:cn, country:CHN, country:UK, country:RU]
                         ^
  in list 'deny' (deny.yaml:1:7)
deny.yaml:3:35: error: country entry 'country:UK' is not an ISO 3166-1 country code (the United Kingdom is country:GB) [E_LIST_VALUE]
    values: [country:cn, country:CHN, country:UK, country:RU]
                                      ^
  in list 'deny' (deny.yaml:1:7)
3 errors
)");
}

TEST_F(GeoIpLoaderTest, CountryEntriesInAListFile) {
  Write("deny.txt",
        "# countries and blocks\ncountry:CN\n203.0.113.0/24\ncountry:RU  # sanctions\n");
  const std::string yaml = Write("deny.yaml", "list: deny\ntype: cidr\nfile: deny.txt\n");
  LoadResult result = LoadRulesFromPaths({yaml}, WithDatabase(TestMmdbPath()));
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const NamedList& deny = *result.rules->lists.at("deny");
  EXPECT_EQ(deny.entries, 3u);
  EXPECT_EQ(Match(deny.cidrs, "5.8.1.1"), "country:RU");
  EXPECT_EQ(Match(deny.cidrs, "1.0.0.1"), "country:CN");
  EXPECT_EQ(Match(deny.cidrs, "203.0.113.1"), "203.0.113.0/24");
}

}  // namespace
}  // namespace warden::rules
