#ifndef WARDEN_TOOLS_NAMES_H_
#define WARDEN_TOOLS_NAMES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "warden/v1/violation.pb.h"

namespace warden::tools {

// How the tools spell the API's enum values: the proto value name in lower case with
// dashes, as the profiles' YAML and AWS do. "TRUE_POSITIVE" → "true-positive",
// "IN_ALARM" → "in-alarm"; a "*_UNSPECIFIED" value → "-".
std::string KebabName(absl::string_view proto_value_name);

// "unknown", "true-positive", "benign-positive", "false-positive".
std::vector<std::string> VerificationStateNames();
// Reverse of KebabName for VerificationState; nullopt for anything else.
std::optional<v1::VerificationState> ParseVerificationState(absl::string_view name);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_NAMES_H_
