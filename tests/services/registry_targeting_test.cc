// Integration: the registry's groups drive profile targeting (a quarantine group whose
// profile is stricter), over gRPC on a real in-process Server.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/clock.h"
#include "google/protobuf/util/time_util.h"
#include "services/server.h"
#include "warden/v1/ingest.grpc.pb.h"
#include "warden/v1/registry.grpc.pb.h"
#include "warden/v1/violation.grpc.pb.h"

namespace warden::services {
namespace {

namespace fs = std::filesystem;

class RegistryTargetingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warden-targeting-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ / "profiles");
    // Quarantined devices may not listen on any port at all.
    std::ofstream(dir_ / "profiles" / "quarantine.yaml") << R"(
profile: quarantine
targets: {groups: [quarantine]}
behaviours:
  - name: no-listening-ports
    metric: aws:num-listening-tcp-ports
    operator: less-than
    value: 1
)";
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.metrics_listen = "";
    o.data_dir = (dir_ / "data").string();
    o.profiles_dir = (dir_ / "profiles").string();
    auto s = Server::Start(o, &clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    auto channel = grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials());
    registry_ = v1::RegistryService::NewStub(channel);
    ingest_ = v1::IngestService::NewStub(channel);
    violations_ = v1::ViolationService::NewStub(channel);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  void PutDevice(const std::vector<std::string>& groups) {
    grpc::ClientContext ctx;
    v1::RegisteredDevice d;
    d.set_name("cam-9");
    for (const std::string& g : groups) d.add_groups(g);
    ASSERT_TRUE(registry_->PutDevice(&ctx, d, &d).ok());
  }

  // Reports one listening port; returns the device's active violations afterwards.
  int ReportAndCount(int64_t id) {
    grpc::ClientContext ctx;
    v1::ReportRequest r;
    r.set_device_id("cam-9");
    r.mutable_report()->mutable_header()->set_report_id(id);
    r.mutable_report()->mutable_header()->set_version("1.0");
    r.mutable_report()->mutable_metrics()->mutable_listening_tcp_ports()->add_ports()->set_port(22);
    v1::ReportAck ack;
    EXPECT_TRUE(ingest_->Report(&ctx, r, &ack).ok());
    grpc::ClientContext c2;
    v1::ListActiveViolationsRequest list;
    list.set_device_id("cam-9");
    v1::ListActiveViolationsResponse resp;
    EXPECT_TRUE(violations_->ListActiveViolations(&c2, list, &resp).ok());
    return resp.violations_size();
  }

  fs::path dir_;
  FakeClock clock_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::RegistryService::Stub> registry_;
  std::unique_ptr<v1::IngestService::Stub> ingest_;
  std::unique_ptr<v1::ViolationService::Stub> violations_;
};

TEST_F(RegistryTargetingTest, PuttingADeviceInAGroupMakesTheGroupsProfileWatchIt) {
  PutDevice({});
  int64_t id = 1;
  EXPECT_EQ(ReportAndCount(id++), 0) << "not in quarantine: the profile does not target it";

  PutDevice({"quarantine"});
  bool raised = false;
  for (int i = 0; i < 100 && !raised; ++i) {  // targeting follows the registry within ~200 ms
    raised = ReportAndCount(id++) == 1;
    if (!raised) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(raised) << "the quarantine profile never watched the device";

  // Out of quarantine again: its alarm ends as invalidated (no longer targeted).
  PutDevice({});
  bool ended = false;
  for (int i = 0; i < 100 && !ended; ++i) {
    grpc::ClientContext ctx;
    v1::ListActiveViolationsRequest list;
    list.set_device_id("cam-9");
    v1::ListActiveViolationsResponse resp;
    ASSERT_TRUE(violations_->ListActiveViolations(&ctx, list, &resp).ok());
    ended = resp.violations_size() == 0;
    if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(ended);
  grpc::ClientContext ctx;
  v1::ListViolationEventsRequest req;
  req.set_device_id("cam-9");
  *req.mutable_end_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      clock_.NowMicros() + kMicrosPerSecond);
  v1::ListViolationEventsResponse events;
  ASSERT_TRUE(violations_->ListViolationEvents(&ctx, req, &events).ok());
  ASSERT_EQ(events.events_size(), 2);
  EXPECT_EQ(events.events(1).type(), v1::ALARM_INVALIDATED);
  EXPECT_EQ(events.events(1).reason(), "no-longer-targeted");
}

}  // namespace
}  // namespace warden::services
