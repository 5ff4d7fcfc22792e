#ifndef WARDEN_SERVICES_ALERT_DISPATCHER_H_
#define WARDEN_SERVICES_ALERT_DISPATCHER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/token_bucket.h"
#include "services/http_client.h"
#include "services/metrics.h"
#include "services/outbox.h"
#include "store/store.h"
#include "warden/v1/alert.pb.h"

namespace warden::services {

// Delivers the outbox (alerts/README.md, "Delivery"): one thread, each target with at
// most one request in flight so its events arrive in order. A row leaves the outbox
// only once its target accepted it, or as a dead letter. Alertmanager targets also get
// every active violation re-sent each resend interval (endsAt in the future, so
// Alertmanager never resolves a live alarm by itself) and recently ended ones re-sent
// as resolved. Thread-safe: Wake() and Status() may be called from any thread.
class AlertDispatcher {
 public:
  // Active alerts other than device violations (audit non-compliance) that Alertmanager
  // targets must get re-sent too. Called on the dispatcher thread.
  using ActiveAlerts = std::function<std::vector<v1::Violation>()>;

  AlertDispatcher(Outbox* outbox, store::Store* store, const Clock* clock, Metrics* metrics,
                  ActiveAlerts other_active = nullptr);
  ~AlertDispatcher();  // Stop()s

  void Start();
  // Stops after the requests in flight finish (at most their timeout). Rows not yet
  // delivered stay in the outbox for the next start.
  void Stop();
  // New rows were committed.
  void Wake();

  std::vector<v1::TargetStatus> Status() const;

 private:
  struct TargetState {
    bool in_flight = false;
    bool maybe_rows = true;  // false after an empty scan, until woken
    bool disabled = false;   // the endpoint answered 410 Gone
    int failed_attempts = 0;
    int64_t retry_at_us = 0;
    int64_t next_resend_us = 0;
    std::string last_error;
    std::vector<std::string> resend_bodies;  // Alertmanager: re-sends still to post
    // The request in flight: the outbox rows it carries (empty for a re-send).
    std::vector<std::pair<std::string, v1::OutboxRow>> batch;
    std::unique_ptr<TokenBucket> limiter;
    bool token_taken = false;
    int64_t oldest_us = 0;  // event time of the oldest queued row, 0 if none known
  };

  void Loop();
  void Step(int t, int64_t now_us);
  void Finish(const HttpClient::Response& response, int64_t now_us);
  bool LoadBatch(int t, int64_t now_us);
  void BuildResend(int t, int64_t now_us);
  void Send(int t, std::string body, const std::string& id);
  void DeadLetter(int t, const std::vector<std::pair<std::string, v1::OutboxRow>>& rows,
                  const std::string& reason, int64_t now_us);
  void DeadLetterExpired(int t, int64_t now_us);
  void DrainDisabled(int t, int64_t now_us);
  absl::Status Commit(const store::WriteGroup& group);

  Outbox* const outbox_;
  store::Store* const store_;
  const Clock* const clock_;
  Metrics* const metrics_;
  const ActiveAlerts other_active_;
  HttpClient http_;
  std::mt19937_64 rng_{std::random_device{}()};

  std::vector<TargetState> states_;  // the dispatcher thread's alone
  void Publish(int64_t now_us);
  mutable std::mutex mu_;
  std::vector<v1::TargetStatus> published_;  // guarded by mu_

  std::atomic<bool> stop_{false};
  std::atomic<bool> woken_{false};
  std::thread thread_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_ALERT_DISPATCHER_H_
