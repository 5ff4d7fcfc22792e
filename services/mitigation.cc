#include "services/mitigation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/time_util.h"
#include "services/audit_alerts.h"

namespace warden::services {
namespace {

using google::protobuf::util::TimeUtil;

const std::string kNul(1, '\0');

std::string ExecutionPrefix(const std::string& task_id) { return "m" + kNul + task_id + kNul; }

v1::MitigationExecution Result(v1::MitigationExecution::Status status, std::string message) {
  v1::MitigationExecution e;
  e.set_status(status);
  e.set_message(std::move(message));
  return e;
}

}  // namespace

Mitigator::Mitigator(RegistryStore* registry, AuditStore* audits, Outbox* outbox,
                     store::Store* store, const Clock* clock)
    : registry_(registry), audits_(audits), outbox_(outbox), store_(store), clock_(clock) {}

absl::StatusOr<std::vector<v1::MitigationExecution>> Mitigator::Start(
    const v1::StartMitigationRequest& request) {
  switch (request.action()) {
    case v1::ADD_THINGS_TO_THING_GROUP: {
      if (request.group().empty()) return absl::InvalidArgumentError("group: required");
      auto group = registry_->GetGroup(request.group());
      if (!group.ok()) return group.status();
      if (!group->has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat("group: no group '", request.group(), "' is registered"));
      }
      break;
    }
    case v1::DEACTIVATE_DEVICE_CERTIFICATE:
    case v1::DEACTIVATE_CA_CERTIFICATE:
      break;
    case v1::PUBLISH_FINDING_TO_WEBHOOK: {
      const bool known =
          outbox_ != nullptr &&
          std::any_of(outbox_->config().receivers.begin(), outbox_->config().receivers.end(),
                      [&](const alerts::Receiver& r) {
                        return r.name == request.receiver() &&
                               r.kind == alerts::Receiver::Kind::kWebhook;
                      });
      if (!known) {
        return absl::InvalidArgumentError(absl::StrCat(
            "receiver: no webhook receiver '", request.receiver(), "' in the alerting config"));
      }
      break;
    }
    default:
      return absl::InvalidArgumentError("action: unknown mitigation action");
  }
  if (request.task_id().empty()) return absl::InvalidArgumentError("task_id: required");
  auto task = audits_->GetTask(request.task_id());
  if (!task.ok()) return task.status();
  if (!task->has_value()) {
    return absl::NotFoundError(absl::StrCat("no audit task '", request.task_id(), "'"));
  }
  // The findings: all of the task's, or the ones named.
  std::vector<v1::AuditFinding> findings;
  v1::ListFindingsRequest filter;
  filter.set_suppressed(v1::ListFindingsRequest::INCLUDE);
  filter.set_page_size(1000);
  do {
    auto page = audits_->ListFindings(filter, request.task_id());
    if (!page.ok()) return page.status();
    for (v1::AuditFinding& f : page->items) findings.push_back(std::move(f));
    filter.set_page_token(page->next_page_token);
  } while (!filter.page_token().empty());
  if (request.finding_ids_size() > 0) {
    std::vector<v1::AuditFinding> chosen;
    for (const std::string& id : request.finding_ids()) {
      auto it = std::find_if(findings.begin(), findings.end(),
                             [&](const v1::AuditFinding& f) { return f.finding_id() == id; });
      if (it == findings.end()) {
        return absl::NotFoundError(
            absl::StrCat("no finding '", id, "' in task '", request.task_id(), "'"));
      }
      chosen.push_back(*it);
    }
    findings = std::move(chosen);
  } else {
    findings.erase(std::remove_if(findings.begin(), findings.end(),
                                  [](const v1::AuditFinding& f) { return f.suppressed(); }),
                   findings.end());
  }

  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::MitigationExecution> executions;
  store::WriteGroup group;
  for (const v1::AuditFinding& f : findings) {
    v1::MitigationExecution e = Apply(request, f, &group);
    const int64_t now = std::max(clock_->NowMicros(), last_us_ + 1);
    last_us_ = now;
    e.set_execution_id(absl::StrFormat("exec-%016x", static_cast<uint64_t>(now)));
    e.set_task_id(request.task_id());
    e.set_finding_id(f.finding_id());
    e.set_action(request.action());
    *e.mutable_executed_at() = TimeUtil::MicrosecondsToTimestamp(now);
    group.Put(store::Family::kAudit, ExecutionPrefix(request.task_id()) + e.execution_id(),
              e.SerializeAsString());
    executions.push_back(std::move(e));
  }
  if (absl::Status s = store_->Write(group); !s.ok()) return s;
  if (outbox_ != nullptr) outbox_->Committed();
  return executions;
}

v1::MitigationExecution Mitigator::Apply(const v1::StartMitigationRequest& request,
                                         const v1::AuditFinding& f, store::WriteGroup* alerts) {
  using E = v1::MitigationExecution;
  if (f.suppressed()) return Result(E::SKIPPED, "the finding is suppressed: no mitigation");
  const std::string& type = f.resource().type();
  const std::string& id = f.resource().id();
  switch (request.action()) {
    case v1::ADD_THINGS_TO_THING_GROUP: {
      std::vector<std::string> devices;
      if (type == "DEVICE") {
        devices.push_back(id);
      } else if (type == "DEVICE_CERTIFICATE") {
        std::string token;
        do {
          auto page = registry_->ListDevices(token, 1000);
          if (!page.ok()) return Result(E::FAILED, std::string(page.status().message()));
          for (const v1::RegisteredDevice& d : page->items) {
            const auto& ids = d.certificate_ids();
            if (std::find(ids.begin(), ids.end(), id) != ids.end()) devices.push_back(d.name());
          }
          token = page->next_page_token;
        } while (!token.empty());
        if (devices.empty()) return Result(E::SKIPPED, "no registered device uses the certificate");
      } else {
        return Result(E::SKIPPED, absl::StrCat("a ", type, " finding names no device"));
      }
      for (const std::string& name : devices) {
        auto device = registry_->GetDevice(name);
        if (!device.ok() || !device->has_value()) {
          return Result(E::FAILED, absl::StrCat("device '", name, "' is not registered"));
        }
        v1::RegisteredDevice d = **device;
        const auto& groups = d.groups();
        if (std::find(groups.begin(), groups.end(), request.group()) == groups.end()) {
          d.add_groups(request.group());
          if (auto put = registry_->PutDevice(d); !put.ok()) {
            return Result(E::FAILED, std::string(put.status().message()));
          }
        }
      }
      return Result(E::SUCCEEDED, absl::StrCat("added ", devices.size(), " device(s) to group '",
                                               request.group(), "'"));
    }
    case v1::DEACTIVATE_DEVICE_CERTIFICATE:
    case v1::DEACTIVATE_CA_CERTIFICATE: {
      const bool ca = request.action() == v1::DEACTIVATE_CA_CERTIFICATE;
      if (type != (ca ? "CA_CERTIFICATE" : "DEVICE_CERTIFICATE")) {
        return Result(E::SKIPPED, absl::StrCat("a ", type, " finding names no ",
                                               ca ? "CA" : "device", " certificate"));
      }
      auto set = registry_->SetCertificateStatus(id, v1::INACTIVE);
      if (!set.ok()) return Result(E::FAILED, std::string(set.status().message()));
      return Result(E::SUCCEEDED, absl::StrCat("certificate ", id, " is now INACTIVE"));
    }
    case v1::PUBLISH_FINDING_TO_WEBHOOK: {
      v1::NonCompliance n;
      n.set_check(f.check());
      *n.mutable_resource() = f.resource();
      *n.mutable_since() = f.found_at();
      n.set_alert_id(f.finding_id());
      *n.mutable_last_finding() = f;
      v1::ViolationEvent e = AuditEvent(n, v1::IN_ALARM, clock_->NowMicros(), f.reason());
      e.set_event_id(f.finding_id() + "-mitigation");
      const int receiver = static_cast<int>(
          std::find_if(outbox_->config().receivers.begin(), outbox_->config().receivers.end(),
                       [&](const alerts::Receiver& r) { return r.name == request.receiver(); }) -
          outbox_->config().receivers.begin());
      outbox_->AddFor(e, receiver, clock_->NowMicros(), alerts);
      return Result(E::SUCCEEDED,
                    absl::StrCat("queued for webhook receiver '", request.receiver(), "'"));
    }
    default:
      return Result(E::FAILED, "unknown action");
  }
}

absl::StatusOr<std::vector<v1::MitigationExecution>> Mitigator::List(
    const std::string& task_id) const {
  std::vector<v1::MitigationExecution> out;
  absl::Status s = store_->Scan(store::Family::kAudit, ExecutionPrefix(task_id), "",
                                [&](const std::string&, const std::string& value) {
                                  v1::MitigationExecution e;
                                  if (e.ParseFromString(value)) out.push_back(std::move(e));
                                  return true;
                                });
  if (!s.ok()) return s;
  return out;
}

}  // namespace warden::services
