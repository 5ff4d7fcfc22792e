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

TEST_F(ConfigTest, MaxQueueDelayTakesZeroToDisableAndRefusesNegatives) {
  absl::StatusOr<ServerOptions> o = Load("max_queue_delay_ms: 50\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->engine.max_queue_delay_ms, 50);
  o = Load("max_queue_delay_ms: 0\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->engine.max_queue_delay_ms, 0);
  o = Load("shards: 2\nmax_queue_delay_ms: -5\n");
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(o.status().message(), HasSubstr("wardend.yaml:2:"));
  EXPECT_THAT(o.status().message(), HasSubstr("'max_queue_delay_ms' must be >= 0"));
}

TEST_F(ConfigTest, HotStateSecondsTakesZeroAndRefusesNegatives) {
  absl::StatusOr<ServerOptions> o = Load("hot_state_seconds: 0\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->engine.hot_state_seconds, 0);
  o = Load("shards: 2\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->engine.hot_state_seconds, 1);  // the default
  o = Load("hot_state_seconds: -1\n");
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(o.status().message(), HasSubstr("wardend.yaml:1:"));
  EXPECT_THAT(o.status().message(), HasSubstr("'hot_state_seconds' must be >= 0"));
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
