#ifndef WARDEN_ALERTS_PAYLOADS_H_
#define WARDEN_ALERTS_PAYLOADS_H_

#include <cstdint>
#include <string>

#include "nlohmann/json.hpp"
#include "warden/v1/violation.pb.h"

namespace warden::alerts {

// Audit findings travel the alert path as violation events of this pseudo-profile (a
// name no profile can have): behaviour = the check, device = the resource id, metric =
// the resource type. Webhooks get them as "audit.non-compliant" / "audit.compliant".
inline constexpr char kAuditProfile[] = "warden:audit";

// The webhook payload format version (alerts/README.md documents the format).
inline constexpr char kWebhookPayloadVersion[] = "warden.webhook.v1";

// One Alertmanager API v2 alert (an element of the POST /api/v2/alerts array) for an
// active violation: firing since v.start_time, endsAt = now + 4 × resend interval.
// Labels: alertname (the behaviour), profile, device, severity, metric, then the
// behaviour's own labels (which cannot override those five). Annotations: summary,
// description, value, threshold (or list and offending entries), window,
// violation_id. generatorURL: external_url + "/violations/" + id when external_url
// is set.
nlohmann::json FiringAlert(const v1::Violation& v, int64_t now_us, int64_t resend_interval_seconds,
                           const std::string& external_url);

// The alert for a violation event: IN_ALARM → firing as above; ALARM_CLEARED and
// ALARM_INVALIDATED → resolved: startsAt = the violation's start, endsAt = the event time.
// An invalidated alert also has a `reason` annotation. An event without
// violation_start_time (stored before events carried it) starts at its own time.
nlohmann::json EventAlert(const v1::ViolationEvent& e, int64_t now_us,
                          int64_t resend_interval_seconds, const std::string& external_url);

// The webhook request body for an event (Standard Webhooks shape), compact JSON, the
// same bytes for the same event on every call:
// {"type": "violation.in-alarm", "timestamp": event time, "version": "warden.webhook.v1",
//  "data": {event_id, event_type, violation_id, device_id, profile, behaviour, metric,
//  severity, labels, evidence, reason, violation_start_time, event_time, link}}.
// Field by field in alerts/README.md.
std::string WebhookBody(const v1::ViolationEvent& e, const std::string& external_url);

}  // namespace warden::alerts

#endif  // WARDEN_ALERTS_PAYLOADS_H_
