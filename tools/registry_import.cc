#include "tools/registry_import.h"

#include <map>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace warden::tools {
namespace {

// Whether a failed call says the server is not there, rather than that it rejected the
// entry: the import stops.
bool ServerIsNotThere(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable || s.code() == absl::StatusCode::kUnimplemented;
}

// Sends the entries and keeps track of what each file still has to send.
class ImportSender {
 public:
  ImportSender(ImportPlan* plan, WardenApi* api, const FileProgressCallback& on_file)
      : plan_(*plan), api_(*api), on_file_(on_file), failed_files_(plan_.failed_files) {
    for (const std::string& file : plan_.files) pending_[file] = 0;
    for (const CaFile& ca : plan_.cas) {
      ++pending_[ca.at.file];
      for (const auto& crl : ca.crl_files) ++pending_[crl.first];
    }
    for (const auto& e : plan_.groups) ++pending_[e.at.file];
    for (const auto& e : plan_.devices) ++pending_[e.at.file];
    for (const auto& e : plan_.certificates) ++pending_[e.at.file];
    for (const auto& e : plan_.policies) ++pending_[e.at.file];
    if (plan_.logging.has_value()) ++pending_[plan_.logging->at.file];
  }

  absl::StatusOr<ImportResult> Run() {
    for (const std::string& file : plan_.files) {
      if (pending_[file] == 0) FileDone(file);
    }
    absl::Status s = SendCas();
    if (s.ok()) {
      s = SendEach(
          plan_.groups, [&](const v1::DeviceGroup& g) { return api_.PutGroup(g); },
          [](const v1::DeviceGroup& g) { return absl::StrCat("group '", g.name(), "'"); },
          &result_.groups, &ImportCounts::groups);
    }
    if (s.ok()) {
      s = SendEach(
          plan_.devices, [&](const v1::RegisteredDevice& d) { return api_.PutDevice(d); },
          [](const v1::RegisteredDevice& d) { return absl::StrCat("device '", d.name(), "'"); },
          &result_.devices, &ImportCounts::devices);
    }
    if (s.ok()) {
      s = SendEach(
          plan_.certificates,
          [&](const v1::RegisterCertificateRequest& r) { return api_.RegisterCertificate(r); },
          [](const v1::RegisterCertificateRequest& r) {
            return r.device().empty() ? std::string("certificate")
                                      : absl::StrCat("certificate of device '", r.device(), "'");
          },
          &result_.certificates, &ImportCounts::certificates);
    }
    if (s.ok()) {
      s = SendEach(
          plan_.policies, [&](const v1::Policy& p) { return api_.PutPolicy(p); },
          [](const v1::Policy& p) { return absl::StrCat("policy '", p.name(), "'"); },
          &result_.policies, &ImportCounts::policies);
    }
    if (s.ok()) s = SendLogging();
    if (!s.ok()) return s;
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

  // Sends every entry with `call`, keeps the answers in `answers` and counts them in
  // their file's `count`; `what` names an entry the server rejected.
  template <typename T, typename Response, typename Call, typename What>
  absl::Status SendEach(const std::vector<Located<T>>& entries, Call call, What what,
                        std::vector<Response>* answers, int ImportCounts::*count) {
    for (const Located<T>& entry : entries) {
      absl::StatusOr<Response> answer = call(entry.item);
      if (answer.ok()) {
        answers->push_back(*std::move(answer));
        ++(counts_[entry.at.file].*count);
      } else if (ServerIsNotThere(answer.status())) {
        return answer.status();
      } else {
        Rejected(entry.at, what(entry.item), answer.status());
      }
      Sent(entry.at.file);
    }
    return absl::OkStatus();
  }

  // A CA's CRL files are finished with it, and fail with it.
  absl::Status SendCas() {
    for (const CaFile& ca : plan_.cas) {
      absl::StatusOr<v1::CertificateDescription> answer = api_.RegisterCaCertificate(ca.request);
      if (ServerIsNotThere(answer.status())) return answer.status();
      const bool registered = answer.ok();
      if (registered) {
        result_.cas.push_back(*std::move(answer));
        ++counts_[ca.at.file].certificates;
        ++counts_[ca.at.file].cas;
      } else {
        Rejected(ca.at, absl::StrCat("CA '", ca.subject, "'"), answer.status());
      }
      Sent(ca.at.file);
      for (const auto& [crl, count] : ca.crl_files) {
        if (registered) {
          counts_[crl].crls += count;
        } else {
          failed_files_.insert(crl);
        }
        Sent(crl);
      }
    }
    return absl::OkStatus();
  }

  absl::Status SendLogging() {
    if (!plan_.logging.has_value()) return absl::OkStatus();
    const Located<v1::LoggingSettings>& logging = *plan_.logging;
    absl::StatusOr<v1::LoggingSettings> answer = api_.SetLoggingSettings(logging.item);
    if (ServerIsNotThere(answer.status())) return answer.status();
    if (answer.ok()) {
      result_.logging = *std::move(answer);
      counts_[logging.at.file].logging = true;
    } else {
      Rejected(logging.at, "logging settings", answer.status());
    }
    Sent(logging.at.file);
    return absl::OkStatus();
  }

  // The server's rejection of an entry: an error at the entry, coded with the status
  // name; its message already names the field.
  void Rejected(const rules::SourceLocation& at, const std::string& what, const absl::Status& s) {
    plan_.diagnostics.Error(at, absl::StatusCodeToString(s.code()),
                            absl::StrCat(what, ": ", s.message()));
    failed_files_.insert(at.file);
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
  std::set<std::string> failed_files_;
  std::map<std::string, int> pending_;  // entries not sent yet, by file
  std::map<std::string, ImportCounts> counts_;
  int done_ = 0;
  ImportResult result_;
};

}  // namespace

absl::StatusOr<ImportResult> SendImportPlan(ImportPlan plan, WardenApi* api,
                                            const FileProgressCallback& on_file) {
  return ImportSender(&plan, api, on_file).Run();
}

}  // namespace warden::tools
