// warden-loadgen's --unary client against an in-process IngestService on 127.0.0.1:0.

#include "tools/unary_reports.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "warden/v1/ingest.grpc.pb.h"

namespace warden::tools {
namespace {

// Answers each Report: OK with an ACCEPTED ack; or, as told, RESOURCE_EXHAUSTED for every
// other call, an ack for another report, or no answer until the call is cancelled.
class FakeIngest final : public v1::IngestService::Service {
 public:
  enum class Mode { kAccept, kShedHalf, kWrongId, kHang };
  explicit FakeIngest(Mode mode = Mode::kAccept) : mode_(mode) {}

  grpc::Status Report(grpc::ServerContext* context, const v1::ReportRequest* request,
                      v1::ReportAck* ack) override {
    int call = 0;
    {
      absl::MutexLock lock(&mu_);
      call = calls_++;
      ids_[request->device_id()].push_back(request->report().header().report_id());
    }
    if (mode_ == Mode::kShedHalf && call % 2 == 1) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "shard queue full");
    }
    while (mode_ == Mode::kHang && !context->IsCancelled()) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ack->set_device_id(request->device_id());
    ack->set_report_id(request->report().header().report_id() + (mode_ == Mode::kWrongId));
    ack->set_status(v1::ReportAck::ACCEPTED);
    return grpc::Status::OK;
  }

  std::map<std::string, std::vector<int64_t>> ids() {
    absl::MutexLock lock(&mu_);
    return ids_;
  }

 private:
  const Mode mode_;
  absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::vector<int64_t>> ids_ ABSL_GUARDED_BY(mu_);
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

Fleet TwentyDevices() {
  FleetOptions o;
  o.devices = 20;
  o.misbehaving = 5;
  o.seed = 11;
  return Fleet(o);
}

ReportStreamOptions AllDevices(const Fleet& fleet, const std::string& server) {
  ReportStreamOptions o;
  o.server = server;
  for (int d = 0; d < fleet.size(); ++d) o.devices.push_back(d);
  o.rate = 2000;
  o.max_inflight = 8;
  o.report_id_start = 1'795'000'000'000;
  return o;
}

TEST(UnaryReportsTest, OnceCallsOncePerDeviceAndTalliesTheAcks) {
  FakeIngest ingest;
  Server server(&ingest);
  const Fleet fleet = TwentyDevices();
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.once = true;
  int hooked = 0;
  options.on_sent = [&hooked](int, const v1::MetricsReport&, bool, absl::Time) { ++hooked; };
  LoadStats stats;
  std::atomic<bool> stop{false};

  ASSERT_TRUE(RunUnaryReports(options, fleet, stats, stop).ok());

  const auto ids = ingest.ids();
  ASSERT_EQ(ids.size(), 20u);
  for (int d = 0; d < fleet.size(); ++d) {
    EXPECT_EQ(ids.at(fleet.name(d)), std::vector<int64_t>{1'795'000'000'000}) << fleet.name(d);
  }
  const LoadTally t = stats.Total();
  EXPECT_EQ(t.sent, 20);
  EXPECT_EQ(t.accepted, 20);
  EXPECT_EQ(t.latency.count(), 20);
  EXPECT_EQ(hooked, 20);
}

TEST(UnaryReportsTest, ShedReportsAreRejectedAcksNotAnError) {
  FakeIngest ingest(FakeIngest::Mode::kShedHalf);
  Server server(&ingest);
  const Fleet fleet = TwentyDevices();
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.once = true;
  LoadStats stats;
  std::atomic<bool> stop{false};

  ASSERT_TRUE(RunUnaryReports(options, fleet, stats, stop).ok());

  const LoadTally t = stats.Total();
  EXPECT_EQ(t.acked(), 20);
  EXPECT_EQ(t.accepted, 10);
  EXPECT_EQ(t.rejected.at("ResourceExhausted"), 10);
}

TEST(UnaryReportsTest, RunsUntilStoppedPacedWithIncreasingIds) {
  FakeIngest ingest;
  Server server(&ingest);
  const Fleet fleet = TwentyDevices();
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.rate = 400;
  LoadStats stats;
  std::atomic<bool> stop{false};
  absl::Status result;
  std::thread run([&] { result = RunUnaryReports(options, fleet, stats, stop); });
  absl::SleepFor(absl::Milliseconds(500));
  stop = true;
  run.join();
  ASSERT_TRUE(result.ok()) << result;

  const LoadTally t = stats.Total();
  EXPECT_GT(t.sent, 40);   // about 200 at 400/s; generous for a loaded machine
  EXPECT_LE(t.sent, 260);  // paced, not flooding
  EXPECT_EQ(t.acked(), t.sent);
  for (const auto& [device, ids] : ingest.ids()) {
    std::vector<int64_t> sorted = ids;  // calls in flight together may arrive in any order
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i) {
      EXPECT_EQ(sorted[i], 1'795'000'000'000 + static_cast<int64_t>(i)) << device;
    }
  }
}

TEST(UnaryReportsTest, AnAckForAnotherReportIsAnError) {
  FakeIngest ingest(FakeIngest::Mode::kWrongId);
  Server server(&ingest);
  const Fleet fleet = TwentyDevices();
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.once = true;
  options.max_inflight = 1;
  LoadStats stats;
  std::atomic<bool> stop{false};
  const absl::Status s = RunUnaryReports(options, fleet, stats, stop);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message(),
            "ack for report 1795000000001 of device 'dev-00001' answers report 1795000000000 of "
            "device 'dev-00001'");
}

TEST(UnaryReportsTest, CancelsCallsStillInFlightAfterTheDrainTimeout) {
  FakeIngest ingest(FakeIngest::Mode::kHang);
  Server server(&ingest);
  const Fleet fleet = TwentyDevices();
  ReportStreamOptions options = AllDevices(fleet, server.address());
  options.once = true;
  options.max_inflight = 20;
  options.drain_timeout = absl::Milliseconds(200);
  LoadStats stats;
  std::atomic<bool> stop{false};
  const absl::Status s = RunUnaryReports(options, fleet, stats, stop);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(stats.Total().acked(), 20);  // each as a cancelled call
}

TEST(UnaryReportsTest, AnUnreachableServerIsUnavailable) {
  const Fleet fleet = TwentyDevices();
  ReportStreamOptions options = AllDevices(fleet, "127.0.0.1:1");
  options.once = true;
  LoadStats stats;
  std::atomic<bool> stop{false};
  EXPECT_EQ(RunUnaryReports(options, fleet, stats, stop).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace warden::tools
