#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tools/ctl_audit.h"
#include "tools/wardenctl_cli_commands.h"

namespace warden::tools {
namespace {

const std::vector<std::string>& ResourceTypes() {
  static const auto* types = new std::vector<std::string>{
      "DEVICE", "DEVICE_CERTIFICATE", "CA_CERTIFICATE", "POLICY", "CLIENT_ID",
      "GROUP",  "ACCOUNT_SETTINGS"};
  return *types;
}

// --check, --resource-type and --resource-id, which suppress and unsuppress take.
void AddSuppressionKey(CLI::App* command, SuppressArgs* key) {
  command->add_option("--check", key->check, "the check, e.g. DEVICE_CERTIFICATE_EXPIRING_CHECK")
      ->required();
  command
      ->add_option("--resource-type", key->resource_type,
                   "DEVICE, DEVICE_CERTIFICATE, CA_CERTIFICATE, POLICY, CLIENT_ID, GROUP or "
                   "ACCOUNT_SETTINGS")
      ->required()
      ->transform(CLI::IsMember(ResourceTypes(), CLI::ignore_case));
  command->add_option("--resource-id", key->resource_id, "the resource's id or name")->required();
}

const std::map<std::string, v1::ListFindingsRequest::Suppressed>& SuppressedChoices() {
  static const auto* choices = new std::map<std::string, v1::ListFindingsRequest::Suppressed>{
      {"exclude", v1::ListFindingsRequest::EXCLUDE},
      {"include", v1::ListFindingsRequest::INCLUDE},
      {"only", v1::ListFindingsRequest::ONLY},
  };
  return *choices;
}

}  // namespace

void AddAuditCommands(CLI::App* app, CommandRunner* run) {
  CLI::App* audit = app->add_subcommand("audit", "Configuration audits, findings, suppressions");
  audit->require_subcommand(1);

  CLI::App* start = audit->add_subcommand("run", "Start an audit now");
  auto run_args = std::make_shared<AuditRunArgs>();
  start->add_option("--check", run_args->checks, "only this check (repeatable; default: all)");
  CLI::Option* wait =
      start->add_flag("--wait", run_args->wait, "wait for the task and print its summary");
  start->add_option("--wait-seconds", run_args->wait_seconds, "how long --wait waits")
      ->check(CLI::PositiveNumber)
      ->needs(wait)
      ->capture_default_str();
  start->callback([run, run_args] {
    *run = [run_args](const CommandContext& ctx) { return RunAudit(ctx, *run_args); };
  });

  CLI::App* tasks = audit->add_subcommand("tasks", "Audit tasks, newest first");
  auto tasks_limit = std::make_shared<int>(0);
  tasks->add_option("--limit", *tasks_limit, "at most this many (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  tasks->callback([run, tasks_limit] {
    *run = [tasks_limit](const CommandContext& ctx) { return ListAuditTasks(ctx, *tasks_limit); };
  });

  CLI::App* task = audit->add_subcommand("task", "One audit task and its per-check summary");
  auto task_id = std::make_shared<std::string>();
  task->add_option("task_id", *task_id, "the task")->required();
  task->callback([run, task_id] {
    *run = [task_id](const CommandContext& ctx) { return ShowAuditTask(ctx, *task_id); };
  });

  CLI::App* findings = audit->add_subcommand("findings", "Findings of an audit task");
  auto findings_args = std::make_shared<FindingsArgs>();
  findings->add_option("--task", findings_args->task_id,
                       "the task (default: the newest completed one)");
  findings->add_option("--check", findings_args->check, "only this check's");
  CLI::Option* type = findings
                          ->add_option("--resource-type", findings_args->resource_type,
                                       "only this resource's (with --resource-id)")
                          ->transform(CLI::IsMember(ResourceTypes(), CLI::ignore_case));
  CLI::Option* id =
      findings->add_option("--resource-id", findings_args->resource_id, "the resource's id");
  type->needs(id);
  id->needs(type);
  auto suppressed = std::make_shared<std::string>("exclude");
  findings
      ->add_option("--suppressed", *suppressed,
                   "leave suppressed findings out, include them, or list only them")
      ->check(CLI::IsMember({"exclude", "include", "only"}))
      ->capture_default_str();
  findings->add_option("--limit", findings_args->limit, "at most this many (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  findings->callback([run, findings_args, suppressed] {
    findings_args->suppressed = SuppressedChoices().at(*suppressed);
    *run = [findings_args](const CommandContext& ctx) { return ListFindings(ctx, *findings_args); };
  });

  CLI::App* suppress = audit->add_subcommand(
      "suppress", "Suppress a check's findings on one resource, until a time or indefinitely");
  auto suppress_args = std::make_shared<SuppressArgs>();
  AddSuppressionKey(suppress, suppress_args.get());
  suppress->add_option("--until", suppress_args->until,
                       "a duration from now (12h, 30d) or RFC3339 (default: indefinitely)");
  suppress->add_option("--description", suppress_args->description, "why, in free text");
  suppress->callback([run, suppress_args] {
    *run = [suppress_args](const CommandContext& ctx) { return Suppress(ctx, *suppress_args); };
  });

  CLI::App* unsuppress = audit->add_subcommand("unsuppress", "Remove a suppression");
  auto unsuppress_key = std::make_shared<SuppressArgs>();
  AddSuppressionKey(unsuppress, unsuppress_key.get());
  unsuppress->callback([run, unsuppress_key] {
    *run = [unsuppress_key](const CommandContext& ctx) {
      return Unsuppress(ctx, unsuppress_key->check, unsuppress_key->resource_type,
                        unsuppress_key->resource_id);
    };
  });

  audit->add_subcommand("suppressions", "Suppressions, with their expiry and reason")
      ->callback([run] { *run = [](const CommandContext& ctx) { return ListSuppressions(ctx); }; });

  CLI::App* mitigate = audit->add_subcommand(
      "mitigate", "Apply a mitigation action to a task's findings (or chosen ones)");
  auto mitigate_args = std::make_shared<MitigateArgs>();
  mitigate->add_option("--task", mitigate_args->task_id, "the audit task")->required();
  mitigate->add_option("--finding", mitigate_args->finding_ids,
                       "only this finding (repeatable; default: every unsuppressed finding)");
  std::vector<std::string> action_names;
  for (const auto& [name, value] : MitigationActions()) action_names.push_back(name);
  mitigate->add_option("--action", mitigate_args->action, "what to do")
      ->required()
      ->check(CLI::IsMember(action_names));
  mitigate->add_option("--group", mitigate_args->group,
                       "add-to-group: the group (e.g. quarantine)");
  mitigate->add_option("--receiver", mitigate_args->receiver,
                       "publish-to-webhook: a webhook receiver of the alerting config");
  mitigate->callback([run, mitigate_args] {
    *run = [mitigate_args](const CommandContext& ctx) { return Mitigate(ctx, *mitigate_args); };
  });

  CLI::App* mitigations =
      audit->add_subcommand("mitigations", "The mitigation executions of an audit task");
  auto mitigations_task = std::make_shared<std::string>();
  mitigations->add_option("task_id", *mitigations_task, "the task")->required();
  mitigations->callback([run, mitigations_task] {
    *run = [mitigations_task](const CommandContext& ctx) {
      return ListMitigations(ctx, *mitigations_task);
    };
  });
}

}  // namespace warden::tools
