#include "detectors/baseline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"

namespace warden::detectors {
namespace {

using rules::Confidence;
using rules::Operator;

// Midnight UTC; datapoints come every 5 minutes, as AWS agents report.
constexpr int64_t kMidnight = 1'699'920'000LL * kMicrosPerSecond;
constexpr int64_t kInterval = 300 * kMicrosPerSecond;
constexpr int kPerDay = 288;
constexpr double kPi = 3.14159265358979323846;
constexpr Confidence kConfidences[] = {Confidence::kLow, Confidence::kMedium, Confidence::kHigh};

rules::Baseline Config(Confidence confidence, bool hourly = false, int64_t warmup = 12) {
  rules::Baseline c;
  c.confidence = confidence;
  c.warmup_datapoints = warmup;
  c.hourly = hourly;
  return c;
}

std::string Name(Confidence c) { return std::string(rules::ConfidenceName(c)); }

// Feeds `values` (datapoint i at kMidnight + i·5 min) through one model.
struct Replay {
  std::vector<BaselineVerdict> verdicts;
  v1::BaselineState model;

  Replay(const rules::Baseline& config, Operator op, const std::vector<double>& values) {
    for (size_t i = 0; i < values.size(); ++i) {
      verdicts.push_back(ObserveBaseline(config, op, values[i],
                                         kMidnight + static_cast<int64_t>(i) * kInterval, &model));
    }
  }
  int Violating(size_t from = 0, size_t to = std::numeric_limits<size_t>::max()) const {
    int n = 0;
    for (size_t i = from; i < verdicts.size() && i < to; ++i) n += verdicts[i].violating;
    return n;
  }
  // Index of the first violating datapoint at or after `from`, -1 if none.
  int FirstViolating(size_t from) const {
    for (size_t i = from; i < verdicts.size(); ++i) {
      if (verdicts[i].violating) return static_cast<int>(i);
    }
    return -1;
  }
};

// Lognormal noise around `level`: a device's traffic varies by a factor, not by bytes.
class Traffic {
 public:
  explicit Traffic(uint32_t seed) : rng_(seed) {}
  double Around(double level, double sigma) {
    return level * std::exp(sigma * std::normal_distribution<double>(0, 1)(rng_));
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

 private:
  std::mt19937 rng_;
};

// ~50 kB per report with ±25 % noise; from `step_at` on, `factor` times that.
std::vector<double> SteadyThenStep(uint32_t seed, int n, int step_at, double factor) {
  Traffic t(seed);
  std::vector<double> v;
  v.reserve(n);
  for (int i = 0; i < n; ++i) v.push_back(t.Around(i >= step_at ? 50'000 * factor : 50'000, 0.25));
  return v;
}

// A day/night cycle: by day 4 times the night's traffic, a sinusoid, plus noise.
double DiurnalLevel(int i) {
  return 50'000 * std::exp(std::log(4.0) / 2 * std::sin(2 * kPi * i / kPerDay));
}
std::vector<double> Diurnal(uint32_t seed, int days, double sigma = 0.25) {
  Traffic t(seed);
  std::vector<double> v;
  v.reserve(static_cast<size_t>(days) * kPerDay);
  for (int i = 0; i < days * kPerDay; ++i) v.push_back(t.Around(DiurnalLevel(i), sigma));
  return v;
}

TEST(BaselineTest, NoVerdictDuringWarmUpAndProgressCountsDatapoints) {
  const rules::Baseline config = Config(Confidence::kMedium, false, 12);
  v1::BaselineState model;
  for (int i = 0; i < 12; ++i) {
    // Even an enormous value is not judged while the model is warming up.
    const double value = i == 11 ? 1e9 : 1000 + 10 * i;
    BaselineVerdict v =
        ObserveBaseline(config, Operator::kLessThan, value, kMidnight + i * kInterval, &model);
    EXPECT_FALSE(v.ready) << i;
    EXPECT_FALSE(v.violating) << i;
    EXPECT_DOUBLE_EQ(v.warmup_progress, i / 12.0) << i;
  }
  BaselineVerdict status = BaselineStatus(config, Operator::kLessThan, model, kMidnight);
  EXPECT_TRUE(status.ready);
  EXPECT_DOUBLE_EQ(status.warmup_progress, 1.0);
  BaselineVerdict v =
      ObserveBaseline(config, Operator::kLessThan, 1000, kMidnight + 12 * kInterval, &model);
  EXPECT_TRUE(v.ready);
  EXPECT_DOUBLE_EQ(v.warmup_progress, 1.0);
  EXPECT_GT(v.upper, v.expected);
  EXPECT_LT(v.lower, v.expected);
}

TEST(BaselineTest, EmptyModelReportsNothingCollected) {
  BaselineVerdict v = BaselineStatus(Config(Confidence::kLow), Operator::kLessThan, {}, kMidnight);
  EXPECT_FALSE(v.ready);
  EXPECT_EQ(v.warmup_progress, 0);
  EXPECT_EQ(v.expected, 0);
}

TEST(BaselineTest, TenfoldStepViolatesAtOnceAndKeepsViolatingForHours) {
  for (Confidence c : kConfidences) {
    for (uint32_t seed = 1; seed <= 10; ++seed) {
      Replay r(Config(c), Operator::kLessThan, SteadyThenStep(seed, 1000, 300, 10));
      SCOPED_TRACE(Name(c) + " seed " + std::to_string(seed));
      EXPECT_EQ(r.Violating(12, 300), 0);
      const int first = r.FirstViolating(300);
      ASSERT_GE(first, 300);
      EXPECT_LE(first, 301);  // the step's first or second datapoint
      // A sustained attack keeps violating: most of the next two hours (measured: all
      // 24 datapoints at low and medium, 20-23 at high).
      EXPECT_GE(r.Violating(300, 324), 18);
      // A permanent change is learned: quiet again within a day (measured: the last
      // violation comes 36-78 / 83-123 / 120-162 datapoints after the step at high /
      // medium / low confidence).
      EXPECT_EQ(r.Violating(300 + kPerDay, 1000), 0);
    }
  }
}

TEST(BaselineTest, SlowRampToTwentyfoldViolatesBeforeItEnds) {
  // From the device's normal, 5 % more every datapoint: 20x after 62 datapoints.
  for (Confidence c : kConfidences) {
    for (uint32_t seed = 1; seed <= 10; ++seed) {
      Traffic t(seed);
      std::vector<double> v;
      v.reserve(300 + 62);
      for (int i = 0; i < 300 + 62; ++i) {
        v.push_back(t.Around(50'000 * std::pow(1.05, std::max(0, i - 300)), 0.25));
      }
      Replay r(Config(c), Operator::kLessThan, v);
      SCOPED_TRACE(Name(c) + " seed " + std::to_string(seed));
      EXPECT_EQ(r.Violating(12, 300), 0);
      const int first = r.FirstViolating(300);
      // Measured: low after 9-23 datapoints (at x1.6-3.1), medium 20-31 (x2.7-4.5),
      // high 34-50 (x5.3-11.5).
      ASSERT_GE(first, 300) << "the ramp was never detected";
      EXPECT_GE(first - 300, 5);  // not on noise
      EXPECT_LE(first - 300, 58);
    }
  }
}

TEST(BaselineTest, NormalDiurnalPatternDoesNotViolate) {
  // Seven days of a device whose day traffic is 4x its night traffic, ±25 % noise.
  // Measured: none at low confidence either, with or without the hourly profile.
  for (bool hourly : {false, true}) {
    for (Confidence c : {Confidence::kMedium, Confidence::kHigh}) {
      for (uint32_t seed = 1; seed <= 5; ++seed) {
        Replay r(Config(c, hourly), Operator::kLessThan, Diurnal(seed, 7));
        EXPECT_EQ(r.Violating(12), 0) << Name(c) << " hourly " << hourly << " seed " << seed;
      }
    }
  }
}

TEST(BaselineTest, HourlyProfileNarrowsADiurnalDevicesBand) {
  // After a week, a 6x rise in the quietest hours (where 6x the night's traffic is
  // only 1.5x the day's peak) stands out from the hour's profile, not from the plain
  // baseline, whose band must hold the whole day.
  int detected_hourly = 0;
  int detected_plain = 0;
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    std::vector<double> v = Diurnal(seed, 7);
    Traffic t(seed + 100);
    const int at = 7 * kPerDay + 200;  // ~16:40, the trough of the cycle
    for (int i = 7 * kPerDay; i < at + 24; ++i) {
      v.push_back(t.Around(DiurnalLevel(i) * (i >= at ? 6 : 1), 0.25));
    }
    Replay hourly(Config(Confidence::kMedium, true), Operator::kLessThan, v);
    Replay plain(Config(Confidence::kMedium, false), Operator::kLessThan, v);
    EXPECT_EQ(hourly.Violating(12, at), 0);
    const int h = hourly.FirstViolating(at);
    detected_hourly += h >= 0 && h <= at + 2;
    detected_plain += plain.Violating(at) > 0;
    // The band at the trough is narrower with the hourly profile.
    const int64_t trough = kMidnight + (at - 1) * kInterval;
    BaselineVerdict bh = BaselineStatus(Config(Confidence::kMedium, true), Operator::kLessThan,
                                        hourly.model, trough);
    BaselineVerdict bp = BaselineStatus(Config(Confidence::kMedium, false), Operator::kLessThan,
                                        plain.model, trough);
    EXPECT_LT(bh.upper / bh.expected, bp.upper / bp.expected);
  }
  EXPECT_EQ(detected_hourly, 5);
  EXPECT_EQ(detected_plain, 0);
}

TEST(BaselineTest, CounterAtZeroWithOccasionalOnesDoesNotAlarm) {
  // E.g. authorization failures: 0 nearly always, sometimes 1, rarely 2.
  for (Confidence c : kConfidences) {
    Traffic t(7);
    std::vector<double> v;
    v.reserve(3 * kPerDay + 1);
    for (int i = 0; i < 3 * kPerDay; ++i) v.push_back(t.Chance(0.05) ? (t.Chance(0.2) ? 2 : 1) : 0);
    v.push_back(50);  // a brute force
    Replay r(Config(c), Operator::kLessThan, v);
    EXPECT_EQ(r.Violating(0, v.size() - 1), 0) << Name(c);
    EXPECT_TRUE(r.verdicts.back().violating) << Name(c);
  }
}

TEST(BaselineTest, CounterAtZeroAdmitsTheConfidencesSlack) {
  // Up to 2 (low), 3 (medium), 5 (high: x6 on the log1p scale) above an expected 0
  // are still normal.
  const double slack[] = {2, 3, 5};
  for (Confidence c : kConfidences) {
    Replay r(Config(c), Operator::kLessThan, std::vector<double>(50, 0.0));
    BaselineVerdict v = BaselineStatus(Config(c), Operator::kLessThan, r.model, kMidnight);
    EXPECT_EQ(v.expected, 0) << Name(c);
    EXPECT_EQ(v.lower, 0) << Name(c);
    EXPECT_NEAR(v.upper, slack[static_cast<int>(c)], 1e-9) << Name(c);
  }
}

TEST(BaselineTest, PerfectlyRegularDeviceToleratesASmallChange) {
  // A device that always sends exactly the same: the band does not shrink to nothing.
  // Low confidence alarms from x1.5, medium from x2.5, high from x6.
  const double alarms_from[] = {1.5, 2.5, 6};
  for (Confidence c : kConfidences) {
    const double ratio = alarms_from[static_cast<int>(c)];
    std::vector<double> v(100, 1000.0);
    v.push_back(1200);  // +20 %
    v.push_back(1000 * ratio * 0.95);
    v.push_back(1000 * ratio * 1.05);
    Replay r(Config(c), Operator::kLessThan, v);
    EXPECT_EQ(r.Violating(0, 102), 0) << Name(c);
    EXPECT_TRUE(r.verdicts[102].violating) << Name(c);
  }
}

TEST(BaselineTest, OccasionalThreefoldBurstsDoNotAlarmAtHighConfidence) {
  // 3 % of datapoints are 3x bursts, on ±25 % noise. High confidence never reports
  // less than x6: a burst would need more than +3 sigma of noise on top. (Medium, which
  // reports from x2.5, flags ~0.2 % of these datapoints; low ~1.6 %.)
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    Traffic t(seed);
    std::vector<double> v;
    v.reserve(size_t{7} * kPerDay);
    for (int i = 0; i < 7 * kPerDay; ++i) {
      v.push_back(t.Around(50'000, 0.25) * (t.Chance(0.03) ? 3 : 1));
    }
    Replay r(Config(Confidence::kHigh), Operator::kLessThan, v);
    EXPECT_EQ(r.Violating(12), 0) << "seed " << seed;
  }
}

TEST(BaselineTest, GreaterThanDetectsADeviceGoingQuiet) {
  for (Confidence c : kConfidences) {
    std::vector<double> v = Diurnal(3, 2);
    const size_t quiet_at = v.size();
    for (int i = 0; i < 6; ++i) v.push_back(i % 2 == 0 ? 0 : 40);  // nothing but keep-alives
    Replay gt(Config(c), Operator::kGreaterThan, v);
    EXPECT_EQ(gt.Violating(12, quiet_at), 0) << Name(c);
    EXPECT_EQ(gt.FirstViolating(quiet_at), static_cast<int>(quiet_at)) << Name(c);
    EXPECT_EQ(gt.Violating(quiet_at), 6) << Name(c);
    // The other direction does not care.
    Replay lt(Config(c), Operator::kLessThan, v);
    EXPECT_EQ(lt.Violating(quiet_at), 0) << Name(c);
  }
}

TEST(BaselineTest, QuietDeviceAtZeroNeverViolatesGreaterThan) {
  // The band's lower edge cannot go below 0, and the edge itself is normal.
  std::vector<double> v(50, 0.0);
  for (Operator op : {Operator::kGreaterThan, Operator::kGreaterThanEquals}) {
    Replay r(Config(Confidence::kLow), op, v);
    EXPECT_EQ(r.Violating(), 0);
    EXPECT_EQ(r.verdicts.back().lower, 0);
  }
}

TEST(BaselineTest, StrictAndNonStrictOperatorsAgree) {
  std::vector<double> v = SteadyThenStep(4, 400, 300, 10);
  v.push_back(0);
  Replay lt(Config(Confidence::kMedium), Operator::kLessThan, v);
  Replay lte(Config(Confidence::kMedium), Operator::kLessThanEquals, v);
  Replay gt(Config(Confidence::kMedium), Operator::kGreaterThan, v);
  Replay gte(Config(Confidence::kMedium), Operator::kGreaterThanEquals, v);
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(lt.verdicts[i].violating, lte.verdicts[i].violating) << i;
    EXPECT_EQ(gt.verdicts[i].violating, gte.verdicts[i].violating) << i;
  }
  EXPECT_GT(lt.Violating(), 0);
  EXPECT_GT(gt.Violating(), 0);
}

TEST(BaselineTest, StatusMatchesObserveAndDoesNotLearn) {
  for (bool hourly : {false, true}) {
    const rules::Baseline config = Config(Confidence::kMedium, hourly);
    Replay r(config, Operator::kLessThan, Diurnal(5, 2));
    v1::BaselineState model = r.model;
    const std::string before = model.SerializeAsString();
    const int64_t now =
        kMidnight + int64_t{2} * kPerDay * kInterval + int64_t{7} * 3600 * kMicrosPerSecond;
    BaselineVerdict status = BaselineStatus(config, Operator::kLessThan, model, now);
    EXPECT_EQ(model.SerializeAsString(), before);
    EXPECT_EQ(BaselineStatus(config, Operator::kLessThan, model, now).upper, status.upper);

    BaselineVerdict observed = ObserveBaseline(config, Operator::kLessThan, 1e9, now, &model);
    EXPECT_TRUE(observed.violating);
    EXPECT_EQ(observed.ready, status.ready);
    EXPECT_DOUBLE_EQ(observed.expected, status.expected);
    EXPECT_DOUBLE_EQ(observed.lower, status.lower);
    EXPECT_DOUBLE_EQ(observed.upper, status.upper);
    EXPECT_NE(model.SerializeAsString(), before);  // Observe learns
  }
}

TEST(BaselineTest, OutlierMovesTheModelOnlyALittle) {
  const rules::Baseline config = Config(Confidence::kMedium);
  Replay r(config, Operator::kLessThan, SteadyThenStep(2, 300, 300, 1));
  v1::BaselineState model = r.model;
  const BaselineVerdict before = BaselineStatus(config, Operator::kLessThan, model, kMidnight);
  ASSERT_TRUE(ObserveBaseline(config, Operator::kLessThan, 1e12, kMidnight, &model).violating);
  const BaselineVerdict after = BaselineStatus(config, Operator::kLessThan, model, kMidnight);
  EXPECT_LT(after.expected / before.expected, 1.02);
  EXPECT_LT(after.upper / before.upper, 1.05);
}

TEST(BaselineTest, SameInputsGiveTheSameModel) {
  const rules::Baseline config = Config(Confidence::kLow, true);
  Replay a(config, Operator::kLessThan, Diurnal(9, 3));
  Replay b(config, Operator::kLessThan, Diurnal(9, 3));
  EXPECT_EQ(a.model.SerializeAsString(), b.model.SerializeAsString());
}

// The packed hourly profile as proto/warden/v1/violation.proto documents it.
float HourOffset(const v1::BaselineState& m, int hour) {
  const auto* p = reinterpret_cast<const unsigned char*>(m.hourly().data()) + hour * 6;
  const uint32_t bits =
      uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}
int HourCount(const v1::BaselineState& m, int hour) {
  const auto* p = reinterpret_cast<const unsigned char*>(m.hourly().data()) + hour * 6;
  return p[4] | p[5] << 8;
}
void SetHour(v1::BaselineState* m, int hour, float offset, int count) {
  uint32_t bits;
  std::memcpy(&bits, &offset, sizeof(bits));
  char* p = m->mutable_hourly()->data() + hour * 6;
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(bits >> (8 * i));
  p[4] = static_cast<char>(count);
  p[5] = static_cast<char>(count >> 8);
}

TEST(BaselineTest, ModelStaysSmall) {
  // What a device's state grows by per baseline behaviour, besides its key and
  // fingerprint (~20 bytes more): measured 21 bytes, and 168 with the hourly profile
  // (144 of them the profile; in RAM one buffer rather than two arrays).
  Replay plain(Config(Confidence::kMedium), Operator::kLessThan, Diurnal(1, 7));
  Replay hourly(Config(Confidence::kMedium, true), Operator::kLessThan, Diurnal(1, 7));
  EXPECT_LE(plain.model.ByteSizeLong(), 24u);
  EXPECT_LE(hourly.model.ByteSizeLong(), 170u);
  EXPECT_TRUE(plain.model.hourly().empty());
  ASSERT_EQ(hourly.model.hourly().size(), 24u * 6);
  EXPECT_EQ(hourly.model.hourly_offset_size(), 0);
  // A week of 5-minute datapoints: every hour has learned 7 days x 12.
  for (int h = 0; h < 24; ++h) EXPECT_EQ(HourCount(hourly.model, h), 84) << h;
}

TEST(BaselineTest, ModelsOfTheOldTwoArrayFormAreReadAndPackedLosslessly) {
  const rules::Baseline config = Config(Confidence::kMedium, true);
  Replay r(config, Operator::kLessThan, Diurnal(9, 3));
  v1::BaselineState packed = r.model;
  v1::BaselineState legacy = r.model;
  legacy.clear_hourly();
  for (int h = 0; h < 24; ++h) {
    legacy.add_hourly_offset(HourOffset(packed, h));
    legacy.add_hourly_datapoints(HourCount(packed, h));
  }
  // The status of a model not yet converted is the same ...
  const int64_t t = kMidnight + 13 * 3600 * kMicrosPerSecond;
  BaselineVerdict a = BaselineStatus(config, Operator::kLessThan, packed, t);
  BaselineVerdict b = BaselineStatus(config, Operator::kLessThan, legacy, t);
  EXPECT_EQ(a.expected, b.expected);
  EXPECT_EQ(a.upper, b.upper);
  // ... and so is the next verdict, after which the model is packed, identically.
  a = ObserveBaseline(config, Operator::kLessThan, 50000, t, &packed);
  b = ObserveBaseline(config, Operator::kLessThan, 50000, t, &legacy);
  EXPECT_EQ(a.violating, b.violating);
  EXPECT_EQ(a.upper, b.upper);
  EXPECT_EQ(legacy.hourly_offset_size(), 0);
  EXPECT_EQ(legacy.hourly_datapoints_size(), 0);
  EXPECT_EQ(legacy.SerializeAsString(), packed.SerializeAsString());
}

TEST(BaselineTest, KeysNameTheBehaviourAndReplaceTheOldNames) {
  EXPECT_NE(rules::BehaviourKey("a", "bc"), rules::BehaviourKey("ab", "c"));
  EXPECT_NE(rules::BehaviourKey("p", "b"), 0u);
  v1::BaselineState old;
  old.set_profile("fleet-baseline");
  old.set_behaviour("bytes-out-baseline");
  EXPECT_EQ(KeyOf(&old), rules::BehaviourKey("fleet-baseline", "bytes-out-baseline"));
  EXPECT_TRUE(old.profile().empty());
  EXPECT_TRUE(old.behaviour().empty());
  EXPECT_EQ(KeyOf(&old), rules::BehaviourKey("fleet-baseline", "bytes-out-baseline"));  // stays
}

TEST(BaselineTest, UnusableInputsDoNotPoisonTheModel) {
  const rules::Baseline config = Config(Confidence::kMedium);
  v1::BaselineState model;
  for (double bad : {-5.0, std::nan(""), -std::numeric_limits<double>::infinity()}) {
    BaselineVerdict v = ObserveBaseline(config, Operator::kLessThan, bad, kMidnight, &model);
    EXPECT_FALSE(v.violating);
  }
  // Treated as 0.
  EXPECT_EQ(model.center(), 0);
  ObserveBaseline(config, Operator::kLessThan, std::numeric_limits<double>::infinity(), kMidnight,
                  &model);
  EXPECT_TRUE(std::isfinite(model.center()));

  // A stored model that is not a model starts over.
  v1::BaselineState corrupt;
  corrupt.set_datapoints(100);
  corrupt.set_center(std::nan(""));
  ObserveBaseline(config, Operator::kLessThan, 1000, kMidnight, &corrupt);
  EXPECT_EQ(corrupt.datapoints(), 1);
  EXPECT_NEAR(corrupt.center(), std::log1p(1000), 1e-12);
  corrupt.set_hourly("\x01\x02\x03");  // a profile of the wrong size
  corrupt.mutable_hourly_offset()->Add(1.0f);
  BaselineVerdict v = ObserveBaseline(Config(Confidence::kMedium, true), Operator::kLessThan, 1000,
                                      kMidnight, &corrupt);
  EXPECT_FALSE(v.violating);
  ASSERT_EQ(corrupt.hourly().size(), 24u * 6);
  EXPECT_EQ(corrupt.hourly_offset_size(), 0);
  EXPECT_EQ(HourCount(corrupt, 0), 1);

  // A learned hour whose offset is not a number is ignored and starts over.
  const rules::Baseline hourly = Config(Confidence::kMedium, true);
  Replay r(hourly, Operator::kLessThan, std::vector<double>(100, 1000.0));
  v1::BaselineState m = r.model;
  SetHour(&m, 0, std::nanf(""), 100);
  EXPECT_FALSE(ObserveBaseline(hourly, Operator::kLessThan, 1000, kMidnight, &m).violating);
  EXPECT_EQ(HourCount(m, 0), 1);
  EXPECT_NEAR(m.center(), std::log1p(1000), 1e-9);
  EXPECT_TRUE(std::isfinite(HourOffset(m, 0)));
}

}  // namespace
}  // namespace warden::detectors
