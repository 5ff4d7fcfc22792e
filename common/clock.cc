#include "common/clock.h"

#include <chrono>

namespace warden {

int64_t SystemClock::NowMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const Clock* SystemClock::Get() {
  static const SystemClock* clock = new SystemClock();
  return clock;
}

}  // namespace warden
