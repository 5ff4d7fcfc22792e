#include "detectors/window.h"

#include "common/clock.h"

namespace warden::detectors {

void AppendToWindow(v1::MetricWindow* window, int64_t time_us, double value, int64_t keep_seconds) {
  v1::WindowPoint* p = window->add_points();
  p->set_time_us(time_us);
  p->set_value(value);
  const int64_t horizon = time_us - keep_seconds * kMicrosPerSecond;
  int drop = 0;
  while (drop < window->points_size() && window->points(drop).time_us() <= horizon) ++drop;
  if (drop > 0) window->mutable_points()->DeleteSubrange(0, drop);
}

WindowSum SumWindow(const v1::MetricWindow& window, int64_t now_us, int64_t duration_seconds) {
  WindowSum s;
  const int64_t horizon = now_us - duration_seconds * kMicrosPerSecond;
  for (int i = window.points_size() - 1; i >= 0; --i) {
    const v1::WindowPoint& p = window.points(i);
    if (p.time_us() <= horizon) break;
    if (p.time_us() > now_us) continue;
    s.sum += p.value();
    ++s.datapoints;
  }
  return s;
}

}  // namespace warden::detectors
