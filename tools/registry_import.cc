#include "tools/registry_import.h"

#include <map>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace warden::tools {
namespace {

// Sends the entries and keeps track of what each file still has to send.
class ImportSender {
 public:
  ImportSender(ImportPlan* plan, WardenApi* api, const FileProgressCallback& on_file)
      : plan_(*plan), api_(*api), on_file_(on_file) {
    for (const std::string& file : plan_.files) pending_[file] = 0;
    for (const CaFile& ca : plan_.cas) {
      ++pending_[ca.at.file];
      for (const auto& [crl, count] : ca.crl_files) ++pending_[crl];
    }
    for (const auto& e : plan_.groups) ++pending_[e.at.file];
    for (const auto& e : plan_.devices) ++pending_[e.at.file];
    for (const auto& e : plan_.certificates) ++pending_[e.at.file];
    for (const auto& e : plan_.policies) ++pending_[e.at.file];
    if (plan_.logging.has_value()) ++pending_[plan_.logging->at.file];
  }

  absl::StatusOr<ImportResult> Run() {
    failed_files_ = plan_.failed_files;
    for (const std::string& file : plan_.files) {
      if (pending_[file] == 0) FileDone(file);
    }
    for (const CaFile& ca : plan_.cas) {
      absl::Status s = Send(
          ca.at, absl::StrCat("CA '", ca.subject, "'"),
          [&] { return api_.RegisterCaCertificate(ca.request); },
          [&](v1::CertificateDescription d) {
            result_.cas.push_back(std::move(d));
            ++counts_[ca.at.file].certificates;
            ++counts_[ca.at.file].cas;
          });
      if (!s.ok()) return s;
      const bool registered = failed_files_.count(ca.at.file) == 0;
      for (const auto& [crl, count] : ca.crl_files) {
        if (registered) {
          counts_[crl].crls += count;
        } else {
          failed_files_.insert(crl);
        }
        Sent(crl);
      }
    }
    for (const auto& [at, group] : plan_.groups) {
      absl::Status s = Send(
          at, absl::StrCat("group '", group.name(), "'"), [&] { return api_.PutGroup(group); },
          [&](v1::DeviceGroup g) {
            result_.groups.push_back(std::move(g));
            ++counts_[at.file].groups;
          });
      if (!s.ok()) return s;
    }
    for (const auto& [at, device] : plan_.devices) {
      absl::Status s = Send(
          at, absl::StrCat("device '", device.name(), "'"), [&] { return api_.PutDevice(device); },
          [&](v1::RegisteredDevice d) {
            result_.devices.push_back(std::move(d));
            ++counts_[at.file].devices;
          });
      if (!s.ok()) return s;
    }
    for (const auto& [at, request] : plan_.certificates) {
      absl::Status s = Send(
          at,
          request.device().empty() ? "certificate"
                                   : absl::StrCat("certificate of device '", request.device(), "'"),
          [&] { return api_.RegisterCertificate(request); },
          [&](v1::CertificateDescription d) {
            result_.certificates.push_back(std::move(d));
            ++counts_[at.file].certificates;
          });
      if (!s.ok()) return s;
    }
    for (const auto& [at, policy] : plan_.policies) {
      absl::Status s = Send(
          at, absl::StrCat("policy '", policy.name(), "'"), [&] { return api_.PutPolicy(policy); },
          [&](v1::Policy p) {
            result_.policies.push_back(std::move(p));
            ++counts_[at.file].policies;
          });
      if (!s.ok()) return s;
    }
    if (plan_.logging.has_value()) {
      const Located<v1::LoggingSettings>& logging = *plan_.logging;
      absl::Status s = Send(
          logging.at, "logging settings", [&] { return api_.SetLoggingSettings(logging.item); },
          [&](v1::LoggingSettings l) {
            result_.logging = std::move(l);
            counts_[logging.at.file].logging = true;
          });
      if (!s.ok()) return s;
    }
    for (const auto& [file, counts] : counts_) Add(counts, &result_.imported);
    result_.diagnostics = plan_.diagnostics.TakeSorted();
    result_.failed_files = static_cast<int>(failed_files_.size());
    return std::move(result_);
  }

 private:
  static void Add(const ImportCounts& from, ImportCounts* to) {
    to->devices += from.devices;
    to->groups += from.groups;
    to->certificates += from.certificates;
    to->cas += from.cas;
    to->crls += from.crls;
    to->policies += from.policies;
    to->logging = to->logging || from.logging;
  }

  // One call; a rejection becomes an error at `at` and the import goes on. Only a
  // server that is not there is returned.
  template <typename Call, typename Keep>
  absl::Status Send(const rules::SourceLocation& at, const std::string& what, Call call,
                    Keep keep) {
    auto response = call();
    if (response.ok()) {
      keep(*std::move(response));
    } else {
      const absl::StatusCode code = response.status().code();
      if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kUnimplemented) {
        return response.status();
      }
      plan_.diagnostics.Error(at, absl::StatusCodeToString(code),
                              absl::StrCat(what, ": ", response.status().message()));
      failed_files_.insert(at.file);
    }
    Sent(at.file);
    return absl::OkStatus();
  }

  void Sent(const std::string& file) {
    if (--pending_[file] == 0) FileDone(file);
  }

  void FileDone(const std::string& file) {
    ++done_;
    on_file_(FileProgress{file, done_, static_cast<int>(plan_.files.size()), counts_[file],
                          failed_files_.count(file) > 0});
  }

  ImportPlan& plan_;
  WardenApi& api_;
  const FileProgressCallback& on_file_;
  std::map<std::string, int> pending_;  // entries not sent yet, by file
  std::map<std::string, ImportCounts> counts_;
  std::set<std::string> failed_files_;
  int done_ = 0;
  ImportResult result_;
};

}  // namespace

absl::StatusOr<ImportResult> SendImportPlan(ImportPlan plan, WardenApi* api,
                                            const FileProgressCallback& on_file) {
  return ImportSender(&plan, api, on_file).Run();
}

}  // namespace warden::tools
