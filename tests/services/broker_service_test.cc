// Integration: broker events through the real gRPC API (a Server on 127.0.0.1:0,
// RocksDB in a temp dir, a fake clock) into cloud-side violations, fleet thresholds
// visible through ProfileService.
#include "services/broker_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/clock.h"
#include "google/protobuf/util/time_util.h"
#include "services/registry_store.h"
#include "services/server.h"
#include "warden/v1/broker.grpc.pb.h"
#include "warden/v1/ingest.grpc.pb.h"
#include "warden/v1/profile.grpc.pb.h"
#include "warden/v1/violation.grpc.pb.h"

namespace warden::services {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

constexpr char kProfile[] = R"(
profile: broker
targets: all
behaviours:
  - name: auth-failures
    metric: aws:num-authorization-failures
    operator: less-than
    value: 10
    severity: high
  - name: offline
    metric: aws:disconnect-duration
    operator: less-than
    value: 600
  - name: upload-outlier
    metric: aws:all-bytes-out
    operator: less-than-equals
    statistic: p90
    min_devices: 10
  - name: upload-baseline
    metric: aws:all-bytes-out
    operator: less-than
    baseline: {confidence: high, warmup_datapoints: 4}
)";

// A bucket boundary (a multiple of 300 s).
constexpr int64_t kT0 = int64_t{1'700'000'100} * kMicrosPerSecond;

class BrokerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warden-broker-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ / "profiles");
    std::ofstream(dir_ / "profiles" / "broker.yaml") << kProfile;
    clock_.Set(kT0 + 5 * kMicrosPerSecond);
    StartServer();
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }
  void StartServer() {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.metrics_listen = "";
    o.data_dir = (dir_ / "data").string();
    o.profiles_dir = (dir_ / "profiles").string();
    o.engine.shards = 2;
    auto s = Server::Start(o, &clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    auto channel = grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials());
    broker_ = v1::BrokerEventService::NewStub(channel);
    ingest_ = v1::IngestService::NewStub(channel);
    violations_ = v1::ViolationService::NewStub(channel);
    profiles_ = v1::ProfileService::NewStub(channel);
  }

  static v1::BrokerEvent Event(const std::string& device, int64_t t_us, uint64_t seq = 0) {
    v1::BrokerEvent e;
    e.set_device_id(device);
    *e.mutable_time() = TimeUtil::MicrosecondsToTimestamp(t_us);
    e.set_sequence(seq);
    return e;
  }
  static v1::BrokerEvent AuthFailure(const std::string& device, int64_t t_us, uint64_t seq = 0) {
    v1::BrokerEvent e = Event(device, t_us, seq);
    e.mutable_authorization_failure()->set_action("subscribe");
    e.mutable_authorization_failure()->set_topic("cmd/other-device/set");
    return e;
  }

  grpc::Status Publish(const std::vector<v1::BrokerEvent>& events, v1::BrokerEventAcks* acks) {
    grpc::ClientContext ctx;
    v1::BrokerEventBatch batch;
    for (const auto& e : events) *batch.add_events() = e;
    return broker_->PublishEvents(&ctx, batch, acks);
  }

  std::vector<v1::Violation> Active(const std::string& device) {
    grpc::ClientContext ctx;
    v1::ListActiveViolationsRequest req;
    req.set_device_id(device);
    v1::ListActiveViolationsResponse resp;
    EXPECT_TRUE(violations_->ListActiveViolations(&ctx, req, &resp).ok());
    return {resp.violations().begin(), resp.violations().end()};
  }

  // Waits (real time) for the shards' timers to act on the fake clock.
  std::vector<v1::Violation> WaitForActive(const std::string& device, size_t n) {
    for (int i = 0; i < 100; ++i) {
      std::vector<v1::Violation> v = Active(device);
      if (v.size() >= n) return v;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Active(device);
  }

  fs::path dir_;
  FakeClock clock_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::BrokerEventService::Stub> broker_;
  std::unique_ptr<v1::IngestService::Stub> ingest_;
  std::unique_ptr<v1::ViolationService::Stub> violations_;
  std::unique_ptr<v1::ProfileService::Stub> profiles_;
};

TEST_F(BrokerServiceTest, AuthorizationFailuresRaiseACloudViolationAsTheyHappen) {
  std::vector<v1::BrokerEvent> events;
  for (int i = 0; i < 9; ++i) {
    events.push_back(AuthFailure("thermo-7", kT0 + (i + 1) * kMicrosPerSecond));
  }
  v1::BrokerEventAcks acks;
  ASSERT_TRUE(Publish(events, &acks).ok());
  ASSERT_EQ(acks.acks_size(), 9);
  for (const auto& a : acks.acks()) EXPECT_EQ(a.status(), v1::BrokerEventAck::ACCEPTED);
  EXPECT_TRUE(Active("thermo-7").empty());

  // The 10th breaks "less than 10" in the open bucket: active once acknowledged, not
  // when the bucket ends.
  ASSERT_TRUE(Publish({AuthFailure("thermo-7", kT0 + 10 * kMicrosPerSecond)}, &acks).ok());
  std::vector<v1::Violation> active = Active("thermo-7");
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].behaviour(), "auth-failures");
  EXPECT_EQ(active[0].metric(), "aws:num-authorization-failures");
  EXPECT_EQ(active[0].last_evidence().number(), 10);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(active[0].last_evidence().bucket_end_time()),
            kT0 + 300 * kMicrosPerSecond);

  // When the bucket ends on the timer, its datapoint keeps the alarm.
  clock_.Set(kT0 + 300 * kMicrosPerSecond);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_EQ(Active("thermo-7").size(), 1u);
}

TEST_F(BrokerServiceTest, ABadEventRefusesTheBatchWithItsFieldPathAndChangesNothing) {
  v1::BrokerEvent bad = Event("thermo-7", kT0);
  bad.mutable_connect()->set_source_ip("198.18.0.1:8883");
  v1::BrokerEventAcks acks;
  grpc::Status s = Publish({AuthFailure("thermo-7", kT0), bad}, &acks);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("events[1].connect.source_ip"));
  v1::BrokerEvent untimed = AuthFailure("thermo-7", kT0);
  untimed.clear_time();
  s = Publish({untimed}, &acks);
  EXPECT_THAT(s.error_message(), HasSubstr("events[0].time"));

  grpc::ClientContext ctx;
  v1::GetDeviceStateRequest req;
  req.set_device_id("thermo-7");
  v1::DeviceState state;
  EXPECT_EQ(violations_->GetDeviceState(&ctx, req, &state).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(BrokerServiceTest, StreamAcksEachBatchInOrderAndResentSequencesAreDuplicates) {
  grpc::ClientContext ctx;
  auto stream = broker_->StreamEvents(&ctx);
  v1::BrokerEventBatch first;
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    *first.add_events() = AuthFailure("cam-1", kT0 + seq * kMicrosPerSecond, seq);
  }
  v1::BrokerEventBatch again = first;  // a bridge resending after a lost ack
  v1::BrokerEventBatch mixed;
  *mixed.add_events() = AuthFailure("cam-1", kT0 + 4 * kMicrosPerSecond, 4);
  v1::BrokerEventBatch invalid;
  *invalid.add_events() = Event("cam-1", kT0);  // no event kind
  ASSERT_TRUE(stream->Write(first));
  ASSERT_TRUE(stream->Write(again));
  ASSERT_TRUE(stream->Write(invalid));
  ASSERT_TRUE(stream->Write(mixed));
  stream->WritesDone();
  std::vector<v1::BrokerEventAcks> replies;
  v1::BrokerEventAcks r;
  while (stream->Read(&r)) replies.push_back(r);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(replies.size(), 4u);
  for (const auto& a : replies[0].acks()) EXPECT_EQ(a.status(), v1::BrokerEventAck::ACCEPTED);
  for (const auto& a : replies[1].acks()) EXPECT_EQ(a.status(), v1::BrokerEventAck::DUPLICATE);
  ASSERT_EQ(replies[2].acks_size(), 1);
  EXPECT_EQ(replies[2].acks(0).status(), v1::BrokerEventAck::REJECTED);
  EXPECT_EQ(replies[2].acks(0).field_path(), "event");
  EXPECT_EQ(replies[3].acks(0).status(), v1::BrokerEventAck::ACCEPTED);

  grpc::ClientContext sctx;
  v1::GetDeviceStateRequest req;
  req.set_device_id("cam-1");
  v1::DeviceState state;
  ASSERT_TRUE(violations_->GetDeviceState(&sctx, req, &state).ok());
  EXPECT_EQ(state.cloud().last_event_sequence(), 4u);
  ASSERT_EQ(state.cloud().bucket_size(), 1);
  EXPECT_EQ(state.cloud().bucket(0).value(), 4);  // the resent three counted once
}

TEST_F(BrokerServiceTest, DisconnectDurationAlarmsOnTheTimerAcrossARestart) {
  v1::BrokerEvent connect = Event("gw-1", kT0 + kMicrosPerSecond);
  connect.mutable_connect()->set_client_id("gw-1");
  connect.mutable_connect()->set_source_ip("198.18.0.9");
  connect.mutable_connect()->set_success(true);
  v1::BrokerEvent disconnect = Event("gw-1", kT0 + 30 * kMicrosPerSecond);
  disconnect.mutable_disconnect()->set_reason("KEEP_ALIVE_TIMEOUT");
  v1::BrokerEventAcks acks;
  ASSERT_TRUE(Publish({connect, disconnect}, &acks).ok());

  // Away 270 s at the first bucket end, 570 s at the second: still normal.
  clock_.Set(kT0 + 600 * kMicrosPerSecond);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_TRUE(Active("gw-1").empty());

  // wardend restarts; the open bucket's timer comes back with the state.
  server_.reset();
  StartServer();
  clock_.Set(kT0 + 900 * kMicrosPerSecond);  // away 870 s
  std::vector<v1::Violation> active = WaitForActive("gw-1", 1);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].behaviour(), "offline");
  EXPECT_EQ(active[0].last_evidence().number(), 870);
}

TEST_F(BrokerServiceTest, FleetThresholdIsVisibleOnceEnoughDevicesReported) {
  auto threshold = [&] {
    grpc::ClientContext ctx;
    v1::ListProfilesResponse resp;
    EXPECT_TRUE(profiles_->ListProfiles(&ctx, v1::ListProfilesRequest(), &resp).ok());
    for (const auto& b : resp.profiles(0).behaviours()) {
      if (b.name() == "upload-outlier") {
        EXPECT_EQ(b.statistic(), "p90");
        return b.fleet_threshold();
      }
    }
    ADD_FAILURE() << "no upload-outlier behaviour";
    return v1::FleetThreshold();
  };
  EXPECT_FALSE(threshold().ready());
  EXPECT_EQ(threshold().min_devices(), 10);

  for (int i = 1; i <= 10; ++i) {
    grpc::ClientContext ctx;
    v1::ReportRequest r;
    r.set_device_id("d" + std::to_string(i));
    r.mutable_report()->mutable_header()->set_report_id(1);
    r.mutable_report()->mutable_header()->set_version("1.0");
    r.mutable_report()->mutable_metrics()->mutable_network_stats()->set_bytes_out(i * 1000);
    v1::ReportAck ack;
    ASSERT_TRUE(ingest_->Report(&ctx, r, &ack).ok());
  }
  EXPECT_FALSE(threshold().ready());  // the window has not ended
  clock_.Set(kT0 + 301 * kMicrosPerSecond);
  const v1::FleetThreshold t = threshold();
  EXPECT_TRUE(t.ready());
  EXPECT_EQ(t.devices(), 10);
  EXPECT_NEAR(t.value(), 9000, 90);  // rank floor(0.9 * 9) = 8 of 1000..10000
}

TEST_F(BrokerServiceTest, ConnectsAndDisconnectsBecomeRegistryConnectionObservations) {
  const std::string cert(64, 'a');
  v1::BrokerEvent connect = Event("gw-2", kT0 + kMicrosPerSecond);
  connect.mutable_connect()->set_client_id("gw-2-client");
  connect.mutable_connect()->set_source_ip("198.18.0.10");
  connect.mutable_connect()->set_certificate_id(std::string(64, 'A'));
  connect.mutable_connect()->set_success(true);
  v1::BrokerEvent failed = Event("gw-2", kT0 + 2 * kMicrosPerSecond);
  failed.mutable_connect()->set_client_id("gw-2-client");
  failed.mutable_connect()->set_success(false);
  v1::BrokerEvent bad_cert = Event("gw-2", kT0);
  bad_cert.mutable_connect()->set_certificate_id("not-a-hash");
  v1::BrokerEventAcks acks;
  EXPECT_THAT(Publish({bad_cert}, &acks).error_message(),
              HasSubstr("events[0].connect.certificate_id"));
  ASSERT_TRUE(Publish({connect, failed}, &acks).ok());

  // The audits read these through the registry.
  auto list = [&] {
    std::vector<v1::ConnectionObservation> out;
    for (int i = 0; i < 100 && out.empty(); ++i) {
      auto page = server_->registry()->ListConnections("", 100);
      EXPECT_TRUE(page.ok());
      if (page.ok()) out = page->items;
      if (out.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return out;
  };
  std::vector<v1::ConnectionObservation> seen = list();
  ASSERT_EQ(seen.size(), 1u);  // the failed attempt is no connection
  EXPECT_EQ(seen[0].client_id(), "gw-2-client");
  EXPECT_EQ(seen[0].device(), "gw-2");
  EXPECT_EQ(seen[0].certificate_id(), cert);
  EXPECT_EQ(seen[0].source_ip(), "198.18.0.10");
  EXPECT_FALSE(seen[0].has_disconnected_at());

  v1::BrokerEvent disconnect = Event("gw-2", kT0 + 60 * kMicrosPerSecond);
  disconnect.mutable_disconnect()->set_reason("CLIENT_INITIATED_DISCONNECT");
  ASSERT_TRUE(Publish({disconnect}, &acks).ok());
  for (int i = 0; i < 100 && !seen[0].has_disconnected_at(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen = list();
  }
  ASSERT_EQ(seen.size(), 1u);  // the same connection, now closed
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(seen[0].disconnected_at()),
            kT0 + 60 * kMicrosPerSecond);
}

TEST_F(BrokerServiceTest, BaselineStatusShowsWarmUpThenTheBand) {
  auto status = [&] {
    grpc::ClientContext ctx;
    v1::GetDeviceStateRequest req;
    req.set_device_id("cam-9");
    v1::GetBaselineStatusResponse resp;
    EXPECT_TRUE(violations_->GetBaselineStatus(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.baselines_size(), 1);
    return resp.baselines_size() == 1 ? resp.baselines(0) : v1::BaselineStatus();
  };
  auto report = [&](int64_t id, uint64_t bytes) {
    grpc::ClientContext ctx;
    v1::ReportRequest r;
    r.set_device_id("cam-9");
    r.mutable_report()->mutable_header()->set_report_id(id);
    r.mutable_report()->mutable_header()->set_version("1.0");
    r.mutable_report()->mutable_metrics()->mutable_network_stats()->set_bytes_out(bytes);
    v1::ReportAck ack;
    ASSERT_TRUE(ingest_->Report(&ctx, r, &ack).ok());
  };
  report(1, 10000);
  v1::BaselineStatus s = status();
  EXPECT_EQ(s.behaviour(), "upload-baseline");
  EXPECT_EQ(s.confidence(), "high");
  EXPECT_EQ(s.state(), v1::BaselineStatus::WARMING_UP);
  EXPECT_EQ(s.datapoints(), 1);
  EXPECT_EQ(s.warmup_datapoints(), 4);
  EXPECT_DOUBLE_EQ(s.warmup_progress(), 0.25);
  for (int id = 2; id <= 4; ++id) report(id, 10000);
  s = status();
  EXPECT_EQ(s.state(), v1::BaselineStatus::ACTIVE);
  EXPECT_DOUBLE_EQ(s.warmup_progress(), 1);
  EXPECT_NEAR(s.expected(), 10000, 100);
  EXPECT_LT(s.lower(), 10000);
  EXPECT_GT(s.upper(), 10000);

  grpc::ClientContext ctx;
  v1::GetDeviceStateRequest req;
  req.set_device_id("never-seen");
  v1::GetBaselineStatusResponse resp;
  EXPECT_EQ(violations_->GetBaselineStatus(&ctx, req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace warden::services
