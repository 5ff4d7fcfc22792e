#include "alerts/router.h"

#include <algorithm>
#include <string>

namespace warden::alerts {
namespace {

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Whether `event` has every property `match` asks for (an empty list: any).
bool Matches(const RouteMatch& match, const v1::ViolationEvent& event) {
  if (!match.severities.empty() && !Contains(match.severities, SeverityName(event.severity()))) {
    return false;
  }
  if (!match.profiles.empty() && !Contains(match.profiles, event.profile())) return false;
  if (!match.behaviours.empty() && !Contains(match.behaviours, event.behaviour())) return false;
  if (!match.event_types.empty() && !Contains(match.event_types, EventTypeName(event.type()))) {
    return false;
  }
  for (const auto& [name, value] : match.labels) {
    auto it = event.labels().find(name);
    if (it == event.labels().end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

std::string_view SeverityName(v1::Severity severity) {
  switch (severity) {
    case v1::LOW:
      return "low";
    case v1::MEDIUM:
      return "medium";
    case v1::HIGH:
      return "high";
    case v1::CRITICAL:
      return "critical";
    default:
      return "unspecified";
  }
}

std::string_view EventTypeName(v1::ViolationEventType type) {
  switch (type) {
    case v1::IN_ALARM:
      return "in-alarm";
    case v1::ALARM_CLEARED:
      return "alarm-cleared";
    case v1::ALARM_INVALIDATED:
      return "alarm-invalidated";
    default:
      return "unspecified";
  }
}

Router::Router(const AlertingConfig& config) : config_(config) {
  for (const alerts::Route& route : config_.routes) {
    std::vector<int>& indices = route_receivers_.emplace_back();
    for (const std::string& name : route.receivers) {
      for (size_t i = 0; i < config_.receivers.size(); ++i) {
        if (config_.receivers[i].name == name) indices.push_back(static_cast<int>(i));
      }
    }
  }
}

std::vector<int> Router::Route(const v1::ViolationEvent& event) const {
  std::vector<int> out;
  if (event.suppress_alerts()) return out;
  const int receivers = static_cast<int>(config_.receivers.size());
  if (config_.routes.empty()) {
    for (int i = 0; i < receivers; ++i) out.push_back(i);
    return out;
  }
  std::vector<bool> chosen(config_.receivers.size(), false);
  for (size_t r = 0; r < config_.routes.size(); ++r) {
    if (!Matches(config_.routes[r].match, event)) continue;
    for (int i : route_receivers_[r]) chosen[i] = true;
  }
  for (int i = 0; i < receivers; ++i) {
    if (chosen[i]) out.push_back(i);
  }
  return out;
}

}  // namespace warden::alerts
