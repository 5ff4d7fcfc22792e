#include "tools/load_stats.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace warden::tools {
namespace {

void Add(const v1::ReportAck& ack, AckLatency latency, LoadTally& t) {
  switch (ack.status()) {
    case v1::ReportAck::ACCEPTED:
      ++t.accepted;
      break;
    case v1::ReportAck::DUPLICATE:
      ++t.duplicate;
      break;
    default:
      ++t.rejected[ack.error_code()];
      break;
  }
  t.latency.Record(latency.from_send);
  t.latency_from_schedule.Record(latency.from_schedule);
}

double Millis(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

int64_t LoadTally::acked() const {
  int64_t n = accepted + duplicate;
  for (const auto& [code, count] : rejected) n += count;
  return n;
}

void LoadStats::RecordSent(int64_t reports) {
  absl::MutexLock lock(&mu_);
  interval_.sent += reports;
  total_.sent += reports;
}

void LoadStats::RecordAck(const v1::ReportAck& ack, AckLatency latency) {
  absl::MutexLock lock(&mu_);
  Add(ack, latency, interval_);
  Add(ack, latency, total_);
}

void LoadStats::RecordAcks(const std::vector<std::pair<const v1::ReportAck*, AckLatency>>& acks) {
  absl::MutexLock lock(&mu_);
  for (const auto& [ack, latency] : acks) {
    Add(*ack, latency, interval_);
    Add(*ack, latency, total_);
  }
}

LoadTally LoadStats::TakeInterval() {
  absl::MutexLock lock(&mu_);
  return std::exchange(interval_, LoadTally());
}

LoadTally LoadStats::Total() const {
  absl::MutexLock lock(&mu_);
  return total_;
}

std::string FormatTally(absl::string_view label, const LoadTally& tally, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  const double rate = seconds > 0 ? static_cast<double>(tally.acked()) / seconds : 0;
  int64_t rejected = 0;
  std::vector<std::string> codes;
  for (const auto& [code, count] : tally.rejected) {
    rejected += count;
    codes.push_back(absl::StrCat(code.empty() ? "no-code" : code, " ", count));
  }
  std::string line =
      absl::StrFormat("[%s] %.1f acks/s, sent %d, accepted %d, duplicate %d, rejected %d", label,
                      rate, tally.sent, tally.accepted, tally.duplicate, rejected);
  if (!codes.empty()) absl::StrAppend(&line, " (", absl::StrJoin(codes, ", "), ")");
  absl::StrAppendFormat(&line, "; ack latency ms p50 %.2f p99 %.2f max %.2f",
                        Millis(tally.latency.Quantile(0.5)), Millis(tally.latency.Quantile(0.99)),
                        Millis(tally.latency.max()));
  const LatencyHistogram& s = tally.latency_from_schedule;
  absl::StrAppendFormat(&line, "; from schedule ms p50 %.2f p99 %.2f max %.2f",
                        Millis(s.Quantile(0.5)), Millis(s.Quantile(0.99)), Millis(s.max()));
  return line;
}

}  // namespace warden::tools
