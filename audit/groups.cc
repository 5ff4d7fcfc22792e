#include "audit/groups.h"

#include <set>

namespace warden::audit {
namespace {

bool Matches(const std::map<std::string, std::string>& selector,
             const std::map<std::string, std::string>& attributes) {
  for (const auto& [key, value] : selector) {
    auto it = attributes.find(key);
    if (it == attributes.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> GroupsOf(const Registry& registry, const Device& device) {
  std::set<std::string> groups(device.groups.begin(), device.groups.end());
  for (const auto& [name, group] : registry.groups) {
    if (!group.attribute_selector.empty() && Matches(group.attribute_selector, device.attributes)) {
      groups.insert(name);
    }
  }
  return {groups.begin(), groups.end()};
}

}  // namespace warden::audit
