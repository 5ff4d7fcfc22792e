#ifndef WARDEN_TOOLS_CTL_AUDIT_H_
#define WARDEN_TOOLS_CTL_AUDIT_H_

#include <map>
#include <string>
#include <vector>

#include "tools/ctl_commands.h"
#include "warden/v1/audit.pb.h"

namespace warden::tools {

// wardenctl's audit commands, after the command line is parsed; exit codes and error
// lines as in ctl_commands.h.

struct AuditRunArgs {
  std::vector<std::string> checks;  // empty: every check
  bool wait = false;
  double wait_seconds = 60;
};
// audit run: starts an audit. Without --wait prints the task id; with it polls the
// task every 200 ms until it is done (then prints it: 0 when COMPLETED, else 1) or
// `wait_seconds` have passed (1, naming the task to follow).
int RunAudit(const CommandContext& ctx, const AuditRunArgs& args);

// audit tasks [--limit N]: newest first.
int ListAuditTasks(const CommandContext& ctx, int limit);
// audit task ID: the task and its per-check summary.
int ShowAuditTask(const CommandContext& ctx, const std::string& task_id);

struct FindingsArgs {
  std::string task_id;  // "": the newest completed task
  std::string check;
  std::string resource_type, resource_id;  // both or neither
  v1::ListFindingsRequest::Suppressed suppressed = v1::ListFindingsRequest::EXCLUDE;
  int limit = 0;  // 0: all
};
// audit findings: pages through ListFindings.
int ListFindings(const CommandContext& ctx, const FindingsArgs& args);

struct SuppressArgs {
  std::string check;
  std::string resource_type, resource_id;
  std::string until;  // "": indefinitely; else a duration from now or RFC3339
  std::string description;
};
// audit suppress: 2 when --until cannot be parsed.
int Suppress(const CommandContext& ctx, const SuppressArgs& args);
// audit unsuppress: 1 (NOT_FOUND) when there is no such suppression.
int Unsuppress(const CommandContext& ctx, const std::string& check,
               const std::string& resource_type, const std::string& resource_id);
// audit suppressions.
int ListSuppressions(const CommandContext& ctx);

struct MitigateArgs {
  std::string task_id;
  std::vector<std::string> finding_ids;  // empty: every unsuppressed finding of the task
  std::string action;  // add-to-group, deactivate-device-certificate, deactivate-ca-certificate,
                       // publish-to-webhook
  std::string group, receiver;
};
// The --action names and their proto values.
const std::map<std::string, v1::MitigationActionType>& MitigationActions();
// audit mitigate: prints one line per execution; 1 when any FAILED.
int Mitigate(const CommandContext& ctx, const MitigateArgs& args);
// audit mitigations TASK_ID.
int ListMitigations(const CommandContext& ctx, const std::string& task_id);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_CTL_AUDIT_H_
