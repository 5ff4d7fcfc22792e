#include "tools/ctl_audit.h"

#include <algorithm>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tools/ctl_output.h"
#include "tools/ctl_render_audit.h"
#include "tools/time_args.h"

namespace warden::tools {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(200);

absl::Time Now(const CommandContext& ctx) { return absl::FromUnixMicros(ctx.clock->NowMicros()); }

v1::ResourceIdentifier Resource(const std::string& type, const std::string& id) {
  v1::ResourceIdentifier r;
  r.set_type(type);
  r.set_id(id);
  return r;
}

}  // namespace

int RunAudit(const CommandContext& ctx, const AuditRunArgs& args) {
  constexpr absl::string_view kCommand = "audit run";
  v1::StartAuditRequest request;
  for (const std::string& check : args.checks) request.add_checks(check);
  absl::StatusOr<v1::AuditTask> task = ctx.api->StartAudit(request);
  if (!task.ok()) return RpcFailed(ctx, kCommand, task.status());
  if (!args.wait) {
    return Print(ctx, kCommand, *task,
                 absl::StrCat("started: audit task ", task->task_id(),
                              "; follow it with 'wardenctl audit task ", task->task_id(), "'\n"));
  }
  const absl::Time deadline = Now(ctx) + absl::Seconds(args.wait_seconds);
  while (task->status() == v1::IN_PROGRESS) {
    if (Now(ctx) >= deadline) {
      return Fail(ctx, kCommand,
                  absl::StrCat("audit task ", task->task_id(), " is still in progress after ",
                               absl::FormatDuration(absl::Seconds(args.wait_seconds)),
                               "; follow it with 'wardenctl audit task ", task->task_id(), "'"));
    }
    ctx.sleep(kPollInterval);
    v1::GetAuditTaskRequest get;
    get.set_task_id(task->task_id());
    task = ctx.api->GetAuditTask(get);
    if (!task.ok()) return RpcFailed(ctx, kCommand, task.status());
  }
  if (Print(ctx, kCommand, *task, RenderAuditTask(*task)) != 0) return 1;
  return task->status() == v1::COMPLETED ? 0 : 1;
}

int ListAuditTasks(const CommandContext& ctx, int limit) {
  constexpr absl::string_view kCommand = "audit tasks";
  absl::StatusOr<v1::ListAuditTasksResponse> all =
      FetchPages<v1::ListAuditTasksRequest, v1::ListAuditTasksResponse>(
          v1::ListAuditTasksRequest(), limit,
          [&](const v1::ListAuditTasksRequest& r) { return ctx.api->ListAuditTasks(r); },
          [](v1::ListAuditTasksResponse* r) { return r->mutable_tasks(); });
  if (!all.ok()) return RpcFailed(ctx, kCommand, all.status());
  return Print(ctx, kCommand, *all, RenderAuditTasks(*all));
}

int ShowAuditTask(const CommandContext& ctx, const std::string& task_id) {
  constexpr absl::string_view kCommand = "audit task";
  v1::GetAuditTaskRequest request;
  request.set_task_id(task_id);
  absl::StatusOr<v1::AuditTask> task = ctx.api->GetAuditTask(request);
  if (!task.ok()) return RpcFailed(ctx, kCommand, task.status());
  return Print(ctx, kCommand, *task, RenderAuditTask(*task));
}

int ListFindings(const CommandContext& ctx, const FindingsArgs& args) {
  constexpr absl::string_view kCommand = "audit findings";
  v1::ListFindingsRequest request;
  request.set_task_id(args.task_id);
  request.set_check(args.check);
  if (!args.resource_type.empty()) {
    *request.mutable_resource() = Resource(args.resource_type, args.resource_id);
  }
  request.set_suppressed(args.suppressed);
  absl::StatusOr<v1::ListFindingsResponse> all =
      FetchPages<v1::ListFindingsRequest, v1::ListFindingsResponse>(
          request, args.limit,
          [&](const v1::ListFindingsRequest& r) { return ctx.api->ListFindings(r); },
          [](v1::ListFindingsResponse* r) { return r->mutable_findings(); });
  if (!all.ok()) return RpcFailed(ctx, kCommand, all.status());
  return Print(ctx, kCommand, *all,
               RenderFindings(*all, args.suppressed != v1::ListFindingsRequest::EXCLUDE));
}

int Suppress(const CommandContext& ctx, const SuppressArgs& args) {
  constexpr absl::string_view kCommand = "audit suppress";
  v1::Suppression request;
  request.set_check(args.check);
  *request.mutable_resource() = Resource(args.resource_type, args.resource_id);
  request.set_description(args.description);
  if (!args.until.empty()) {
    absl::StatusOr<absl::Time> until = ParseFutureTimeArg(args.until, Now(ctx));
    if (!until.ok())
      return Fail(ctx, kCommand, absl::StrCat("--until: ", until.status().message()), 2);
    *request.mutable_expires_at() = ToTimestamp(*until);
  }
  absl::StatusOr<v1::Suppression> created = ctx.api->CreateSuppression(request);
  if (!created.ok()) return RpcFailed(ctx, kCommand, created.status());
  return Print(ctx, kCommand, *created, RenderSuppressionCreated(*created));
}

int Unsuppress(const CommandContext& ctx, const std::string& check,
               const std::string& resource_type, const std::string& resource_id) {
  constexpr absl::string_view kCommand = "audit unsuppress";
  v1::DeleteSuppressionRequest request;
  request.set_check(check);
  *request.mutable_resource() = Resource(resource_type, resource_id);
  absl::StatusOr<v1::DeleteSuppressionResponse> deleted = ctx.api->DeleteSuppression(request);
  if (!deleted.ok()) return RpcFailed(ctx, kCommand, deleted.status());
  return Print(
      ctx, kCommand, *deleted,
      absl::StrCat("unsuppressed: ", check, " for ", RenderResource(request.resource()), "\n"));
}

int ListSuppressions(const CommandContext& ctx) {
  constexpr absl::string_view kCommand = "audit suppressions";
  absl::StatusOr<v1::ListSuppressionsResponse> r =
      ctx.api->ListSuppressions(v1::ListSuppressionsRequest());
  if (!r.ok()) return RpcFailed(ctx, kCommand, r.status());
  return Print(ctx, kCommand, *r, RenderSuppressions(*r));
}

const std::map<std::string, v1::MitigationActionType>& MitigationActions() {
  static const auto* actions = new std::map<std::string, v1::MitigationActionType>{
      {"add-to-group", v1::ADD_THINGS_TO_THING_GROUP},
      {"deactivate-device-certificate", v1::DEACTIVATE_DEVICE_CERTIFICATE},
      {"deactivate-ca-certificate", v1::DEACTIVATE_CA_CERTIFICATE},
      {"publish-to-webhook", v1::PUBLISH_FINDING_TO_WEBHOOK},
  };
  return *actions;
}

int Mitigate(const CommandContext& ctx, const MitigateArgs& args) {
  constexpr absl::string_view kCommand = "audit mitigate";
  v1::StartMitigationRequest request;
  request.set_task_id(args.task_id);
  for (const std::string& id : args.finding_ids) request.add_finding_ids(id);
  request.set_action(MitigationActions().at(args.action));
  request.set_group(args.group);
  request.set_receiver(args.receiver);
  absl::StatusOr<v1::StartMitigationResponse> r = ctx.api->StartMitigation(request);
  if (!r.ok()) return RpcFailed(ctx, kCommand, r.status());
  const int printed = Print(ctx, kCommand, *r, RenderMitigations(r->executions()));
  const bool failed = std::any_of(r->executions().begin(), r->executions().end(),
                                  [](const v1::MitigationExecution& e) {
                                    return e.status() == v1::MitigationExecution::FAILED;
                                  });
  return printed != 0 || failed ? 1 : 0;
}

int ListMitigations(const CommandContext& ctx, const std::string& task_id) {
  constexpr absl::string_view kCommand = "audit mitigations";
  v1::ListMitigationExecutionsRequest request;
  request.set_task_id(task_id);
  absl::StatusOr<v1::ListMitigationExecutionsResponse> r =
      ctx.api->ListMitigationExecutions(request);
  if (!r.ok()) return RpcFailed(ctx, kCommand, r.status());
  return Print(ctx, kCommand, *r, RenderMitigations(r->executions()));
}

}  // namespace warden::tools
