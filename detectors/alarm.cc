#include "detectors/alarm.h"

#include <algorithm>

namespace warden::detectors {

Transition StepAlarm(v1::AlarmState* s, bool violating, int to_alarm, int to_clear) {
  const int cap = std::max(to_alarm, to_clear);
  const bool in_alarm = s->has_violation();
  if (violating) {
    s->set_consecutive_conforming(0);
    s->set_consecutive_violating(std::min(cap, s->consecutive_violating() + 1));
    if (!in_alarm && s->consecutive_violating() >= to_alarm) return Transition::kRaise;
  } else {
    s->set_consecutive_violating(0);
    s->set_consecutive_conforming(std::min(cap, s->consecutive_conforming() + 1));
    if (in_alarm && s->consecutive_conforming() >= to_clear) return Transition::kClear;
  }
  return Transition::kNone;
}

}  // namespace warden::detectors
