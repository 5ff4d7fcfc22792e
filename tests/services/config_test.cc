// The wardend config file: engine sizing keys.
#include "services/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace warden::services {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warden-config-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  absl::StatusOr<ServerOptions> Load(const std::string& yaml) {
    std::ofstream(dir_ / "wardend.yaml") << yaml;
    return LoadConfigFile((dir_ / "wardend.yaml").string(), ServerOptions());
  }
  fs::path dir_;
};

TEST_F(ConfigTest, CachedDevicesSizesTheStateCache) {
  absl::StatusOr<ServerOptions> o = Load("cached_devices: 1000\nshards: 4\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->engine.cached_devices, 1000u);
  EXPECT_EQ(o->engine.shards, 4);
  o = Load("shards: 2\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->engine.cached_devices, EngineOptions().cached_devices);  // the default
  o = Load("cached_devices: 0\n");
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(o.status().message(), HasSubstr("cached_devices"));
}

// Engine keys where 0 means something (off / always) and a negative value is refused with
// its position: each takes 50 and 0, and a negative on line 2 is reported there.
TEST_F(ConfigTest, ZeroIsAValueAndNegativesAreRefusedForQueueDelayAndHotStates) {
  for (const auto& [key, field] : {std::pair<std::string, int64_t EngineOptions::*>{
                                       "max_queue_delay_ms", &EngineOptions::max_queue_delay_ms},
                                   {"hot_state_seconds", &EngineOptions::hot_state_seconds}}) {
    for (int64_t value : {50, 0}) {
      absl::StatusOr<ServerOptions> o = Load(key + ": " + std::to_string(value) + "\n");
      ASSERT_TRUE(o.ok()) << o.status();
      EXPECT_EQ(o->engine.*field, value) << key;
    }
    absl::StatusOr<ServerOptions> o = Load("shards: 2\n" + key + ": -5\n");
    ASSERT_FALSE(o.ok()) << key;
    EXPECT_THAT(o.status().message(), HasSubstr("wardend.yaml:2:"));
    EXPECT_THAT(o.status().message(), HasSubstr("'" + key + "' must be >= 0"));
  }
  absl::StatusOr<ServerOptions> o = Load("shards: 2\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->engine.max_queue_delay_ms, 200);  // the defaults
  EXPECT_EQ(o->engine.hot_state_seconds, 1);
}

TEST_F(ConfigTest, RocksDbMemoryKeysSizeTheStore) {
  absl::StatusOr<ServerOptions> o = Load("block_cache_mib: 256\nstate_memtable_mib: 64\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->block_cache_mib, 256);
  EXPECT_EQ(o->state_memtable_mib, 64);
  o = Load("block_cache_mib: 0\n");
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(o.status().message(), HasSubstr("'block_cache_mib' must be > 0"));
}

TEST_F(ConfigTest, TheShippedConfigLoads) {
  absl::StatusOr<ServerOptions> o =
      LoadConfigFile(std::string(WARDEN_SOURCE_DIR) + "/deploy/wardend.yaml", ServerOptions());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->engine.cached_devices, 131072u);
  EXPECT_EQ(o->engine.max_queue_delay_ms, 200);
  EXPECT_EQ(o->engine.hot_state_seconds, 1);
}

}  // namespace
}  // namespace warden::services
