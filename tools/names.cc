#include "tools/names.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace warden::tools {

std::string KebabName(absl::string_view proto_value_name) {
  if (proto_value_name.empty() || absl::EndsWith(proto_value_name, "_UNSPECIFIED")) return "-";
  std::string name = absl::AsciiStrToLower(proto_value_name);
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::vector<std::string> VerificationStateNames() {
  const google::protobuf::EnumDescriptor* d = v1::VerificationState_descriptor();
  std::vector<std::string> names;
  names.reserve(d->value_count());
  for (int i = 0; i < d->value_count(); ++i) names.push_back(KebabName(d->value(i)->name()));
  return names;
}

std::optional<v1::VerificationState> ParseVerificationState(absl::string_view name) {
  const google::protobuf::EnumDescriptor* d = v1::VerificationState_descriptor();
  for (int i = 0; i < d->value_count(); ++i) {
    if (KebabName(d->value(i)->name()) == name) {
      return static_cast<v1::VerificationState>(d->value(i)->number());
    }
  }
  return std::nullopt;
}

}  // namespace warden::tools
