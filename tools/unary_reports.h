#ifndef WARDEN_TOOLS_UNARY_REPORTS_H_
#define WARDEN_TOOLS_UNARY_REPORTS_H_

#include <atomic>

#include "absl/status/status.h"
#include "tools/fleet.h"
#include "tools/load_stats.h"
#include "tools/report_stream.h"

namespace warden::tools {

// Sends reports of `fleet`'s devices as IngestService.Report calls (one unary RPC per
// report) on a channel of its own, paced at options.rate with up to options.max_inflight
// calls in flight (gRPC's callback API: no thread per call), until `stop` is set (or,
// with once, one report per device); then waits up to drain_timeout for the calls in
// flight and cancels the rest. options.stream only names the channel. Blocks until every
// call has finished. Every call goes to `stats` as an ack with its send → response
// latency: OK as the server's ack; RESOURCE_EXHAUSTED, INVALID_ARGUMENT, UNAVAILABLE and
// other failures as REJECTED acks with error codes ResourceExhausted, InvalidPayload,
// Unavailable and Internal (what a stream's acks would say).
// Errors: the first failure other than RESOURCE_EXHAUSTED or INVALID_ARGUMENT (UNAVAILABLE
// when the server is unreachable), Internal for an ack that does not match its report,
// DeadlineExceeded when calls were still in flight after the drain timeout.
absl::Status RunUnaryReports(const ReportStreamOptions& options, const Fleet& fleet,
                             LoadStats& stats, const std::atomic<bool>& stop);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_UNARY_REPORTS_H_
