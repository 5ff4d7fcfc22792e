#include "services/outbox.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "store/keys.h"

namespace warden::services {

Outbox::Outbox(alerts::AlertingConfig config, Metrics* metrics)
    : config_(std::move(config)), router_(config_), metrics_(metrics) {
  for (int r = 0; r < static_cast<int>(config_.receivers.size()); ++r) {
    const alerts::Receiver& rc = config_.receivers[r];
    if (rc.kind == alerts::Receiver::Kind::kWebhook) {
      targets_.push_back({rc.name, r, rc.webhook.url});
    } else {
      for (size_t i = 0; i < rc.alertmanager.urls.size(); ++i) {
        std::string base = rc.alertmanager.urls[i];
        while (!base.empty() && base.back() == '/') base.pop_back();
        targets_.push_back({absl::StrCat(rc.name, "#", i), r, base + "/api/v2/alerts"});
      }
    }
  }
  for (size_t t = 0; t < targets_.size(); ++t) {
    queued_.push_back(std::make_unique<std::atomic<int64_t>>(0));
  }
}

absl::StatusOr<std::unique_ptr<Outbox>> Outbox::Create(alerts::AlertingConfig config,
                                                       store::Store* store, Metrics* metrics) {
  auto outbox = std::unique_ptr<Outbox>(new Outbox(std::move(config), metrics));
  uint64_t max_seq = 0;
  for (store::Family f : {store::Family::kOutbox, store::Family::kDeadLetters}) {
    absl::Status s = store->Scan(f, "", "", [&](const std::string& key, const std::string&) {
      if (std::optional<uint64_t> seq = store::OutboxKeySeq(key)) max_seq = std::max(max_seq, *seq);
      if (f == store::Family::kOutbox) {
        const std::string target = key.substr(0, key.find('\0'));
        const int t = outbox->TargetIndex(target);
        if (t >= 0) outbox->queued_[t]->fetch_add(1);
      }
      return true;
    });
    if (!s.ok()) return s;
  }
  outbox->next_seq_.store(max_seq + 1);
  for (size_t t = 0; t < outbox->targets_.size(); ++t) {
    metrics->OutboxRows(outbox->targets_[t].name).Set(static_cast<double>(outbox->queued(t)));
  }
  return outbox;
}

int Outbox::TargetIndex(const std::string& name) const {
  for (size_t t = 0; t < targets_.size(); ++t) {
    if (targets_[t].name == name) return static_cast<int>(t);
  }
  return -1;
}

std::vector<int> Outbox::TargetsOf(int r) const {
  std::vector<int> out;
  for (size_t t = 0; t < targets_.size(); ++t) {
    if (targets_[t].receiver == r) out.push_back(static_cast<int>(t));
  }
  return out;
}

void Outbox::Add(const v1::ViolationEvent& event, int64_t now_us, store::WriteGroup* group) {
  for (int r : router_.Route(event)) AddFor(event, r, now_us, group);
}

void Outbox::AddFor(const v1::ViolationEvent& event, int r, int64_t now_us,
                    store::WriteGroup* group) {
  for (int t : TargetsOf(r)) {
    v1::OutboxRow row;
    *row.mutable_event() = event;
    row.set_target(targets_[t].name);
    row.set_receiver(config_.receivers[r].name);
    row.set_seq(next_seq_.fetch_add(1));
    const std::string key = store::OutboxKey(row.target(), row.seq());
    if (queued_[t]->load() >= config_.max_outbox_rows_per_target) {
      v1::DeadLetter dead;
      *dead.mutable_row() = std::move(row);
      dead.set_reason("outbox-full");
      *dead.mutable_dead_at() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(now_us);
      metrics_->DeadLetters(targets_[t].name, "outbox-full").Increment();
      std::cerr << "wardend: warning: outbox of " << targets_[t].name << " is full ("
                << config_.max_outbox_rows_per_target << " rows); event " << event.event_id()
                << " goes to the dead-letter list\n";
      group->Put(store::Family::kDeadLetters, key, dead.SerializeAsString());
      continue;
    }
    queued_[t]->fetch_add(1);
    metrics_->OutboxRows(targets_[t].name).Increment();
    group->Put(store::Family::kOutbox, key, row.SerializeAsString());
  }
}

void Outbox::Requeue(const std::string& dead_key, v1::DeadLetter&& dead, store::WriteGroup* group) {
  v1::OutboxRow row = std::move(*dead.mutable_row());
  const int t = TargetIndex(row.target());
  row.set_seq(next_seq_.fetch_add(1));
  row.set_attempts(0);
  row.clear_last_error();
  group->Delete(store::Family::kDeadLetters, dead_key);
  group->Put(store::Family::kOutbox, store::OutboxKey(row.target(), row.seq()),
             row.SerializeAsString());
  if (t >= 0) {
    queued_[t]->fetch_add(1);
    metrics_->OutboxRows(targets_[t].name).Increment();
  }
}

void Outbox::Removed(int t, int64_t n) {
  queued_[t]->fetch_sub(n);
  metrics_->OutboxRows(targets_[t].name).Decrement(static_cast<double>(n));
}

void Outbox::SetListener(std::function<void()> on_commit) {
  std::lock_guard<std::mutex> lock(listener_mu_);
  on_commit_ = std::move(on_commit);
}

void Outbox::Committed() {
  std::function<void()> f;
  {
    std::lock_guard<std::mutex> lock(listener_mu_);
    f = on_commit_;
  }
  if (f) f();
}

}  // namespace warden::services
