// Per-device baselines. docs/DETECTION.md ("Per-device baselines") is the user-facing
// account, with the measured detection and false-alarm numbers.
//
// Scale. The model works on x = log1p(max(value, 0)). Traffic varies by factors (a
// camera sends 3x as much by day, an exfiltration 20x), so on the log scale a device's
// variation is about the same size whatever its volume, and one setting fits a
// thermostat sending kilobytes and a gateway sending megabytes.
//
// State (v1::BaselineState: 21 bytes serialized, 168 with the hourly profile, plus ~20
// for its key and fingerprint):
//   center      robust running level of x;
//   spread      running mean absolute deviation of x from the expected value;
//   datapoints  datapoints learned (saturates at kMaxDatapoints);
//   hourly      with `hourly`: per UTC hour of day, the offset of x from `center` and
//               how many datapoints that hour has seen (saturates at 1000), packed as
//               24 records of (float32, uint16) in one bytes field. Models written
//               before that packing hold two repeated fields; they are read as they
//               are and packed (losslessly) when next learned.
//
// Judging (before learning the datapoint). expected e = center, plus the hour's offset
// once that hour has seen kHourlyMinDatapoints. The band is
//   e ± max(k·spread, ln(min_ratio)),   widened to admit expm1(e) ± slack,
// with (k, min_ratio, slack) = low (5, 1.5, 2), medium (7, 2.5, 3), high (9, 6, 0):
// low is the most sensitive, as in AWS ML Detect. min_ratio is the smallest change the
// confidence ever reports (high: only departures beyond x6 or /6), which keeps quiet
// devices with occasional bursts from alarming. slack is in the metric's own units, so
// that a counter that is normally 0 may show 1 or 2 (0 -> 1 is 0.69 on the log1p scale,
// far more than a quiet counter's spread); at high, x6 on the log1p scale already
// admits 0 -> 5. less-than* violate above the upper edge, greater-than* below the lower
// edge. The edges themselves are normal for strict and non-strict operators alike: a
// learned edge has no meaningful equality, and a band whose lower edge is 0 must not
// make a device that is quiet at 0 violate greater-than.
//
// Learning, with n datapoints learned so far:
//   r = x - e, and once warm-up is done r is winsorized at ±kCenterClip·s and |r| at
//       kSpreadClip·s, s = max(spread, kMinSpread)
//   center += a·r                 a = max(kCenterRate, 1/(n+1))
//   spread += b·(|r| - spread)    b = max(kSpreadRate, 1/n)
//   offset[hour] += g·(e + r - center - offset[hour])   g = max(kHourlyRate, 1/(m+1)),
//                                                        m = the hour's datapoints
// The 1/n terms make the first datapoints plain averages, so the model is usable after
// a short warm-up; the rates then settle at their floors. During warm-up every
// datapoint counts in full, since nothing tells an outlier yet.
//
// Trade-offs behind the constants (tuned on 5-minute datapoints, see the doc):
//  - Winsorizing means one datapoint moves the center by at most kCenterRate·kCenterClip
//    spreads and grows the spread by at most a factor 1 + kSpreadRate·(kSpreadClip - 1).
//    A sustained attack therefore keeps violating, and a ramp gets ahead of the center
//    (a 5 %/datapoint ramp violates after 9-23 / 20-31 / 34-50 datapoints, low / medium
//    / high). A permanent change is still learned: a 10x step on ±25 % noise stops
//    violating after ~40-160 datapoints (high .. low), within a day.
//  - kCenterRate 0.01 (~100 datapoints) is slow next to a day/night cycle: without the
//    hourly profile the spread absorbs the cycle, which keeps such devices from alarming
//    but widens their band (x4 day/night: spread ~0.42, medium band ~x20); with it, the
//    spread stays at the noise (~0.21, medium band ~x4.3).
//  - kSpreadClip > kCenterClip lets the spread see more of a device's normal bursts.
//  - kMinSpread keeps a perfectly regular device learning a new level at a useful pace.
//
// Deterministic and pure: no clock, no randomness; the same inputs give the same model.
#include "detectors/baseline.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

#include "common/clock.h"

namespace warden::detectors {
namespace {

using rules::Confidence;
using rules::Operator;

constexpr double kCenterRate = 0.01;
constexpr double kSpreadRate = 0.003;
constexpr double kCenterClip = 2.0;
constexpr double kSpreadClip = 2.5;
constexpr double kMinSpread = 0.06;
constexpr int kHours = 24;
constexpr double kHourlyRate = 0.05;
constexpr int32_t kHourlyMinDatapoints = 12;  // a day of 5-minute reports
constexpr int32_t kHourlyMaxDatapoints = 1000;
// Past this the count only feeds the rates, which are at their floors long before.
constexpr int64_t kMaxDatapoints = 1'000'000;

struct Sensitivity {
  double k;              // band half-width in spreads
  double log_min_ratio;  // the band always admits expected × / ÷ min_ratio
  double slack;          // and expected ± slack (metric units)
};

Sensitivity SensitivityOf(Confidence c) {
  switch (c) {
    case Confidence::kLow:
      return {5.0, 0.4054651081081644, 2.0};  // ln 1.5
    case Confidence::kMedium:
      return {7.0, 0.9162907318741551, 3.0};  // ln 2.5
    case Confidence::kHigh:
      // ln 6; no slack: on the log1p scale x6 already admits 0 -> 5.
      return {9.0, 1.791759469228055, 0.0};
  }
  return SensitivityOf(Confidence::kMedium);
}

int64_t WarmupOf(const rules::Baseline& config) {
  return std::max<int64_t>(1, config.warmup_datapoints);
}

// UTC hour of day, also for times before the epoch.
int HourOf(int64_t time_us) {
  constexpr int64_t kMicrosPerHour = 3600 * kMicrosPerSecond;
  int64_t hours = time_us / kMicrosPerHour;
  if (time_us % kMicrosPerHour < 0) --hours;
  int hour = static_cast<int>(hours % kHours);
  return hour < 0 ? hour + kHours : hour;
}

double ToLog(double value) {
  if (!(value > 0)) return 0;  // negative, zero and NaN
  return std::log1p(std::min(value, DBL_MAX));
}

// The packed hourly profile (v1::BaselineState.hourly): kHours records of kHourRecord
// bytes, little-endian whatever the host.
constexpr size_t kHourRecord = 6;

bool HasPackedProfile(const v1::BaselineState& m) {
  return m.hourly().size() == kHours * kHourRecord;
}
bool HasLegacyProfile(const v1::BaselineState& m) {
  return m.hourly_offset_size() == kHours && m.hourly_datapoints_size() == kHours;
}
bool HasHourlyProfile(const v1::BaselineState& m) {
  return HasPackedProfile(m) || HasLegacyProfile(m);
}

struct HourRecord {
  float offset = 0;
  int32_t datapoints = 0;
};

HourRecord ReadHour(const v1::BaselineState& m, int hour) {
  HourRecord r;
  if (HasPackedProfile(m)) {
    const auto* p = reinterpret_cast<const unsigned char*>(m.hourly().data()) + hour * kHourRecord;
    const uint32_t bits =
        uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
    std::memcpy(&r.offset, &bits, sizeof(bits));
    r.datapoints = static_cast<int32_t>(uint32_t{p[4]} | uint32_t{p[5]} << 8);
  } else if (HasLegacyProfile(m)) {
    r.offset = m.hourly_offset(hour);
    r.datapoints = m.hourly_datapoints(hour);
  }
  return r;
}

// Only on a packed profile; datapoints in [0, kHourlyMaxDatapoints].
void WriteHour(int hour, HourRecord r, v1::BaselineState* m) {
  uint32_t bits;
  std::memcpy(&bits, &r.offset, sizeof(bits));
  const auto count = static_cast<uint32_t>(r.datapoints);
  const unsigned char bytes[kHourRecord] = {
      static_cast<unsigned char>(bits),       static_cast<unsigned char>(bits >> 8),
      static_cast<unsigned char>(bits >> 16), static_cast<unsigned char>(bits >> 24),
      static_cast<unsigned char>(count),      static_cast<unsigned char>(count >> 8)};
  std::memcpy(m->mutable_hourly()->data() + hour * kHourRecord, bytes, kHourRecord);
}

// Brings the model's hourly profile into the packed form `hourly` wants (or drops it).
void ShapeHourlyProfile(bool hourly, v1::BaselineState* m) {
  if (!hourly) {
    m->clear_hourly();
    m->clear_hourly_offset();
    m->clear_hourly_datapoints();
    return;
  }
  if (HasPackedProfile(*m)) {
    m->clear_hourly_offset();
    m->clear_hourly_datapoints();
    return;
  }
  std::vector<HourRecord> hours(kHours);
  if (HasLegacyProfile(*m)) {  // lossless: float offsets, counts <= 1000
    for (int h = 0; h < kHours; ++h) {
      hours[h] = ReadHour(*m, h);
      hours[h].datapoints = std::clamp(hours[h].datapoints, 0, kHourlyMaxDatapoints);
    }
  }
  m->clear_hourly_offset();
  m->clear_hourly_datapoints();
  m->mutable_hourly()->assign(kHours * kHourRecord, '\0');
  for (int h = 0; h < kHours; ++h) WriteHour(h, hours[h], m);
}

// The learned offset of `hour` from the center, once that hour has enough datapoints.
double HourlyOffset(const rules::Baseline& config, const v1::BaselineState& m, int hour) {
  if (!config.hourly || !HasHourlyProfile(m)) return 0;
  const HourRecord r = ReadHour(m, hour);
  if (r.datapoints < kHourlyMinDatapoints) return 0;
  return std::isfinite(r.offset) ? r.offset : 0;  // Learn starts such an hour over
}

bool Usable(const v1::BaselineState& m) {
  return m.datapoints() > 0 && std::isfinite(m.center()) && std::isfinite(m.spread()) &&
         m.spread() >= 0;
}

// The band on the log scale. `expected` is clamped at 0 (the learned level of a counter
// that is nearly always 0 can dip just below it).
struct Band {
  double expected = 0;
  double lower = 0;
  double upper = 0;
};

Band BandOf(const rules::Baseline& config, const v1::BaselineState& m, int hour) {
  const Sensitivity sens = SensitivityOf(config.confidence);
  Band b;
  b.expected = std::max(0.0, m.center() + HourlyOffset(config, m, hour));
  const double half = std::max(sens.k * m.spread(), sens.log_min_ratio);
  // The slack as log-scale distances: log1p(expm1(e) ± slack) = e + log1p(±u) with
  // u = slack·exp(-e). They only matter for small values: log1p(u) < u, and
  // -log1p(-u) <= u / (1 - u), so the logarithms are taken only when they might win.
  const double u = sens.slack * std::exp(-b.expected);
  b.upper = b.expected + (u > half ? std::max(half, std::log1p(u)) : half);
  if (u >= 1) {
    b.lower = 0;  // expected - slack <= 0
  } else {
    b.lower = b.expected - (u / (1 - u) > half ? std::max(half, -std::log1p(-u)) : half);
    b.lower = std::max(0.0, b.lower);
  }
  return b;
}

// The verdict without `violating`; `band` receives the band on the log scale.
BaselineVerdict VerdictOf(const rules::Baseline& config, const v1::BaselineState& m, int hour,
                          Band* band) {
  BaselineVerdict v;
  const int64_t warmup = WarmupOf(config);
  const int64_t n = Usable(m) ? m.datapoints() : 0;
  v.ready = n >= warmup;
  v.warmup_progress = std::min(1.0, static_cast<double>(n) / static_cast<double>(warmup));
  if (n > 0) {
    *band = BandOf(config, m, hour);
    v.expected = std::expm1(band->expected);
    v.lower = std::expm1(band->lower);
    v.upper = std::expm1(band->upper);
  }
  return v;
}

void Learn(const rules::Baseline& config, double x, int hour, v1::BaselineState* m) {
  if (!Usable(*m)) {  // new, or not a model (e.g. a NaN got in): start over
    m->set_datapoints(0);
    m->set_center(0);
    m->set_spread(0);
    m->clear_hourly();
    m->clear_hourly_offset();
    m->clear_hourly_datapoints();
  }
  ShapeHourlyProfile(config.hourly, m);

  const int64_t n = m->datapoints();
  double winsorized = x;  // x as learned: clamped to the clip band once warmed up
  if (n == 0) {
    m->set_center(x);
    m->set_spread(0);
  } else {
    const double expected = m->center() + HourlyOffset(config, *m, hour);
    double r = x - expected;
    double deviation = std::abs(r);
    if (n >= WarmupOf(config)) {
      const double spread = std::max(m->spread(), kMinSpread);
      r = std::clamp(r, -kCenterClip * spread, kCenterClip * spread);
      deviation = std::min(deviation, kSpreadClip * spread);
    }
    winsorized = expected + r;
    const double a = std::max(kCenterRate, 1.0 / static_cast<double>(n + 1));
    const double b = std::max(kSpreadRate, 1.0 / static_cast<double>(n));
    m->set_center(m->center() + a * r);
    m->set_spread(m->spread() + b * (deviation - m->spread()));
  }
  if (config.hourly) {
    const HourRecord r = ReadHour(*m, hour);
    int32_t seen = std::clamp(r.datapoints, 0, kHourlyMaxDatapoints);
    double offset = r.offset;
    if (!std::isfinite(offset)) {
      offset = 0;
      seen = 0;
    }
    const double g = std::max(kHourlyRate, 1.0 / static_cast<double>(seen + 1));
    WriteHour(hour,
              {static_cast<float>(offset + g * (winsorized - m->center() - offset)),
               std::min(seen + 1, kHourlyMaxDatapoints)},
              m);
  }
  m->set_datapoints(std::min(n + 1, std::max(kMaxDatapoints, WarmupOf(config))));
}

}  // namespace

uint64_t KeyOf(const v1::BaselineState& model) {
  return model.behaviour_key() != 0 ? model.behaviour_key()
                                    : rules::BehaviourKey(model.profile(), model.behaviour());
}

uint64_t KeyOf(v1::BaselineState* model) {
  if (model->behaviour_key() == 0) {
    model->set_behaviour_key(KeyOf(*model));
    model->clear_profile();
    model->clear_behaviour();
  }
  return model->behaviour_key();
}

BaselineVerdict ObserveBaseline(const rules::Baseline& config, Operator op, double value,
                                int64_t time_us, v1::BaselineState* model) {
  const int hour = HourOf(time_us);
  const double x = ToLog(value);
  Band b;
  BaselineVerdict v = VerdictOf(config, *model, hour, &b);
  if (v.ready) {
    switch (op) {
      case Operator::kLessThan:
      case Operator::kLessThanEquals:
        v.violating = x > b.upper;
        break;
      case Operator::kGreaterThan:
      case Operator::kGreaterThanEquals:
        v.violating = x < b.lower;
        break;
      default:
        break;  // list operators have no baseline (the loader rejects them)
    }
  }
  Learn(config, x, hour, model);
  return v;
}

BaselineVerdict BaselineStatus(const rules::Baseline& config, Operator /*op*/,
                               const v1::BaselineState& model, int64_t time_us) {
  Band unused;
  return VerdictOf(config, model, HourOf(time_us), &unused);
}

}  // namespace warden::detectors
