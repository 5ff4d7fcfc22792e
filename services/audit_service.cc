#include "services/audit_service.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "audit/checks.h"
#include "google/protobuf/util/time_util.h"
#include "services/grpc_status.h"

namespace warden::services {
namespace {

using google::protobuf::util::TimeUtil;

const std::set<std::string>& ResourceTypes() {
  static const auto* types = new std::set<std::string>{
      "DEVICE", "DEVICE_CERTIFICATE", "CA_CERTIFICATE", "POLICY", "CLIENT_ID",
      "GROUP",  "ACCOUNT_SETTINGS"};
  return *types;
}

grpc::Status CheckName(const std::string& path, const std::string& check) {
  const std::vector<std::string>& all = audit::AllChecks();
  if (std::find(all.begin(), all.end(), check) != all.end()) return grpc::Status::OK;
  return InvalidField(path, absl::StrCat("unknown check '", check,
                                         "' (expected one of: ", absl::StrJoin(all, ", "), ")"));
}

grpc::Status CheckResource(const std::string& path, const v1::ResourceIdentifier& r) {
  if (ResourceTypes().count(r.type()) == 0) {
    return InvalidField(path + ".type",
                        absl::StrCat("unknown resource type '", r.type(), "' (expected one of: ",
                                     absl::StrJoin(ResourceTypes(), ", "), ")"));
  }
  if (r.id().empty() || r.id().size() > 256) return InvalidField(path + ".id", "1-256 bytes");
  return grpc::Status::OK;
}

}  // namespace

AuditServiceImpl::AuditServiceImpl(AuditStore* store, AuditRunner* runner, Mitigator* mitigator,
                                   const Clock* clock)
    : store_(store), runner_(runner), mitigator_(mitigator), clock_(clock) {}

grpc::Status AuditServiceImpl::StartAudit(grpc::ServerContext* context,
                                          const v1::StartAuditRequest* request,
                                          v1::AuditTask* response) {
  std::vector<std::string> checks;
  for (int i = 0; i < request->checks_size(); ++i) {
    if (grpc::Status s = CheckName(absl::StrCat("checks[", i, "]"), request->checks(i)); !s.ok()) {
      return s;
    }
    if (std::find(checks.begin(), checks.end(), request->checks(i)) == checks.end()) {
      checks.push_back(request->checks(i));
    }
  }
  absl::StatusOr<v1::AuditTask> task = runner_->Start(std::move(checks), "on-demand");
  if (!task.ok()) return ToGrpc(task.status());
  *response = std::move(*task);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::GetAuditTask(grpc::ServerContext* context,
                                            const v1::GetAuditTaskRequest* request,
                                            v1::AuditTask* response) {
  if (request->task_id().empty()) return InvalidField("task_id", "required");
  auto task = store_->GetTask(request->task_id());
  if (!task.ok()) return ToGrpc(task.status());
  if (!task->has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no audit task '" + request->task_id() + "'");
  }
  *response = std::move(**task);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::ListAuditTasks(grpc::ServerContext* context,
                                              const v1::ListAuditTasksRequest* request,
                                              v1::ListAuditTasksResponse* response) {
  if (request->page_size() < 0 || request->page_size() > 1000) {
    return InvalidField("page_size", "must be 0-1000 (0: the default, 100)");
  }
  auto page = store_->ListTasks(request->page_token(), request->page_size());
  if (!page.ok()) return ToGrpc(page.status());
  for (v1::AuditTask& t : page->items) *response->add_tasks() = std::move(t);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::ListFindings(grpc::ServerContext* context,
                                            const v1::ListFindingsRequest* request,
                                            v1::ListFindingsResponse* response) {
  if (request->page_size() < 0 || request->page_size() > 1000) {
    return InvalidField("page_size", "must be 0-1000 (0: the default, 100)");
  }
  if (!request->check().empty()) {
    if (grpc::Status s = CheckName("check", request->check()); !s.ok()) return s;
  }
  std::string task_id = request->task_id();
  if (task_id.empty()) {
    auto newest = store_->NewestCompletedTask();
    if (!newest.ok()) return ToGrpc(newest.status());
    if (newest->empty()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no audit has completed yet");
    }
    task_id = *newest;
  } else {
    auto task = store_->GetTask(task_id);
    if (!task.ok()) return ToGrpc(task.status());
    if (!task->has_value()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no audit task '" + task_id + "'");
    }
  }
  auto page = store_->ListFindings(*request, task_id);
  if (!page.ok()) return ToGrpc(page.status());
  for (v1::AuditFinding& f : page->items) *response->add_findings() = std::move(f);
  response->set_next_page_token(page->next_page_token);
  response->set_task_id(task_id);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::CreateSuppression(grpc::ServerContext* context,
                                                 const v1::Suppression* request,
                                                 v1::Suppression* response) {
  if (grpc::Status s = CheckName("check", request->check()); !s.ok()) return s;
  if (grpc::Status s = CheckResource("resource", request->resource()); !s.ok()) return s;
  const int64_t now = clock_->NowMicros();
  if (request->has_expires_at() &&
      TimeUtil::TimestampToMicroseconds(request->expires_at()) <= now) {
    return InvalidField("expires_at", "is in the past");
  }
  if (request->description().size() > 1024) {
    return InvalidField("description", "at most 1024 bytes");
  }
  v1::Suppression s = *request;
  *s.mutable_created_at() = TimeUtil::MicrosecondsToTimestamp(now);
  if (absl::Status w = store_->PutSuppression(s); !w.ok()) return ToGrpc(w);
  *response = std::move(s);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::DeleteSuppression(grpc::ServerContext* context,
                                                 const v1::DeleteSuppressionRequest* request,
                                                 v1::DeleteSuppressionResponse* response) {
  if (grpc::Status s = CheckName("check", request->check()); !s.ok()) return s;
  if (grpc::Status s = CheckResource("resource", request->resource()); !s.ok()) return s;
  auto deleted = store_->DeleteSuppression(request->check(), request->resource());
  if (!deleted.ok()) return ToGrpc(deleted.status());
  if (!*deleted) {
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat("no suppression of ", request->check(), " for ", request->resource().type(),
                     " '", request->resource().id(), "'"));
  }
  response->set_deleted(true);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::ListSuppressions(grpc::ServerContext* context,
                                                const v1::ListSuppressionsRequest* request,
                                                v1::ListSuppressionsResponse* response) {
  auto all = store_->ListSuppressions();
  if (!all.ok()) return ToGrpc(all.status());
  for (v1::Suppression& s : *all) *response->add_suppressions() = std::move(s);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::StartMitigation(grpc::ServerContext* context,
                                               const v1::StartMitigationRequest* request,
                                               v1::StartMitigationResponse* response) {
  auto executions = mitigator_->Start(*request);
  if (!executions.ok()) {
    if (executions.status().code() == absl::StatusCode::kInvalidArgument) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          std::string(executions.status().message()));
    }
    return ToGrpc(executions.status());
  }
  for (v1::MitigationExecution& e : *executions) *response->add_executions() = std::move(e);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::ListMitigationExecutions(
    grpc::ServerContext* context, const v1::ListMitigationExecutionsRequest* request,
    v1::ListMitigationExecutionsResponse* response) {
  if (request->task_id().empty()) return InvalidField("task_id", "required");
  auto executions = mitigator_->List(request->task_id());
  if (!executions.ok()) return ToGrpc(executions.status());
  for (v1::MitigationExecution& e : *executions) *response->add_executions() = std::move(e);
  return grpc::Status::OK;
}

}  // namespace warden::services
