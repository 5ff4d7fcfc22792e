#ifndef WARDEN_SERVICES_REPORT_VALIDATION_H_
#define WARDEN_SERVICES_REPORT_VALIDATION_H_

#include <cstddef>
#include <optional>
#include <string>

#include "warden/v1/ingest.pb.h"

namespace warden::services {

// Bounds on one report. Defaults are generous for a real device and small enough that
// one report cannot take a shard's memory.
struct ReportLimits {
  size_t max_ports = 4096;         // per listening_*_ports list
  size_t max_connections = 16384;  // established connections
  size_t max_custom_metrics = 64;
  size_t max_custom_list_values = 4096;
  size_t max_string_bytes = 256;  // interface names, custom strings, remote_addr
};

// The first problem found in a report, with the field path that names it, e.g.
// "report.metrics.listening_tcp_ports.ports[2].port".
struct ReportProblem {
  std::string field_path;
  std::string message;
};

// Checks a request before it is queued: device id (1–128 of [a-zA-Z0-9:_.-]),
// header (report_id > 0, version "1.0"), at least one of metrics / custom_metrics,
// ports 0–65535, remote_addr "ip:port" / "[ipv6]:port", custom metric names and
// values (exactly one kind; numbers finite; IPs parse), and the list bounds.
// Pure and thread-safe.
std::optional<ReportProblem> ValidateReportRequest(const v1::ReportRequest& request,
                                                   const ReportLimits& limits);

// Whether `id` is a valid device (thing) name.
bool IsValidDeviceId(const std::string& id);

}  // namespace warden::services

#endif  // WARDEN_SERVICES_REPORT_VALIDATION_H_
