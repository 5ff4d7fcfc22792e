// End to end alert delivery: the built wardend with an `alerting:` config, a real
// Alertmanager (Debian's prometheus-alertmanager) and a real HTTP webhook receiver
// (tests/e2e/webhook_receiver.py, which checks signatures independently), all on
// 127.0.0.1. Reports go in through `wardenctl push`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "e2e_util.h"
#include "nlohmann/json.hpp"

namespace warden::e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kOldSecret[] = "whsec_dGhpcyBpcyBhIHJvdGF0ZWQgb3V0IHNlY3JldCEh";

std::string Report(int64_t id, bool telnet) {
  return R"({"header": {"report_id": )" + std::to_string(id) +
         R"(, "version": "1.0"}, "metrics": {"listening_tcp_ports": {"ports": [)" +
         (telnet ? R"({"port": 22}, {"port": 23})" : R"({"port": 22})") + "]}}}";
}

class AlertingE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("warden-alerting-e2e");
    webhook_port_ = FreePort();
    WriteFile(dir_ / "status", "200");
  }

  void TearDown() override {
    wardend_.reset();
    webhook_.Stop();
    for (Process& am : alertmanagers_) am.Stop();
    fs::remove_all(dir_);
  }

  // Starts Alertmanager number `i` (0 or 1: an HA pair, each fed separately).
  void StartAlertmanager(int i = 0) {
    const int port = FreePort();
    (i == 0 ? am_port_ : am2_port_) = port;
    const std::string n = std::to_string(i);
    WriteFile(dir_ / "alertmanager.yml", R"(global:
  resolve_timeout: 2s
route:
  receiver: blackhole
  group_wait: 1s
receivers:
  - name: blackhole
)");
    alertmanagers_[i].Start(
        {"/usr/bin/prometheus-alertmanager",
         "--config.file=" + (dir_ / "alertmanager.yml").string(),
         "--storage.path=" + (dir_ / ("am-data" + n)).string(),
         "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="},
        dir_ / ("alertmanager" + n + ".log"));
    ASSERT_TRUE(Eventually([&] {
      return RunShell("curl -fsS http://127.0.0.1:" + std::to_string(port) + "/-/ready")
                 .exit_code == 0;
    })) << ReadFile(dir_ / ("alertmanager" + n + ".log"));
  }

  void StartWebhook() {
    fs::remove(dir_ / "webhook.port");
    webhook_.Start(
        {"/usr/bin/python3", std::string(WARDEN_SOURCE_DIR) + "/tests/e2e/webhook_receiver.py",
         (dir_ / "webhook.port").string(), (dir_ / "webhook.log").string(),
         (dir_ / "status").string(), kSecret, kOldSecret, "--port", std::to_string(webhook_port_)},
        dir_ / "webhook.stderr");
    ASSERT_TRUE(Eventually([&] { return fs::exists(dir_ / "webhook.port"); }))
        << ReadFile(dir_ / "webhook.stderr");
  }

  void StartWardend() {
    std::ostringstream config;
    config << "profiles: " << kProfiles << "\n"
           << "data_dir: " << (dir_ / "data").string() << "\n"
           << "alerting:\n"
           << "  external_url: http://warden.test\n"
           << "  receivers:\n";
    if (am_port_ > 0) {
      config << "    - name: am\n"
             << "      alertmanager:\n"
             << "        urls: [http://127.0.0.1:" << am_port_;
      if (am2_port_ > 0) config << ", http://127.0.0.1:" << am2_port_;
      config << "]\n"
             << "        resend_interval_seconds: 1\n"
             << "        resolved_resend_seconds: 30\n";
    }
    config << "    - name: soc\n"
           << "      webhook:\n"
           << "        url: http://127.0.0.1:" << webhook_port_ << "/hooks/warden\n"
           << "        secrets: [" << kSecret << ", " << kOldSecret << "]\n"
           << "        bearer_token: t0ken\n"
           << "        headers: {X-Team: security}\n"
           << "      retry: {initial_backoff_seconds: 0.1, max_backoff_seconds: 0.5, "
              "give_up_after_seconds: 3600}\n";
    WriteFile(dir_ / "wardend.yaml", config.str());
    wardend_ = std::make_unique<Wardend>();
    std::string error;
    ASSERT_TRUE(wardend_->Start(dir_, {"--config", (dir_ / "wardend.yaml").string()}, &error))
        << error;
  }

  void Push(const std::string& device, int64_t id, bool telnet) {
    const fs::path file = dir_ / ("report-" + device + "-" + std::to_string(id) + ".json");
    WriteFile(file, Report(id, telnet));
    Result r = wardend_->Ctl("push --device " + device + " " + file.string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  // Alertmanager's current alerts for `device` (GET /api/v2/alerts lists unresolved ones).
  std::vector<Json> AmAlerts(const std::string& device, int i = 0) {
    const int port = i == 0 ? am_port_ : am2_port_;
    Result r = RunShell("curl -fsS 'http://127.0.0.1:" + std::to_string(port) + "/api/v2/alerts'");
    std::vector<Json> out;
    Json j = Json::parse(r.output, nullptr, false);
    if (!j.is_array()) return out;
    for (const Json& a : j) {
      if (a["labels"].value("device", "") == device) out.push_back(a);
    }
    return out;
  }

  // What the webhook receiver logged: one JSON object per request.
  std::vector<Json> WebhookRequests() {
    std::vector<Json> out;
    std::istringstream in(ReadFile(dir_ / "webhook.log"));
    for (std::string line; std::getline(in, line);) {
      Json j = Json::parse(line, nullptr, false);
      if (!j.is_discarded()) out.push_back(j);
    }
    return out;
  }

  // Event ids the receiver accepted (answered 2xx).
  std::set<std::string> Delivered() {
    std::set<std::string> ids;
    for (const Json& j : WebhookRequests()) {
      if (j["status"].get<int>() / 100 == 2) ids.insert(j["event_id"].get<std::string>());
    }
    return ids;
  }

  // Every violation event wardend recorded.
  std::set<std::string> RecordedEvents() {
    Result r = wardend_->Ctl("-o json violations events --since 1000000h");
    std::set<std::string> ids;
    Json j = Json::parse(r.output, nullptr, false);
    if (j.is_discarded()) return ids;
    for (const Json& e : j["events"]) ids.insert(e["event_id"].get<std::string>());
    return ids;
  }

  fs::path dir_;
  int am_port_ = 0;
  int webhook_port_ = 0;
  int am2_port_ = 0;
  Process alertmanagers_[2];
  Process webhook_;
  std::unique_ptr<Wardend> wardend_;
};

TEST_F(AlertingE2ETest, AlertmanagerShowsFiringKeepsItPastResolveTimeoutAndResolvesOnClear) {
  StartAlertmanager(0);
  StartAlertmanager(1);
  StartWebhook();
  StartWardend();
  Push("cam-1", 1, /*telnet=*/true);

  std::vector<Json> alerts;
  ASSERT_TRUE(Eventually([&] {
    alerts = AmAlerts("cam-1");
    return !alerts.empty();
  })) << ReadFile(dir_ / "wardend.log");
  ASSERT_EQ(alerts.size(), 1u);
  const Json& labels = alerts[0]["labels"];
  EXPECT_EQ(labels["alertname"], "no-risky-tcp-ports");
  EXPECT_EQ(labels["profile"], "fleet-baseline");
  EXPECT_EQ(labels["severity"], "critical");
  EXPECT_EQ(labels["metric"], "aws:listening-tcp-ports");
  EXPECT_EQ(labels["runbook"], "isolate-device");
  EXPECT_EQ(alerts[0]["status"]["state"], "active");
  EXPECT_THAT(alerts[0]["generatorURL"].get<std::string>(), HasSubstr("http://warden.test/"));
  // The other half of the HA pair got it too.
  EXPECT_TRUE(Eventually([&] { return AmAlerts("cam-1", 1).size() == 1; }));

  // Alertmanager resolves alerts nobody re-sends after resolve_timeout (2 s here);
  // wardend keeps re-sending a live alarm, so it is still firing well past that.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  alerts = AmAlerts("cam-1");
  ASSERT_EQ(alerts.size(), 1u) << "a live alarm was resolved by Alertmanager";
  EXPECT_EQ(alerts[0]["status"]["state"], "active");

  // The device conforms again: the alert resolves.
  Push("cam-1", 2, /*telnet=*/false);
  EXPECT_TRUE(Eventually([&] { return AmAlerts("cam-1").empty() && AmAlerts("cam-1", 1).empty(); }))
      << "the cleared violation is still firing in Alertmanager";
}

TEST_F(AlertingE2ETest, WebhookGetsEverySignedEventThroughAnOutageAndAKill9) {
  StartWebhook();
  StartWardend();
  for (int d = 0; d < 5; ++d) Push("dev-" + std::to_string(d), 1, /*telnet=*/true);
  ASSERT_TRUE(Eventually([&] { return Delivered().size() == 5; }))
      << ReadFile(dir_ / "webhook.log");

  // The receiver goes down; meanwhile violations clear and new ones start.
  webhook_.Kill(SIGKILL);
  for (int d = 0; d < 5; ++d) Push("dev-" + std::to_string(d), 2, /*telnet=*/false);
  for (int d = 5; d < 8; ++d) Push("dev-" + std::to_string(d), 1, /*telnet=*/true);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // some failed attempts
  // wardend dies with a full outbox, and comes back.
  wardend_->Kill(SIGKILL);
  StartWardend();
  StartWebhook();

  const std::set<std::string> recorded = RecordedEvents();
  ASSERT_EQ(recorded.size(), 13u);  // 8 raised + 5 cleared
  EXPECT_TRUE(Eventually([&] { return Delivered() == recorded; }))
      << "delivered " << Delivered().size() << " of " << recorded.size();

  // Every request was signed by both secrets; a re-sent event kept its webhook-id.
  std::map<std::string, std::set<std::string>> ids_by_event;
  for (const Json& j : WebhookRequests()) {
    EXPECT_TRUE(j["valid"].get<bool>()) << j.dump();
    EXPECT_EQ(j["authorization"], "Bearer t0ken");
    EXPECT_EQ(j["x_team"], "security");
    ids_by_event[j["event_id"]].insert(j["webhook_id"]);
  }
  for (const auto& [event, ids] : ids_by_event) {
    EXPECT_EQ(ids.size(), 1u) << "event " << event << " was sent under several webhook-ids";
  }
}

TEST_F(AlertingE2ETest, RefusedEventsBecomeDeadLettersAndReplayDeliversThem) {
  WriteFile(dir_ / "status", "400");
  StartWebhook();
  StartWardend();
  Push("dev-x", 1, /*telnet=*/true);
  Result r;
  ASSERT_TRUE(Eventually([&] {
    r = wardend_->Ctl("-o json alerts dead-letter list");
    Json j = Json::parse(r.output, nullptr, false);
    return !j.is_discarded() && j.contains("dead_letters") && j["dead_letters"].size() == 1;
  })) << r.output;
  Json dead = Json::parse(r.output)["dead_letters"][0];
  EXPECT_EQ(dead["reason"], "permanent-failure");
  EXPECT_THAT(dead["row"]["last_error"].get<std::string>(), HasSubstr("HTTP 400"));
  EXPECT_TRUE(Delivered().empty());

  WriteFile(dir_ / "status", "200");
  r = wardend_->Ctl("alerts dead-letter replay --receiver soc");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("1"));
  EXPECT_TRUE(Eventually([&] { return Delivered().size() == 1; }));
  r = wardend_->Ctl("-o json alerts dead-letter list");
  EXPECT_EQ(Json::parse(r.output).value("dead_letters", Json::array()).size(), 0u) << r.output;
}

TEST_F(AlertingE2ETest, GoneEndpointIsDisabledAndItsEventsKeptAsDeadLetters) {
  WriteFile(dir_ / "status", "410");
  StartWebhook();
  StartWardend();
  Push("dev-g", 1, /*telnet=*/true);
  Push("dev-h", 1, /*telnet=*/true);
  Result r;
  ASSERT_TRUE(Eventually([&] {
    r = wardend_->Ctl("-o json alerts dead-letter list --receiver soc");
    Json j = Json::parse(r.output, nullptr, false);
    return !j.is_discarded() && j.value("dead_letters", Json::array()).size() == 2;
  })) << r.output;
  const Json dead = Json::parse(r.output);
  for (const Json& d : dead["dead_letters"]) {
    EXPECT_EQ(d["reason"], "endpoint-gone");
  }
  // Only the first event was offered: after 410 the endpoint gets nothing more.
  EXPECT_EQ(WebhookRequests().size(), 1u);
  r = wardend_->Ctl("alerts status");
  EXPECT_THAT(r.output, HasSubstr("disabled (410 Gone)")) << r.output;
}

}  // namespace
}  // namespace warden::e2e
