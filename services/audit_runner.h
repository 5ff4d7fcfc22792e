#ifndef WARDEN_SERVICES_AUDIT_RUNNER_H_
#define WARDEN_SERVICES_AUDIT_RUNNER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/checks.h"
#include "audit/model.h"
#include "common/clock.h"
#include "services/audit_store.h"
#include "services/outbox.h"
#include "warden/v1/audit.pb.h"

namespace warden::services {

// Loads the registry an audit reads. Resources that could not be read (a malformed
// certificate or CRL) are skipped and described in *errors.
using RegistryLoader =
    std::function<absl::StatusOr<audit::Registry>(std::vector<std::string>* errors)>;

// Runs audits one at a time on its own thread: loads the registry, runs each check,
// marks findings that match an active suppression, and writes the task with its
// findings in one batch. Thread-safe.
class AuditRunner {
 public:
  // `outbox` (may be null: no alerting) gets an alert when a resource turns
  // non-compliant and when it is compliant again — never for a finding that persists.
  // Tasks and findings older than `retention_days` are deleted after each audit.
  AuditRunner(AuditStore* store, RegistryLoader loader, const Clock* clock,
              audit::AuditSettings settings, Outbox* outbox = nullptr, int64_t retention_days = 90);
  ~AuditRunner();  // Stop()s

  // Records an IN_PROGRESS task for `checks` (empty: all; the caller has validated the
  // names) and queues it. Returns the task as recorded.
  absl::StatusOr<v1::AuditTask> Start(std::vector<std::string> checks, const std::string& trigger);

  // Whether an audit started with `trigger` is queued or running (a schedule does not
  // start a run while its previous one is unfinished).
  bool Busy(const std::string& trigger);

  // Finishes the audit in progress; queued ones are marked CANCELED.
  void Stop();

 private:
  struct Job {
    v1::AuditTask task;
    std::vector<std::string> checks;
  };
  void Loop();
  void Run(Job job);
  // Transitions of the checks in `task` against the stored non-compliance: records and
  // alert rows into `group`.
  void AddTransitions(const v1::AuditTask& task, const std::vector<v1::AuditFinding>& findings,
                      int64_t now_us, store::WriteGroup* group);

  AuditStore* const store_;
  const RegistryLoader loader_;
  const Clock* const clock_;
  const audit::AuditSettings settings_;
  Outbox* const outbox_;
  const int64_t retention_days_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;     // guarded by mu_
  bool stop_ = false;         // guarded by mu_
  std::string running_;       // guarded by mu_: the trigger of the audit running now
  int64_t last_task_us_ = 0;  // guarded by mu_: keeps task ids unique
  std::thread thread_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_AUDIT_RUNNER_H_
