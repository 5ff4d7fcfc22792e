#ifndef WARDEN_SERVICES_AUDIT_STORE_H_
#define WARDEN_SERVICES_AUDIT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/store.h"
#include "warden/v1/audit.pb.h"

namespace warden::services {

// Audit tasks, findings and suppressions in the `audit` column family:
//   t 0x00 [task id]                               AuditTask
//   f 0x00 [task id] 0x00 [finding seq u32 BE]     AuditFinding
//   s 0x00 [check] 0x00 [resource type] 0x00 [id]  Suppression
//   n 0x00 [check] 0x00 [resource type] 0x00 [id]  NonCompliance
// Task ids ("task-" + 16 hex digits of the start time in µs) sort by start time.
// Thread-safe (the store is).
class AuditStore {
 public:
  explicit AuditStore(store::Store* store) : store_(store) {}

  absl::Status PutTask(const v1::AuditTask& task);
  absl::StatusOr<std::optional<v1::AuditTask>> GetTask(const std::string& task_id) const;
  // Newest first.
  absl::StatusOr<store::Page<v1::AuditTask>> ListTasks(const std::string& page_token,
                                                       int page_size) const;
  // The newest COMPLETED task's id ("" when none).
  absl::StatusOr<std::string> NewestCompletedTask() const;
  // Writes a finished task and its findings in one batch.
  absl::Status PutResults(const v1::AuditTask& task, const std::vector<v1::AuditFinding>& findings);
  absl::StatusOr<store::Page<v1::AuditFinding>> ListFindings(const v1::ListFindingsRequest& filter,
                                                             const std::string& task_id) const;
  // Marks tasks left IN_PROGRESS by a wardend that stopped mid-audit as FAILED.
  absl::Status FailInterrupted(int64_t now_us);
  // Deletes tasks (and their findings) that started before `before_us`.
  absl::Status DeleteTasksBefore(int64_t before_us);

  absl::Status PutSuppression(const v1::Suppression& s);
  absl::StatusOr<bool> DeleteSuppression(const std::string& check,
                                         const v1::ResourceIdentifier& resource);
  absl::StatusOr<std::vector<v1::Suppression>> ListSuppressions() const;

  // Non-compliance records, by check and resource.
  absl::StatusOr<std::vector<v1::NonCompliance>> ListNonCompliance() const;
  static void PutNonCompliance(const v1::NonCompliance& n, store::WriteGroup* group);
  static void DeleteNonCompliance(const v1::NonCompliance& n, store::WriteGroup* group);
  // Adds a finished task and its findings to `group`.
  static void AddResults(const v1::AuditTask& task, const std::vector<v1::AuditFinding>& findings,
                         store::WriteGroup* group);
  absl::Status Write(const store::WriteGroup& group) { return store_->Write(group); }

  static std::string NewTaskId(int64_t started_us);

 private:
  store::Store* const store_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_AUDIT_STORE_H_
