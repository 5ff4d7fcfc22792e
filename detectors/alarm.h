#ifndef WARDEN_DETECTORS_ALARM_H_
#define WARDEN_DETECTORS_ALARM_H_

#include "warden/v1/violation.pb.h"

namespace warden::detectors {

enum class Transition { kNone, kRaise, kClear };

// Advances one behaviour's alarm state machine by one datapoint (reference §2):
// `to_alarm` consecutive violating datapoints raise the alarm, `to_clear` consecutive
// conforming ones clear it. Counts saturate, so a long streak never overflows.
// Returns the transition the caller must act on; on kRaise/kClear it is the caller
// that sets or clears `state->violation`.
Transition StepAlarm(v1::AlarmState* state, bool violating, int to_alarm, int to_clear);

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_ALARM_H_
