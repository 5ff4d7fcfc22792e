#ifndef WARDEN_SERVICES_AUDIT_SCHEDULER_H_
#define WARDEN_SERVICES_AUDIT_SCHEDULER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/schedule.h"
#include "common/clock.h"
#include "services/audit_runner.h"

namespace warden::services {

// A named schedule and the checks it runs (empty: all).
struct ScheduledAuditJob {
  std::string name;
  audit::Schedule schedule;
  std::vector<std::string> checks;
};

// Starts each scheduled audit when it is due, from its own thread. Runs missed while
// wardend was down are not made up: after a start-up the next run is the next one
// due. Thread-safe.
class AuditScheduler {
 public:
  AuditScheduler(std::vector<ScheduledAuditJob> jobs, AuditRunner* runner, const Clock* clock);
  ~AuditScheduler();  // Stop()s
  void Start();
  void Stop();

 private:
  void Loop();
  // The next run of job i strictly after `after` (INT64_MAX when it has none).
  void Plan(size_t i, int64_t after);

  const std::vector<ScheduledAuditJob> jobs_;
  AuditRunner* const runner_;
  const Clock* const clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;          // guarded by mu_
  std::vector<int64_t> next_;  // per job, Unix seconds; the loop thread's after Start()
  std::thread thread_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_AUDIT_SCHEDULER_H_
