#include "services/alert_dispatcher.h"

#include <algorithm>
#include <iostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "alerts/delivery_policy.h"
#include "alerts/payloads.h"
#include "alerts/signing.h"
#include "common/thread_name.h"
#include "detectors/evaluator.h"
#include "google/protobuf/util/time_util.h"
#include "store/keys.h"

namespace warden::services {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kAlertmanagerBatch = 256;  // events per Alertmanager post
constexpr int kAlertsPerResendPost = 500;
constexpr int kDrainBatch = 256;
constexpr int64_t kRescanMicros = 5 * kMicrosPerSecond;

int64_t Micros(const google::protobuf::Timestamp& t) {
  return TimeUtil::TimestampToMicroseconds(t);
}

std::string Describe(const HttpClient::Response& r) {
  if (r.status == 0) return absl::StrCat("no response: ", r.error);
  std::string body = r.error.substr(0, 200);
  std::replace(body.begin(), body.end(), '\n', ' ');
  return body.empty() ? absl::StrCat("HTTP ", r.status)
                      : absl::StrCat("HTTP ", r.status, ": ", body);
}

}  // namespace

AlertDispatcher::AlertDispatcher(Outbox* outbox, store::Store* store, const Clock* clock,
                                 Metrics* metrics, ActiveAlerts other_active)
    : outbox_(outbox),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      other_active_(std::move(other_active)) {
  states_.resize(outbox_->targets().size());
  for (size_t t = 0; t < states_.size(); ++t) {
    const alerts::Receiver& rc = outbox_->config().receivers[outbox_->targets()[t].receiver];
    if (rc.rate_limit_per_second > 0) {
      states_[t].limiter = std::make_unique<TokenBucket>(rc.rate_limit_per_second,
                                                         std::max(1.0, rc.rate_limit_per_second),
                                                         absl::FromUnixMicros(clock_->NowMicros()));
    }
  }
}

AlertDispatcher::~AlertDispatcher() { Stop(); }

void AlertDispatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void AlertDispatcher::Stop() {
  if (stop_.exchange(true)) return;
  http_.Wakeup();
  if (thread_.joinable()) thread_.join();
}

void AlertDispatcher::Wake() {
  woken_.store(true);
  http_.Wakeup();
}

std::vector<v1::TargetStatus> AlertDispatcher::Status() const {
  std::vector<v1::TargetStatus> status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status = published_;
  }
  // The queue length is live; the rest is as of the dispatcher's last loop.
  for (size_t t = 0; t < status.size(); ++t)
    status[t].set_queued(outbox_->queued(static_cast<int>(t)));
  return status;
}

void AlertDispatcher::Loop() {
  NameThisThread("alerts");
  int64_t next_rescan = 0;
  while (!stop_.load()) {
    int64_t now = clock_->NowMicros();
    if (woken_.exchange(false) || now >= next_rescan) {
      for (TargetState& s : states_) s.maybe_rows = true;
      next_rescan = now + kRescanMicros;
    }
    for (int t = 0; t < static_cast<int>(states_.size()); ++t) Step(t, now);
    // Sleep until a retry is due (bounded), a response arrives, or Wake().
    int64_t wait_us = 500'000;
    for (const TargetState& s : states_) {
      if (!s.in_flight && s.retry_at_us > now) wait_us = std::min(wait_us, s.retry_at_us - now);
    }
    for (const HttpClient::Response& r :
         http_.Poll(static_cast<int>(std::clamp<int64_t>(wait_us / 1000, 1, 500)))) {
      Finish(r, clock_->NowMicros());
    }
    Publish(clock_->NowMicros());
  }
  // Let the requests in flight finish (bounded by their timeouts), so what a target
  // accepted leaves the outbox now rather than being sent again after a restart.
  while (http_.in_flight() > 0) {
    for (const HttpClient::Response& r : http_.Poll(100)) Finish(r, clock_->NowMicros());
  }
}

void AlertDispatcher::Publish(int64_t now_us) {
  std::vector<v1::TargetStatus> status;
  for (size_t t = 0; t < states_.size(); ++t) {
    const TargetState& s = states_[t];
    const Outbox::Target& target = outbox_->targets()[t];
    v1::TargetStatus ts;
    ts.set_target(target.name);
    ts.set_receiver(outbox_->config().receivers[target.receiver].name);
    ts.set_url(target.url);
    ts.set_queued(outbox_->queued(static_cast<int>(t)));
    const double age = s.oldest_us > 0 ? (now_us - s.oldest_us) / 1e6 : 0;
    ts.set_oldest_age_seconds(ts.queued() > 0 ? std::max(0.0, age) : 0);
    ts.set_failed_attempts(s.failed_attempts);
    ts.set_last_error(s.last_error);
    ts.set_disabled(s.disabled);
    if (s.retry_at_us > now_us)
      *ts.mutable_retry_at() = TimeUtil::MicrosecondsToTimestamp(s.retry_at_us);
    metrics_->OutboxOldestAge(target.name).Set(ts.oldest_age_seconds());
    status.push_back(std::move(ts));
  }
  std::lock_guard<std::mutex> lock(mu_);
  published_ = std::move(status);
}

void AlertDispatcher::Step(int t, int64_t now) {
  TargetState& s = states_[t];
  if (s.in_flight || now < s.retry_at_us) return;
  if (s.disabled) {
    DrainDisabled(t, now);
    return;
  }
  const alerts::Receiver& rc = outbox_->config().receivers[outbox_->targets()[t].receiver];
  const bool alertmanager = rc.kind == alerts::Receiver::Kind::kAlertmanager;
  if (alertmanager && s.resend_bodies.empty() && now >= s.next_resend_us) {
    BuildResend(t, now);
    s.next_resend_us = now + rc.alertmanager.resend_interval_seconds * kMicrosPerSecond;
  }
  const bool resend = !s.resend_bodies.empty();
  if (!resend && (!s.maybe_rows || !LoadBatch(t, now))) return;

  if (s.limiter) {
    if (!s.token_taken) {
      const absl::Duration wait = s.limiter->Take(absl::FromUnixMicros(now));
      if (wait > absl::ZeroDuration()) {
        s.token_taken = true;  // reserved: due at retry_at
        s.retry_at_us = now + absl::ToInt64Microseconds(wait);
        s.batch.clear();
        return;
      }
    }
    s.token_taken = false;
  }

  if (resend) {
    std::string body = std::move(s.resend_bodies.front());
    s.resend_bodies.erase(s.resend_bodies.begin());
    s.batch.clear();
    Send(t, std::move(body), "");
    return;
  }
  if (alertmanager) {
    nlohmann::json alerts = nlohmann::json::array();
    for (const auto& [key, row] : s.batch) {
      alerts.push_back(alerts::EventAlert(row.event(), now, rc.alertmanager.resend_interval_seconds,
                                          outbox_->config().external_url));
    }
    Send(t, alerts.dump(), "");
  } else {
    const v1::ViolationEvent& e = s.batch.front().second.event();
    Send(t, alerts::WebhookBody(e, outbox_->config().external_url), e.event_id());
  }
}

bool AlertDispatcher::LoadBatch(int t, int64_t now) {
  TargetState& s = states_[t];
  const alerts::Receiver& rc = outbox_->config().receivers[outbox_->targets()[t].receiver];
  const int limit = rc.kind == alerts::Receiver::Kind::kAlertmanager ? kAlertmanagerBatch : 1;
  s.batch.clear();
  absl::Status st =
      store_->Scan(store::Family::kOutbox, store::OutboxPrefix(outbox_->targets()[t].name), "",
                   [&](const std::string& key, const std::string& value) {
                     v1::OutboxRow row;
                     if (!row.ParseFromString(value)) {
                       std::cerr << "wardend: error: unreadable outbox row of "
                                 << outbox_->targets()[t].name << "; skipping it\n";
                       return true;
                     }
                     s.batch.emplace_back(key, std::move(row));
                     return static_cast<int>(s.batch.size()) < limit;
                   });
  if (!st.ok()) {
    std::cerr << "wardend: error: " << st.message() << "\n";
    s.retry_at_us = now + kMicrosPerSecond;
    s.batch.clear();
    return false;
  }
  if (s.batch.empty()) {
    s.maybe_rows = false;
    s.oldest_us = 0;
    return false;
  }
  s.oldest_us = Micros(s.batch.front().second.event().time());
  return true;
}

void AlertDispatcher::BuildResend(int t, int64_t now) {
  TargetState& s = states_[t];
  const int r = outbox_->targets()[t].receiver;
  const alerts::Receiver& rc = outbox_->config().receivers[r];
  auto routed = [&](const v1::ViolationEvent& e) {
    const std::vector<int> to = outbox_->router().Route(e);
    return std::find(to.begin(), to.end(), r) != to.end();
  };
  std::vector<nlohmann::json> alerts;
  std::set<std::string> active;
  std::string token;
  do {
    auto page = store_->ListViolations({}, token, 1000);
    if (!page.ok()) {
      std::cerr << "wardend: error: re-send to " << outbox_->targets()[t].name << ": "
                << page.status().message() << "\n";
      return;
    }
    for (const v1::Violation& v : page->items) {
      active.insert(store::ViolationKey(v.device_id(), v.profile(), v.behaviour()));
      if (!routed(detectors::MakeViolationEvent(v, v1::IN_ALARM, now, v.last_evidence(), "")))
        continue;
      alerts.push_back(alerts::FiringAlert(v, now, rc.alertmanager.resend_interval_seconds,
                                           outbox_->config().external_url));
    }
    token = page->next_page_token;
  } while (!token.empty());
  if (other_active_) {
    for (const v1::Violation& v : other_active_()) {
      active.insert(store::ViolationKey(v.device_id(), v.profile(), v.behaviour()));
      if (!routed(detectors::MakeViolationEvent(v, v1::IN_ALARM, now, v.last_evidence(), "")))
        continue;
      alerts.push_back(alerts::FiringAlert(v, now, rc.alertmanager.resend_interval_seconds,
                                           outbox_->config().external_url));
    }
  }
  // Recently ended violations again as resolved — unless the same device, profile and
  // behaviour is in alarm again, whose alert (same labels) must not be resolved.
  do {
    auto page = store_->ListEvents(now - rc.alertmanager.resolved_resend_seconds * kMicrosPerSecond,
                                   now + 1, {}, token, 1000);
    if (!page.ok()) break;
    for (const v1::ViolationEvent& e : page->items) {
      if (e.type() == v1::IN_ALARM || !routed(e)) continue;
      if (active.count(store::ViolationKey(e.device_id(), e.profile(), e.behaviour()))) continue;
      alerts.push_back(alerts::EventAlert(e, now, rc.alertmanager.resend_interval_seconds,
                                          outbox_->config().external_url));
    }
    token = page->next_page_token;
  } while (!token.empty());
  for (size_t i = 0; i < alerts.size(); i += kAlertsPerResendPost) {
    nlohmann::json body = nlohmann::json::array();
    for (size_t j = i; j < std::min(alerts.size(), i + kAlertsPerResendPost); ++j) {
      body.push_back(std::move(alerts[j]));
    }
    s.resend_bodies.push_back(body.dump());
  }
}

void AlertDispatcher::Send(int t, std::string body, const std::string& id) {
  TargetState& s = states_[t];
  const Outbox::Target& target = outbox_->targets()[t];
  const alerts::Receiver& rc = outbox_->config().receivers[target.receiver];
  HttpClient::Request req;
  req.tag = static_cast<uint64_t>(t);
  req.url = target.url;
  req.timeout_seconds = rc.timeout_seconds;
  if (rc.kind == alerts::Receiver::Kind::kWebhook) {
    const alerts::WebhookReceiver& w = rc.webhook;
    const int64_t ts = clock_->NowMicros() / kMicrosPerSecond;
    req.headers.push_back("webhook-id: " + id);
    req.headers.push_back(absl::StrCat("webhook-timestamp: ", ts));
    if (!w.secrets.empty()) {
      auto sig = alerts::WebhookSignatureHeader(w.secrets, id, ts, body);
      if (sig.ok()) req.headers.push_back("webhook-signature: " + *sig);
    }
    if (!w.bearer_token.empty()) req.headers.push_back("Authorization: Bearer " + w.bearer_token);
    for (const auto& [k, v] : w.headers) req.headers.push_back(k + ": " + v);
    req.tls = w.tls;
  }
  req.body = std::move(body);
  http_.Start(std::move(req));
  s.in_flight = true;
}

void AlertDispatcher::Finish(const HttpClient::Response& response, int64_t now) {
  const int t = static_cast<int>(response.tag);
  TargetState& s = states_[t];
  const Outbox::Target& target = outbox_->targets()[t];
  const alerts::Receiver& rc = outbox_->config().receivers[target.receiver];
  s.in_flight = false;
  const alerts::Outcome outcome = alerts::Classify(response.status);
  const bool resend = s.batch.empty();

  if (outcome == alerts::Outcome::kDelivered) {
    s.failed_attempts = 0;
    s.last_error.clear();
    if (resend) return;
    store::WriteGroup group;
    for (const auto& [key, row] : s.batch) group.Delete(store::Family::kOutbox, key);
    if (!Commit(group).ok()) {
      s.retry_at_us = now + kMicrosPerSecond;  // delivered again later: same event ids
      s.batch.clear();
      return;
    }
    outbox_->Removed(t, static_cast<int64_t>(s.batch.size()));
    metrics_->AlertDeliveries(target.name).Increment(static_cast<double>(s.batch.size()));
    prometheus::Histogram& latency = metrics_->AlertLatency(target.name);
    for (const auto& [key, row] : s.batch) {
      latency.Observe(std::max<int64_t>(0, now - Micros(row.event().time())) / 1e6);
    }
    s.batch.clear();
    s.maybe_rows = true;
    return;
  }

  s.last_error = Describe(response);
  metrics_->AlertFailures(target.name, alerts::ReasonLabel(response.status)).Increment();
  for (auto& [key, row] : s.batch) {
    row.set_attempts(row.attempts() + 1);
    row.set_last_error(s.last_error);
  }
  if (outcome == alerts::Outcome::kGone) {
    s.disabled = true;
    std::cerr << "wardend: error: " << target.name << " (" << target.url
              << ") answered 410 Gone; delivery to it is disabled until restart, its events "
                 "go to the dead-letter list\n";
    DeadLetter(t, s.batch, "endpoint-gone", now);
    s.batch.clear();
    return;
  }
  if (outcome == alerts::Outcome::kPermanent) {
    std::cerr << "wardend: error: " << target.name << " refused an alert permanently ("
              << s.last_error << "); it goes to the dead-letter list\n";
    DeadLetter(t, s.batch, "permanent-failure", now);
    s.batch.clear();
    return;
  }
  // Retryable: back off, keep the order.
  s.failed_attempts += 1;
  metrics_->AlertRetries(target.name).Increment();
  const double delay = alerts::BackoffSeconds(rc.retry, s.failed_attempts,
                                              std::uniform_real_distribution<double>(0, 1)(rng_));
  s.retry_at_us = now + static_cast<int64_t>(delay * 1e6);
  if (resend) {
    s.resend_bodies.clear();
    s.next_resend_us = 0;  // build a fresh re-send once the target answers again
    return;
  }
  store::WriteGroup group;
  for (const auto& [key, row] : s.batch) {
    group.Put(store::Family::kOutbox, key, row.SerializeAsString());
  }
  (void)Commit(group);
  DeadLetterExpired(t, now);
  s.batch.clear();
}

void AlertDispatcher::DeadLetterExpired(int t, int64_t now) {
  TargetState& s = states_[t];
  const alerts::Receiver& rc = outbox_->config().receivers[outbox_->targets()[t].receiver];
  const int64_t horizon = now - rc.retry.give_up_after_seconds * kMicrosPerSecond;
  if (s.batch.empty() || Micros(s.batch.front().second.event().time()) > horizon) return;
  // The head is past the horizon: so may be much of the queue behind it (a long outage).
  // Give up on every such row now, a bounded number per pass, rather than one per backoff.
  std::vector<std::pair<std::string, v1::OutboxRow>> expired;
  (void)store_->Scan(store::Family::kOutbox, store::OutboxPrefix(outbox_->targets()[t].name), "",
                     [&](const std::string& key, const std::string& value) {
                       v1::OutboxRow row;
                       if (!row.ParseFromString(value)) return true;
                       if (Micros(row.event().time()) > horizon) return true;
                       if (key == s.batch.front().first || row.attempts() == 0) {
                         row.set_attempts(std::max(row.attempts(), 1));
                         row.set_last_error(s.last_error);
                       }
                       expired.emplace_back(key, std::move(row));
                       return expired.size() < 1024;
                     });
  if (expired.empty()) return;
  std::cerr << "wardend: error: " << outbox_->targets()[t].name << " still failing ("
            << s.last_error << ") after " << rc.retry.give_up_after_seconds << " s; "
            << expired.size() << " event(s) go to the dead-letter list\n";
  DeadLetter(t, expired, "retries-exhausted", now);
  s.maybe_rows = true;
}

void AlertDispatcher::DrainDisabled(int t, int64_t now) {
  TargetState& s = states_[t];
  if (!s.maybe_rows) return;
  std::vector<std::pair<std::string, v1::OutboxRow>> rows;
  (void)store_->Scan(store::Family::kOutbox, store::OutboxPrefix(outbox_->targets()[t].name), "",
                     [&](const std::string& key, const std::string& value) {
                       v1::OutboxRow row;
                       if (row.ParseFromString(value)) rows.emplace_back(key, std::move(row));
                       return static_cast<int>(rows.size()) < kDrainBatch;
                     });
  if (rows.empty()) {
    s.maybe_rows = false;
    return;
  }
  DeadLetter(t, rows, "endpoint-gone", now);
}

void AlertDispatcher::DeadLetter(int t,
                                 const std::vector<std::pair<std::string, v1::OutboxRow>>& rows,
                                 const std::string& reason, int64_t now) {
  if (rows.empty()) return;
  store::WriteGroup group;
  for (const auto& [key, row] : rows) {
    v1::DeadLetter dead;
    *dead.mutable_row() = row;
    dead.set_reason(reason);
    *dead.mutable_dead_at() = TimeUtil::MicrosecondsToTimestamp(now);
    group.Delete(store::Family::kOutbox, key);
    group.Put(store::Family::kDeadLetters, key, dead.SerializeAsString());
  }
  if (!Commit(group).ok()) return;
  outbox_->Removed(t, static_cast<int64_t>(rows.size()));
  metrics_->DeadLetters(outbox_->targets()[t].name, reason)
      .Increment(static_cast<double>(rows.size()));
}

absl::Status AlertDispatcher::Commit(const store::WriteGroup& group) {
  absl::Status s = store_->Write(group);
  if (!s.ok()) std::cerr << "wardend: error: alert outbox: " << s.message() << "\n";
  return s;
}

}  // namespace warden::services
