// Integration: a real Server (gRPC on 127.0.0.1:0, RocksDB in a temp dir, a fake clock),
// driven through its gRPC API as devices and operators would.
#include "services/server.h"

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "tests/services/server_fixture.h"
#include "warden/v1/ingest.grpc.pb.h"
#include "warden/v1/profile.grpc.pb.h"
#include "warden/v1/violation.grpc.pb.h"

namespace warden::services {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(ServerTest, StreamAcksEveryReportInOrderAcrossShards) {
  std::vector<v1::ReportRequest> reports;
  for (int round = 1; round <= 20; ++round) {
    for (int d = 0; d < 10; ++d) {
      reports.push_back(MakeReport("dev-" + std::to_string(d), round, 100));
    }
  }
  std::vector<v1::ReportAck> acks = Stream(reports);
  ASSERT_EQ(acks.size(), reports.size());
  for (size_t i = 0; i < acks.size(); ++i) {
    EXPECT_EQ(acks[i].device_id(), reports[i].device_id());
    EXPECT_EQ(acks[i].report_id(), reports[i].report().header().report_id());
    EXPECT_EQ(acks[i].status(), v1::ReportAck::ACCEPTED) << acks[i].message();
  }
}

TEST_F(ServerTest, ViolationLifecycleRaiseUpdateClear) {
  EXPECT_EQ(Send(MakeReport("cam-1", 1, 500)).status(), v1::ReportAck::ACCEPTED);
  EXPECT_EQ(Send(MakeReport("cam-1", 2, 2000)).status(), v1::ReportAck::ACCEPTED);
  EXPECT_TRUE(Active("cam-1").empty()) << "one violating datapoint of two must not alarm";

  Send(MakeReport("cam-1", 3, 3000));
  std::vector<v1::Violation> active = Active("cam-1");
  ASSERT_EQ(active.size(), 1u);
  const v1::Violation v = active[0];
  EXPECT_EQ(v.profile(), "fleet");
  EXPECT_EQ(v.behaviour(), "bytes-out");
  EXPECT_EQ(v.severity(), v1::HIGH);
  EXPECT_EQ(v.labels().at("team"), "sec");
  EXPECT_EQ(v.last_evidence().number(), 3000);
  EXPECT_EQ(v.last_evidence().threshold(), 1000);
  EXPECT_EQ(v.last_evidence().operator_(), "less-than");
  EXPECT_EQ(v.last_evidence().report_id(), 3);

  clock_.AdvanceSeconds(60);
  Send(MakeReport("cam-1", 4, 4000));
  active = Active("cam-1");
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].violation_id(), v.violation_id());
  EXPECT_EQ(active[0].last_evidence().number(), 4000);
  EXPECT_GT(active[0].last_violation_time().seconds(), v.last_violation_time().seconds());

  Send(MakeReport("cam-1", 5, 10));
  EXPECT_TRUE(Active("cam-1").empty());
  std::vector<v1::ViolationEvent> events = Events("cam-1");
  EXPECT_THAT(Types(events, "bytes-out"), ElementsAre("IN_ALARM", "ALARM_CLEARED"));
  for (const auto& e : events) EXPECT_EQ(e.violation_id(), v.violation_id());
}

TEST_F(ServerTest, ListBehaviourRaisesWithOffendingPortAndEmptyListClears) {
  Send(MakeReport("gw-1", 1, 10, {22, 23, 443}));
  std::vector<v1::Violation> active = Active("gw-1");
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].behaviour(), "no-telnet");
  EXPECT_EQ(active[0].severity(), v1::CRITICAL);
  EXPECT_THAT(active[0].last_evidence().offending(), ElementsAre("23"));
  EXPECT_THAT(active[0].last_evidence().matched_entries(), ElementsAre("23"));
  EXPECT_EQ(active[0].last_evidence().list(), "risky-ports");

  // An empty port list conforms and clears (to_clear 1).
  v1::ReportRequest r = MakeReport("gw-1", 2, 10);
  r.mutable_report()->mutable_metrics()->mutable_listening_tcp_ports();
  Send(r);
  EXPECT_TRUE(Active("gw-1").empty());
}

TEST_F(ServerTest, DuplicateAndOlderReportIdsChangeNothing) {
  Send(MakeReport("cam-2", 10, 5000));
  Send(MakeReport("cam-2", 11, 5000));
  ASSERT_EQ(Active("cam-2").size(), 1u);
  // A replay of report 11 with a conforming value, and an older one: both are
  // duplicates and the alarm stays.
  std::vector<v1::ReportAck> acks = Stream({MakeReport("cam-2", 11, 1), MakeReport("cam-2", 3, 1)});
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].status(), v1::ReportAck::DUPLICATE);
  EXPECT_EQ(acks[1].status(), v1::ReportAck::DUPLICATE);
  EXPECT_THAT(acks[1].message(), HasSubstr("not newer than the last accepted report id 11"));
  EXPECT_EQ(Active("cam-2").size(), 1u);
}

TEST_F(ServerTest, InvalidReportsAreRejectedWithFieldPathAndStreamGoesOn) {
  v1::ReportRequest bad = MakeReport("cam-3", 1, 10);
  auto* c = bad.mutable_report()
                ->mutable_metrics()
                ->mutable_tcp_connections()
                ->mutable_established_connections()
                ->add_connections();
  c->set_remote_addr("not-an-address");
  std::vector<v1::ReportAck> acks = Stream({bad, MakeReport("cam-3", 2, 10)});
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].status(), v1::ReportAck::REJECTED);
  EXPECT_EQ(acks[0].error_code(), "InvalidPayload");
  EXPECT_EQ(acks[0].field_path(),
            "report.metrics.tcp_connections.established_connections.connections[0].remote_addr");
  EXPECT_EQ(acks[1].status(), v1::ReportAck::ACCEPTED);

  // Unary: INVALID_ARGUMENT naming the field.
  grpc::ClientContext ctx;
  v1::ReportAck ack;
  v1::ReportRequest no_id = MakeReport("cam-3", 0, 10);
  grpc::Status s = ingest_->Report(&ctx, no_id, &ack);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("report.header.report_id"));

  grpc::ClientContext ctx2;
  s = ingest_->Report(&ctx2, MakeReport("cam-3", 3, 10), &ack);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(ack.status(), v1::ReportAck::ACCEPTED);
}

TEST_F(ServerTest, RestartResumesWindowsAndAlarmsExactly) {
  // 4000 + 4000 within 300 s: 8000 <= 10000, conforming.
  Send(MakeReport("cam-4", 1, 4000));
  clock_.AdvanceSeconds(100);
  Send(MakeReport("cam-4", 2, 4000));
  ASSERT_EQ(Active("cam-4").size(), 1u);  // bytes-out (to_alarm 2) is in alarm

  RestartServer();
  EXPECT_EQ(Active("cam-4").size(), 1u);
  clock_.AdvanceSeconds(100);
  // The window survived the restart: 4000 + 4000 + 4000 = 12000 > 10000.
  Send(MakeReport("cam-4", 3, 4000));
  std::vector<v1::Violation> active = Active("cam-4");
  ASSERT_EQ(active.size(), 2u);
  const v1::Violation& windowed = active[0].behaviour() == "bytes-out-5m" ? active[0] : active[1];
  EXPECT_EQ(windowed.behaviour(), "bytes-out-5m");
  EXPECT_EQ(windowed.last_evidence().number(), 12000);
  EXPECT_EQ(windowed.last_evidence().datapoints(), 3);

  // The device state shows it too.
  grpc::ClientContext ctx;
  v1::GetDeviceStateRequest req;
  req.set_device_id("cam-4");
  v1::DeviceState state;
  ASSERT_TRUE(violations_->GetDeviceState(&ctx, req, &state).ok());
  EXPECT_EQ(state.last_report_id(), 3);
  ASSERT_EQ(state.windows_size(), 1);
  EXPECT_EQ(state.windows(0).points_size(), 3);

  // And a replay after the restart is still a duplicate.
  EXPECT_EQ(Send(MakeReport("cam-4", 3, 1)).status(), v1::ReportAck::DUPLICATE);
}

TEST_F(ServerTest, ReloadSwapsOnlyValidSetsAndInvalidatesRemovedBehaviours) {
  Send(MakeReport("cam-5", 1, 10, {23}));
  ASSERT_EQ(Active("cam-5").size(), 1u);

  // A broken set is refused; the running one stays.
  WriteProfiles("profile: fleet\ntargets: all\nbehaviours:\n  - name: x\n    metric: aws:nope\n");
  grpc::ClientContext ctx;
  v1::ReloadProfilesResponse resp;
  grpc::Status s = profiles_->ReloadProfiles(&ctx, v1::ReloadProfilesRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("fleet.yaml:5:"));
  Send(MakeReport("cam-5", 2, 10, {23}));
  EXPECT_EQ(Active("cam-5").size(), 1u);

  // Without no-telnet, its alarm is invalidated.
  WriteProfiles(R"(
profile: fleet
targets: all
behaviours:
  - name: bytes-out
    metric: aws:all-bytes-out
    operator: less-than
    value: 1000
)");
  grpc::ClientContext ctx2;
  s = profiles_->ReloadProfiles(&ctx2, v1::ReloadProfilesRequest(), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.generation(), 2);
  Eventually([&] { return Active("cam-5").empty(); }, "no-telnet alarm invalidated");
  std::vector<v1::ViolationEvent> events = Events("cam-5");
  EXPECT_THAT(Types(events, "no-telnet"), ElementsAre("IN_ALARM", "ALARM_INVALIDATED"));
  EXPECT_EQ(events.back().reason(), "behaviour-removed");
}

TEST_F(ServerTest, SilentDeviceAlarmsAreInvalidatedAfterTwoDays) {
  Send(MakeReport("cam-6", 1, 10, {23}));
  ASSERT_EQ(Active("cam-6").size(), 1u);
  clock_.AdvanceSeconds(2 * 24 * 3600 - 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Active("cam-6").size(), 1u) << "invalidated before two days";
  clock_.AdvanceSeconds(20);
  Eventually([&] { return Active("cam-6").empty(); }, "silent device invalidated");
  std::vector<v1::ViolationEvent> events = Events("cam-6");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type(), v1::ALARM_INVALIDATED);
  EXPECT_EQ(events.back().reason(), "device-silent");
}

TEST_F(ServerTest, VerificationStateIsStoredOnTheActiveViolation) {
  Send(MakeReport("cam-7", 1, 10, {23}));
  std::vector<v1::Violation> active = Active("cam-7");
  ASSERT_EQ(active.size(), 1u);
  grpc::ClientContext ctx;
  v1::SetVerificationStateRequest req;
  req.set_violation_id(active[0].violation_id());
  req.set_state(v1::BENIGN_POSITIVE);
  req.set_description("lab device, telnet on purpose");
  v1::Violation updated;
  ASSERT_TRUE(violations_->SetVerificationState(&ctx, req, &updated).ok());
  EXPECT_EQ(updated.verification_state(), v1::BENIGN_POSITIVE);

  grpc::ClientContext ctx2;
  v1::ListActiveViolationsRequest list;
  list.add_verification_states(v1::BENIGN_POSITIVE);
  v1::ListActiveViolationsResponse resp;
  ASSERT_TRUE(violations_->ListActiveViolations(&ctx2, list, &resp).ok());
  ASSERT_EQ(resp.violations_size(), 1);
  EXPECT_EQ(resp.violations(0).verification_description(), "lab device, telnet on purpose");

  grpc::ClientContext ctx3;
  req.set_violation_id("0000000000000000");
  EXPECT_EQ(violations_->SetVerificationState(&ctx3, req, &updated).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Clients that hang up mid-stream (and a shutdown with streams open) must leave the
// server serving and every accepted report stored.
TEST_F(ServerTest, CancelledStreamsLeaveTheServerServing) {
  for (int round = 0; round < 20; ++round) {
    grpc::ClientContext ctx;
    auto stream = ingest_->StreamReports(&ctx);
    for (int i = 1; i <= 200; ++i) {
      if (!stream->Write(MakeReport("dev-c" + std::to_string(i % 7), round * 1000 + i, 10))) break;
    }
    v1::ReportAck ack;
    stream->Read(&ack);  // some acks are in flight when the client goes away
    ctx.TryCancel();
    (void)stream->Finish();
  }
  EXPECT_EQ(Send(MakeReport("dev-after", 1, 10)).status(), v1::ReportAck::ACCEPTED);

  // A stream left open while the server shuts down.
  grpc::ClientContext open;
  auto stream = ingest_->StreamReports(&open);
  ASSERT_TRUE(stream->Write(MakeReport("dev-open", 1, 10)));
  v1::ReportAck ack;
  ASSERT_TRUE(stream->Read(&ack));
  EXPECT_EQ(ack.status(), v1::ReportAck::ACCEPTED);
  server_.reset();
  RestartServer();
  grpc::ClientContext c2;
  v1::GetDeviceStateRequest req;
  req.set_device_id("dev-open");
  v1::DeviceState state;
  ASSERT_TRUE(violations_->GetDeviceState(&c2, req, &state).ok());
  EXPECT_EQ(state.last_report_id(), 1);
}

// Orchestrators probe the standard gRPC health service; an empty service name asks
// about the server as a whole.
TEST_F(ServerTest, AnswersTheStandardHealthCheckAsServing) {
  grpc::GenericStub stub(channel_);
  grpc::ClientContext ctx;
  grpc::Slice empty("", 0);  // HealthCheckRequest{service: ""} is empty on the wire
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) { done.set_value(s); });
  grpc::Status s = done.get_future().get();
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  EXPECT_EQ(bytes, std::string("\x08\x01", 2)) << "HealthCheckResponse{status: SERVING}";
}

}  // namespace
}  // namespace warden::services
