// Statistical thresholds: a behaviour's threshold is a percentile across the fleet of
// the last complete window, from a mergeable sketch, with "insufficient data" until
// enough devices reported.
#include "detectors/fleet_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "detectors/evaluator.h"
#include "rules/loader.h"

namespace warden::detectors {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kT0 = int64_t{1'700'000'100} * kSecond;  // a 300 s window boundary
constexpr int64_t kWindow = 300 * kSecond;

std::shared_ptr<const rules::RuleSet> Rules(const std::string& behaviours) {
  rules::LoadResult r =
      rules::LoadRules({{"p.yaml", "profile: fleet\ntargets: all\nbehaviours:\n" + behaviours}});
  EXPECT_TRUE(r.ok()) << rules::FormatDiagnostics(r.diagnostics);
  return r.rules;
}

constexpr char kUploadP90[] = R"(  - name: upload
    metric: aws:all-bytes-out
    operator: less-than-equals
    statistic: p90
    min_devices: 10
)";

class FleetStatsTest : public ::testing::Test {
 protected:
  void Use(const std::string& behaviours) {
    evaluator_ = std::make_unique<Evaluator>(Rules(behaviours));
  }
  // A report of `bytes` from device `name` at `t`.
  void Report(const std::string& name, int64_t t, double bytes) {
    v1::DeviceState& s = states_[name];
    s.set_device_id(name);
    v1::MetricsReport r;
    r.mutable_header()->set_report_id(s.last_report_id() + 1);
    r.mutable_metrics()->mutable_network_stats()->set_bytes_out(static_cast<uint64_t>(bytes));
    evaluator_->ApplyReport(r, t, &s, &changes_, &fleet_);
  }
  std::vector<std::string> Raised() {
    std::vector<std::string> out;
    for (const v1::ViolationEvent& e : changes_.events) {
      if (e.type() == v1::IN_ALARM) out.push_back(e.device_id());
    }
    return out;
  }
  const rules::Profile& profile() const { return evaluator_->rules().profiles[0]; }
  const rules::Behaviour& behaviour() const { return profile().behaviours[0]; }

  std::unique_ptr<Evaluator> evaluator_;
  FleetStatistics fleet_;
  std::map<std::string, v1::DeviceState> states_;
  Changes changes_;
};

TEST_F(FleetStatsTest, InsufficientDataUntilEnoughDevicesReported) {
  Use(kUploadP90);
  // Window 0: 9 devices, one of them huge. Window 1: nobody can be judged yet.
  for (int i = 1; i <= 9; ++i) Report("d" + std::to_string(i), kT0 + i * kSecond, i * 1000.0);
  Report("d9", kT0 + kWindow + kSecond, 1e9);
  EXPECT_THAT(Raised(), IsEmpty());
  const FleetThreshold t = fleet_.Threshold(profile(), behaviour(), kT0 + kWindow + kSecond);
  EXPECT_FALSE(t.ready);
  EXPECT_EQ(t.devices, 9);
  EXPECT_EQ(t.min_devices, 10);
  EXPECT_EQ(t.window_start_us, kT0);
}

TEST_F(FleetStatsTest, ThresholdIsThePercentileOfTheLastCompleteWindow) {
  Use(kUploadP90);
  // Window 0: 20 devices report 1000, 2000, ..., 20000 bytes. Sorted, p90 is the value
  // at rank floor(0.9 * 19) = 17: 18000 (the sketch answers within 1 %).
  for (int i = 1; i <= 20; ++i) Report("d" + std::to_string(i), kT0 + i * kSecond, i * 1000.0);
  EXPECT_THAT(Raised(), IsEmpty());  // window 0 has no threshold yet
  const FleetThreshold t = fleet_.Threshold(profile(), behaviour(), kT0 + kWindow);
  ASSERT_TRUE(t.ready);
  EXPECT_THAT(t.value, DoubleNear(18000, 180));
  EXPECT_EQ(t.devices, 20);
  EXPECT_EQ(t.window_end_us, kT0 + kWindow);

  // Window 1: each device judged against it.
  Report("d5", kT0 + kWindow + kSecond, 15000);      // under p90
  Report("d6", kT0 + kWindow + 2 * kSecond, 50000);  // over
  EXPECT_THAT(Raised(), ElementsAre("d6"));
  const v1::Evidence& e = changes_.events[0].evidence();
  EXPECT_EQ(e.statistic(), "p90");
  EXPECT_EQ(e.fleet_devices(), 20);
  EXPECT_THAT(e.threshold(), DoubleNear(18000, 180));
  EXPECT_EQ(e.number(), 50000);
}

TEST_F(FleetStatsTest, EachDeviceCountsOncePerWindow) {
  Use(kUploadP90);
  // One chatty device reporting 50 times must not outweigh 10 quiet ones.
  for (int i = 0; i < 50; ++i) Report("chatty", kT0 + i * kSecond, 1e6);
  for (int i = 1; i <= 10; ++i) Report("q" + std::to_string(i), kT0 + 100 * kSecond, 100);
  const FleetThreshold t = fleet_.Threshold(profile(), behaviour(), kT0 + kWindow);
  ASSERT_TRUE(t.ready);
  EXPECT_EQ(t.devices, 11);
  EXPECT_THAT(t.value, DoubleNear(100, 1));  // rank floor(0.9 * 10) = 9 of 11: a quiet one
}

TEST_F(FleetStatsTest, AWindowNobodyReportedInLeavesNoThreshold) {
  Use(kUploadP90);
  for (int i = 1; i <= 20; ++i) Report("d" + std::to_string(i), kT0 + i * kSecond, i * 1000.0);
  EXPECT_TRUE(fleet_.Threshold(profile(), behaviour(), kT0 + kWindow).ready);
  // Window 1 is empty; in window 2 there is no complete recent window to judge by.
  const FleetThreshold t = fleet_.Threshold(profile(), behaviour(), kT0 + 2 * kWindow + 1);
  EXPECT_FALSE(t.ready);
  EXPECT_EQ(t.devices, 0);
  EXPECT_EQ(t.window_start_us, kT0 + kWindow);
}

TEST_F(FleetStatsTest, DurationSetsTheWindowAndSumsEachDevicesValue) {
  Use(R"(  - name: upload-10min
    metric: aws:all-bytes-out
    operator: less-than
    statistic: p50
    min_devices: 3
    duration_seconds: 600
)");
  const int64_t start = int64_t{1'700'000'400} * kSecond;  // a 600 s window boundary
  // Each device reports twice in the window; its first datapoint in it counts.
  for (int i = 1; i <= 3; ++i) {
    Report("d" + std::to_string(i), start + i * kSecond, i * 100.0);
    Report("d" + std::to_string(i), start + (300 + i) * kSecond, i * 100.0);
  }
  EXPECT_FALSE(fleet_.Threshold(profile(), behaviour(), start + 599 * kSecond).ready);
  const FleetThreshold t = fleet_.Threshold(profile(), behaviour(), start + 600 * kSecond);
  ASSERT_TRUE(t.ready);
  EXPECT_EQ(t.devices, 3);
  EXPECT_EQ(t.window_end_us - t.window_start_us, 600 * kSecond);
  EXPECT_THAT(t.value, DoubleNear(200, 2));  // the median of 100, 200, 300
}

TEST_F(FleetStatsTest, SnapshotListsEveryStatisticBehaviourAndRetainForgetsRemovedOnes) {
  Use(kUploadP90);
  for (int i = 1; i <= 10; ++i) Report("d" + std::to_string(i), kT0 + i * kSecond, 10);
  std::vector<FleetStatistics::Entry> s = fleet_.Snapshot(evaluator_->rules(), kT0 + kWindow);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].profile, "fleet");
  EXPECT_EQ(s[0].behaviour, "upload");
  EXPECT_EQ(s[0].statistic, "p90");
  EXPECT_TRUE(s[0].threshold.ready);
  // A changed behaviour (other percentile) starts over.
  Use(R"(  - name: upload
    metric: aws:all-bytes-out
    operator: less-than-equals
    statistic: p99
)");
  fleet_.Retain(evaluator_->rules());
  EXPECT_FALSE(fleet_.Threshold(profile(), behaviour(), kT0 + kWindow).ready);
}

}  // namespace
}  // namespace warden::detectors
