#include "tools/registry_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "audit/certificate.h"
#include "rules/yaml_reader.h"

namespace warden::tools {
namespace {

namespace fs = std::filesystem;

using rules::Field;
using rules::Fields;
using rules::NodeReader;
using rules::SourceLocation;

constexpr std::string_view kDocumentKeys[] = {"devices", "groups", "policies", "logging"};
constexpr std::string_view kDeviceKeys[] = {
    "name", "attributes", "groups", "client_id", "firmware_version", "certificate_ids", "active"};
constexpr std::string_view kGroupKeys[] = {"name", "description", "attribute_selector",
                                           "min_firmware_version"};
constexpr std::string_view kPolicyKeys[] = {"name", "document", "attached_certificate_ids"};
constexpr std::string_view kLoggingKeys[] = {"broker_logging_enabled", "device_logging_enabled"};

constexpr char kCertificateBegin[] = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kCrlEnd = "-----END X509 CRL-----";

enum class FileKind { kDocuments, kCaCertificate, kCrl, kDeviceCertificate, kOther };

struct DirectoryFile {
  std::string name;  // as shown: the directory given, then the relative path
  fs::path relative;
  FileKind kind = FileKind::kOther;
};

// Whether a directory on the way from the import directory to the file is `name`.
bool UnderFolder(const fs::path& relative, std::string_view name) {
  const fs::path parent = relative.parent_path();
  return std::any_of(parent.begin(), parent.end(),
                     [&](const fs::path& component) { return component == name; });
}

FileKind Classify(const fs::path& relative) {
  const std::string ext = absl::AsciiStrToLower(relative.extension().string());
  if (ext == ".yaml" || ext == ".yml" || ext == ".json") return FileKind::kDocuments;
  const bool certificate = ext == ".crt" || ext == ".pem";
  if (UnderFolder(relative, "cas")) {
    if (certificate) return FileKind::kCaCertificate;
    if (ext == ".crl") return FileKind::kCrl;
    return FileKind::kOther;
  }
  if (certificate) return FileKind::kDeviceCertificate;
  if (ext == ".crl") return FileKind::kCrl;  // outside cas/: reported as misplaced
  return FileKind::kOther;
}

bool Hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

absl::StatusOr<std::string> ReadWholeFile(const std::string& name) {
  std::ifstream in(name, std::ios::binary);
  if (!in.is_open()) {
    std::string reason = std::strerror(errno);
    if (!reason.empty()) reason[0] = absl::ascii_tolower(reason[0]);
    return absl::NotFoundError(absl::StrCat("cannot read '", name, "': ", reason));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

SourceLocation WholeFile(const std::string& name) { return SourceLocation{name, 0, 0}; }

// A plain scalar as JSON's true/false/null/number, anything else as a string; mappings
// and lists as objects and arrays, in document order.
nlohmann::ordered_json YamlToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (auto it = node.begin(); it != node.end(); ++it) {
      object[it->first.Scalar()] = YamlToJson(it->second);
    }
    return object;
  }
  if (node.IsSequence()) {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const YAML::Node& entry : node) array.push_back(YamlToJson(entry));
    return array;
  }
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  const std::string& text = node.Scalar();
  if (node.Tag() == "?") {
    if (text == "true") return true;
    if (text == "false") return false;
    int64_t integer = 0;
    if (absl::SimpleAtoi(text, &integer)) return integer;
    if (std::optional<double> number = rules::PlainNumber(node)) return *number;
  }
  return text;
}

// The entries of one file, added to the plan when the whole file is good.
struct FileEntries {
  std::vector<Located<v1::DeviceGroup>> groups;
  std::vector<Located<v1::RegisteredDevice>> devices;
  std::vector<Located<v1::Policy>> policies;
  std::optional<Located<v1::LoggingSettings>> logging;
};

// Reads the registry documents of one file into `plan`: devices, groups, policies and
// the logging settings, each checked for unknown keys, types and names given twice.
class DocumentReader {
 public:
  DocumentReader(ImportPlan* plan, std::set<std::string>* declared_devices)
      : plan_(*plan), declared_devices_(*declared_devices) {}

  // Reads one file; adds its entries to the plan only when it has no error.
  void ReadFile(const std::string& name) {
    absl::StatusOr<std::string> text = ReadWholeFile(name);
    if (!text.ok()) {
      plan_.diagnostics.Error(WholeFile(name), "E_IO", std::string(text.status().message()));
      plan_.failed_files.insert(name);
      return;
    }
    plan_.diagnostics.AddSource(name, *text);
    const int errors_before = plan_.diagnostics.error_count();
    std::optional<std::vector<YAML::Node>> documents =
        rules::ParseYamlDocuments(name, *text, &plan_.diagnostics);
    FileEntries file;
    NodeReader reader(name, &plan_.diagnostics);
    for (const YAML::Node& document : documents.value_or(std::vector<YAML::Node>())) {
      ReadDocument(reader, document, &file);
    }
    Names file_names = std::move(file_);
    file_ = Names();
    if (plan_.diagnostics.error_count() > errors_before) {
      plan_.failed_files.insert(name);
      return;
    }
    imported_.devices.merge(file_names.devices);
    imported_.groups.merge(file_names.groups);
    imported_.policies.merge(file_names.policies);
    if (file_names.logging.has_value()) imported_.logging = file_names.logging;
    Append(std::move(file.groups), &plan_.groups);
    Append(std::move(file.devices), &plan_.devices);
    Append(std::move(file.policies), &plan_.policies);
    if (file.logging.has_value()) plan_.logging = std::move(file.logging);
  }

 private:
  template <typename T>
  static void Append(std::vector<T> from, std::vector<T>* to) {
    std::move(from.begin(), from.end(), std::back_inserter(*to));
  }

  void ReadDocument(const NodeReader& reader, const YAML::Node& document, FileEntries* file) {
    std::optional<Fields> fields = reader.Map(Field::Entry(document), kDocumentKeys);
    if (!fields.has_value()) return;
    for (const auto& [key, field] : fields->pairs()) {
      if (key == "logging") {
        ReadLogging(reader, field, file);
        continue;
      }
      std::optional<std::vector<YAML::Node>> entries = reader.Sequence(field);
      if (!entries.has_value()) continue;
      for (const YAML::Node& entry : *entries) {
        if (key == "devices") ReadDevice(reader, entry, file);
        if (key == "groups") ReadGroup(reader, entry, file);
        if (key == "policies") ReadPolicy(reader, entry, file);
      }
    }
  }

  using NameMap = std::map<std::string, SourceLocation>;

  // A reader whose diagnostics name the entry, "in device 'cam-0001' (file:3:5)", when
  // it has a name.
  static NodeReader EntryReader(const NodeReader& reader, const YAML::Node& node,
                                const char* kind) {
    std::optional<std::string> name = rules::PeekScalar(node, "name");
    if (!name.has_value()) return reader;
    return reader.WithNote(absl::StrCat("in ", kind, " '", *name, "' (",
                                        rules::FormatLocation(reader.Locate(node)), ")"));
  }

  // The entry's name, checked to be defined once per kind across the import: not in
  // the files imported so far (`imported`) nor before in this file (`in_file`).
  static std::optional<std::string> ReadName(const NodeReader& r, const Fields& fields,
                                             const char* kind, const NameMap& imported,
                                             NameMap* in_file) {
    const Field* field = r.Require(fields, "name");
    if (field == nullptr) return std::nullopt;
    std::optional<std::string> name = r.String(*field);
    if (!name.has_value()) return std::nullopt;
    const auto earlier = imported.find(*name);
    const auto [it, added] = in_file->emplace(*name, r.Locate(fields.node()));
    if (earlier != imported.end() || !added) {
      const SourceLocation& first = earlier != imported.end() ? earlier->second : it->second;
      r.WithNote(absl::StrCat("first defined at ", rules::FormatLocation(first)))
          .Error(r.Locate(*field), "E_DUPLICATE",
                 absl::StrCat(kind, " '", *name, "' is defined twice"));
      return std::nullopt;
    }
    return name;
  }

  static std::optional<std::vector<std::string>> StringList(const NodeReader& reader,
                                                            const Field& field) {
    std::optional<std::vector<YAML::Node>> entries = reader.Sequence(field);
    if (!entries.has_value()) return std::nullopt;
    std::vector<std::string> values;
    for (const YAML::Node& entry : *entries) {
      std::optional<std::string> value = reader.String(Field::Entry(entry));
      if (!value.has_value()) return std::nullopt;
      values.push_back(*std::move(value));
    }
    return values;
  }

  static bool StringMap(const NodeReader& reader, const Field& field,
                        google::protobuf::Map<std::string, std::string>* out) {
    std::optional<Fields> fields = reader.Map(field, {});
    if (!fields.has_value()) return false;
    for (const auto& [key, value_field] : fields->pairs()) {
      std::optional<std::string> value = reader.String(value_field);
      if (!value.has_value()) return false;
      (*out)[key] = *std::move(value);
    }
    return true;
  }

  static void SetString(const NodeReader& reader, const Field& field, std::string* out) {
    if (std::optional<std::string> value = reader.String(field)) *out = *std::move(value);
  }

  static void SetStrings(const NodeReader& reader, const Field& field,
                         google::protobuf::RepeatedPtrField<std::string>* out) {
    if (std::optional<std::vector<std::string>> values = StringList(reader, field)) {
      out->Assign(values->begin(), values->end());
    }
  }

  void ReadDevice(const NodeReader& reader, const YAML::Node& node, FileEntries* file) {
    if (std::optional<std::string> name = rules::PeekScalar(node, "name")) {
      declared_devices_.insert(*name);
    }
    const NodeReader r = EntryReader(reader, node, "device");
    std::optional<Fields> fields = r.Map(Field::Entry(node), kDeviceKeys);
    if (!fields.has_value()) return;
    std::optional<std::string> name =
        ReadName(r, *fields, "device", imported_.devices, &file_.devices);
    if (!name.has_value()) return;
    Located<v1::RegisteredDevice> device{r.Locate(fields->node()), {}};
    v1::RegisteredDevice& d = device.item;
    d.set_name(*name);
    d.set_active(true);
    for (const auto& [key, field] : fields->pairs()) {
      if (key == "attributes") StringMap(r, field, d.mutable_attributes());
      if (key == "groups") SetStrings(r, field, d.mutable_groups());
      if (key == "client_id") SetString(r, field, d.mutable_client_id());
      if (key == "firmware_version") SetString(r, field, d.mutable_firmware_version());
      if (key == "certificate_ids") SetStrings(r, field, d.mutable_certificate_ids());
      if (key == "active") {
        if (std::optional<bool> active = r.Bool(field)) d.set_active(*active);
      }
    }
    file->devices.push_back(std::move(device));
  }

  void ReadGroup(const NodeReader& reader, const YAML::Node& node, FileEntries* file) {
    const NodeReader r = EntryReader(reader, node, "group");
    std::optional<Fields> fields = r.Map(Field::Entry(node), kGroupKeys);
    if (!fields.has_value()) return;
    std::optional<std::string> name =
        ReadName(r, *fields, "group", imported_.groups, &file_.groups);
    if (!name.has_value()) return;
    Located<v1::DeviceGroup> group{r.Locate(fields->node()), {}};
    v1::DeviceGroup& g = group.item;
    g.set_name(*name);
    for (const auto& [key, field] : fields->pairs()) {
      if (key == "description") SetString(r, field, g.mutable_description());
      if (key == "attribute_selector") StringMap(r, field, g.mutable_attribute_selector());
      if (key == "min_firmware_version") SetString(r, field, g.mutable_min_firmware_version());
    }
    file->groups.push_back(std::move(group));
  }

  void ReadPolicy(const NodeReader& reader, const YAML::Node& node, FileEntries* file) {
    const NodeReader r = EntryReader(reader, node, "policy");
    std::optional<Fields> fields = r.Map(Field::Entry(node), kPolicyKeys);
    if (!fields.has_value()) return;
    std::optional<std::string> name =
        ReadName(r, *fields, "policy", imported_.policies, &file_.policies);
    if (!name.has_value()) return;
    Located<v1::Policy> policy{r.Locate(fields->node()), {}};
    v1::Policy& p = policy.item;
    p.set_name(*name);
    if (const Field* document = r.Require(*fields, "document")) {
      if (document->value.IsMap() || document->value.IsSequence()) {
        p.set_document(YamlToJson(document->value).dump());
      } else {
        SetString(r, *document, p.mutable_document());
      }
    }
    if (const Field* ids = fields->Find("attached_certificate_ids")) {
      SetStrings(r, *ids, p.mutable_attached_certificate_ids());
    }
    file->policies.push_back(std::move(policy));
  }

  void ReadLogging(const NodeReader& reader, const Field& field, FileEntries* file) {
    std::optional<Fields> fields = reader.Map(field, kLoggingKeys);
    if (!fields.has_value()) return;
    const SourceLocation at = reader.Locate(field);
    const std::optional<SourceLocation>& first =
        imported_.logging.has_value() ? imported_.logging : file_.logging;
    if (first.has_value()) {
      reader.WithNote(absl::StrCat("first given at ", rules::FormatLocation(*first)))
          .Error(reader.Locate(field.key), "E_DUPLICATE", "logging settings are given twice");
      return;
    }
    file_.logging = at;
    Located<v1::LoggingSettings> logging{at, {}};
    for (const std::string_view key : kLoggingKeys) {
      const Field* value = reader.Require(*fields, key);
      if (value == nullptr) continue;
      std::optional<bool> enabled = reader.Bool(*value);
      if (!enabled.has_value()) continue;
      if (key == "broker_logging_enabled") logging.item.set_broker_logging_enabled(*enabled);
      if (key == "device_logging_enabled") logging.item.set_device_logging_enabled(*enabled);
    }
    file->logging = std::move(logging);
  }

  // Where each name was defined, in the files read without error and in this file.
  struct Names {
    std::map<std::string, SourceLocation> devices, groups, policies;
    std::optional<SourceLocation> logging;
  };

  ImportPlan& plan_;
  std::set<std::string>& declared_devices_;
  Names imported_;
  Names file_;
};

// The PEM CRLs of `text`, each from its BEGIN line to its END line.
std::vector<std::string> SplitPemCrls(const std::string& text) {
  std::vector<std::string> blocks;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(kCrlEnd, start);
    if (end == std::string::npos) return blocks;
    const size_t begin = text.rfind("-----BEGIN", end);
    if (begin != std::string::npos && begin >= start) {
      blocks.push_back(absl::StrCat(text.substr(begin, end + kCrlEnd.size() - begin), "\n"));
    }
    start = end + kCrlEnd.size();
  }
}

// Reads the PEM certificates and CRLs. CRLs are matched to the CA certificate with the
// same name in the same folder (cas/root.crl belongs to cas/root.crt or cas/root.pem).
class PemReader {
 public:
  PemReader(ImportPlan* plan, const std::set<std::string>* declared_devices)
      : plan_(*plan), declared_devices_(*declared_devices) {}

  void ReadCa(const DirectoryFile& file) {
    absl::StatusOr<std::string> pem = ReadCertificatePem(file);
    if (!pem.ok() || pem->empty()) return;
    absl::StatusOr<audit::CertificateInfo> info = audit::ParseCertificatePem(*pem);
    if (!info.ok()) {
      Error(file.name, "E_CERTIFICATE", info.status().message());
      return;
    }
    if (!info->is_ca) {
      Error(file.name, "E_CERTIFICATE",
            absl::StrCat("'", info->subject,
                         "' is not a CA certificate (no basicConstraints CA:TRUE); device "
                         "certificates go outside cas/"));
      return;
    }
    CaFile ca;
    ca.at = WholeFile(file.name);
    ca.request.set_pem(*std::move(pem));
    ca.request.set_status(v1::ACTIVE);
    ca.subject = info->subject;
    ca.issuer = info->issuer;
    cas_by_stem_[StemKey(file.relative)] = plan_.cas.size();
    plan_.cas.push_back(std::move(ca));
  }

  void ReadDeviceCertificate(const DirectoryFile& file) {
    absl::StatusOr<std::string> pem = ReadCertificatePem(file);
    if (!pem.ok() || pem->empty()) return;
    Located<v1::RegisterCertificateRequest> certificate{WholeFile(file.name), {}};
    certificate.item.set_pem(*std::move(pem));
    certificate.item.set_status(v1::ACTIVE);
    certificate.item.set_device(DeviceOf(file.relative));
    plan_.certificates.push_back(std::move(certificate));
  }

  // After every CA is read: adds each CRL to its CA's request. A CRL with an error
  // keeps its CA out of the import too, so no CA is registered without its CRLs.
  void ReadCrl(const DirectoryFile& file) {
    plan_.files.push_back(file.name);
    if (!UnderFolder(file.relative, "cas")) {
      Error(file.name, "E_CRL", "a CRL belongs next to its CA certificate under cas/");
      return;
    }
    const auto it = cas_by_stem_.find(StemKey(file.relative));
    if (it == cas_by_stem_.end()) {
      const std::string stem = file.relative.stem().string();
      Error(file.name, "E_CRL",
            absl::StrCat("no CA certificate '", stem, ".crt' or '", stem,
                         ".pem' next to this CRL (a CRL is matched to its CA by name)"));
      return;
    }
    CaFile& ca = plan_.cas[it->second];
    absl::StatusOr<std::string> text = ReadWholeFile(file.name);
    if (!text.ok()) {
      FailCrl(file.name, &ca, "E_IO", text.status().message());
      return;
    }
    const std::vector<std::string> crls = SplitPemCrls(*text);
    if (crls.empty()) {
      FailCrl(file.name, &ca, "E_CRL", "no PEM CRL (-----BEGIN X509 CRL-----) in the file");
      return;
    }
    for (const std::string& crl : crls) {
      absl::StatusOr<audit::CrlInfo> info = audit::ParseCrlPem(crl, ca.request.pem());
      if (!info.ok()) {
        FailCrl(file.name, &ca, "E_CRL",
                absl::StrCat("not a CRL of '", ca.subject, "': ", info.status().message()));
        return;
      }
      ca.request.add_crl_pems(crl);
    }
    ca.crl_files.emplace_back(file.name, static_cast<int>(crls.size()));
  }

  // Keeps the CAs that had no CRL error, issuers first.
  void Finish() {
    std::vector<CaFile> kept;
    for (CaFile& ca : plan_.cas) {
      if (failed_cas_.count(ca.at.file) == 0) kept.push_back(std::move(ca));
    }
    plan_.cas = OrderCasByIssuer(std::move(kept));
  }

 private:
  static std::string StemKey(const fs::path& relative) {
    return (relative.parent_path() / relative.stem()).generic_string();
  }

  void Error(const std::string& file, std::string code, absl::string_view message) {
    plan_.diagnostics.Error(WholeFile(file), std::move(code), std::string(message));
    plan_.failed_files.insert(file);
  }

  void FailCrl(const std::string& file, CaFile* ca, std::string code, absl::string_view message) {
    Error(file, std::move(code), message);
    Error(ca->at.file, "E_CRL", absl::StrCat("not imported: its CRL '", file, "' has an error"));
    failed_cas_.insert(ca->at.file);
  }

  // The file's text when it holds a PEM certificate; "" for a .pem file without one (a
  // key, say), which is not a certificate to import and not one of the plan's files.
  absl::StatusOr<std::string> ReadCertificatePem(const DirectoryFile& file) {
    absl::StatusOr<std::string> text = ReadWholeFile(file.name);
    const bool certificate = text.ok() && absl::StrContains(*text, kCertificateBegin);
    const bool pem_file = absl::AsciiStrToLower(file.relative.extension().string()) == ".pem";
    if (text.ok() && !certificate && pem_file) return std::string();
    plan_.files.push_back(file.name);
    if (!text.ok()) {
      Error(file.name, "E_IO", text.status().message());
      return text.status();
    }
    if (certificate) return text;
    Error(file.name, "E_CERTIFICATE",
          "no PEM certificate (-----BEGIN CERTIFICATE-----) in the file; if it is DER, convert "
          "it with 'openssl x509 -inform der'");
    return absl::InvalidArgumentError("no certificate");
  }

  // devices/<device>/<file> → <device>; <device>.crt for a device the import declares.
  std::string DeviceOf(const fs::path& relative) const {
    const fs::path folder = relative.parent_path();
    if (folder.parent_path().filename() == "devices") return folder.filename().string();
    const std::string stem = relative.stem().string();
    return declared_devices_.count(stem) > 0 ? stem : "";
  }

  ImportPlan& plan_;
  const std::set<std::string>& declared_devices_;
  std::map<std::string, size_t> cas_by_stem_;  // "cas/root" → index in plan_.cas
  std::set<std::string> failed_cas_;
};

}  // namespace

std::vector<CaFile> OrderCasByIssuer(std::vector<CaFile> cas) {
  std::map<std::string, int> pending_subjects;
  for (const CaFile& ca : cas) ++pending_subjects[ca.subject];
  std::vector<CaFile> ordered;
  std::vector<CaFile> pending = std::move(cas);
  // Each pass takes every CA whose issuer is not still waiting, in file order; a pass
  // that takes none means a cycle.
  while (!pending.empty()) {
    std::vector<CaFile> waiting;
    for (CaFile& ca : pending) {
      const bool issuer_pending = ca.issuer != ca.subject && pending_subjects[ca.issuer] > 0;
      if (issuer_pending) {
        waiting.push_back(std::move(ca));
        continue;
      }
      --pending_subjects[ca.subject];
      ordered.push_back(std::move(ca));
    }
    if (waiting.size() == pending.size()) {
      std::move(waiting.begin(), waiting.end(), std::back_inserter(ordered));
      break;
    }
    pending = std::move(waiting);
  }
  return ordered;
}

absl::StatusOr<ImportPlan> ReadImportDirectory(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    if (fs::exists(dir, error)) {
      return absl::InvalidArgumentError(absl::StrCat("'", dir, "' is not a directory"));
    }
    return absl::NotFoundError(absl::StrCat("no directory '", dir, "'"));
  }
  std::vector<DirectoryFile> files;
  fs::recursive_directory_iterator it(dir, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (Hidden(it->path())) {
      if (it->is_directory(error)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(error)) continue;
    DirectoryFile file;
    file.relative = fs::relative(it->path(), dir, error);
    file.name = (fs::path(dir) / file.relative).generic_string();
    file.kind = Classify(file.relative);
    if (file.kind != FileKind::kOther) files.push_back(std::move(file));
  }
  if (error) {
    return absl::NotFoundError(absl::StrCat("cannot read directory '", dir,
                                            "': ", absl::AsciiStrToLower(error.message())));
  }
  std::sort(files.begin(), files.end(),
            [](const DirectoryFile& a, const DirectoryFile& b) { return a.name < b.name; });

  ImportPlan plan;
  std::set<std::string> declared_devices;
  DocumentReader documents(&plan, &declared_devices);
  for (const DirectoryFile& file : files) {
    if (file.kind != FileKind::kDocuments) continue;
    documents.ReadFile(file.name);
    plan.files.push_back(file.name);
  }
  PemReader pems(&plan, &declared_devices);
  for (const DirectoryFile& file : files) {
    if (file.kind == FileKind::kCaCertificate) pems.ReadCa(file);
    if (file.kind == FileKind::kDeviceCertificate) pems.ReadDeviceCertificate(file);
  }
  for (const DirectoryFile& file : files) {
    if (file.kind == FileKind::kCrl) pems.ReadCrl(file);
  }
  pems.Finish();
  std::sort(plan.files.begin(), plan.files.end());
  return plan;
}

}  // namespace warden::tools
