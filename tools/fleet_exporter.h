#ifndef WARDEN_TOOLS_FLEET_EXPORTER_H_
#define WARDEN_TOOLS_FLEET_EXPORTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tools/fleet.h"
#include "warden/v1/report.pb.h"

namespace prometheus {
class Collectable;
class Exposer;
struct MetricFamily;
}  // namespace prometheus

namespace warden::tools {

// The fleet's latest reported metrics as Prometheus would scrape them from an exporter
// sitting where wardend's ingest sits: every report the load generator makes is recorded,
// and a scrape sees, per device that has reported, eight metric families:
//
//   fleet_device_bytes_out_total, _bytes_in_total,      counters: the sum of the
//   fleet_device_packets_out_total, _packets_in_total   reports' deltas
//   fleet_device_listening_tcp_ports, _udp_ports,       gauges: the last report's counts
//   fleet_device_established_connections
//   fleet_device_listening_tcp_port{port="N"} 1         one series per listening TCP port
//                                                       of the last report
//
// each labelled device="<name>" (the device label is what a fleet exporter has to use;
// bench/compare_prometheus.sh measures what that costs Prometheus). Devices that have not
// reported yet are left out. Thread-safe: Record from any thread, Collect from the
// exporter's HTTP threads; Collect copies the samples under the lock and builds the
// families without it.
class FleetMetrics {
 public:
  explicit FleetMetrics(const Fleet& fleet);

  // Records `report` as `device`'s latest (counters add its deltas).
  void Record(int device, const v1::MetricsReport& report);

  // The families above, devices in fleet order, ports ascending.
  std::vector<prometheus::MetricFamily> Collect() const;

 private:
  struct Sample {
    bool reported = false;
    uint64_t bytes_out = 0;
    uint64_t bytes_in = 0;
    uint64_t packets_out = 0;
    uint64_t packets_in = 0;
    uint32_t tcp_ports = 0;
    uint32_t udp_ports = 0;
    uint32_t connections = 0;
    std::vector<uint32_t> listening_tcp;  // ascending
  };

  const Fleet& fleet_;
  mutable absl::Mutex mu_;
  std::vector<Sample> samples_ ABSL_GUARDED_BY(mu_);
};

// `metrics` in the Prometheus text exposition format (what /metrics serves uncompressed).
std::string RenderPrometheusText(const FleetMetrics& metrics);

// Serves a FleetMetrics at http://<address>/metrics (prometheus-cpp's Exposer) until
// destroyed. Thread-safe.
class FleetExporter {
 public:
  // `address` is HOST:PORT; port 0 picks a free one. `metrics` must outlive the exporter.
  // Errors: InvalidArgument for a malformed address, Unavailable when it cannot listen.
  static absl::StatusOr<std::unique_ptr<FleetExporter>> Create(const std::string& address,
                                                               const FleetMetrics& metrics);
  ~FleetExporter();

  // HOST:PORT actually listened on.
  const std::string& address() const { return address_; }

 private:
  FleetExporter() = default;
  std::shared_ptr<prometheus::Collectable> collectable_;  // registered with exposer_
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string address_;
};

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_FLEET_EXPORTER_H_
