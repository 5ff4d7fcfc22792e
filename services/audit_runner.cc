#include "services/audit_runner.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/thread_name.h"
#include "detectors/evaluator.h"
#include "google/protobuf/util/time_util.h"
#include "services/audit_alerts.h"

namespace warden::services {
namespace {

using google::protobuf::util::TimeUtil;

v1::Severity ToProto(audit::Severity s) {
  switch (s) {
    case audit::Severity::kLow:
      return v1::LOW;
    case audit::Severity::kMedium:
      return v1::MEDIUM;
    case audit::Severity::kHigh:
      return v1::HIGH;
    case audit::Severity::kCritical:
      return v1::CRITICAL;
  }
  return v1::SEVERITY_UNSPECIFIED;
}

v1::ResourceIdentifier ToProto(const audit::ResourceRef& r) {
  v1::ResourceIdentifier out;
  out.set_type(r.type);
  out.set_id(r.id);
  return out;
}

bool Suppressed(const std::vector<v1::Suppression>& active, const audit::Finding& f) {
  return std::any_of(active.begin(), active.end(), [&](const v1::Suppression& s) {
    return s.check() == f.check && s.resource().type() == f.resource.type &&
           s.resource().id() == f.resource.id;
  });
}

}  // namespace

AuditRunner::AuditRunner(AuditStore* store, RegistryLoader loader, const Clock* clock,
                         audit::AuditSettings settings, Outbox* outbox, int64_t retention_days)
    : store_(store),
      loader_(std::move(loader)),
      clock_(clock),
      settings_(std::move(settings)),
      outbox_(outbox),
      retention_days_(retention_days) {
  thread_ = std::thread([this] { Loop(); });
}

AuditRunner::~AuditRunner() { Stop(); }

absl::StatusOr<v1::AuditTask> AuditRunner::Start(std::vector<std::string> checks,
                                                 const std::string& trigger) {
  if (checks.empty()) checks = audit::AllChecks();
  Job job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return absl::UnavailableError("wardend is stopping");
    const int64_t now = std::max(clock_->NowMicros(), last_task_us_ + 1);
    last_task_us_ = now;
    job.task.set_task_id(AuditStore::NewTaskId(now));
    *job.task.mutable_started_at() = TimeUtil::MicrosecondsToTimestamp(now);
  }
  job.task.set_status(v1::IN_PROGRESS);
  job.task.set_trigger(trigger);
  job.checks = std::move(checks);
  if (absl::Status s = store_->PutTask(job.task); !s.ok()) return s;
  v1::AuditTask task = job.task;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_) {
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return task;
    }
  }
  job.task.set_status(v1::CANCELED);
  job.task.set_error("wardend stopped before the audit ran");
  (void)store_->PutTask(job.task);
  return absl::UnavailableError("wardend is stopping");
}

bool AuditRunner::Busy(const std::string& trigger) {
  std::lock_guard<std::mutex> lock(mu_);
  return running_ == trigger || std::any_of(queue_.begin(), queue_.end(), [&](const Job& j) {
           return j.task.trigger() == trigger;
         });
}

void AuditRunner::Stop() {
  std::deque<Job> canceled;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
    canceled.swap(queue_);
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  for (Job& job : canceled) {
    job.task.set_status(v1::CANCELED);
    job.task.set_error("wardend stopped before the audit ran");
    (void)store_->PutTask(job.task);
  }
}

void AuditRunner::Loop() {
  NameThisThread("audit-runner");
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      running_ = job.task.trigger();
    }
    Run(std::move(job));
    std::lock_guard<std::mutex> lock(mu_);
    running_.clear();
  }
}

void AuditRunner::Run(Job job) {
  v1::AuditTask& task = job.task;
  std::vector<v1::AuditFinding> findings;
  std::vector<std::string> registry_errors;
  absl::StatusOr<audit::Registry> registry = loader_(&registry_errors);
  for (const std::string& e : registry_errors) task.add_registry_errors(e);
  const int64_t now_us = clock_->NowMicros();
  const int64_t now = now_us / kMicrosPerSecond;
  if (!registry.ok()) {
    task.set_status(v1::FAILED);
    task.set_error(absl::StrCat("cannot read the registry: ", registry.status().message()));
  } else {
    std::vector<v1::Suppression> active;
    absl::StatusOr<std::vector<v1::Suppression>> all = store_->ListSuppressions();
    if (all.ok()) {
      for (v1::Suppression& s : *all) {
        if (!s.has_expires_at() || TimeUtil::TimestampToMicroseconds(s.expires_at()) > now_us) {
          active.push_back(std::move(s));
        }
      }
    }
    for (const std::string& check : job.checks) {
      v1::CheckSummary* summary = task.add_checks();
      summary->set_check(check);
      absl::StatusOr<audit::CheckResult> r = audit::RunCheck(check, *registry, settings_, now);
      if (!r.ok()) {
        summary->set_status(v1::CHECK_FAILED);
        summary->add_errors(std::string(r.status().message()));
        continue;
      }
      summary->set_resources_evaluated(r->resources_evaluated);
      for (const std::string& e : r->errors) summary->add_errors(e);
      for (const audit::Finding& f : r->findings) {
        v1::AuditFinding out;
        out.set_finding_id(absl::StrCat(task.task_id(), "-", findings.size()));
        out.set_task_id(task.task_id());
        out.set_check(f.check);
        out.set_severity(ToProto(f.severity));
        *out.mutable_resource() = ToProto(f.resource);
        for (const audit::ResourceRef& rel : f.related) *out.add_related() = ToProto(rel);
        out.set_reason_code(f.reason_code);
        out.set_reason(f.reason);
        *out.mutable_found_at() = TimeUtil::MicrosecondsToTimestamp(now_us);
        out.set_suppressed(Suppressed(active, f));
        if (out.suppressed()) {
          summary->set_suppressed(summary->suppressed() + 1);
        } else {
          summary->set_non_compliant(summary->non_compliant() + 1);
        }
        findings.push_back(std::move(out));
      }
      summary->set_status(summary->non_compliant() > 0 ? v1::COMPLETED_NON_COMPLIANT
                                                       : v1::COMPLETED_COMPLIANT);
    }
    task.set_status(v1::COMPLETED);
  }
  *task.mutable_finished_at() = TimeUtil::MicrosecondsToTimestamp(clock_->NowMicros());
  store::WriteGroup group;
  AuditStore::AddResults(task, findings, &group);
  if (task.status() == v1::COMPLETED) AddTransitions(task, findings, now_us, &group);
  if (absl::Status s = store_->Write(group); !s.ok()) {
    std::cerr << "wardend: error: cannot store audit " << task.task_id() << ": " << s.message()
              << "\n";
    return;
  }
  if (outbox_ != nullptr) outbox_->Committed();
  const int64_t horizon = clock_->NowMicros() - retention_days_ * 86400 * kMicrosPerSecond;
  if (absl::Status s = store_->DeleteTasksBefore(horizon); !s.ok()) {
    std::cerr << "wardend: warning: cannot delete old audit tasks: " << s.message() << "\n";
  }
}

void AuditRunner::AddTransitions(const v1::AuditTask& task,
                                 const std::vector<v1::AuditFinding>& findings, int64_t now_us,
                                 store::WriteGroup* group) {
  absl::StatusOr<std::vector<v1::NonCompliance>> stored = store_->ListNonCompliance();
  if (!stored.ok()) {
    std::cerr << "wardend: error: audit " << task.task_id()
              << ": cannot read compliance state; no alerts: " << stored.status().message() << "\n";
    return;
  }
  auto key = [](const std::string& check, const v1::ResourceIdentifier& r) {
    return absl::StrCat(check, std::string(1, '\0'), r.type(), std::string(1, '\0'), r.id());
  };
  std::map<std::string, v1::NonCompliance> before;
  for (v1::NonCompliance& n : *stored) before[key(n.check(), n.resource())] = std::move(n);
  std::set<std::string> ran;
  for (const v1::CheckSummary& c : task.checks()) {
    if (c.status() != v1::CHECK_FAILED) ran.insert(c.check());
  }
  std::set<std::string> still;
  for (const v1::AuditFinding& f : findings) {
    if (f.suppressed()) continue;
    const std::string k = key(f.check(), f.resource());
    still.insert(k);
    auto it = before.find(k);
    v1::NonCompliance n;
    if (it != before.end()) {
      n = it->second;  // persists: no alert, fresher evidence
    } else {
      n.set_check(f.check());
      *n.mutable_resource() = f.resource();
      *n.mutable_since() = TimeUtil::MicrosecondsToTimestamp(now_us);
      n.set_alert_id(detectors::Evaluator::ViolationId(f.resource().id(), f.check(),
                                                       f.resource().type(), now_us));
    }
    *n.mutable_last_finding() = f;
    AuditStore::PutNonCompliance(n, group);
    if (it == before.end() && outbox_ != nullptr) {
      outbox_->Add(AuditEvent(n, v1::IN_ALARM, now_us, f.reason()), now_us, group);
    }
  }
  for (const auto& [k, n] : before) {
    if (still.count(k) > 0 || ran.count(n.check()) == 0) continue;
    AuditStore::DeleteNonCompliance(n, group);
    if (outbox_ != nullptr) {
      outbox_->Add(AuditEvent(n, v1::ALARM_CLEARED, now_us,
                              "compliant again (or its finding is suppressed)"),
                   now_us, group);
    }
  }
}

}  // namespace warden::services
