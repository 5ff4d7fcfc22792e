#ifndef WARDEN_DETECTORS_JUDGE_H_
#define WARDEN_DETECTORS_JUDGE_H_

#include "detectors/datapoint.h"
#include "rules/model.h"
#include "warden/v1/violation.pb.h"

namespace warden::detectors {

// Most reported elements an Evidence repeats (the rest are counted, not listed).
inline constexpr int kMaxEvidenceElements = 32;

// The verdict on one datapoint under one behaviour, with the evidence that decided it.
struct Judgement {
  bool violating = false;
  v1::Evidence evidence;
};

// Whether `value` is normal under a number operator: value <op> threshold.
bool NumberConforms(rules::Operator op, double value, double threshold);

// The verdict alone, without building evidence (the hot path: most datapoints conform).
// `value` is the number judged (the window sum for a behaviour with a duration); list
// datapoints ignore it. Agrees with JudgeNumber / JudgeList on `violating`.
bool Violates(const rules::Behaviour& behaviour, const Datapoint& datapoint, double value);

// Judges a number datapoint. `value` is the datapoint itself, or the window sum
// ending at it when the behaviour has a duration (`datapoints` summed).
Judgement JudgeNumber(const rules::Behaviour& behaviour, double value, int datapoints);

// Judges a list datapoint against the behaviour's set (reference §2):
//  in-* conforms when every element is in the set; not-in-* when none is.
//  An empty list conforms to any list behaviour.
// Evidence lists the offending elements and, for not-in-* sets, the entries they matched.
Judgement JudgeList(const rules::Behaviour& behaviour, const Datapoint& datapoint);

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_JUDGE_H_
