#ifndef WARDEN_TOOLS_PACING_H_
#define WARDEN_TOOLS_PACING_H_

#include <algorithm>
#include <atomic>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace warden::tools {

// Sleeps `d` in slices of at most `poll`, returning early once `stop` is set: the load
// generator's senders wait out their pacing this way. False when told to stop.
inline bool SleepUnlessStopped(absl::Duration d, const std::atomic<bool>& stop,
                               absl::Duration poll) {
  while (d > absl::ZeroDuration()) {
    if (stop.load()) return false;
    const absl::Duration slice = std::min(d, poll);
    absl::SleepFor(slice);
    d -= slice;
  }
  return !stop.load();
}

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_PACING_H_
