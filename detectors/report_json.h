#ifndef WARDEN_DETECTORS_REPORT_JSON_H_
#define WARDEN_DETECTORS_REPORT_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "warden/v1/report.pb.h"

namespace warden::detectors {

// Parses an AWS IoT Device Defender metrics report document (reference §4), in its
// long-name form (`header`, `report_id`, ...) or its short-name form (`hed`, `rid`,
// ...); the two may even be mixed. Custom metrics use the AWS shape, an array of
// exactly one object with exactly one of `number`, `number_list`, `string_list`,
// `ip_list`:
//   "custom_metrics": {"temperature": [{"number": 21.5}],
//                      "open_files": [{"number_list": [3, 7]}]}
// Unknown keys are rejected. This checks the document's shape and types only; what
// the values mean (report id > 0, addresses, metric names) is ingest validation's job.
//
// Errors: InvalidArgument with a lower-case message that starts with the JSON path of
// the problem, e.g. "custom_metrics.temperature: expected an array of one object, got
// an object". Never throws. Thread-safe.
absl::StatusOr<v1::MetricsReport> ParseReportJson(std::string_view json);

// Renders `report` as the AWS document ParseReportJson reads: long key names
// (`header`, `report_id`, ...) or, with `short_names`, the short ones (`hed`, `rid`,
// ...). Integers are JSON numbers; fields that are not set are left out. Compact, one
// line. Thread-safe.
std::string ReportToAwsJson(const v1::MetricsReport& report, bool short_names);

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_REPORT_JSON_H_
