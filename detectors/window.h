#ifndef WARDEN_DETECTORS_WINDOW_H_
#define WARDEN_DETECTORS_WINDOW_H_

#include <cstdint>

#include "warden/v1/violation.pb.h"

namespace warden::detectors {

struct WindowSum {
  double sum = 0;
  int datapoints = 0;
};

// Appends a datapoint stamped `time_us` (server receive time) and drops the points
// that no window of `keep_seconds` or shorter can still need (time <= time_us - keep).
void AppendToWindow(v1::MetricWindow* window, int64_t time_us, double value, int64_t keep_seconds);

// The sum of the datapoints in the window (now_us - duration_seconds, now_us]: the
// delta-counter value Device Defender evaluates for a behaviour with a duration.
WindowSum SumWindow(const v1::MetricWindow& window, int64_t now_us, int64_t duration_seconds);

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_WINDOW_H_
