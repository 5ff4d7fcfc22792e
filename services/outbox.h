#ifndef WARDEN_SERVICES_OUTBOX_H_
#define WARDEN_SERVICES_OUTBOX_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/config.h"
#include "alerts/router.h"
#include "services/metrics.h"
#include "store/store.h"
#include "warden/v1/alert.pb.h"

namespace warden::services {

// The durable alert outbox: turns each violation event into one row per delivery
// target its routes name, inside the caller's write group (so the row commits with the
// state change that produced the event). A target is a webhook receiver or one URL of
// an Alertmanager receiver. Keeps the row sequence and per-target row counts.
// Thread-safe: shard threads add rows concurrently; the dispatcher removes them.
class Outbox {
 public:
  struct Target {
    std::string name;  // "receiver" or "receiver#N"
    int receiver = 0;  // index into config().receivers
    std::string url;   // the endpoint the dispatcher posts to
  };

  // Reads the largest sequence and every target's row count from the store.
  static absl::StatusOr<std::unique_ptr<Outbox>> Create(alerts::AlertingConfig config,
                                                        store::Store* store, Metrics* metrics);

  // Adds the rows for `event` to `group`: one per target of every receiver the router
  // picks. A target already holding max_outbox_rows_per_target rows gets a dead letter
  // (outbox-full) instead, counted and logged: never a silent drop.
  void Add(const v1::ViolationEvent& event, int64_t now_us, store::WriteGroup* group);
  // The same for receiver `r` alone, whatever the routes say (e.g. a mitigation that
  // publishes a finding to a named webhook).
  void AddFor(const v1::ViolationEvent& event, int r, int64_t now_us, store::WriteGroup* group);

  // Moves dead letters (keys in dead_letters) back to the end of their targets' queues.
  void Requeue(const std::string& dead_key, v1::DeadLetter&& dead, store::WriteGroup* group);

  // Called after a group with rows committed; wakes the dispatcher.
  void Committed();
  void SetListener(std::function<void()> on_commit);

  // Bookkeeping for the dispatcher: `n` rows of target `t` left the outbox.
  void Removed(int t, int64_t n);
  int64_t queued(int t) const { return queued_[t]->load(); }

  const alerts::AlertingConfig& config() const { return config_; }
  const alerts::Router& router() const { return router_; }
  const std::vector<Target>& targets() const { return targets_; }
  // The targets of receiver `r`.
  std::vector<int> TargetsOf(int r) const;
  int TargetIndex(const std::string& name) const;

 private:
  Outbox(alerts::AlertingConfig config, Metrics* metrics);

  const alerts::AlertingConfig config_;
  const alerts::Router router_;
  Metrics* const metrics_;
  std::vector<Target> targets_;
  std::vector<std::unique_ptr<std::atomic<int64_t>>> queued_;  // per target
  std::atomic<uint64_t> next_seq_{1};
  std::mutex listener_mu_;
  std::function<void()> on_commit_;  // guarded by listener_mu_
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_OUTBOX_H_
