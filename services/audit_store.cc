#include "services/audit_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/time_util.h"
#include "store/keys.h"

namespace warden::services {
namespace {

const std::string kNul(1, '\0');

std::string TaskKey(const std::string& id) { return "t" + kNul + id; }
std::string FindingPrefix(const std::string& task_id) { return "f" + kNul + task_id + kNul; }
std::string FindingKey(const std::string& task_id, uint32_t seq) {
  std::string k = FindingPrefix(task_id);
  for (int shift = 24; shift >= 0; shift -= 8)
    k.push_back(static_cast<char>((seq >> shift) & 0xff));
  return k;
}
std::string SuppressionKey(const std::string& check, const v1::ResourceIdentifier& r) {
  return absl::StrCat("s", kNul, check, kNul, r.type(), kNul, r.id());
}

std::string NonComplianceKey(const v1::NonCompliance& n) {
  return absl::StrCat("n", kNul, n.check(), kNul, n.resource().type(), kNul, n.resource().id());
}

int PageSize(int n) { return n <= 0 ? 100 : std::min(n, 1000); }

}  // namespace

std::string AuditStore::NewTaskId(int64_t started_us) {
  return absl::StrFormat("task-%016x", static_cast<uint64_t>(started_us));
}

absl::Status AuditStore::PutTask(const v1::AuditTask& task) {
  store::WriteGroup g;
  g.Put(store::Family::kAudit, TaskKey(task.task_id()), task.SerializeAsString());
  return store_->Write(g);
}

absl::StatusOr<std::optional<v1::AuditTask>> AuditStore::GetTask(const std::string& task_id) const {
  std::optional<v1::AuditTask> found;
  absl::Status s = store_->Scan(store::Family::kAudit, TaskKey(task_id), "",
                                [&](const std::string& key, const std::string& value) {
                                  if (key != TaskKey(task_id)) return false;
                                  v1::AuditTask t;
                                  if (t.ParseFromString(value)) found = std::move(t);
                                  return false;
                                });
  if (!s.ok()) return s;
  return found;
}

absl::StatusOr<store::Page<v1::AuditTask>> AuditStore::ListTasks(const std::string& page_token,
                                                                 int page_size) const {
  // Tasks are few (one per audit run, for the retention period): read them all and
  // page newest first.
  std::vector<v1::AuditTask> all;
  absl::Status s = store_->Scan(store::Family::kAudit, "t" + kNul, "",
                                [&](const std::string&, const std::string& value) {
                                  v1::AuditTask t;
                                  if (t.ParseFromString(value)) all.push_back(std::move(t));
                                  return true;
                                });
  if (!s.ok()) return s;
  std::reverse(all.begin(), all.end());
  size_t start = 0;
  if (!page_token.empty()) {
    while (start < all.size() && all[start].task_id() >= page_token) ++start;
  }
  store::Page<v1::AuditTask> page;
  const size_t n = static_cast<size_t>(PageSize(page_size));
  for (size_t i = start; i < all.size() && page.items.size() < n; ++i) page.items.push_back(all[i]);
  if (start + page.items.size() < all.size() && !page.items.empty()) {
    page.next_page_token = page.items.back().task_id();
  }
  return page;
}

absl::StatusOr<std::string> AuditStore::NewestCompletedTask() const {
  std::string newest;
  absl::Status s = store_->Scan(store::Family::kAudit, "t" + kNul, "",
                                [&](const std::string&, const std::string& value) {
                                  v1::AuditTask t;
                                  if (t.ParseFromString(value) && t.status() == v1::COMPLETED) {
                                    newest = t.task_id();
                                  }
                                  return true;
                                });
  if (!s.ok()) return s;
  return newest;
}

void AuditStore::AddResults(const v1::AuditTask& task,
                            const std::vector<v1::AuditFinding>& findings, store::WriteGroup* g) {
  g->Put(store::Family::kAudit, TaskKey(task.task_id()), task.SerializeAsString());
  for (size_t i = 0; i < findings.size(); ++i) {
    g->Put(store::Family::kAudit, FindingKey(task.task_id(), static_cast<uint32_t>(i)),
           findings[i].SerializeAsString());
  }
}

absl::Status AuditStore::PutResults(const v1::AuditTask& task,
                                    const std::vector<v1::AuditFinding>& findings) {
  store::WriteGroup g;
  AddResults(task, findings, &g);
  return store_->Write(g);
}

absl::StatusOr<std::vector<v1::NonCompliance>> AuditStore::ListNonCompliance() const {
  std::vector<v1::NonCompliance> out;
  absl::Status s = store_->Scan(store::Family::kAudit, "n" + kNul, "",
                                [&](const std::string&, const std::string& value) {
                                  v1::NonCompliance n;
                                  if (n.ParseFromString(value)) out.push_back(std::move(n));
                                  return true;
                                });
  if (!s.ok()) return s;
  return out;
}

void AuditStore::PutNonCompliance(const v1::NonCompliance& n, store::WriteGroup* g) {
  g->Put(store::Family::kAudit, NonComplianceKey(n), n.SerializeAsString());
}

void AuditStore::DeleteNonCompliance(const v1::NonCompliance& n, store::WriteGroup* g) {
  g->Delete(store::Family::kAudit, NonComplianceKey(n));
}

absl::StatusOr<store::Page<v1::AuditFinding>> AuditStore::ListFindings(
    const v1::ListFindingsRequest& filter, const std::string& task_id) const {
  store::Page<v1::AuditFinding> page;
  std::string start;
  if (!filter.page_token().empty()) {
    std::optional<std::string> key = store::DecodePageToken(filter.page_token());
    if (!key) return absl::InvalidArgumentError("page_token: malformed");
    start = *key;
  }
  const int n = PageSize(filter.page_size());
  std::string last_key;
  absl::Status s = store_->Scan(
      store::Family::kAudit, FindingPrefix(task_id), start,
      [&](const std::string& key, const std::string& value) {
        v1::AuditFinding f;
        if (!f.ParseFromString(value)) return true;
        if (!filter.check().empty() && f.check() != filter.check()) return true;
        if (!filter.resource().type().empty() && f.resource().type() != filter.resource().type()) {
          return true;
        }
        if (!filter.resource().id().empty() && f.resource().id() != filter.resource().id()) {
          return true;
        }
        switch (filter.suppressed()) {
          case v1::ListFindingsRequest::EXCLUDE:
            if (f.suppressed()) return true;
            break;
          case v1::ListFindingsRequest::ONLY:
            if (!f.suppressed()) return true;
            break;
          default:
            break;
        }
        if (static_cast<int>(page.items.size()) == n) {
          page.next_page_token = store::EncodePageToken(last_key);
          return false;
        }
        last_key = key;
        page.items.push_back(std::move(f));
        return true;
      });
  if (!s.ok()) return s;
  return page;
}

absl::Status AuditStore::FailInterrupted(int64_t now_us) {
  store::WriteGroup g;
  absl::Status s = store_->Scan(
      store::Family::kAudit, "t" + kNul, "", [&](const std::string& key, const std::string& value) {
        v1::AuditTask t;
        if (!t.ParseFromString(value) || t.status() != v1::IN_PROGRESS) {
          return true;
        }
        t.set_status(v1::FAILED);
        t.set_error("wardend stopped during the audit");
        *t.mutable_finished_at() =
            google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(now_us);
        g.Put(store::Family::kAudit, key, t.SerializeAsString());
        return true;
      });
  if (!s.ok()) return s;
  return g.empty() ? absl::OkStatus() : store_->Write(g);
}

absl::Status AuditStore::DeleteTasksBefore(int64_t before_us) {
  const std::string limit = NewTaskId(before_us);
  store::WriteGroup g;
  std::vector<std::string> tasks;
  absl::Status s = store_->Scan(store::Family::kAudit, "t" + kNul, "",
                                [&](const std::string& key, const std::string&) {
                                  const std::string id = key.substr(2);
                                  if (id >= limit) return false;
                                  tasks.push_back(id);
                                  g.Delete(store::Family::kAudit, key);
                                  return true;
                                });
  if (!s.ok()) return s;
  for (const std::string& id : tasks) {
    s = store_->Scan(store::Family::kAudit, FindingPrefix(id), "",
                     [&](const std::string& key, const std::string&) {
                       g.Delete(store::Family::kAudit, key);
                       return true;
                     });
    if (!s.ok()) return s;
  }
  return g.empty() ? absl::OkStatus() : store_->Write(g);
}

absl::Status AuditStore::PutSuppression(const v1::Suppression& sup) {
  store::WriteGroup g;
  g.Put(store::Family::kAudit, SuppressionKey(sup.check(), sup.resource()),
        sup.SerializeAsString());
  return store_->Write(g);
}

absl::StatusOr<bool> AuditStore::DeleteSuppression(const std::string& check,
                                                   const v1::ResourceIdentifier& resource) {
  const std::string key = SuppressionKey(check, resource);
  bool found = false;
  absl::Status s =
      store_->Scan(store::Family::kAudit, key, "", [&](const std::string& k, const std::string&) {
        found = k == key;
        return false;
      });
  if (!s.ok()) return s;
  if (!found) return false;
  store::WriteGroup g;
  g.Delete(store::Family::kAudit, key);
  s = store_->Write(g);
  if (!s.ok()) return s;
  return true;
}

absl::StatusOr<std::vector<v1::Suppression>> AuditStore::ListSuppressions() const {
  std::vector<v1::Suppression> out;
  absl::Status s = store_->Scan(store::Family::kAudit, "s" + kNul, "",
                                [&](const std::string&, const std::string& value) {
                                  v1::Suppression sup;
                                  if (sup.ParseFromString(value)) out.push_back(std::move(sup));
                                  return true;
                                });
  if (!s.ok()) return s;
  return out;
}

}  // namespace warden::services
