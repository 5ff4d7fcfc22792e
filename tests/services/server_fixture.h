#ifndef WARDEN_TESTS_SERVICES_SERVER_FIXTURE_H_
#define WARDEN_TESTS_SERVICES_SERVER_FIXTURE_H_

// What the integration tests of wardend's gRPC API share: a real Server (gRPC on
// 127.0.0.1:0, RocksDB in a temp dir, a fake clock) with a small profile, stubs for its
// services, and helpers that stream reports and read violations as a client would.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "google/protobuf/util/time_util.h"
#include "services/server.h"
#include "warden/v1/ingest.grpc.pb.h"
#include "warden/v1/profile.grpc.pb.h"
#include "warden/v1/violation.grpc.pb.h"

namespace warden::services {

inline constexpr char kProfile[] = R"(
profile: fleet
targets: all
behaviours:
  - name: bytes-out
    metric: aws:all-bytes-out
    operator: less-than
    value: 1000
    consecutive_datapoints_to_alarm: 2
    consecutive_datapoints_to_clear: 1
    severity: high
    labels: {team: sec}
  - name: bytes-out-5m
    metric: aws:all-bytes-out
    operator: less-than-equals
    value: 10000
    duration_seconds: 300
  - name: no-telnet
    metric: aws:listening-tcp-ports
    operator: not-in-port-set
    list: risky-ports
    severity: critical
---
list: risky-ports
type: port
values: [23, 2323]
)";

inline v1::ReportRequest MakeReport(const std::string& device, int64_t id, uint64_t bytes_out,
                                    std::vector<uint32_t> tcp_ports = {}) {
  v1::ReportRequest r;
  r.set_device_id(device);
  r.mutable_report()->mutable_header()->set_report_id(id);
  r.mutable_report()->mutable_header()->set_version("1.0");
  v1::Metrics* m = r.mutable_report()->mutable_metrics();
  m->mutable_network_stats()->set_bytes_out(bytes_out);
  for (uint32_t p : tcp_ports) m->mutable_listening_tcp_ports()->add_ports()->set_port(p);
  return r;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warden-server-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ / "profiles");
    WriteProfiles(kProfile);
    StartServer();
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void WriteProfiles(const std::string& yaml) {
    std::ofstream(dir_ / "profiles" / "fleet.yaml", std::ios::trunc) << yaml;
  }

  void StartServer() {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.metrics_listen = "";  // /metrics is covered end to end; its shutdown takes 2 s
    o.data_dir = (dir_ / "data").string();
    o.profiles_dir = (dir_ / "profiles").string();
    o.engine.shards = 2;
    o.engine.silence_sweep_seconds = 1;
    if (configure_) configure_(&o);
    auto s = Server::Start(o, &clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    channel_ = grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials());
    ingest_ = v1::IngestService::NewStub(channel_);
    violations_ = v1::ViolationService::NewStub(channel_);
    profiles_ = v1::ProfileService::NewStub(channel_);
  }

  void RestartServer() {
    server_.reset();
    StartServer();
  }

  // Streams the reports and returns their acks in order.
  std::vector<v1::ReportAck> Stream(const std::vector<v1::ReportRequest>& reports) {
    grpc::ClientContext ctx;
    auto stream = ingest_->StreamReports(&ctx);
    for (const auto& r : reports) EXPECT_TRUE(stream->Write(r));
    stream->WritesDone();
    std::vector<v1::ReportAck> acks;
    v1::ReportAck ack;
    while (stream->Read(&ack)) acks.push_back(ack);
    EXPECT_TRUE(stream->Finish().ok());
    return acks;
  }

  v1::ReportAck Send(const v1::ReportRequest& r) {
    std::vector<v1::ReportAck> acks = Stream({r});
    EXPECT_EQ(acks.size(), 1u);
    return acks.empty() ? v1::ReportAck() : acks[0];
  }

  std::vector<v1::Violation> Active(const std::string& device = "") {
    grpc::ClientContext ctx;
    v1::ListActiveViolationsRequest req;
    req.set_device_id(device);
    v1::ListActiveViolationsResponse resp;
    EXPECT_TRUE(violations_->ListActiveViolations(&ctx, req, &resp).ok());
    return {resp.violations().begin(), resp.violations().end()};
  }

  std::vector<v1::ViolationEvent> Events(const std::string& device = "") {
    grpc::ClientContext ctx;
    v1::ListViolationEventsRequest req;
    req.set_device_id(device);
    req.set_page_size(1000);
    *req.mutable_end_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
        clock_.NowMicros() + 3600LL * kMicrosPerSecond);
    v1::ListViolationEventsResponse resp;
    EXPECT_TRUE(violations_->ListViolationEvents(&ctx, req, &resp).ok());
    return {resp.events().begin(), resp.events().end()};
  }

  // Polls until pred() holds (work that happens on the shards' own time: reload
  // reconcile, silence sweeps). Fails the test after 10 s.
  template <typename Pred>
  void Eventually(Pred pred, const char* what) {
    for (int i = 0; i < 200; ++i) {
      if (pred()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "timed out waiting for: " << what;
  }

  static std::vector<std::string> Types(const std::vector<v1::ViolationEvent>& events,
                                        const std::string& behaviour) {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (e.behaviour() == behaviour) out.push_back(v1::ViolationEventType_Name(e.type()));
    }
    return out;
  }

  // When set, adjusts the options of the next StartServer() / RestartServer().
  std::function<void(ServerOptions*)> configure_;
  std::filesystem::path dir_;
  FakeClock clock_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IngestService::Stub> ingest_;
  std::unique_ptr<v1::ViolationService::Stub> violations_;
  std::unique_ptr<v1::ProfileService::Stub> profiles_;
};

}  // namespace warden::services

#endif  // WARDEN_TESTS_SERVICES_SERVER_FIXTURE_H_
