#ifndef WARDEN_AUDIT_POLICY_H_
#define WARDEN_AUDIT_POLICY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace warden::audit {

// A problem in an AWS IoT-shaped policy document.
struct PolicyIssue {
  // true: IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK (e.g. MQTT wildcards in a Deny);
  // false: IOT_POLICY_OVERLY_PERMISSIVE_CHECK.
  bool misconfiguration = false;
  std::string reason_code;     // AWS's reason code where there is one
  std::string statement_path;  // e.g. "Statement[2]"
  std::string text;            // names the action / resource
};

// Analyzes a policy document ({"Version", "Statement": [{"Effect", "Action",
// "Resource"}]}, Action/Resource a string or a list). Overly permissive: Allow of
// iot:* / iot:Connect|Publish|Subscribe|Receive (or wildcard actions covering them) on
// broad wildcard resources (*, topic/*, topicfilter/*, client/*), or client/* not bound
// to the thing (no ${iot:Connection.Thing.ThingName} / ${iot:ClientId} variable).
// Misconfiguration: MQTT wildcards (+, #) in Deny statements' topic resources, which
// AWS IoT takes literally. InvalidArgument for a document that is not such JSON.
absl::StatusOr<std::vector<PolicyIssue>> AnalyzePolicy(std::string_view document);

}  // namespace warden::audit

#endif  // WARDEN_AUDIT_POLICY_H_
