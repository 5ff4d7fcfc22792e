#ifndef WARDEN_RULES_NAMES_H_
#define WARDEN_RULES_NAMES_H_

#include <string_view>

// The character rules for the names a rules file gives things.

namespace warden::rules {

// Profile, behaviour and list names: 1–128 of [a-zA-Z0-9_-].
bool IsValidName(std::string_view name);
inline constexpr char kNameRule[] = "1 to 128 characters of [a-zA-Z0-9_-]";

// Device (thing) and group names, as AWS IoT allows them: 1–128 of [a-zA-Z0-9:_-].
bool IsValidThingName(std::string_view name);
inline constexpr char kThingNameRule[] = "1 to 128 characters of [a-zA-Z0-9:_-]";

// Device attribute names, as AWS IoT allows them: 1–128 of [a-zA-Z0-9_.,@/:#-].
bool IsValidAttributeName(std::string_view name);
inline constexpr char kAttributeNameRule[] = "1 to 128 characters of [a-zA-Z0-9_.,@/:#-]";

// Alert label names, Prometheus-safe: [a-zA-Z_][a-zA-Z0-9_]*, and not starting with
// "__", which Prometheus reserves.
bool IsValidLabelName(std::string_view name);
inline constexpr char kLabelNameRule[] = "[a-zA-Z_][a-zA-Z0-9_]*, not starting with '__'";

}  // namespace warden::rules

#endif  // WARDEN_RULES_NAMES_H_
