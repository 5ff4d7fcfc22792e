#include "services/audit_alerts.h"

#include "alerts/payloads.h"
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
  v1::ViolationEvent e;
  e.set_event_id(n.alert_id() + (type == v1::IN_ALARM ? "-raised" : "-cleared"));
  e.set_violation_id(v.violation_id());
  e.set_type(type);
  *e.mutable_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(now_us);
  e.set_device_id(v.device_id());
  e.set_profile(v.profile());
  e.set_behaviour(v.behaviour());
  e.set_metric(v.metric());
  e.set_severity(v.severity());
  *e.mutable_labels() = v.labels();
  *e.mutable_evidence() = v.last_evidence();
  e.set_reason(reason);
  *e.mutable_violation_start_time() = n.since();
  return e;
}

}  // namespace warden::services
