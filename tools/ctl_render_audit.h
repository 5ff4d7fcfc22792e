#ifndef WARDEN_TOOLS_CTL_RENDER_AUDIT_H_
#define WARDEN_TOOLS_CTL_RENDER_AUDIT_H_

#include <string>

#include "warden/v1/audit.pb.h"

namespace warden::tools {

// wardenctl's human output for audits, in the style of ctl_render.h: aligned tables,
// times in RFC3339 UTC, enum values in kebab case, whole lines. Pure; thread-safe.

// "DEVICE_CERTIFICATE 'ab12...'".
std::string RenderResource(const v1::ResourceIdentifier& r);

// One task: "key: value" lines, the per-check summary table (check, status, evaluated,
// non-compliant, suppressed, errors), then what went wrong, if anything.
std::string RenderAuditTask(const v1::AuditTask& t);
// A table of tasks, newest first; "no audit tasks" when there are none.
std::string RenderAuditTasks(const v1::ListAuditTasksResponse& r);
// A line naming the task, then a table of findings (check, severity, resource, reason
// code, reason), with a SUPPRESSED column when `show_suppressed`.
std::string RenderFindings(const v1::ListFindingsResponse& r, bool show_suppressed);
// "suppressed: CHECK for TYPE 'id' until TIME" (or "indefinitely").
std::string RenderSuppressionCreated(const v1::Suppression& s);
// A table of suppressions; "no suppressions" when there are none.
std::string RenderSuppressions(const v1::ListSuppressionsResponse& r);
// A table of mitigation executions; "no mitigation executions" when there are none.
std::string RenderMitigations(
    const google::protobuf::RepeatedPtrField<v1::MitigationExecution>& executions);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_CTL_RENDER_AUDIT_H_
