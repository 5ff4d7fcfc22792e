#include "services/audit_alerts.h"

#include "alerts/payloads.h"
#include "detectors/evaluator.h"
#include "google/protobuf/util/time_util.h"

namespace warden::services {

v1::Violation AuditViolation(const v1::NonCompliance& n) {
  const v1::AuditFinding& f = n.last_finding();
  v1::Violation v;
  v.set_violation_id(n.alert_id());
  v.set_device_id(n.resource().id());
  v.set_profile(alerts::kAuditProfile);
  v.set_behaviour(n.check());
  v.set_metric(n.resource().type());
  v.set_severity(f.severity());
  (*v.mutable_labels())["resource_type"] = n.resource().type();
  (*v.mutable_labels())["reason_code"] = f.reason_code();
  v.mutable_last_evidence()->add_elements(f.reason());
  *v.mutable_start_time() = n.since();
  *v.mutable_last_violation_time() = f.found_at();
  return v;
}

v1::ViolationEvent AuditEvent(const v1::NonCompliance& n, v1::ViolationEventType type,
                              int64_t now_us, const std::string& reason) {
  const v1::Violation v = AuditViolation(n);
  return detectors::MakeViolationEvent(v, type, now_us, v.last_evidence(), reason);
}

}  // namespace warden::services
