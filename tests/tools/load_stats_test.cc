#include "tools/load_stats.h"

#include <gtest/gtest.h>

namespace warden::tools {
namespace {

v1::ReportAck Ack(v1::ReportAck::Status status, const std::string& code = "") {
  v1::ReportAck ack;
  ack.set_status(status);
  ack.set_error_code(code);
  return ack;
}

AckLatency Same(absl::Duration d) { return {d, d}; }

TEST(LoadStatsTest, CountsAcksByStatusAndRejectionsByCode) {
  LoadStats stats;
  for (int i = 0; i < 4; ++i) stats.RecordSent();
  stats.RecordAck(Ack(v1::ReportAck::ACCEPTED), Same(absl::Milliseconds(2)));
  stats.RecordAck(Ack(v1::ReportAck::DUPLICATE), Same(absl::Milliseconds(2)));
  stats.RecordAck(Ack(v1::ReportAck::REJECTED, "InvalidPayload"), Same(absl::Milliseconds(2)));
  stats.RecordAck(Ack(v1::ReportAck::REJECTED, "ResourceExhausted"), Same(absl::Milliseconds(8)));

  const LoadTally t = stats.Total();
  EXPECT_EQ(t.sent, 4);
  EXPECT_EQ(t.accepted, 1);
  EXPECT_EQ(t.duplicate, 1);
  EXPECT_EQ(t.rejected.at("InvalidPayload"), 1);
  EXPECT_EQ(t.rejected.at("ResourceExhausted"), 1);
  EXPECT_EQ(t.acked(), 4);
  EXPECT_EQ(t.latency.max(), absl::Milliseconds(8));
}

// What a batch's sender and reader record at once counts as report by report.
TEST(LoadStatsTest, AMessagesReportsAndItsAcksCountOneByOne) {
  LoadStats stats;
  stats.RecordSent(3);
  const v1::ReportAck accepted = Ack(v1::ReportAck::ACCEPTED);
  const v1::ReportAck shed = Ack(v1::ReportAck::REJECTED, "ResourceExhausted");
  stats.RecordAcks({{&accepted, {absl::Milliseconds(1), absl::Milliseconds(2)}},
                    {&accepted, {absl::Milliseconds(5), absl::Milliseconds(9)}},
                    {&shed, {absl::Milliseconds(3), absl::Milliseconds(3)}}});
  for (const LoadTally& t : {stats.Total(), stats.TakeInterval()}) {
    EXPECT_EQ(t.sent, 3);
    EXPECT_EQ(t.accepted, 2);
    EXPECT_EQ(t.rejected.at("ResourceExhausted"), 1);
    EXPECT_EQ(t.acked(), 3);
    EXPECT_EQ(t.latency.max(), absl::Milliseconds(5));
    EXPECT_EQ(t.latency_from_schedule.max(), absl::Milliseconds(9));
    EXPECT_EQ(t.latency_from_schedule.count(), 3);
  }
}

TEST(LoadStatsTest, IntervalsStartOverTotalsDoNot) {
  LoadStats stats;
  stats.RecordSent();
  stats.RecordAck(Ack(v1::ReportAck::ACCEPTED), Same(absl::Milliseconds(1)));
  EXPECT_EQ(stats.TakeInterval().accepted, 1);
  stats.RecordSent();
  const LoadTally second = stats.TakeInterval();
  EXPECT_EQ(second.sent, 1);
  EXPECT_EQ(second.accepted, 0);
  EXPECT_EQ(stats.Total().sent, 2);
  EXPECT_EQ(stats.Total().accepted, 1);
}

TEST(FormatTallyTest, OneLineWithRateStatusesAndLatency) {
  LoadTally t;
  t.sent = 1001;
  t.accepted = 990;
  t.duplicate = 0;
  t.rejected["InvalidPayload"] = 10;
  for (int i = 0; i < 1000; ++i) t.latency.Record(absl::Milliseconds(4));
  for (int i = 0; i < 1000; ++i) t.latency_from_schedule.Record(absl::Milliseconds(6));
  EXPECT_EQ(FormatTally("5.0s", t, absl::Seconds(5)),
            "[5.0s] 200.0 acks/s, sent 1001, accepted 990, duplicate 0, rejected 10 "
            "(InvalidPayload 10); ack latency ms p50 4.00 p99 4.00 max 4.00; from schedule ms "
            "p50 6.00 p99 6.00 max 6.00");
  EXPECT_EQ(FormatTally("0.0s", LoadTally(), absl::ZeroDuration()),
            "[0.0s] 0.0 acks/s, sent 0, accepted 0, duplicate 0, rejected 0; ack latency ms "
            "p50 0.00 p99 0.00 max 0.00; from schedule ms p50 0.00 p99 0.00 max 0.00");
}

}  // namespace
}  // namespace warden::tools
