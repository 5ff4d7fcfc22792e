#ifndef WARDEN_DETECTORS_BASELINE_H_
#define WARDEN_DETECTORS_BASELINE_H_

#include <cstdint>
#include <string_view>

#include "rules/model.h"
#include "warden/v1/violation.pb.h"

// Per-device baselines: Warden's answer to ML Detect. Each baseline behaviour learns
// each device's own normal for its value (the datapoint, or its window sum), and a
// datapoint is anomalous when it departs from it beyond a band the confidence sets.
// The method and its parameters are documented in docs/DETECTION.md.

namespace warden::detectors {

struct BaselineVerdict {
  // Warm-up done: the datapoint was judged.
  bool ready = false;
  // Only when ready: the value lies outside the band in the direction the behaviour's
  // operator watches (less-than*: above `upper`; greater-than*: below `lower`).
  bool violating = false;
  // The band and the expected value, on the metric's own scale (for evidence).
  double expected = 0;
  double lower = 0;
  double upper = 0;
  // Fraction of the warm-up collected, in [0, 1] (1 once ready).
  double warmup_progress = 0;
};

// The model's key; for a model written before keys existed, the key of the names it
// carries.
uint64_t KeyOf(const v1::BaselineState& model);

// KeyOf(), and a model written before keys existed is given its key and its names are
// dropped.
uint64_t KeyOf(v1::BaselineState* model);

// Judges `value`, seen at `time_us`, against the model, then learns it. `model` is
// the device's state for this behaviour (zero-initialised the first time). Values
// are non-negative metrics (counts, bytes); a negative value is treated as 0.
BaselineVerdict ObserveBaseline(const rules::Baseline& config, rules::Operator op, double value,
                                int64_t time_us, v1::BaselineState* model);

// The status of a model without judging anything (for the API): warm-up progress,
// expected value and band at `time_us`.
BaselineVerdict BaselineStatus(const rules::Baseline& config, rules::Operator op,
                               const v1::BaselineState& model, int64_t time_us);

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_BASELINE_H_
