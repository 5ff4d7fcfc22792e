// Policy and account-settings checks: IoT policies (audit/policy.h) and logging.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "audit/checks_internal.h"
#include "audit/policy.h"

namespace warden::audit::internal {
namespace {

// One finding per policy with issues of the kind the check looks for (`misconfiguration`):
// the first issue's reason code, every issue in the text. A policy that does not parse is an
// error and the check goes on.
void CheckPolicies(const Registry& registry, bool misconfiguration, CheckResult* result) {
  for (const auto& [name, policy] : registry.policies) {
    ++result->resources_evaluated;
    absl::StatusOr<std::vector<PolicyIssue>> issues = AnalyzePolicy(policy.document);
    if (!issues.ok()) {
      result->errors.push_back(
          absl::StrCat("policy ", name, ": ", std::string(issues.status().message())));
      continue;
    }
    std::vector<std::string> texts;
    std::string reason_code;
    for (const PolicyIssue& issue : *issues) {
      if (issue.misconfiguration != misconfiguration) continue;
      if (reason_code.empty()) reason_code = issue.reason_code;
      texts.push_back(absl::StrCat(issue.statement_path, ": ", issue.text));
    }
    if (texts.empty()) continue;
    Finding finding;
    finding.resource = {"POLICY", name};
    for (const std::string& id : policy.attached_certificate_ids) {
      finding.related.push_back({"DEVICE_CERTIFICATE", id});
    }
    finding.reason_code = std::move(reason_code);
    finding.reason = absl::StrCat("policy ", name, ": ", absl::StrJoin(texts, "; "));
    result->findings.push_back(std::move(finding));
  }
}

}  // namespace

void IotPolicyOverlyPermissive(const CheckInput& input, CheckResult* result) {
  CheckPolicies(input.registry, /*misconfiguration=*/false, result);
}

void IotPolicyPotentialMisconfiguration(const CheckInput& input, CheckResult* result) {
  CheckPolicies(input.registry, /*misconfiguration=*/true, result);
}

void LoggingDisabled(const CheckInput& input, CheckResult* result) {
  result->resources_evaluated = 1;
  const LoggingSettings& logging = input.registry.logging;
  std::vector<std::string> disabled;
  if (!logging.broker_logging_enabled) disabled.push_back("broker logging");
  if (!logging.device_logging_enabled) disabled.push_back("device logging");
  if (disabled.empty()) return;
  Finding finding;
  finding.resource = {"ACCOUNT_SETTINGS", "logging"};
  finding.reason_code = "LOGGING_DISABLED";
  finding.reason = absl::StrCat(absl::StrJoin(disabled, " and "), " disabled");
  result->findings.push_back(std::move(finding));
}

}  // namespace warden::audit::internal
