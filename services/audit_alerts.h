#ifndef WARDEN_SERVICES_AUDIT_ALERTS_H_
#define WARDEN_SERVICES_AUDIT_ALERTS_H_

#include <cstdint>

#include "warden/v1/audit.pb.h"
#include "warden/v1/violation.pb.h"

namespace warden::services {

// Audit non-compliance in the shape the alert path carries (alerts::kAuditProfile):
// a stretch of non-compliance is one "violation" whose id is its alert id.

// The active alert of a resource that is non-compliant.
v1::Violation AuditViolation(const v1::NonCompliance& n);

// The event of a transition: IN_ALARM when the resource became non-compliant,
// ALARM_CLEARED when it became compliant again (or its finding was suppressed).
v1::ViolationEvent AuditEvent(const v1::NonCompliance& n, v1::ViolationEventType type,
                              int64_t now_us, const std::string& reason);

}  // namespace warden::services

#endif  // WARDEN_SERVICES_AUDIT_ALERTS_H_
