// Reports for the evaluator tests.
#ifndef WARDEN_TESTS_DETECTORS_REPORTS_H_
#define WARDEN_TESTS_DETECTORS_REPORTS_H_

#include <cstdint>

#include "warden/v1/report.pb.h"

namespace warden::detectors {

// A version 1.0 report with this id and only network_stats.bytes_out set.
inline v1::MetricsReport BytesOutReport(int64_t report_id, uint64_t bytes_out) {
  v1::MetricsReport r;
  r.mutable_header()->set_report_id(report_id);
  r.mutable_header()->set_version("1.0");
  r.mutable_metrics()->mutable_network_stats()->set_bytes_out(bytes_out);
  return r;
}

}  // namespace warden::detectors

#endif  // WARDEN_TESTS_DETECTORS_REPORTS_H_
