#ifndef WARDEN_TOOLS_LOAD_STATS_H_
#define WARDEN_TOOLS_LOAD_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tools/latency_histogram.h"
#include "warden/v1/ingest.pb.h"

namespace warden::tools {

// How long a report waited for its ack, counted two ways.
struct AckLatency {
  absl::Duration from_send;  // the report was made and sent → its ack
  // The time the sender's schedule (--rate) had the report due → its ack: also counts
  // the time a late sender held the report back (PaceUnlessStopped).
  absl::Duration from_schedule;
};

// What a stretch of a load run did.
struct LoadTally {
  int64_t sent = 0;
  int64_t accepted = 0;
  int64_t duplicate = 0;
  // REJECTED acks by error_code ("" for an ack without one, or of unknown status).
  std::map<std::string, int64_t> rejected;
  LatencyHistogram latency;                // send → ack
  LatencyHistogram latency_from_schedule;  // due on the schedule → ack

  int64_t acked() const;
};

// The tallies of a load run, by interval and in total. Thread-safe: every stream's
// writer and reader record into one LoadStats.
class LoadStats {
 public:
  void RecordSent(int64_t reports = 1);
  void RecordAck(const v1::ReportAck& ack, AckLatency latency);
  // Each (ack, its latency), under one lock.
  void RecordAcks(const std::vector<std::pair<const v1::ReportAck*, AckLatency>>& acks);

  // What happened since the previous TakeInterval (or the start); starts a new interval.
  LoadTally TakeInterval();
  // What happened since the start.
  LoadTally Total() const;

 private:
  mutable absl::Mutex mu_;
  LoadTally interval_ ABSL_GUARDED_BY(mu_);
  LoadTally total_ ABSL_GUARDED_BY(mu_);
};

// One line for the operator, `elapsed` being how long `tally` took:
//   [5.0s] 1000.2 acks/s, sent 5001, accepted 4990, duplicate 0, rejected 10
//   (InvalidPayload 10); ack latency ms p50 1.21 p99 4.52 max 12.30; from schedule ms
//   p50 1.25 p99 5.10 max 14.02
std::string FormatTally(absl::string_view label, const LoadTally& tally, absl::Duration elapsed);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_LOAD_STATS_H_
