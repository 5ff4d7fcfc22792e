#include "rules/names.h"

#include <algorithm>

namespace warden::rules {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool AllOf(std::string_view name, std::string_view extra) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [extra](char c) {
    return IsAlnum(c) || extra.find(c) != std::string_view::npos;
  });
}

}  // namespace

bool IsValidName(std::string_view name) { return AllOf(name, "_-"); }

bool IsValidThingName(std::string_view name) { return AllOf(name, ":_-"); }

bool IsValidAttributeName(std::string_view name) { return AllOf(name, "_.,@/:#-"); }

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9') || name.substr(0, 2) == "__") {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) { return IsAlnum(c) || c == '_'; });
}

}  // namespace warden::rules
