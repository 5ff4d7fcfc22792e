#ifndef WARDEN_AUDIT_CHECKS_H_
#define WARDEN_AUDIT_CHECKS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/model.h"

namespace warden::audit {

// Thresholds and severities of the checks; defaults as AWS's.
struct AuditSettings {
  int expiring_threshold_days = 30;  // *_CERTIFICATE_EXPIRING_CHECK
  int certificate_age_days = 365;    // DEVICE_CERTIFICATE_AGE_CHECK (30-3652)
  int silent_device_days = 30;       // DEVICE_SILENT_CHECK (Warden extra)
  std::vector<uint32_t> insecure_ports = {21, 23, 69, 512, 513, 514, 2323};  // Warden extra
  std::map<std::string, Severity> severity;                                  // per check overrides
};

// Every check name, AWS's first (reference §5), then Warden's extras:
// DEVICE_FIRMWARE_OUTDATED_CHECK, INSECURE_LISTENING_PORTS_CHECK, DEVICE_SILENT_CHECK.
const std::vector<std::string>& AllChecks();
// The default severity of a check (reference §5 for AWS's).
Severity DefaultSeverity(const std::string& check);

// Runs one check over the registry at `now` (Unix seconds). A resource that cannot be
// evaluated is reported in CheckResult::errors and the check goes on. NotFound for an
// unknown check name.
absl::StatusOr<CheckResult> RunCheck(const std::string& check, const Registry& registry,
                                     const AuditSettings& settings, int64_t now);

}  // namespace warden::audit

#endif  // WARDEN_AUDIT_CHECKS_H_
