#ifndef WARDEN_ALERTS_CONFIG_H_
#define WARDEN_ALERTS_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace warden::alerts {

// How a receiver retries a delivery that failed with a retryable error (connection
// error, timeout, HTTP 408/425/429/5xx): exponential backoff with jitter, from
// `initial_backoff_seconds` doubling up to `max_backoff_seconds` (each delay drawn from
// its upper half, see BackoffSeconds), until the event is `give_up_after_seconds` old;
// then it goes to the dead-letter list.
struct RetryPolicy {
  double initial_backoff_seconds = 1;
  double max_backoff_seconds = 300;
  int64_t give_up_after_seconds = 24 * 3600;
};

struct AlertmanagerReceiver {
  // Base URLs, e.g. http://127.0.0.1:9093 ; each (an HA pair) gets every alert.
  std::vector<std::string> urls;
  // Active violations are re-sent this often, with endsAt = now + 4 × this, so
  // Alertmanager never resolves a live alarm on its own. Default: 60 s.
  int64_t resend_interval_seconds = 60;
  // Cleared/invalidated alerts are re-sent (resolved) for this long. Default: 15 min.
  int64_t resolved_resend_seconds = 900;
};

// Paths are as read: ReadAlertingConfig makes relative ones relative to the config file.
struct TlsClientConfig {
  std::string ca_file;    // verify the server with this CA bundle ("" = system CAs)
  std::string cert_file;  // client certificate (mTLS), PEM
  std::string key_file;   // its key, PEM ("" = the key is in cert_file)
};

struct WebhookReceiver {
  std::string url;
  // Standard Webhooks secrets, "whsec_" + base64; every secret signs every request
  // (several at once while rotating).
  std::vector<std::string> secrets;
  std::map<std::string, std::string> headers;  // extra request headers
  std::string bearer_token;                    // Authorization: Bearer ...
  TlsClientConfig tls;
};

struct Receiver {
  std::string name;  // [a-zA-Z0-9_-]{1,64}
  enum class Kind { kAlertmanager, kWebhook } kind = Kind::kWebhook;
  AlertmanagerReceiver alertmanager;
  WebhookReceiver webhook;
  RetryPolicy retry;
  double timeout_seconds = 10;
  // Deliveries per second at most (0: unlimited).
  double rate_limit_per_second = 0;
};

// Which events a route takes: every given field must match (empty = any).
struct RouteMatch {
  std::vector<std::string> severities;  // low, medium, high, critical
  std::vector<std::string> profiles;
  std::vector<std::string> behaviours;
  std::vector<std::string> event_types;       // in-alarm, alarm-cleared, alarm-invalidated
  std::map<std::string, std::string> labels;  // each must equal the behaviour's label
};

struct Route {
  RouteMatch match;
  std::vector<std::string> receivers;  // names of receivers
};

struct AlertingConfig {
  // generatorURL of Alertmanager alerts and `links` in webhooks: this base +
  // "/violations/<violation id>". Default: "" (then the field is left out).
  std::string external_url;
  std::vector<Receiver> receivers;
  // No routes: every event goes to every receiver.
  std::vector<Route> routes;
  // Outbox rows kept per delivery target before new events for it go straight to the
  // dead-letter list (counted and logged, never silently dropped).
  int64_t max_outbox_rows_per_target = 1'000'000;

  bool empty() const { return receivers.empty(); }
};

}  // namespace warden::alerts

#endif  // WARDEN_ALERTS_CONFIG_H_
