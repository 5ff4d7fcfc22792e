#include "services/registry_service.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "audit/certificate.h"
#include "audit/policy.h"
#include "google/protobuf/util/time_util.h"
#include "services/grpc_status.h"
#include "services/report_validation.h"

namespace warden::services {
namespace {

using google::protobuf::util::TimeUtil;

constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxClientIdBytes = 128;
constexpr size_t kMaxStringBytes = 256;
constexpr size_t kMaxDescriptionBytes = 1024;
constexpr size_t kMaxAttributes = 64;
constexpr size_t kMaxDeviceListItems = 64;
constexpr size_t kMaxPolicyCertificates = 1000;
constexpr size_t kMaxPemBytes = 64 << 10;
constexpr size_t kMaxCrls = 64;
constexpr int kMaxPageSize = 1000;

// A value for an error message: quoted, non-printable bytes escaped, long ones cut.
std::string Quote(const std::string& value) {
  constexpr size_t kShown = 64;
  if (value.size() <= kShown) return absl::StrCat("'", absl::CHexEscape(value), "'");
  return absl::StrCat("'", absl::CHexEscape(value.substr(0, kShown)), "...'");
}

grpc::Status NotFound(const std::string& what) {
  return grpc::Status(grpc::StatusCode::NOT_FOUND, what);
}

// Group and policy names: 1-128 of [a-zA-Z0-9_-].
bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// Certificate ids: the SHA-256 of the DER as 64 lower-case hex digits.
bool IsCertificateId(const std::string& id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

// "2.4.1": dot-separated decimal numbers, as the firmware check compares them.
bool IsDottedVersion(const std::string& version) {
  for (absl::string_view part : absl::StrSplit(version, '.')) {
    uint64_t number = 0;
    const bool digits = std::all_of(part.begin(), part.end(), [](char c) {
      return absl::ascii_isdigit(static_cast<unsigned char>(c));
    });
    if (part.empty() || !digits || !absl::SimpleAtoi(part, &number)) return false;
  }
  return true;
}

grpc::Status CheckDeviceName(const std::string& path, const std::string& name) {
  if (name.empty()) return InvalidField(path, "required");
  if (!IsValidDeviceId(name)) {
    return InvalidField(path, absl::StrCat(Quote(name),
                                           " is not a device name (1-128 characters of "
                                           "[a-zA-Z0-9:_.-])"));
  }
  return grpc::Status::OK;
}

grpc::Status CheckName(const std::string& path, const std::string& name) {
  if (name.empty()) return InvalidField(path, "required");
  if (!IsValidName(name)) {
    return InvalidField(path, absl::StrCat(Quote(name),
                                           " is not a valid name (1-128 characters of "
                                           "[a-zA-Z0-9_-])"));
  }
  return grpc::Status::OK;
}

grpc::Status CheckCertificateId(const std::string& path, const std::string& id) {
  if (id.empty()) return InvalidField(path, "required");
  if (!IsCertificateId(id)) {
    return InvalidField(path, absl::StrCat(Quote(id),
                                           " is not a certificate id (the SHA-256 of the DER "
                                           "as 64 lower-case hex digits)"));
  }
  return grpc::Status::OK;
}

grpc::Status CheckLength(const std::string& path, const std::string& value, size_t max_bytes) {
  if (value.size() > max_bytes) {
    return InvalidField(path, absl::StrCat("is ", value.size(), " bytes, at most ", max_bytes));
  }
  return grpc::Status::OK;
}

grpc::Status CheckAttributes(const std::string& path,
                             const google::protobuf::Map<std::string, std::string>& attributes) {
  if (attributes.size() > kMaxAttributes) {
    return InvalidField(path,
                        absl::StrCat(attributes.size(), " entries, at most ", kMaxAttributes));
  }
  // In key order, so the first problem reported is always the same one.
  const std::map<std::string, std::string> sorted(attributes.begin(), attributes.end());
  for (const auto& [key, value] : sorted) {
    if (key.empty()) return InvalidField(path, "a key is empty");
    if (key.size() > kMaxStringBytes) {
      return InvalidField(path, absl::StrCat("key ", Quote(key), " is ", key.size(),
                                             " bytes, at most ", kMaxStringBytes));
    }
    const std::string entry = absl::StrCat(path, "[\"", absl::CHexEscape(key), "\"]");
    if (grpc::Status s = CheckLength(entry, value, kMaxStringBytes); !s.ok()) return s;
  }
  return grpc::Status::OK;
}

// A list of names or ids: at most `max_items`, each valid per `check`, no duplicates.
grpc::Status CheckList(const std::string& path,
                       const google::protobuf::RepeatedPtrField<std::string>& items,
                       size_t max_items,
                       grpc::Status (*check)(const std::string& path, const std::string& item)) {
  if (static_cast<size_t>(items.size()) > max_items) {
    return InvalidField(path, absl::StrCat(items.size(), " items, at most ", max_items));
  }
  std::set<std::string> seen;
  for (int i = 0; i < items.size(); ++i) {
    const std::string item_path = absl::StrCat(path, "[", i, "]");
    if (grpc::Status s = check(item_path, items[i]); !s.ok()) return s;
    if (!seen.insert(items[i]).second) {
      return InvalidField(item_path, absl::StrCat("duplicate ", Quote(items[i])));
    }
  }
  return grpc::Status::OK;
}

grpc::Status CheckClientId(const std::string& path, const std::string& client_id) {
  if (grpc::Status s = CheckLength(path, client_id, kMaxClientIdBytes); !s.ok()) return s;
  if (client_id.find('\0') != std::string::npos) return InvalidField(path, "contains a NUL byte");
  return grpc::Status::OK;
}

grpc::Status CheckPem(const std::string& path, const std::string& pem) {
  if (pem.empty()) return InvalidField(path, "required");
  return CheckLength(path, pem, kMaxPemBytes);
}

// Registration status: a known value; UNSPECIFIED only where `optional`.
grpc::Status CheckStatus(v1::CertificateStatus status, bool optional) {
  if (!v1::CertificateStatus_IsValid(status)) {
    return InvalidField("status", absl::StrCat("unknown certificate status ", status));
  }
  if (!optional && status == v1::CERTIFICATE_STATUS_UNSPECIFIED) {
    return InvalidField("status", "required (ACTIVE, INACTIVE or REVOKED)");
  }
  return grpc::Status::OK;
}

grpc::Status CheckTimestamp(const std::string& path, const google::protobuf::Timestamp& t) {
  if (t.seconds() < 0 || t.seconds() > TimeUtil::kTimestampMaxSeconds || t.nanos() < 0 ||
      t.nanos() > 999'999'999) {
    return InvalidField(path, absl::StrCat("invalid time ", t.seconds(), "s ", t.nanos(),
                                           "ns (from 1970 to 9999)"));
  }
  return grpc::Status::OK;
}

grpc::Status CheckIp(const std::string& path, const std::string& ip) {
  unsigned char address[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, ip.c_str(), address) == 1 ||
      inet_pton(AF_INET6, ip.c_str(), address) == 1) {
    return grpc::Status::OK;
  }
  return InvalidField(path, absl::StrCat(Quote(ip), " is not an IPv4 or IPv6 address"));
}

grpc::Status CheckListRequest(const v1::ListRegistryRequest& request, bool takes_kind) {
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return InvalidField("page_size",
                        absl::StrCat("must be 0-", kMaxPageSize, " (0: the default, 100), got ",
                                     request.page_size()));
  }
  if (!takes_kind && !request.kind().empty()) {
    return InvalidField("kind", "only ListCertificates takes a kind");
  }
  return grpc::Status::OK;
}

grpc::Status CheckDevice(const v1::RegisteredDevice& d) {
  if (grpc::Status s = CheckDeviceName("name", d.name()); !s.ok()) return s;
  if (grpc::Status s = CheckAttributes("attributes", d.attributes()); !s.ok()) return s;
  if (grpc::Status s = CheckList("groups", d.groups(), kMaxDeviceListItems, CheckName); !s.ok()) {
    return s;
  }
  if (grpc::Status s = CheckClientId("client_id", d.client_id()); !s.ok()) return s;
  if (grpc::Status s = CheckLength("firmware_version", d.firmware_version(), kMaxStringBytes);
      !s.ok()) {
    return s;
  }
  return CheckList("certificate_ids", d.certificate_ids(), kMaxDeviceListItems, CheckCertificateId);
}

grpc::Status CheckGroup(const v1::DeviceGroup& g) {
  if (grpc::Status s = CheckName("name", g.name()); !s.ok()) return s;
  if (grpc::Status s = CheckLength("description", g.description(), kMaxDescriptionBytes); !s.ok()) {
    return s;
  }
  if (grpc::Status s = CheckAttributes("attribute_selector", g.attribute_selector()); !s.ok()) {
    return s;
  }
  if (!g.min_firmware_version().empty()) {
    if (grpc::Status s =
            CheckLength("min_firmware_version", g.min_firmware_version(), kMaxStringBytes);
        !s.ok()) {
      return s;
    }
    if (!IsDottedVersion(g.min_firmware_version())) {
      return InvalidField("min_firmware_version",
                          absl::StrCat(Quote(g.min_firmware_version()),
                                       " is not a dotted numeric version, e.g. 2.4.1"));
    }
  }
  return grpc::Status::OK;
}

grpc::Status CheckPolicy(const v1::Policy& p) {
  if (grpc::Status s = CheckName("name", p.name()); !s.ok()) return s;
  if (p.document().empty()) return InvalidField("document", "required");
  if (grpc::Status s = CheckLength("document", p.document(), kMaxPemBytes); !s.ok()) return s;
  if (absl::StatusOr<std::vector<audit::PolicyIssue>> issues = audit::AnalyzePolicy(p.document());
      !issues.ok()) {
    // "invalid policy document: Statement[0]: ..." reads as "document: Statement[0]: ...".
    absl::string_view message = issues.status().message();
    absl::ConsumePrefix(&message, "invalid policy document: ");
    absl::ConsumePrefix(&message, "document: ");
    return InvalidField("document", std::string(message));
  }
  return CheckList("attached_certificate_ids", p.attached_certificate_ids(), kMaxPolicyCertificates,
                   CheckCertificateId);
}

grpc::Status CheckConnection(const v1::ConnectionObservation& c) {
  if (c.client_id().empty()) return InvalidField("client_id", "required");
  if (grpc::Status s = CheckClientId("client_id", c.client_id()); !s.ok()) return s;
  if (!c.device().empty()) {
    if (grpc::Status s = CheckDeviceName("device", c.device()); !s.ok()) return s;
  }
  if (!c.certificate_id().empty()) {
    if (grpc::Status s = CheckCertificateId("certificate_id", c.certificate_id()); !s.ok()) {
      return s;
    }
  }
  if (!c.source_ip().empty()) {
    if (grpc::Status s = CheckIp("source_ip", c.source_ip()); !s.ok()) return s;
  }
  if (!c.has_connected_at()) return InvalidField("connected_at", "required");
  if (grpc::Status s = CheckTimestamp("connected_at", c.connected_at()); !s.ok()) return s;
  if (c.has_disconnected_at()) {
    if (grpc::Status s = CheckTimestamp("disconnected_at", c.disconnected_at()); !s.ok()) {
      return s;
    }
    if (c.disconnected_at() < c.connected_at()) {
      return InvalidField("disconnected_at",
                          absl::StrCat(TimeUtil::ToString(c.disconnected_at()), " is before ",
                                       "connected_at ", TimeUtil::ToString(c.connected_at())));
    }
  }
  return grpc::Status::OK;
}

// Reads the one certificate of field `pem` into a registration.
grpc::Status ReadCertificate(const std::string& pem,
                             RegistryStore::CertificateRegistration* registration) {
  if (grpc::Status s = CheckPem("pem", pem); !s.ok()) return s;
  absl::StatusOr<std::vector<std::string>> pems = audit::SplitPemCertificates(pem);
  if (!pems.ok()) return InvalidField("pem", std::string(pems.status().message()));
  if (pems->size() != 1) {
    return InvalidField(
        "pem", absl::StrCat("holds ", pems->size(), " certificates; register one per request"));
  }
  absl::StatusOr<audit::CertificateInfo> info = audit::ParseCertificatePem(pems->front());
  if (!info.ok()) return InvalidField("pem", std::string(info.status().message()));
  registration->pem = std::move(pems->front());
  registration->info = *std::move(info);
  return grpc::Status::OK;
}

template <typename T, typename Field>
void MovePage(store::Page<T>&& page, Field* items, std::string* next_page_token) {
  for (T& item : page.items) *items->Add() = std::move(item);
  *next_page_token = std::move(page.next_page_token);
}

}  // namespace

RegistryServiceImpl::RegistryServiceImpl(RegistryStore* registry) : registry_(registry) {}

grpc::Status RegistryServiceImpl::PutDevice(grpc::ServerContext* context,
                                            const v1::RegisteredDevice* request,
                                            v1::RegisteredDevice* response) {
  if (grpc::Status s = CheckDevice(*request); !s.ok()) return s;
  absl::StatusOr<v1::RegisteredDevice> stored = registry_->PutDevice(*request);
  if (!stored.ok()) return ToGrpc(stored.status());
  *response = *std::move(stored);
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::GetDevice(grpc::ServerContext* context,
                                            const v1::GetRegistryItemRequest* request,
                                            v1::RegisteredDevice* response) {
  if (grpc::Status s = CheckDeviceName("id", request->id()); !s.ok()) return s;
  absl::StatusOr<std::optional<v1::RegisteredDevice>> device = registry_->GetDevice(request->id());
  if (!device.ok()) return ToGrpc(device.status());
  if (!device->has_value()) return NotFound(absl::StrCat("no device '", request->id(), "'"));
  *response = **std::move(device);
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::ListDevices(grpc::ServerContext* context,
                                              const v1::ListRegistryRequest* request,
                                              v1::ListDevicesResponse* response) {
  if (grpc::Status s = CheckListRequest(*request, false); !s.ok()) return s;
  auto page = registry_->ListDevices(request->page_token(), request->page_size());
  if (!page.ok()) return ToGrpc(page.status());
  MovePage(*std::move(page), response->mutable_devices(), response->mutable_next_page_token());
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::DeleteDevice(grpc::ServerContext* context,
                                               const v1::GetRegistryItemRequest* request,
                                               v1::DeleteResponse* response) {
  if (grpc::Status s = CheckDeviceName("id", request->id()); !s.ok()) return s;
  absl::StatusOr<bool> deleted = registry_->DeleteDevice(request->id());
  if (!deleted.ok()) return ToGrpc(deleted.status());
  response->set_deleted(*deleted);
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::PutGroup(grpc::ServerContext* context,
                                           const v1::DeviceGroup* request,
                                           v1::DeviceGroup* response) {
  if (grpc::Status s = CheckGroup(*request); !s.ok()) return s;
  if (absl::Status s = registry_->PutGroup(*request); !s.ok()) return ToGrpc(s);
  *response = *request;
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::ListGroups(grpc::ServerContext* context,
                                             const v1::ListRegistryRequest* request,
                                             v1::ListGroupsResponse* response) {
  if (grpc::Status s = CheckListRequest(*request, false); !s.ok()) return s;
  auto page = registry_->ListGroups(request->page_token(), request->page_size());
  if (!page.ok()) return ToGrpc(page.status());
  MovePage(*std::move(page), response->mutable_groups(), response->mutable_next_page_token());
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::RegisterCertificate(grpc::ServerContext* context,
                                                      const v1::RegisterCertificateRequest* request,
                                                      v1::CertificateDescription* response) {
  RegistryStore::CertificateRegistration registration;
  if (grpc::Status s = ReadCertificate(request->pem(), &registration); !s.ok()) return s;
  if (registration.info.is_ca) {
    return InvalidField("pem", absl::StrCat("certificate ", Quote(registration.info.subject),
                                            " is a CA (basicConstraints CA:TRUE); register it "
                                            "with RegisterCaCertificate"));
  }
  if (grpc::Status s = CheckStatus(request->status(), /*optional=*/true); !s.ok()) return s;
  if (!request->device().empty()) {
    if (grpc::Status s = CheckDeviceName("device", request->device()); !s.ok()) return s;
  }
  registration.status = request->status();
  registration.device = request->device();
  absl::StatusOr<v1::CertificateDescription> stored = registry_->RegisterCertificate(registration);
  if (!stored.ok()) return ToGrpc(stored.status());
  *response = *std::move(stored);
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::RegisterCaCertificate(
    grpc::ServerContext* context, const v1::RegisterCaCertificateRequest* request,
    v1::CertificateDescription* response) {
  RegistryStore::CertificateRegistration registration;
  if (grpc::Status s = ReadCertificate(request->pem(), &registration); !s.ok()) return s;
  if (!registration.info.is_ca) {
    return InvalidField("pem", absl::StrCat("certificate ", Quote(registration.info.subject),
                                            " is not a CA (no basicConstraints CA:TRUE); "
                                            "register it with RegisterCertificate"));
  }
  if (grpc::Status s = CheckStatus(request->status(), /*optional=*/true); !s.ok()) return s;
  if (static_cast<size_t>(request->crl_pems_size()) > kMaxCrls) {
    return InvalidField("crl_pems",
                        absl::StrCat(request->crl_pems_size(), " CRLs, at most ", kMaxCrls));
  }
  for (int i = 0; i < request->crl_pems_size(); ++i) {
    const std::string path = absl::StrCat("crl_pems[", i, "]");
    if (grpc::Status s = CheckPem(path, request->crl_pems(i)); !s.ok()) return s;
    absl::StatusOr<audit::CrlInfo> crl = audit::ParseCrlPem(request->crl_pems(i), registration.pem);
    if (absl::IsFailedPrecondition(crl.status())) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          absl::StrCat(path, ": ", crl.status().message()));
    }
    if (!crl.ok()) return InvalidField(path, std::string(crl.status().message()));
    registration.crl_pems.push_back(request->crl_pems(i));
    registration.revoked_serials += static_cast<int>(crl->revoked_serials.size());
  }
  registration.status = request->status();
  absl::StatusOr<v1::CertificateDescription> stored = registry_->RegisterCertificate(registration);
  if (!stored.ok()) return ToGrpc(stored.status());
  *response = *std::move(stored);
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::SetCertificateStatus(
    grpc::ServerContext* context, const v1::SetCertificateStatusRequest* request,
    v1::CertificateDescription* response) {
  if (grpc::Status s = CheckCertificateId("id", request->id()); !s.ok()) return s;
  if (grpc::Status s = CheckStatus(request->status(), /*optional=*/false); !s.ok()) return s;
  absl::StatusOr<v1::CertificateDescription> stored =
      registry_->SetCertificateStatus(request->id(), request->status());
  if (!stored.ok()) return ToGrpc(stored.status());
  *response = *std::move(stored);
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::GetCertificate(grpc::ServerContext* context,
                                                 const v1::GetRegistryItemRequest* request,
                                                 v1::CertificateDescription* response) {
  if (grpc::Status s = CheckCertificateId("id", request->id()); !s.ok()) return s;
  absl::StatusOr<std::optional<v1::StoredCertificate>> stored =
      registry_->GetCertificate(request->id());
  if (!stored.ok()) return ToGrpc(stored.status());
  if (!stored->has_value()) {
    return NotFound(absl::StrCat("no certificate with id '", request->id(), "'"));
  }
  *response = (*stored)->description();
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::ListCertificates(grpc::ServerContext* context,
                                                   const v1::ListRegistryRequest* request,
                                                   v1::ListCertificatesResponse* response) {
  if (grpc::Status s = CheckListRequest(*request, true); !s.ok()) return s;
  RegistryStore::CertificateKind kind;
  if (request->kind().empty()) {
    kind = RegistryStore::CertificateKind::kAll;
  } else if (request->kind() == "device") {
    kind = RegistryStore::CertificateKind::kDevice;
  } else if (request->kind() == "ca") {
    kind = RegistryStore::CertificateKind::kCa;
  } else {
    return InvalidField("kind", absl::StrCat(Quote(request->kind()),
                                             " is not a kind (\"device\", \"ca\" or \"\")"));
  }
  auto page = registry_->ListCertificates(kind, request->page_token(), request->page_size());
  if (!page.ok()) return ToGrpc(page.status());
  MovePage(*std::move(page), response->mutable_certificates(), response->mutable_next_page_token());
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::PutPolicy(grpc::ServerContext* context, const v1::Policy* request,
                                            v1::Policy* response) {
  if (grpc::Status s = CheckPolicy(*request); !s.ok()) return s;
  if (absl::Status s = registry_->PutPolicy(*request); !s.ok()) return ToGrpc(s);
  *response = *request;
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::ListPolicies(grpc::ServerContext* context,
                                               const v1::ListRegistryRequest* request,
                                               v1::ListPoliciesResponse* response) {
  if (grpc::Status s = CheckListRequest(*request, false); !s.ok()) return s;
  auto page = registry_->ListPolicies(request->page_token(), request->page_size());
  if (!page.ok()) return ToGrpc(page.status());
  MovePage(*std::move(page), response->mutable_policies(), response->mutable_next_page_token());
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::SetLoggingSettings(grpc::ServerContext* context,
                                                     const v1::LoggingSettings* request,
                                                     v1::LoggingSettings* response) {
  if (absl::Status s = registry_->PutLoggingSettings(*request); !s.ok()) return ToGrpc(s);
  *response = *request;
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::GetLoggingSettings(grpc::ServerContext* context,
                                                     const v1::GetLoggingSettingsRequest* request,
                                                     v1::LoggingSettings* response) {
  absl::StatusOr<v1::LoggingSettings> settings = registry_->GetLoggingSettings();
  if (!settings.ok()) return ToGrpc(settings.status());
  *response = *std::move(settings);
  return grpc::Status::OK;
}

grpc::Status RegistryServiceImpl::RecordConnection(grpc::ServerContext* context,
                                                   const v1::ConnectionObservation* request,
                                                   v1::ConnectionObservation* response) {
  if (grpc::Status s = CheckConnection(*request); !s.ok()) return s;
  if (absl::Status s = registry_->RecordConnection(*request); !s.ok()) return ToGrpc(s);
  *response = *request;
  return grpc::Status::OK;
}

}  // namespace warden::services
