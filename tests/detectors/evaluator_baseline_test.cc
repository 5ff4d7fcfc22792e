// Baseline models in device states written before models were keyed by hash (named by
// profile and behaviour, hourly profile in two repeated fields) keep learning and
// reporting under the Evaluator, and are converted when touched.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "detectors/baseline.h"
#include "detectors/evaluator.h"
#include "rules/loader.h"
#include "tests/detectors/reports.h"

namespace warden::detectors {
namespace {

constexpr char kProfile[] = R"(
profile: p
targets: all
behaviours:
  - name: bytes
    metric: aws:all-bytes-out
    operator: less-than
    baseline: {confidence: medium, hourly: true, warmup_datapoints: 3}
)";
constexpr int64_t kT0 = 1'699'920'000LL * kMicrosPerSecond;
constexpr int64_t kFiveMinutes = 300 * kMicrosPerSecond;

TEST(EvaluatorBaselineTest, AModelOfTheOldFormIsFoundReportedAndConverted) {
  rules::LoadResult loaded = rules::LoadRules({{"p.yaml", kProfile}});
  ASSERT_TRUE(loaded.ok()) << rules::FormatDiagnostics(loaded.diagnostics);
  const Evaluator ev(loaded.rules);
  v1::DeviceState state;
  state.set_device_id("dev-1");
  Changes changes;
  for (int i = 0; i < 6; ++i) {
    ev.ApplyReport(BytesOutReport(i + 1, 10000), kT0 + i * kFiveMinutes, &state, &changes);
  }
  ASSERT_EQ(state.baselines_size(), 1);
  const v1::BaselineState learned = state.baselines(0);
  EXPECT_EQ(learned.behaviour_key(), rules::BehaviourKey("p", "bytes"));
  EXPECT_TRUE(learned.profile().empty());

  // The same model as an older wardend wrote it.
  v1::DeviceState old = state;
  v1::BaselineState* m = old.mutable_baselines(0);
  m->clear_behaviour_key();
  m->set_profile("p");
  m->set_behaviour("bytes");
  m->clear_hourly();
  for (int h = 0; h < 24; ++h) {
    m->add_hourly_offset(0);
    m->add_hourly_datapoints(0);
  }
  const int hour = static_cast<int>((kT0 / kMicrosPerSecond / 3600) % 24);
  m->set_hourly_datapoints(hour, 6);

  const int64_t now = kT0 + 6 * kFiveMinutes;
  std::vector<v1::BaselineStatus> before = ev.BaselineStatuses(state, now);
  std::vector<v1::BaselineStatus> after = ev.BaselineStatuses(old, now);
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].state(), v1::BaselineStatus::ACTIVE);
  EXPECT_EQ(after[0].datapoints(), before[0].datapoints());
  EXPECT_EQ(after[0].expected(), before[0].expected());

  // A rule reload keeps it (same behaviour), keyed now; the next report learns into it
  // rather than starting a second model.
  ev.Reconcile(now, &old, &changes);
  ASSERT_EQ(old.baselines_size(), 1);
  EXPECT_EQ(old.baselines(0).behaviour_key(), rules::BehaviourKey("p", "bytes"));
  EXPECT_TRUE(old.baselines(0).behaviour().empty());
  ev.ApplyReport(BytesOutReport(7, 10000), now, &old, &changes);
  ASSERT_EQ(old.baselines_size(), 1);
  EXPECT_EQ(old.baselines(0).datapoints(), learned.datapoints() + 1);
  EXPECT_EQ(old.baselines(0).hourly().size(), 24u * 6);
  EXPECT_EQ(old.baselines(0).hourly_offset_size(), 0);
}

}  // namespace
}  // namespace warden::detectors
