// warden-loadgen's stream against an in-process IngestService on 127.0.0.1:0.

#include "tools/report_stream.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "warden/v1/ingest.grpc.pb.h"

namespace warden::tools {
namespace {

// Acks every report in order: REJECTED (InvalidPayload) above 1 MB out, else ACCEPTED.
// Or, as told, acks with a wrong report id, never acks, or (batches) leaves the last
// report of each batch without an ack.
class FakeIngest final : public v1::IngestService::Service {
 public:
  enum class Mode { kAck, kWrongId, kSilent, kShortBatchAck };
  explicit FakeIngest(Mode mode = Mode::kAck) : mode_(mode) {}

  grpc::Status StreamReports(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::ReportAck, v1::ReportRequest>* stream) override {
    v1::ReportRequest request;
    while (stream->Read(&request)) {
      v1::ReportAck ack = Take(request);
      if (mode_ != Mode::kSilent) stream->Write(ack);
    }
    AwaitCancelIfSilent(context);
    return grpc::Status::OK;
  }

  grpc::Status StreamReportBatches(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::ReportBatchAck, v1::ReportBatch>* stream) override {
    v1::ReportBatch batch;
    while (stream->Read(&batch)) {
      {
        absl::MutexLock lock(&mu_);
        batch_sizes_.push_back(batch.reports_size());
      }
      v1::ReportBatchAck acks;
      for (const v1::ReportRequest& r : batch.reports()) *acks.add_acks() = Take(r);
      if (mode_ == Mode::kShortBatchAck) acks.mutable_acks()->RemoveLast();
      if (mode_ != Mode::kSilent) stream->Write(acks);
    }
    AwaitCancelIfSilent(context);
    return grpc::Status::OK;
  }

  std::map<std::string, std::vector<int64_t>> ids() {
    absl::MutexLock lock(&mu_);
    return ids_;
  }
  std::map<std::string, v1::MetricsReport> last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }
  std::vector<int> batch_sizes() {
    absl::MutexLock lock(&mu_);
    return batch_sizes_;
  }

 private:
  // Records the report and makes its ack.
  v1::ReportAck Take(const v1::ReportRequest& request) {
    {
      absl::MutexLock lock(&mu_);
      ids_[request.device_id()].push_back(request.report().header().report_id());
      last_[request.device_id()] = request.report();
    }
    v1::ReportAck ack;
    ack.set_device_id(request.device_id());
    ack.set_report_id(request.report().header().report_id() + (mode_ == Mode::kWrongId));
    if (request.report().metrics().network_stats().bytes_out() > 1'000'000) {
      ack.set_status(v1::ReportAck::REJECTED);
      ack.set_error_code("InvalidPayload");
    } else {
      ack.set_status(v1::ReportAck::ACCEPTED);
    }
    return ack;
  }

  void AwaitCancelIfSilent(grpc::ServerContext* context) {
    // A silent server keeps the stream open until the client gives up.
    const absl::Time give_up = absl::Now() + absl::Seconds(5);
    while (mode_ == Mode::kSilent && !context->IsCancelled() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(10));
    }
  }

  const Mode mode_;
  absl::Mutex mu_;
  std::map<std::string, std::vector<int64_t>> ids_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::MetricsReport> last_ ABSL_GUARDED_BY(mu_);
  std::vector<int> batch_sizes_ ABSL_GUARDED_BY(mu_);
};

// A server on an ephemeral port for the test's lifetime.
class Server {
 public:
  explicit Server(grpc::Service* service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
  }
  ~Server() { server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1))); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

FleetOptions TwentyDevicesFiveMisbehaving() {
  FleetOptions o;
  o.devices = 20;
  o.misbehaving = 5;
  o.seed = 11;
  return o;
}

ReportStreamOptions AllDevices(const Fleet& fleet, const std::string& server) {
  ReportStreamOptions o;
  o.server = server;
  for (int d = 0; d < fleet.size(); ++d) o.devices.push_back(d);
  o.rate = 2000;
  o.report_id_start = 1'795'000'000'000;
  return o;
}

// After a `once` run of AllDevices(): the server got each device's first report, and
// each ack was tallied (the exfiltrating devices' as REJECTED), with its latency.
void ExpectOneReportPerDeviceTallied(FakeIngest& ingest, const Fleet& fleet, LoadStats& stats) {
  const auto ids = ingest.ids();
  ASSERT_EQ(ids.size(), 20u);
  int exfiltrating = 0;
  for (int d = 0; d < fleet.size(); ++d) {
    EXPECT_EQ(ids.at(fleet.name(d)), std::vector<int64_t>{1'795'000'000'000}) << fleet.name(d);
    exfiltrating += fleet.misbehaviour(d) == Misbehaviour::kExfiltration;
  }
  const LoadTally t = stats.Total();
  EXPECT_EQ(t.sent, 20);
  EXPECT_EQ(t.acked(), 20);
  EXPECT_EQ(t.accepted, 20 - exfiltrating);
  EXPECT_EQ(exfiltrating == 0 ? 0 : t.rejected.at("InvalidPayload"), exfiltrating);
  EXPECT_EQ(t.latency.count(), 20);
}

TEST(ReportStreamTest, OnceSendsOneReportPerDeviceAndTalliesTheAcks) {
  FakeIngest ingest;
  Server server(&ingest);
  const Fleet fleet(TwentyDevicesFiveMisbehaving());
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.once = true;  // misbehave_at defaults to the past: the bad ones misbehave now
  LoadStats stats;
  std::atomic<bool> stop{false};

  ASSERT_TRUE(RunReportStream(options, fleet, stats, stop).ok());

  ExpectOneReportPerDeviceTallied(ingest, fleet, stats);
}

TEST(ReportStreamTest, MisbehavesOnlyFromTheGivenTime) {
  FakeIngest ingest;
  Server server(&ingest);
  const Fleet fleet(TwentyDevicesFiveMisbehaving());
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.once = true;
  options.misbehave_at = absl::InfiniteFuture();
  LoadStats stats;
  std::atomic<bool> stop{false};
  ASSERT_TRUE(RunReportStream(options, fleet, stats, stop).ok());
  EXPECT_EQ(stats.Total().accepted, 20);
  for (const auto& [device, report] : ingest.last()) {
    for (const v1::Port& p : report.metrics().listening_tcp_ports().ports()) {
      EXPECT_NE(p.port(), 23u) << device;
    }
  }
}

TEST(ReportStreamTest, RunsUntilStoppedWithIncreasingIdsPerDevice) {
  FakeIngest ingest;
  Server server(&ingest);
  const Fleet fleet(TwentyDevicesFiveMisbehaving());
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.rate = 400;
  LoadStats stats;
  std::atomic<bool> stop{false};
  absl::Status result;
  std::thread run([&] { result = RunReportStream(options, fleet, stats, stop); });
  absl::SleepFor(absl::Milliseconds(500));
  stop = true;
  run.join();
  ASSERT_TRUE(result.ok()) << result;

  const LoadTally t = stats.Total();
  EXPECT_GT(t.sent, 40);   // about 200 at 400/s; generous for a loaded machine
  EXPECT_LE(t.sent, 260);  // paced, not flooding
  EXPECT_EQ(t.acked(), t.sent);
  for (const auto& [device, ids] : ingest.ids()) {
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(ids[i], 1'795'000'000'000 + static_cast<int64_t>(i)) << device;
    }
  }
}

TEST(ReportStreamTest, AnAckForAnotherReportIsAnError) {
  FakeIngest ingest(FakeIngest::Mode::kWrongId);
  Server server(&ingest);
  const Fleet fleet(TwentyDevicesFiveMisbehaving());
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.once = true;
  LoadStats stats;
  std::atomic<bool> stop{false};
  const absl::Status s = RunReportStream(options, fleet, stats, stop);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message(),
            "acks out of order: expected report 1795000000000 of device 'dev-00001', got "
            "1795000000001 of device 'dev-00001'");
}

TEST(ReportStreamTest, GivesUpOnMissingAcksAfterTheDrainTimeout) {
  FakeIngest ingest(FakeIngest::Mode::kSilent);
  Server server(&ingest);
  const Fleet fleet(TwentyDevicesFiveMisbehaving());
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.once = true;
  options.drain_timeout = absl::Milliseconds(200);
  LoadStats stats;
  std::atomic<bool> stop{false};
  const absl::Status s = RunReportStream(options, fleet, stats, stop);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(s.message(), "20 reports unacked 200ms after the last send");
}

TEST(ReportStreamTest, BatchesSendSeveralReportsPerMessageAndTallyEachAck) {
  FakeIngest ingest;
  Server server(&ingest);
  const Fleet fleet(TwentyDevicesFiveMisbehaving());
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.once = true;
  options.batch = 7;
  LoadStats stats;
  std::atomic<bool> stop{false};

  ASSERT_TRUE(RunReportStream(options, fleet, stats, stop).ok());

  EXPECT_EQ(ingest.batch_sizes(), (std::vector<int>{7, 7, 6}));  // the last one partial
  ExpectOneReportPerDeviceTallied(ingest, fleet, stats);
}

TEST(ReportStreamTest, ABatchAckWithoutAnAckPerReportIsAnError) {
  FakeIngest ingest(FakeIngest::Mode::kShortBatchAck);
  Server server(&ingest);
  const Fleet fleet(TwentyDevicesFiveMisbehaving());
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.once = true;
  options.batch = 10;
  options.drain_timeout = absl::Milliseconds(200);
  LoadStats stats;
  std::atomic<bool> stop{false};
  const absl::Status s = RunReportStream(options, fleet, stats, stop);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_EQ(s.message(), "the ack of a batch of 10 reports has 9 acks");
}

TEST(ReportStreamTest, UnreachableServerIsUnavailable) {
  std::string address;
  {
    FakeIngest ingest;
    Server gone(&ingest);
    address = gone.address();
  }
  const Fleet fleet(TwentyDevicesFiveMisbehaving());
  ReportStreamOptions options = AllDevices(fleet, address);
  options.once = true;
  LoadStats stats;
  std::atomic<bool> stop{false};
  const absl::Status s = RunReportStream(options, fleet, stats, stop);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
}

}  // namespace
}  // namespace warden::tools
