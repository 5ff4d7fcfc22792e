#ifndef WARDEN_SERVICES_MITIGATION_H_
#define WARDEN_SERVICES_MITIGATION_H_

#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "services/audit_store.h"
#include "services/outbox.h"
#include "services/registry_store.h"
#include "warden/v1/audit.pb.h"

namespace warden::services {

// Applies mitigation actions to audit findings and records each execution (audit
// column family: m 0x00 [task id] 0x00 [execution id]). A suppressed finding gets no
// mitigation (SKIPPED). Thread-safe; executions are serialized.
class Mitigator {
 public:
  // `outbox` may be null (then PUBLISH_FINDING_TO_WEBHOOK fails).
  Mitigator(RegistryStore* registry, AuditStore* audits, Outbox* outbox, store::Store* store,
            const Clock* clock);

  // InvalidArgument naming the field for a bad request (unknown action, missing
  // group, unknown receiver); NotFound for an unknown task or finding. Otherwise the
  // executions, one per finding, each SUCCEEDED, FAILED or SKIPPED with a message.
  absl::StatusOr<std::vector<v1::MitigationExecution>> Start(
      const v1::StartMitigationRequest& request);

  absl::StatusOr<std::vector<v1::MitigationExecution>> List(const std::string& task_id) const;

 private:
  v1::MitigationExecution Apply(const v1::StartMitigationRequest& request,
                                const v1::AuditFinding& finding, store::WriteGroup* alerts);

  RegistryStore* const registry_;
  AuditStore* const audits_;
  Outbox* const outbox_;
  store::Store* const store_;
  const Clock* const clock_;
  std::mutex mu_;
  int64_t last_us_ = 0;  // guarded by mu_: keeps execution ids unique
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_MITIGATION_H_
