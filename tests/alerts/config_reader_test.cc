// Golden tests: the exact diagnostics a user sees for mistakes in `alerting:`, and
// a full config read field by field.

#include "alerts/config_reader.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warden::alerts {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr char kFile[] = "/etc/warden/wardend.yaml";
constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kOtherSecret[] = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

struct ReadResult {
  AlertingConfig config;
  std::vector<rules::Diagnostic> diagnostics;
};

// Reads the `alerting:` section of a wardend config whose text is `content`.
ReadResult Read(const std::string& content) {
  const YAML::Node root = YAML::Load(content);
  const std::vector<std::string> lines = absl::StrSplit(content, '\n');
  ReadResult result;
  result.config = ReadAlertingConfig(root["alerting"], kFile, lines, &result.diagnostics);
  return result;
}

// The rendered diagnostics of a config that must have some.
std::string Diagnose(const std::string& content) {
  ReadResult result = Read(content);
  EXPECT_FALSE(result.diagnostics.empty());
  return rules::FormatDiagnostics(result.diagnostics);
}

TEST(ConfigReaderTest, FullConfigIsReadFieldByField) {
  const ReadResult r = Read(absl::StrCat(R"(listen: 127.0.0.1:7443
alerting:
  external_url: http://warden.example:8080
  max_outbox_rows_per_target: 5000
  receivers:
    - name: alertmanager
      alertmanager:
        urls: [http://127.0.0.1:9093, http://127.0.0.1:9094]
        resend_interval_seconds: 30
        resolved_resend_seconds: 600
      timeout_seconds: 2.5
      rate_limit_per_second: 0
      retry: {initial_backoff_seconds: 0.5, max_backoff_seconds: 60, give_up_after_seconds: 3600}
    - name: soc
      webhook:
        url: https://soc.example/hooks/warden
        secrets: [)",
                                         kSecret, ", ", kOtherSecret, R"(]
        headers: {X-Team: security}
        bearer_token: abc
        tls: {ca_file: /etc/ssl/ca.pem, cert_file: client.pem, key_file: keys/client.key}
      rate_limit_per_second: 5
  routes:
    - match:
        severity: [high, critical]
        profile: [camera]
        behaviour: [bytes-out-spike]
        event_type: in-alarm
        labels: {team: video}
      receivers: [soc, alertmanager]
    - receivers: alertmanager
)"));
  ASSERT_EQ(rules::FormatDiagnostics(r.diagnostics), "");
  const AlertingConfig& c = r.config;
  EXPECT_EQ(c.external_url, "http://warden.example:8080");
  EXPECT_EQ(c.max_outbox_rows_per_target, 5000);
  ASSERT_EQ(c.receivers.size(), 2u);

  const Receiver& am = c.receivers[0];
  EXPECT_EQ(am.name, "alertmanager");
  EXPECT_EQ(am.kind, Receiver::Kind::kAlertmanager);
  EXPECT_THAT(am.alertmanager.urls, ElementsAre("http://127.0.0.1:9093", "http://127.0.0.1:9094"));
  EXPECT_EQ(am.alertmanager.resend_interval_seconds, 30);
  EXPECT_EQ(am.alertmanager.resolved_resend_seconds, 600);
  EXPECT_EQ(am.timeout_seconds, 2.5);
  EXPECT_EQ(am.rate_limit_per_second, 0);
  EXPECT_EQ(am.retry.initial_backoff_seconds, 0.5);
  EXPECT_EQ(am.retry.max_backoff_seconds, 60);
  EXPECT_EQ(am.retry.give_up_after_seconds, 3600);

  const Receiver& soc = c.receivers[1];
  EXPECT_EQ(soc.name, "soc");
  EXPECT_EQ(soc.kind, Receiver::Kind::kWebhook);
  EXPECT_EQ(soc.webhook.url, "https://soc.example/hooks/warden");
  EXPECT_THAT(soc.webhook.secrets, ElementsAre(kSecret, kOtherSecret));
  EXPECT_THAT(soc.webhook.headers, ElementsAre(Pair("X-Team", "security")));
  EXPECT_EQ(soc.webhook.bearer_token, "abc");
  EXPECT_EQ(soc.webhook.tls.ca_file, "/etc/ssl/ca.pem");
  // Relative paths are relative to the config file.
  EXPECT_EQ(soc.webhook.tls.cert_file, "/etc/warden/client.pem");
  EXPECT_EQ(soc.webhook.tls.key_file, "/etc/warden/keys/client.key");
  EXPECT_EQ(soc.timeout_seconds, 10);  // defaults
  EXPECT_EQ(soc.rate_limit_per_second, 5);
  EXPECT_EQ(soc.retry.initial_backoff_seconds, 1);
  EXPECT_EQ(soc.retry.max_backoff_seconds, 300);
  EXPECT_EQ(soc.retry.give_up_after_seconds, 86400);

  ASSERT_EQ(c.routes.size(), 2u);
  const RouteMatch& m = c.routes[0].match;
  EXPECT_THAT(m.severities, ElementsAre("high", "critical"));
  EXPECT_THAT(m.profiles, ElementsAre("camera"));
  EXPECT_THAT(m.behaviours, ElementsAre("bytes-out-spike"));
  EXPECT_THAT(m.event_types, ElementsAre("in-alarm"));
  EXPECT_THAT(m.labels, ElementsAre(Pair("team", "video")));
  EXPECT_THAT(c.routes[0].receivers, ElementsAre("soc", "alertmanager"));
  EXPECT_TRUE(c.routes[1].match.severities.empty());
  EXPECT_THAT(c.routes[1].receivers, ElementsAre("alertmanager"));
}

// The ```yaml blocks of alerts/README.md that are whole `alerting:` sections.
std::vector<std::string> ReadmeConfigs() {
  std::ifstream in(std::string(WARDEN_SOURCE_DIR) + "/alerts/README.md");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::string fence = "```yaml\n";
  std::vector<std::string> configs;
  for (size_t at = text.find(fence + "alerting:"); at != std::string::npos;
       at = text.find(fence + "alerting:", at + 1)) {
    const size_t start = at + fence.size();
    configs.push_back(text.substr(start, text.find("```", start) - start));
  }
  return configs;
}

TEST(ConfigReaderTest, ReadmeExamplesAreValid) {
  const std::vector<std::string> configs = ReadmeConfigs();
  ASSERT_FALSE(configs.empty());
  for (const std::string& config : configs) {
    const ReadResult r = Read(config);
    EXPECT_EQ(rules::FormatDiagnostics(r.diagnostics), "") << config;
    EXPECT_EQ(r.config.receivers.size(), 2u);
  }
}

TEST(ConfigReaderTest, NoSectionIsNoAlerting) {
  const ReadResult r = Read("listen: 127.0.0.1:7443\n");
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_TRUE(r.config.empty());
}

TEST(ConfigReaderTest, UnknownKeyWithDidYouMean) {
  EXPECT_EQ(
      Diagnose(R"(alerting:
  receivers:
    - name: am
      alertmanager:
        urls: [http://127.0.0.1:9093]
        resend_intervall_seconds: 60
)"),
      R"(/etc/warden/wardend.yaml:6:9: error: unknown key 'resend_intervall_seconds'; did you mean 'resend_interval_seconds'? [E_UNKNOWN_KEY]
            resend_intervall_seconds: 60
            ^
  in receiver 'am' (/etc/warden/wardend.yaml:3:7)
1 error
)");
}

TEST(ConfigReaderTest, MissingWebhookUrl) {
  EXPECT_EQ(Diagnose(absl::StrCat(R"(alerting:
  receivers:
    - name: soc
      webhook:
        secrets: [)",
                                  kSecret, R"(]
)")),
            R"(/etc/warden/wardend.yaml:5:9: error: missing required key 'url' [E_MISSING_KEY]
            secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]
            ^
  in receiver 'soc' (/etc/warden/wardend.yaml:3:7)
1 error
)");
}

TEST(ConfigReaderTest, BadSecretIsNotEchoed) {
  EXPECT_EQ(
      Diagnose(R"(alerting:
  receivers:
    - name: soc
      webhook:
        url: https://soc.example/hook
        secrets: [MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, whsec_dG9vIHNob3J0]
)"),
      R"(/etc/warden/wardend.yaml:6:19: error: invalid webhook secret: expected 'whsec_' followed by the base64 of 24 to 64 random bytes [E_SECRET]
  in receiver 'soc' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:6:53: error: invalid webhook secret: after 'whsec_' expected the base64 of 24 to 64 random bytes [E_SECRET]
  in receiver 'soc' (/etc/warden/wardend.yaml:3:7)
2 errors
)");
}

TEST(ConfigReaderTest, UnknownReceiverInRoute) {
  EXPECT_EQ(
      Diagnose(R"(alerting:
  receivers:
    - name: soc
      alertmanager: {urls: http://127.0.0.1:9093}
    - name: pager
      alertmanager: {urls: http://127.0.0.1:9094}
  routes:
    - match: {severity: critical}
      receivers: [pager, scc]
)"),
      R"(/etc/warden/wardend.yaml:9:26: error: unknown receiver 'scc' (defined: pager, soc); did you mean 'soc'? [E_UNKNOWN_RECEIVER]
          receivers: [pager, scc]
                             ^
  in route #1 (/etc/warden/wardend.yaml:8:7)
1 error
)");
}

TEST(ConfigReaderTest, BothAlertmanagerAndWebhook) {
  EXPECT_EQ(
      Diagnose(absl::StrCat(R"(alerting:
  receivers:
    - name: both
      alertmanager: {urls: [http://127.0.0.1:9093]}
      webhook: {url: https://soc.example/hook, secrets: [)",
                            kSecret, R"(]}
)")),
      R"(/etc/warden/wardend.yaml:5:7: error: a receiver has either 'alertmanager' or 'webhook', not both [E_VALUE]
          webhook: {url: https://soc.example/hook, secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]}
          ^
  in receiver 'both' (/etc/warden/wardend.yaml:3:7)
1 error
)");
}

TEST(ConfigReaderTest, NeitherAlertmanagerNorWebhook) {
  EXPECT_EQ(
      Diagnose(R"(alerting:
  receivers:
    - name: nowhere
      timeout_seconds: 5
)"),
      R"(/etc/warden/wardend.yaml:3:7: error: missing 'alertmanager' or 'webhook': say where the receiver delivers [E_MISSING_KEY]
        - name: nowhere
          ^
  in receiver 'nowhere' (/etc/warden/wardend.yaml:3:7)
1 error
)");
}

TEST(ConfigReaderTest, EveryProblemIsReportedInOrder) {
  EXPECT_EQ(
      Diagnose(R"(alerting:
  external_url: warden.example
  receivers:
    - name: soc!
      webhook:
        url: ftp://soc.example/hook
        secrets: []
      timeout_seconds: 0
      retry: {max_backoff_seconds: 600, give_up_after_seconds: 60}
    - name: am
      alertmanager:
        urls: [http://127.0.0.1:9093/api/v2/alerts, "http://:9093"]
    - name: am
      alertmanager: {urls: http://127.0.0.1:99999}
  routes:
    - match: {severity: [hgih], event_type: [raised], profile: ["cam*"], labels: {"0team": x}}
      receivers: []
)"),
      R"(/etc/warden/wardend.yaml:2:17: error: invalid url 'warden.example': expected an http:// or https:// url [E_URL]
      external_url: warden.example
                    ^
/etc/warden/wardend.yaml:4:13: error: invalid receiver name 'soc!' (expected 1 to 64 characters of [a-zA-Z0-9_-]) [E_NAME]
        - name: soc!
                ^
  in receiver #1 (/etc/warden/wardend.yaml:4:7)
/etc/warden/wardend.yaml:6:14: error: invalid url 'ftp://soc.example/hook': expected an http:// or https:// url [E_URL]
            url: ftp://soc.example/hook
                 ^
  in receiver #1 (/etc/warden/wardend.yaml:4:7)
/etc/warden/wardend.yaml:7:18: error: 'secrets' is empty: give at least one webhook secret [E_VALUE]
            secrets: []
                     ^
  in receiver #1 (/etc/warden/wardend.yaml:4:7)
/etc/warden/wardend.yaml:8:24: error: 'timeout_seconds' must be greater than 0, got 0 [E_VALUE]
          timeout_seconds: 0
                           ^
  in receiver #1 (/etc/warden/wardend.yaml:4:7)
/etc/warden/wardend.yaml:9:64: error: 'give_up_after_seconds' (60) must be at least 'max_backoff_seconds' (600) [E_VALUE]
          retry: {max_backoff_seconds: 600, give_up_after_seconds: 60}
                                                                   ^
  in receiver #1 (/etc/warden/wardend.yaml:4:7)
/etc/warden/wardend.yaml:12:16: error: 'http://127.0.0.1:9093/api/v2/alerts' is an api endpoint: give alertmanager's base url (warden adds /api/v2/alerts) [E_URL]
            urls: [http://127.0.0.1:9093/api/v2/alerts, "http://:9093"]
                   ^
  in receiver 'am' (/etc/warden/wardend.yaml:10:7)
/etc/warden/wardend.yaml:12:53: error: invalid url 'http://:9093': it has no host [E_URL]
            urls: [http://127.0.0.1:9093/api/v2/alerts, "http://:9093"]
                                                        ^
  in receiver 'am' (/etc/warden/wardend.yaml:10:7)
/etc/warden/wardend.yaml:13:13: error: duplicate receiver 'am' [E_DUPLICATE]
        - name: am
                ^
  in receiver 'am' (/etc/warden/wardend.yaml:13:7)
  'am' first defined at /etc/warden/wardend.yaml:10:13
/etc/warden/wardend.yaml:14:28: error: invalid url 'http://127.0.0.1:99999': invalid port ':99999' [E_URL]
          alertmanager: {urls: http://127.0.0.1:99999}
                               ^
  in receiver 'am' (/etc/warden/wardend.yaml:13:7)
/etc/warden/wardend.yaml:16:26: error: unknown severity 'hgih' (expected one of: low, medium, high, critical); did you mean 'high'? [E_SEVERITY]
        - match: {severity: [hgih], event_type: [raised], profile: ["cam*"], labels: {"0team": x}}
                             ^
  in route #1 (/etc/warden/wardend.yaml:16:7)
/etc/warden/wardend.yaml:16:46: error: unknown event type 'raised' (expected one of: in-alarm, alarm-cleared, alarm-invalidated) [E_EVENT_TYPE]
        - match: {severity: [hgih], event_type: [raised], profile: ["cam*"], labels: {"0team": x}}
                                                 ^
  in route #1 (/etc/warden/wardend.yaml:16:7)
/etc/warden/wardend.yaml:16:65: error: invalid profile name 'cam*' (expected 1 to 128 characters of [a-zA-Z0-9_-]) [E_NAME]
        - match: {severity: [hgih], event_type: [raised], profile: ["cam*"], labels: {"0team": x}}
                                                                    ^
  in route #1 (/etc/warden/wardend.yaml:16:7)
/etc/warden/wardend.yaml:16:83: error: invalid label name '0team' (expected [a-zA-Z_][a-zA-Z0-9_]*, not starting with '__') [E_LABEL]
        - match: {severity: [hgih], event_type: [raised], profile: ["cam*"], labels: {"0team": x}}
                                                                                      ^
  in route #1 (/etc/warden/wardend.yaml:16:7)
/etc/warden/wardend.yaml:17:18: error: 'receivers' is empty: name at least one [E_VALUE]
          receivers: []
                     ^
  in route #1 (/etc/warden/wardend.yaml:16:7)
15 errors
)");
}

TEST(ConfigReaderTest, WrongTypesAndMissingReceivers) {
  EXPECT_EQ(Diagnose(R"(alerting:
  max_outbox_rows_per_target: lots
  routes: {receivers: [soc]}
)"),
            R"(/etc/warden/wardend.yaml:2:3: error: missing required key 'receivers' [E_MISSING_KEY]
      max_outbox_rows_per_target: lots
      ^
/etc/warden/wardend.yaml:2:31: error: expected an integer, got a string 'lots' [E_TYPE]
      max_outbox_rows_per_target: lots
                                  ^
/etc/warden/wardend.yaml:3:11: error: expected a list, got a mapping [E_TYPE]
      routes: {receivers: [soc]}
              ^
3 errors
)");
}

TEST(ConfigReaderTest, WebhookHeadersAndTlsAreChecked) {
  EXPECT_EQ(
      Diagnose(absl::StrCat(R"(alerting:
  receivers:
    - name: soc
      webhook:
        url: http://soc.example/hook
        secrets: )",
                            kSecret, R"(
        bearer_token: abc
        headers: {Webhook-Signature: x, Authorization: Basic eA==, "X Team": y}
        tls: {key_file: client.key}
)")),
      R"(/etc/warden/wardend.yaml:8:19: error: header 'Webhook-Signature' is set by warden [E_VALUE]
            headers: {Webhook-Signature: x, Authorization: Basic eA==, "X Team": y}
                      ^
  in receiver 'soc' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:8:41: error: header 'Authorization' conflicts with 'bearer_token'; give one of them [E_VALUE]
            headers: {Webhook-Signature: x, Authorization: Basic eA==, "X Team": y}
                                            ^
  in receiver 'soc' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:8:68: error: invalid header name 'X Team' [E_VALUE]
            headers: {Webhook-Signature: x, Authorization: Basic eA==, "X Team": y}
                                                                       ^
  in receiver 'soc' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:9:9: error: 'tls' needs an https:// url, got 'http://soc.example/hook' [E_VALUE]
            tls: {key_file: client.key}
            ^
  in receiver 'soc' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:9:15: error: 'key_file' needs 'cert_file' [E_MISSING_KEY]
            tls: {key_file: client.key}
                  ^
  in receiver 'soc' (/etc/warden/wardend.yaml:3:7)
5 errors
)");
}

TEST(ConfigReaderTest, NeverThrowsOnOddYaml) {
  const ReadResult r = Read("alerting: [1, 2]\n");
  EXPECT_EQ(rules::FormatDiagnostics(r.diagnostics),
            R"(/etc/warden/wardend.yaml:1:11: error: expected a mapping, got a list [E_TYPE]
    alerting: [1, 2]
              ^
1 error
)");
}

}  // namespace
}  // namespace warden::alerts
