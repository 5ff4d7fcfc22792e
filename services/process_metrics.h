#ifndef WARDEN_SERVICES_PROCESS_METRICS_H_
#define WARDEN_SERVICES_PROCESS_METRICS_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace warden::services {

// The standard Prometheus process metrics of wardend itself, read from /proc/self at
// each scrape: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds (as the Go and Java clients name them, so stock Grafana
// panels work). Linux only; a value that cannot be read is left out.
class ProcessMetrics : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_PROCESS_METRICS_H_
