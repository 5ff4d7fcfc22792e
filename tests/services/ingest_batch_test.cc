// Integration: IngestService.StreamReportBatches on a real Server (gRPC on 127.0.0.1:0,
// RocksDB in a temp dir, a fake clock), as a gateway reporting for many devices would
// use it.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/ingest_service.h"
#include "tests/services/server_fixture.h"
#include "warden/v1/ingest.grpc.pb.h"
#include "warden/v1/violation.grpc.pb.h"

namespace warden::services {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::ReportBatch Batch(std::vector<v1::ReportRequest> reports) {
  v1::ReportBatch batch;
  for (v1::ReportRequest& r : reports) *batch.add_reports() = std::move(r);
  return batch;
}

// `n` reports of `devices` devices ("gw-<prefix>-0".."gw-<prefix>-<devices-1>"), round
// robin, each device's ids counting from `first_id`.
v1::ReportBatch Fleet(const std::string& prefix, int devices, int n, int64_t first_id) {
  v1::ReportBatch batch;
  for (int i = 0; i < n; ++i) {
    *batch.add_reports() =
        MakeReport(prefix + "-" + std::to_string(i % devices), first_id + i / devices, 100);
  }
  return batch;
}

v1::ReportRequest WithBadRemoteAddr(v1::ReportRequest r) {
  r.mutable_report()
      ->mutable_metrics()
      ->mutable_tcp_connections()
      ->mutable_established_connections()
      ->add_connections()
      ->set_remote_addr("not-an-address");
  return r;
}

std::vector<std::string> Statuses(const v1::ReportBatchAck& acks) {
  std::vector<std::string> out;
  for (const v1::ReportAck& a : acks.acks()) out.push_back(v1::ReportAck::Status_Name(a.status()));
  return out;
}

class ReportBatchTest : public ServerTest {
 protected:
  // Shedding by queue delay is off (a loaded test machine must not shed); the test that
  // sheds does it by queue capacity.
  void SetUp() override {
    configure_ = [](ServerOptions* o) { o->engine.max_queue_delay_ms = 0; };
    ServerTest::SetUp();
  }

  // Sends every batch on one stream before reading any ack (so several are in flight),
  // then returns the acks in order.
  std::vector<v1::ReportBatchAck> StreamBatches(const std::vector<v1::ReportBatch>& batches) {
    grpc::ClientContext ctx;
    auto stream = ingest_->StreamReportBatches(&ctx);
    for (const v1::ReportBatch& b : batches) EXPECT_TRUE(stream->Write(b));
    stream->WritesDone();
    std::vector<v1::ReportBatchAck> acks;
    v1::ReportBatchAck ack;
    while (stream->Read(&ack)) acks.push_back(ack);
    const grpc::Status status = stream->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return acks;
  }

  v1::ReportBatchAck SendBatch(const v1::ReportBatch& batch) {
    std::vector<v1::ReportBatchAck> acks = StreamBatches({batch});
    EXPECT_EQ(acks.size(), 1u);
    return acks.empty() ? v1::ReportBatchAck() : acks[0];
  }

  // The device's last accepted report id as the store has it; NOT_FOUND for a device
  // that never reported.
  absl::StatusOr<int64_t> LastReportId(const std::string& device) {
    grpc::ClientContext ctx;
    v1::GetDeviceStateRequest req;
    req.set_device_id(device);
    v1::DeviceState state;
    grpc::Status s = violations_->GetDeviceState(&ctx, req, &state);
    if (!s.ok()) return absl::Status(static_cast<absl::StatusCode>(s.error_code()), "");
    return state.last_report_id();
  }

  // Expects acks[i] to answer batch.reports(i), for every report.
  static void ExpectAnswers(const v1::ReportBatch& batch, const v1::ReportBatchAck& acks) {
    ASSERT_EQ(acks.acks_size(), batch.reports_size());
    for (int i = 0; i < batch.reports_size(); ++i) {
      EXPECT_EQ(acks.acks(i).device_id(), batch.reports(i).device_id()) << i;
      EXPECT_EQ(acks.acks(i).report_id(), batch.reports(i).report().header().report_id()) << i;
    }
  }
};

TEST_F(ReportBatchTest, OneAckMessagePerBatchInOrderWithOneAckPerReport) {
  // Batches of different sizes across shards; several in flight on the stream.
  const std::vector<v1::ReportBatch> batches = {Fleet("gw", 10, 50, 1), Fleet("gw", 10, 1, 6),
                                                Fleet("gw", 10, 120, 7), Fleet("other", 3, 9, 1)};
  std::vector<v1::ReportBatchAck> acks = StreamBatches(batches);
  ASSERT_EQ(acks.size(), batches.size());
  for (size_t b = 0; b < batches.size(); ++b) {
    SCOPED_TRACE(b);
    ExpectAnswers(batches[b], acks[b]);
    for (const v1::ReportAck& a : acks[b].acks()) {
      EXPECT_EQ(a.status(), v1::ReportAck::ACCEPTED) << a.message();
    }
  }
  // 50 + 1 + 120 reports of gw-0..gw-9: 18 each, ids 1..18.
  EXPECT_EQ(LastReportId("gw-0").value_or(-1), 18);
  EXPECT_EQ(LastReportId("gw-9").value_or(-1), 18);
  EXPECT_EQ(LastReportId("other-2").value_or(-1), 3);
}

TEST_F(ReportBatchTest, ManyBatchesInFlightOnOneStreamAreAnsweredInOrder) {
  // 30 batches of 50 (more reports than the stream may have unacknowledged, so the
  // server also pauses reading); report k of the stream is dev-(k % 7)'s, with id k + 1.
  std::vector<v1::ReportBatch> batches(30);
  for (int k = 0; k < 30 * 50; ++k) {
    *batches[k / 50].add_reports() = MakeReport("dev-" + std::to_string(k % 7), k + 1, 100);
  }
  std::vector<v1::ReportBatchAck> acks = StreamBatches(batches);
  ASSERT_EQ(acks.size(), 30u);
  for (int b = 0; b < 30; ++b) {
    SCOPED_TRACE(b);
    ExpectAnswers(batches[b], acks[b]);
    EXPECT_THAT(Statuses(acks[b]), ::testing::Each("ACCEPTED"));
  }
  EXPECT_EQ(LastReportId("dev-0").value_or(-1), 1 + 1498 - 1498 % 7);  // k = 1498 - 1498 % 7
  EXPECT_EQ(LastReportId("dev-1").value_or(-1), 1500);                 // k = 1499
}

TEST_F(ReportBatchTest, ABadReportIsRejectedWithItsFieldPathAndTheRestIsStored) {
  const v1::ReportBatch batch =
      Batch({MakeReport("cam-a", 1, 10), WithBadRemoteAddr(MakeReport("cam-b", 1, 10)),
             MakeReport("cam-c", 1, 10)});
  v1::ReportBatchAck acks = SendBatch(batch);
  ExpectAnswers(batch, acks);
  EXPECT_THAT(Statuses(acks), ElementsAre("ACCEPTED", "REJECTED", "ACCEPTED"));
  EXPECT_EQ(acks.acks(1).error_code(), "InvalidPayload");
  EXPECT_EQ(acks.acks(1).field_path(),
            "report.metrics.tcp_connections.established_connections.connections[0].remote_addr");
  EXPECT_FALSE(acks.acks(1).message().empty());

  // Acked means durable: after a restart the good ones are there, the bad one is not.
  RestartServer();
  EXPECT_EQ(LastReportId("cam-a").value_or(-1), 1);
  EXPECT_EQ(LastReportId("cam-c").value_or(-1), 1);
  EXPECT_EQ(LastReportId("cam-b").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ReportBatchTest, OldAndRepeatedReportIdsAreDuplicatesAndChangeNothing) {
  ASSERT_THAT(Statuses(SendBatch(Batch({MakeReport("cam-d", 10, 5000)}))), ElementsAre("ACCEPTED"));
  // Within one batch too: the device's reports are applied in the batch's order.
  const v1::ReportBatch batch =
      Batch({MakeReport("cam-d", 10, 1), MakeReport("cam-d", 11, 5000), MakeReport("cam-d", 11, 1),
             MakeReport("cam-d", 3, 1), MakeReport("cam-e", 1, 1)});
  v1::ReportBatchAck acks = SendBatch(batch);
  ExpectAnswers(batch, acks);
  EXPECT_THAT(Statuses(acks),
              ElementsAre("DUPLICATE", "ACCEPTED", "DUPLICATE", "DUPLICATE", "ACCEPTED"));
  EXPECT_THAT(acks.acks(3).message(), HasSubstr("not newer than the last accepted report id 11"));
  // 5000 twice in a row (to_alarm 2): the duplicates' conforming values changed nothing.
  std::vector<v1::Violation> active = Active("cam-d");
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].behaviour(), "bytes-out");
  EXPECT_EQ(LastReportId("cam-d").value_or(-1), 11);
}

TEST_F(ReportBatchTest, ABatchOverTheLimitIsRejectedWholeAndChangesNothing) {
  const v1::ReportBatch over = Fleet("big", 5, kMaxReportsPerBatch + 1, 1);
  v1::ReportBatchAck acks = SendBatch(over);
  ExpectAnswers(over, acks);
  for (const v1::ReportAck& a : acks.acks()) {
    EXPECT_EQ(a.status(), v1::ReportAck::REJECTED);
    EXPECT_EQ(a.error_code(), "InvalidPayload");
    EXPECT_EQ(a.field_path(), "reports");
    EXPECT_EQ(a.message(),
              "at most 1000 reports per batch, got 1001; nothing of this batch was applied");
  }
  EXPECT_EQ(LastReportId("big-0").status().code(), absl::StatusCode::kNotFound);

  // The limit itself is fine.
  const v1::ReportBatch full = Fleet("big", 5, kMaxReportsPerBatch, 1);
  acks = SendBatch(full);
  ExpectAnswers(full, acks);
  EXPECT_THAT(Statuses(acks), ::testing::Each("ACCEPTED"));
  EXPECT_EQ(LastReportId("big-4").value_or(-1), kMaxReportsPerBatch / 5);
}

TEST_F(ReportBatchTest, AnEmptyBatchGetsAnEmptyAckAndTheStreamGoesOn) {
  const v1::ReportBatch next = Batch({MakeReport("cam-f", 1, 10)});
  std::vector<v1::ReportBatchAck> acks =
      StreamBatches({v1::ReportBatch(), next, v1::ReportBatch()});
  ASSERT_EQ(acks.size(), 3u);
  EXPECT_EQ(acks[0].acks_size(), 0);
  EXPECT_THAT(Statuses(acks[1]), ElementsAre("ACCEPTED"));
  EXPECT_EQ(acks[2].acks_size(), 0);
}

TEST_F(ReportBatchTest, ABatchedReportRaisesAViolationWithItsEvidence) {
  // Two violating datapoints of cam-g in one batch reach bytes-out's to_alarm of 2; gw-t
  // listens on telnet.
  const v1::ReportBatch batch =
      Batch({MakeReport("cam-g", 1, 3000), MakeReport("gw-t", 1, 10, {22, 23}),
             MakeReport("cam-g", 2, 4000)});
  EXPECT_THAT(Statuses(SendBatch(batch)), ElementsAre("ACCEPTED", "ACCEPTED", "ACCEPTED"));

  std::vector<v1::Violation> cam = Active("cam-g");
  ASSERT_EQ(cam.size(), 1u);
  EXPECT_EQ(cam[0].behaviour(), "bytes-out");
  EXPECT_EQ(cam[0].severity(), v1::HIGH);
  EXPECT_EQ(cam[0].last_evidence().number(), 4000);
  EXPECT_EQ(cam[0].last_evidence().report_id(), 2);

  std::vector<v1::Violation> gw = Active("gw-t");
  ASSERT_EQ(gw.size(), 1u);
  EXPECT_EQ(gw[0].behaviour(), "no-telnet");
  EXPECT_THAT(gw[0].last_evidence().offending(), ElementsAre("23"));
  EXPECT_THAT(Types(Events("gw-t"), "no-telnet"), ElementsAre("IN_ALARM"));
}

TEST_F(ReportBatchTest, ReportsPastTheShardQueueAreRejectedToResendAndChangeNothing) {
  // One shard with room for 8: the batch is queued under one lock, so exactly its first
  // 8 reports fit.
  configure_ = [](ServerOptions* o) {
    o->engine.max_queue_delay_ms = 0;
    o->engine.shards = 1;
    o->engine.queue_capacity = 8;
    o->engine.max_queue_delay_ms = 0;
  };
  RestartServer();
  const v1::ReportBatch batch = Fleet("q", 2, 20, 1);  // q-0 and q-1, ids 1..10 each
  v1::ReportBatchAck acks = SendBatch(batch);
  ExpectAnswers(batch, acks);
  for (int i = 0; i < 20; ++i) {
    const v1::ReportAck& a = acks.acks(i);
    if (i < 8) {
      EXPECT_EQ(a.status(), v1::ReportAck::ACCEPTED) << i;
    } else {
      EXPECT_EQ(a.status(), v1::ReportAck::REJECTED) << i;
      EXPECT_EQ(a.error_code(), "ResourceExhausted") << i;
      EXPECT_THAT(a.message(), HasSubstr("resend this report after a backoff"));
    }
  }
  EXPECT_EQ(LastReportId("q-0").value_or(-1), 4);
  EXPECT_EQ(LastReportId("q-1").value_or(-1), 4);

  // Resent in batches that fit, one after the other, the rest goes in.
  v1::ReportBatch first, second;
  for (int i = 8; i < 20; ++i) *(i < 14 ? first : second).add_reports() = batch.reports(i);
  EXPECT_THAT(Statuses(SendBatch(first)), ::testing::Each("ACCEPTED"));
  EXPECT_THAT(Statuses(SendBatch(second)), ::testing::Each("ACCEPTED"));
  EXPECT_EQ(LastReportId("q-0").value_or(-1), 10);
  EXPECT_EQ(LastReportId("q-1").value_or(-1), 10);
}

TEST_F(ReportBatchTest, AfterAFailedWriteBatchesAreRejectedUnavailable) {
  configure_ = [](ServerOptions* o) {
    o->engine.before_write = [] { return absl::InternalError("disk on fire"); };
  };
  RestartServer();
  const v1::ReportBatch batch = Fleet("f", 3, 6, 1);
  // The first batch's write fails; the second comes after that and is refused at once.
  const std::vector<v1::ReportBatchAck> acks = {SendBatch(batch), SendBatch(batch)};
  for (const v1::ReportBatchAck& b : acks) {
    ExpectAnswers(batch, b);
    for (const v1::ReportAck& a : b.acks()) {
      EXPECT_EQ(a.status(), v1::ReportAck::REJECTED);
      EXPECT_EQ(a.error_code(), "Unavailable");
    }
  }
  EXPECT_THAT(acks[0].acks(0).message(), HasSubstr("could not be stored"));
  EXPECT_THAT(acks[1].acks(0).message(), HasSubstr("wardend cannot store reports"));
  EXPECT_EQ(LastReportId("f-0").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace warden::services
