#ifndef WARDEN_ALERTS_ROUTER_H_
#define WARDEN_ALERTS_ROUTER_H_

#include <string_view>
#include <vector>

#include "alerts/config.h"
#include "warden/v1/violation.pb.h"

namespace warden::alerts {

// How routes, payloads and metrics spell the enums: "low", "medium", "high",
// "critical"; "in-alarm", "alarm-cleared", "alarm-invalidated"; "unspecified" for
// the zero value or a value this build does not know.
std::string_view SeverityName(v1::Severity severity);
std::string_view EventTypeName(v1::ViolationEventType type);

// Decides which receivers get a violation event. Immutable; thread-safe.
class Router {
 public:
  explicit Router(const AlertingConfig& config);

  // Indices into config.receivers of the receivers `event` goes to: the union over
  // every matching route (each receiver once, in config order); every receiver when
  // the config has no routes; none for an event whose behaviour has suppress_alerts.
  std::vector<int> Route(const v1::ViolationEvent& event) const;

 private:
  AlertingConfig config_;
  std::vector<std::vector<int>> route_receivers_;  // per route: receiver indices
};

}  // namespace warden::alerts

#endif  // WARDEN_ALERTS_ROUTER_H_
