#include "tools/ctl_render_audit.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/names.h"
#include "tools/table.h"
#include "tools/time_args.h"

namespace warden::tools {
namespace {

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string Expiry(const v1::Suppression& s) {
  return s.has_expires_at() ? FormatTimestamp(s.expires_at()) : "indefinitely";
}

int64_t NonCompliant(const v1::AuditTask& t) {
  int64_t n = 0;
  for (const v1::CheckSummary& c : t.checks()) n += c.non_compliant();
  return n;
}

}  // namespace

std::string RenderResource(const v1::ResourceIdentifier& r) {
  return absl::StrCat(r.type(), " '", r.id(), "'");
}

std::string RenderAuditTask(const v1::AuditTask& t) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"task", t.task_id()},
      {"status", KebabName(v1::AuditTaskStatus_Name(t.status()))},
      {"trigger", OrDash(t.trigger())},
      {"started", FormatTimestamp(t.started_at())},
      {"finished", FormatTimestamp(t.finished_at())},
  };
  if (!t.error().empty()) rows.emplace_back("error", t.error());
  std::string out = RenderKeyValues(rows);
  out += "\n";
  if (t.checks().empty()) {
    out += "no checks\n";
  } else {
    Table table({"CHECK", "STATUS", "EVALUATED", "NON-COMPLIANT", "SUPPRESSED", "ERRORS"});
    for (const v1::CheckSummary& c : t.checks()) {
      table.AddRow({c.check(), KebabName(v1::CheckRunStatus_Name(c.status())),
                    absl::StrCat(c.resources_evaluated()), absl::StrCat(c.non_compliant()),
                    absl::StrCat(c.suppressed()), absl::StrCat(c.errors_size())});
    }
    out += table.Render();
  }
  bool errors = !t.registry_errors().empty();
  for (const v1::CheckSummary& c : t.checks()) errors = errors || !c.errors().empty();
  if (!errors) return out;
  out += "\nerrors:\n";
  for (const std::string& e : t.registry_errors()) absl::StrAppend(&out, "registry: ", e, "\n");
  for (const v1::CheckSummary& c : t.checks()) {
    for (const std::string& e : c.errors()) absl::StrAppend(&out, c.check(), ": ", e, "\n");
  }
  return out;
}

std::string RenderAuditTasks(const v1::ListAuditTasksResponse& r) {
  if (r.tasks().empty()) return "no audit tasks\n";
  Table t({"TASK ID", "STATUS", "TRIGGER", "STARTED", "FINISHED", "CHECKS", "NON-COMPLIANT"});
  for (const v1::AuditTask& task : r.tasks()) {
    t.AddRow({task.task_id(), KebabName(v1::AuditTaskStatus_Name(task.status())),
              OrDash(task.trigger()), FormatTimestamp(task.started_at()),
              FormatTimestamp(task.finished_at()), absl::StrCat(task.checks_size()),
              absl::StrCat(NonCompliant(task))});
  }
  return t.Render();
}

std::string RenderFindings(const v1::ListFindingsResponse& r, bool show_suppressed) {
  std::string out = absl::StrCat("audit task ", r.task_id(), ": ", r.findings_size(),
                                 r.findings_size() == 1 ? " finding" : " findings", "\n");
  if (r.findings().empty()) return out;
  std::vector<std::string> header = {"CHECK", "SEVERITY", "RESOURCE", "REASON CODE", "REASON"};
  if (show_suppressed) header.insert(header.begin() + 3, "SUPPRESSED");
  Table t(std::move(header));
  for (const v1::AuditFinding& f : r.findings()) {
    std::vector<std::string> row = {f.check(), KebabName(v1::Severity_Name(f.severity())),
                                    RenderResource(f.resource()), f.reason_code(), f.reason()};
    if (show_suppressed) row.insert(row.begin() + 3, f.suppressed() ? "yes" : "no");
    t.AddRow(std::move(row));
  }
  return absl::StrCat(out, "\n", t.Render());
}

std::string RenderSuppressionCreated(const v1::Suppression& s) {
  return absl::StrCat("suppressed: ", s.check(), " for ", RenderResource(s.resource()),
                      s.has_expires_at() ? " until " : " ", Expiry(s), "\n");
}

std::string RenderSuppressions(const v1::ListSuppressionsResponse& r) {
  if (r.suppressions().empty()) return "no suppressions\n";
  Table t({"CHECK", "RESOURCE", "UNTIL", "CREATED", "DESCRIPTION"});
  for (const v1::Suppression& s : r.suppressions()) {
    t.AddRow({s.check(), RenderResource(s.resource()), Expiry(s), FormatTimestamp(s.created_at()),
              OrDash(s.description())});
  }
  return t.Render();
}

std::string RenderMitigations(
    const google::protobuf::RepeatedPtrField<v1::MitigationExecution>& executions) {
  if (executions.empty()) return "no mitigation executions\n";
  Table t({"EXECUTED", "FINDING", "ACTION", "STATUS", "MESSAGE"});
  for (const v1::MitigationExecution& e : executions) {
    t.AddRow({FormatTimestamp(e.executed_at()), e.finding_id(),
              KebabName(v1::MitigationActionType_Name(e.action())),
              KebabName(v1::MitigationExecution::Status_Name(e.status())), e.message()});
  }
  return t.Render();
}

}  // namespace warden::tools
