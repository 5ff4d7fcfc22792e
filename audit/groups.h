#ifndef WARDEN_AUDIT_GROUPS_H_
#define WARDEN_AUDIT_GROUPS_H_

#include <string>
#include <vector>

#include "audit/model.h"

namespace warden::audit {

// The groups `device` belongs to, sorted and each once: its static groups (Device::groups,
// registered in `registry` or not) plus every dynamic group of `registry` whose non-empty
// attribute_selector the device's attributes all match (same key, equal value). Pure.
std::vector<std::string> GroupsOf(const Registry& registry, const Device& device);

}  // namespace warden::audit

#endif  // WARDEN_AUDIT_GROUPS_H_
