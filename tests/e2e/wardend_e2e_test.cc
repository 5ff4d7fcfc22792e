// End to end: the built wardend and wardenctl binaries, as an operator runs them.
// wardend serves the shipped example profiles (deploy/profiles) on 127.0.0.1 with
// free ports and a temp data dir; reports go in as AWS JSON documents through
// `wardenctl push`; the daemon is killed with SIGKILL and restarted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e_util.h"
#include "nlohmann/json.hpp"

namespace warden::e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Json = nlohmann::json;

// The AWS documentation's report shape, long names: telnet (23) is listening.
constexpr char kLongReport[] = R"({
  "header": {"report_id": 1530304554, "version": "1.0"},
  "metrics": {
    "listening_tcp_ports": {
      "ports": [{"interface": "eth0", "port": 22}, {"interface": "eth0", "port": 23}],
      "total": 2
    },
    "listening_udp_ports": {"ports": [{"interface": "eth0", "port": 5353}], "total": 1},
    "network_stats": {"bytes_in": 29358, "bytes_out": 26485, "packets_in": 100, "packets_out": 80},
    "tcp_connections": {
      "established_connections": {
        "connections": [{"local_interface": "eth0", "local_port": 443,
                         "remote_addr": "52.94.1.2:443"}],
        "total": 1
      }
    }
  },
  "custom_metrics": {"cpu_temperature": [{"number": 61.5}]}
})";

// The same kind of document in short names: a connection to a threat-intel address.
constexpr char kShortReport[] = R"({
  "hed": {"rid": 1530305554, "v": "1.0"},
  "met": {
    "tp": {"pts": [{"if": "eth0", "pt": 443}], "t": 1},
    "ns": {"bi": 100, "bo": 200, "pi": 3, "po": 4},
    "tc": {"ec": {"cs": [{"li": "eth0", "lp": 50123, "rad": "[2001:db8::1]:443"},
                         {"li": "eth0", "lp": 50124, "rad": "203.0.113.66:4444"}], "t": 2}}
  }
})";

class WardendE2ETest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir("warden-e2e"); }
  void TearDown() override {
    wardend_.reset();
    fs::remove_all(dir_);
  }

  // Starts (or restarts) wardend on the shipped profiles and a data dir in dir_.
  void Start() {
    wardend_.reset();
    wardend_ = std::make_unique<Wardend>();
    std::string error;
    ASSERT_TRUE(wardend_->Start(
        dir_, {"--data-dir", (dir_ / "data").string(), "--profiles", kProfiles}, &error))
        << error;
    grpc_ = wardend_->grpc();
    metrics_ = wardend_->metrics();
  }
  void Kill(int sig) { wardend_->Kill(sig); }
  std::string Log() const { return ReadFile(dir_ / "wardend.log"); }
  std::string WriteFile(const std::string& name, const std::string& content) {
    e2e::WriteFile(dir_ / name, content);
    return (dir_ / name).string();
  }
  Result Ctl(const std::string& args) {
    return RunShell(kWardenctl + " --server " + grpc_ + " " + args);
  }

  // Active violations as (device, behaviour, violation id) via wardenctl's JSON output.
  std::vector<std::tuple<std::string, std::string, std::string>> Violations() {
    Result r = Ctl("--output json violations list");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    Json j = Json::parse(r.output, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.output;
    if (j.is_discarded() || !j.contains("violations")) return out;
    for (const Json& v : j["violations"]) {
      out.emplace_back(v.value("device_id", ""), v.value("behaviour", ""),
                       v.value("violation_id", ""));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
  std::unique_ptr<Wardend> wardend_;
  std::string grpc_;
  std::string metrics_;
};

TEST_F(WardendE2ETest, AwsReportsRaiseViolationsThatSurviveKill9) {
  Start();
  const std::string long_report = WriteFile("long.json", kLongReport);
  const std::string short_report = WriteFile("short.json", kShortReport);

  Result r = Ctl("push --device cam-long " + long_report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("accepted"));
  r = Ctl("push --device cam-short " + short_report);
  ASSERT_EQ(r.exit_code, 0) << r.output;

  auto before = Violations();
  ASSERT_EQ(before.size(), 2u) << Ctl("violations list").output;
  EXPECT_EQ(std::get<0>(before[0]), "cam-long");
  EXPECT_EQ(std::get<1>(before[0]), "no-risky-tcp-ports");
  EXPECT_EQ(std::get<0>(before[1]), "cam-short");
  EXPECT_EQ(std::get<1>(before[1]), "no-threat-intel-destinations");

  // The table names the offending values.
  r = Ctl("violations list");
  EXPECT_THAT(r.output, HasSubstr("203.0.113.66"));

  // Every acknowledged report's effect survives SIGKILL.
  Kill(SIGKILL);
  Start();
  EXPECT_EQ(Violations(), before);
  r = Ctl("--output json device show cam-long");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Json::parse(r.output).value("last_report_id", ""), "1530304554");

  // A replayed report changes nothing and is reported as a duplicate.
  r = Ctl("push --device cam-long " + long_report);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("duplicate"));

  // Both events are in the history.
  r = Ctl("--output json violations events --since 1000000h");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Json::parse(r.output)["events"].size(), 2u) << r.output;
}

TEST_F(WardendE2ETest, MalformedReportIsRefusedWithItsFieldPath) {
  Start();
  std::string bad = kShortReport;
  bad.replace(bad.find("203.0.113.66:4444"), 17, "203.0.113.66");
  Result r = Ctl("push --device cam-bad " + WriteFile("bad.json", bad));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("connections[1].remote_addr"));
  EXPECT_TRUE(Violations().empty());
}

TEST_F(WardendE2ETest, MetricsPassPromtoolAndCountViolations) {
  Start();
  ASSERT_EQ(Ctl("push --device cam-long " + WriteFile("long.json", kLongReport)).exit_code, 0);
  Result r = RunShell("curl -fsS http://" + metrics_ + "/metrics | promtool check metrics");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = RunShell("curl -fsS http://" + metrics_ + "/metrics");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("warden_violations_active{behaviour=\"no-risky-tcp-ports\","
                                  "profile=\"fleet-baseline\",severity=\"critical\"} 1"));
  EXPECT_THAT(r.output, HasSubstr("warden_ingest_reports_total{outcome=\"accepted\"} 1"));
  EXPECT_THAT(r.output, ::testing::Not(HasSubstr("cam-long")))
      << "device ids must never be metric labels";
}

// The value of sample `name` (labels included, as exposed) in a Prometheus text exposition
// (NaN if absent).
double Sample(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return std::nan("");
}

TEST_F(WardendE2ETest, MetricsCarryTheProcessOwnMemoryCpuAndStartTime) {
  Start();
  Result r = RunShell("curl -fsS http://" + metrics_ + "/metrics");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const double rss = Sample(r.output, "process_resident_memory_bytes");
  EXPECT_GT(rss, 1 << 20) << r.output;          // wardend holds more than 1 MiB ...
  EXPECT_LT(rss, 4.0 * (1 << 30)) << r.output;  // ... and is not reading someone else's
  EXPECT_GT(Sample(r.output, "process_cpu_seconds_total"), 0);
  EXPECT_GT(Sample(r.output, "process_open_fds"), 3);
  const double started = Sample(r.output, "process_start_time_seconds");
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(started, now - 120);  // started by this test
  EXPECT_LE(started, now + 1);
}

TEST_F(WardendE2ETest, MetricsCarryRocksDbMemoryAndDisk) {
  Start();
  ASSERT_EQ(Ctl("push --device cam-long " + WriteFile("long.json", kLongReport)).exit_code, 0);
  Result r = RunShell("curl -fsS http://" + metrics_ + "/metrics");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(Sample(r.output, "warden_store_memory_bytes{kind=\"memtables\"}"), 0) << r.output;
  EXPECT_GE(Sample(r.output, "warden_store_memory_bytes{kind=\"block_cache\"}"), 0) << r.output;
  EXPECT_GE(Sample(r.output, "warden_store_memory_bytes{kind=\"table_readers\"}"), 0) << r.output;
  EXPECT_GE(Sample(r.output, "warden_store_sst_bytes"), 0) << r.output;
}

TEST_F(WardendE2ETest, ValidateReportsEveryErrorWithPositionAndFailsTheExitCode) {
  const std::string bad = WriteFile("bad.yaml", R"(profile: p
targets: all
behaviours:
  - name: b
    metric: aws:all-bytes-out
    operator: greater-then
    value: 10
)");
  Result r = RunShell(kWardenctl + " validate " + bad);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr(bad + ":6:15: error: unknown operator 'greater-then'"));
  EXPECT_THAT(r.output, HasSubstr("[E_OPERATOR]"));

  r = RunShell(kWardenctl + " validate " + kProfiles);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(WardendE2ETest, BadConfigStopsWardendWithTheReason) {
  const std::string config = WriteFile("wardend.yaml", "listen: 127.0.0.1:0\nshardz: 4\n");
  Result r = RunShell(kWardend + " --config " + config);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr(config + ":2:1: error: unknown key 'shardz'"));
}

TEST_F(WardendE2ETest, BrokenProfilesOnSighupKeepTheRunningSet) {
  // A private copy of the profiles, to break.
  const fs::path profiles = dir_ / "profiles";
  fs::copy(kProfiles, profiles, fs::copy_options::recursive);
  wardend_ = std::make_unique<Wardend>();
  std::string error;
  ASSERT_TRUE(wardend_->Start(
      dir_, {"--data-dir", (dir_ / "data").string(), "--profiles", profiles.string()}, &error))
      << error;
  grpc_ = wardend_->grpc();

  std::ofstream(profiles / "broken.yaml") << "profile: [\n";
  wardend_->Signal(SIGHUP);
  EXPECT_TRUE(Eventually([&] { return Log().find("reload failed") != std::string::npos; }));
  EXPECT_THAT(Log(), HasSubstr("broken.yaml:2:1: error:"));
  Result r = Ctl("profiles reload");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("broken.yaml"));
  // Still serving the original set, and still raising on it.
  ASSERT_EQ(Ctl("push --device cam-long " + WriteFile("long.json", kLongReport)).exit_code, 0);
  EXPECT_EQ(Violations().size(), 1u);
}

}  // namespace
}  // namespace warden::e2e
