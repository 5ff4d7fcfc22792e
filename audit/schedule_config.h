#ifndef WARDEN_AUDIT_SCHEDULE_CONFIG_H_
#define WARDEN_AUDIT_SCHEDULE_CONFIG_H_

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "audit/schedule.h"
#include "rules/loader.h"
#include "yaml-cpp/yaml.h"

namespace warden::audit {

// One entry of `audit.schedules` in the wardend config.
struct ScheduledAudit {
  std::string name;
  Schedule schedule;
  std::vector<std::string> checks;  // empty: every check
};

// Reads `section`, the value of `audit.schedules` of a wardend config (format:
// audit/README.md). Problems are appended to `diagnostics` (file:line:col, source line
// from `lines`, stable codes, unknown keys rejected, every problem reported, in position
// order); schedules with a problem are left out. A missing or empty section is no
// schedules. Check names must be UPPER_SNAKE_CASE; when `known_checks` is not empty
// (the services layer passes audit::AllChecks()) they must also be among them.
// Never throws.
std::vector<ScheduledAudit> ReadAuditSchedules(const YAML::Node& section, const std::string& file,
                                               const std::vector<std::string>& lines,
                                               std::vector<rules::Diagnostic>* diagnostics,
                                               absl::Span<const std::string> known_checks = {});

}  // namespace warden::audit

#endif  // WARDEN_AUDIT_SCHEDULE_CONFIG_H_
