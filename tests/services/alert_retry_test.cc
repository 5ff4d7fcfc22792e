// Integration: alerts for a receiver that stays down are retried, then — past the retry
// horizon — kept as dead letters (all of them at once, not one per backoff).
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/clock.h"
#include "services/server.h"
#include "warden/v1/alert.grpc.pb.h"
#include "warden/v1/ingest.grpc.pb.h"

namespace warden::services {
namespace {

namespace fs = std::filesystem;

TEST(AlertRetryTest, EventsPastTheRetryHorizonBecomeDeadLetters) {
  char tmpl[] = "/tmp/warden-retry-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  fs::create_directories(dir / "profiles");
  std::ofstream(dir / "profiles" / "p.yaml")
      << "profile: p\ntargets: all\nbehaviours:\n  - name: small\n    metric: aws:all-bytes-out\n"
         "    operator: less-than\n    value: 10\n";
  FakeClock clock;
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.metrics_listen = "";
  o.data_dir = (dir / "data").string();
  o.profiles_dir = (dir / "profiles").string();
  alerts::Receiver hook;
  hook.name = "soc";
  hook.kind = alerts::Receiver::Kind::kWebhook;
  hook.webhook.url = "http://127.0.0.1:1/down";  // nothing listens there
  hook.retry.initial_backoff_seconds = 1;
  hook.retry.max_backoff_seconds = 10;
  hook.retry.give_up_after_seconds = 600;
  o.alerting.receivers = {hook};
  auto server = Server::Start(o, &clock);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->grpc_address(), grpc::InsecureChannelCredentials());
  auto ingest = v1::IngestService::NewStub(channel);
  auto alerts = v1::AlertService::NewStub(channel);

  for (int d = 0; d < 5; ++d) {  // five violations: five events for the webhook
    grpc::ClientContext ctx;
    v1::ReportRequest r;
    r.set_device_id("dev-" + std::to_string(d));
    r.mutable_report()->mutable_header()->set_report_id(1);
    r.mutable_report()->mutable_header()->set_version("1.0");
    r.mutable_report()->mutable_metrics()->mutable_network_stats()->set_bytes_out(100);
    v1::ReportAck ack;
    ASSERT_TRUE(ingest->Report(&ctx, r, &ack).ok());
  }
  auto dead = [&] {
    grpc::ClientContext ctx;
    v1::ListDeadLettersRequest req;
    v1::ListDeadLettersResponse resp;
    EXPECT_TRUE(alerts->ListDeadLetters(&ctx, req, &resp).ok());
    return resp;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few failed attempts
  EXPECT_EQ(dead().dead_letters_size(), 0) << "given up before the horizon";

  clock.AdvanceSeconds(601);  // past the horizon: the next failure gives up on all five
  v1::ListDeadLettersResponse resp;
  for (int i = 0; i < 100 && resp.dead_letters_size() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    resp = dead();
  }
  ASSERT_EQ(resp.dead_letters_size(), 5);
  for (const v1::DeadLetter& d : resp.dead_letters()) {
    EXPECT_EQ(d.reason(), "retries-exhausted");
    EXPECT_GE(d.row().attempts(), 1);
  }
  server->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace warden::services
