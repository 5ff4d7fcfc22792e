#include "services/audit_scheduler.h"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "common/thread_name.h"

namespace warden::services {

AuditScheduler::AuditScheduler(std::vector<ScheduledAuditJob> jobs, AuditRunner* runner,
                               const Clock* clock)
    : jobs_(std::move(jobs)), runner_(runner), clock_(clock) {}

AuditScheduler::~AuditScheduler() { Stop(); }

void AuditScheduler::Start() {
  if (jobs_.empty()) return;
  // The first runs are planned from the moment of Start(), before the thread runs.
  next_.assign(jobs_.size(), INT64_MAX);
  const int64_t now = clock_->NowMicros() / kMicrosPerSecond;
  for (size_t i = 0; i < jobs_.size(); ++i) Plan(i, now);
  thread_ = std::thread([this] { Loop(); });
}

void AuditScheduler::Plan(size_t i, int64_t after) {
  absl::StatusOr<int64_t> t = audit::NextRun(jobs_[i].schedule, after);
  if (!t.ok()) {
    std::cerr << "wardend: error: audit schedule '" << jobs_[i].name
              << "': " << t.status().message() << "; it will not run\n";
    next_[i] = INT64_MAX;
    return;
  }
  next_[i] = *t;
}

void AuditScheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AuditScheduler::Loop() {
  NameThisThread("audit-schedule");
  for (;;) {
    const int64_t now = clock_->NowMicros() / kMicrosPerSecond;
    for (size_t i = 0; i < jobs_.size(); ++i) {
      if (next_[i] > now) continue;
      if (runner_->Busy(jobs_[i].name)) {
        std::cerr << "wardend: warning: scheduled audit '" << jobs_[i].name
                  << "' is still running from its last start; this run is skipped\n";
        Plan(i, now);
        continue;
      }
      absl::StatusOr<v1::AuditTask> task = runner_->Start(jobs_[i].checks, jobs_[i].name);
      if (!task.ok()) {
        std::cerr << "wardend: error: scheduled audit '" << jobs_[i].name
                  << "' did not start: " << task.status().message() << "\n";
      }
      Plan(i, now);
    }
    const int64_t due = *std::min_element(next_.begin(), next_.end());
    // Wake at the next due run, at most a second from now so an injected clock that
    // jumps is followed.
    const int64_t wait_ms = due - now >= 1 ? 1000 : 10;
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return stop_; })) return;
  }
}

}  // namespace warden::services
