#ifndef WARDEN_TOOLS_REPORT_STREAM_H_
#define WARDEN_TOOLS_REPORT_STREAM_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tools/fleet.h"
#include "tools/load_stats.h"

namespace warden::tools {

// One IngestService.StreamReports (or StreamReportBatches) call of warden-loadgen.
struct ReportStreamOptions {
  std::string server;           // host:port
  int stream = 0;               // which of the run's streams; each has its own connection
  std::vector<int> devices;     // fleet indices this stream reports for, round-robin
  double rate = 250;            // reports per second on this stream
  int max_inflight = 1024;      // reports sent and not yet acked, at most (but one batch)
  int64_t report_id_start = 1;  // each device's ids: start, start + 1, ...
  bool once = false;            // one report per device, then finish
  absl::Time misbehave_at = absl::InfinitePast();    // misbehaving devices misbehave from then
  uint64_t seed = 1;                                 // draws the traffic
  absl::Duration drain_timeout = absl::Seconds(10);  // wait for the last acks, at most
  // How far behind its schedule (at `rate`) the stream may fall and still send the
  // reports it owes (tools/pacing.h, PacingBucket).
  absl::Duration catch_up = absl::Milliseconds(50);
  // Reports per message: 1 sends each as a message of StreamReports; more use
  // StreamReportBatches with this many reports in each ReportBatch (the last one of a
  // run may be smaller). A batch is sent once full, so at low rates reports wait for it.
  int batch = 1;
  // Called from the sending thread after each report is handed to gRPC, with whether the
  // device was told to misbehave in it. Default: none. Must be thread-safe when streams share it.
  std::function<void(int device, const v1::MetricsReport& report, bool misbehaving,
                     absl::Time sent_at)>
      on_sent;
};

// Sends reports of `fleet`'s devices on one bidi stream, paced at options.rate, until
// `stop` is set (or, with once, one report per device), then half-closes and waits up
// to drain_timeout for the remaining acks. A writer and a reader thread; blocks until
// both are done. Every send and ack (with its send → ack latency) goes to `stats`.
// Errors: the stream's status when it ended other than OK (UNAVAILABLE when the server
// is unreachable), or Internal for an ack that does not match the report it answers
// (or a batch ack without one ack per report), or acks missing after the drain timeout.
absl::Status RunReportStream(const ReportStreamOptions& options, const Fleet& fleet,
                             LoadStats& stats, const std::atomic<bool>& stop);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_REPORT_STREAM_H_
