// Certificate checks: expiry, age, key quality and revocation of CA and device certificates.
// Only ACTIVE certificates are evaluated, as AWS does (it adds PENDING_TRANSFER, which Warden
// does not have).

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/checks_internal.h"
#include "audit/key_quality.h"

namespace warden::audit::internal {
namespace {

constexpr char kDeviceCertificate[] = "DEVICE_CERTIFICATE";
constexpr char kCaCertificate[] = "CA_CERTIFICATE";

bool IsActive(CertificateStatus status) { return status == CertificateStatus::kActive; }

void CheckExpiry(const CertificateInfo& info, ResourceRef resource,
                 std::vector<ResourceRef> related, const CheckInput& input, CheckResult* result) {
  const int64_t threshold = int64_t{input.settings.expiring_threshold_days} * kSecondsPerDay;
  Finding finding;
  if (info.not_after <= input.now) {
    finding.reason_code = "CERTIFICATE_PAST_EXPIRATION";
    finding.reason =
        absl::StrCat("certificate ", info.subject, " expired ", FormatTime(info.not_after), " (",
                     RelativeDays(info.not_after, input.now), ")");
  } else if (info.not_after - input.now <= threshold) {
    finding.reason_code = "CERTIFICATE_APPROACHING_EXPIRATION";
    finding.reason =
        absl::StrCat("certificate ", info.subject, " expires ", FormatTime(info.not_after), " (",
                     RelativeDays(info.not_after, input.now), "; threshold ",
                     input.settings.expiring_threshold_days, " days)");
  } else {
    return;
  }
  finding.resource = std::move(resource);
  finding.related = std::move(related);
  result->findings.push_back(std::move(finding));
}

void CheckKeyQuality(const CertificateInfo& info, ResourceRef resource,
                     std::vector<ResourceRef> related, CheckResult* result) {
  const std::string weakness = WeakKeyReason(info);
  if (weakness.empty()) return;
  Finding finding;
  finding.resource = std::move(resource);
  finding.related = std::move(related);
  finding.reason_code = info.key_type == KeyType::kRsa && IsRocaVulnerable(info.rsa_modulus)
                            ? "CERTIFICATE_KEY_VULNERABILITY_CVE-2017-15361"
                            : "CERTIFICATE_KEY_SIZE_BELOW_MINIMUM";
  finding.reason = absl::StrCat("certificate ", info.subject, ": ", weakness);
  result->findings.push_back(std::move(finding));
}

// A device certificate's resource and its related devices.
struct DeviceCertificateRefs {
  ResourceRef resource;
  std::vector<ResourceRef> devices;
};

DeviceCertificateRefs RefsOf(const std::string& id,
                             const std::map<std::string, std::vector<std::string>>& devices) {
  DeviceCertificateRefs refs{{kDeviceCertificate, id}, {}};
  auto it = devices.find(id);
  if (it != devices.end()) AddDevices(it->second, &refs.devices);
  return refs;
}

// The registered CA `id`; nullptr and the error "<what>: ca <id> is not registered" when
// there is none.
const CaCertificate* FindCa(const Registry& registry, const std::string& id,
                            const std::string& what, CheckResult* result) {
  auto it = registry.cas.find(id);
  if (it != registry.cas.end()) return &it->second;
  result->errors.push_back(absl::StrCat(what, ": ca ", id, " is not registered"));
  return nullptr;
}

// Walks the chain of device certificate `id` up from its issuing CA to the first revoked CA
// (marked REVOKED, or on its issuer's CRL): a finding naming it, with the CA as related
// resource. Nothing when no CA is revoked; nothing and an error when the chain is broken.
std::optional<Finding> RevokedCaInChain(const Registry& registry, const std::string& id,
                                        const DeviceCertificate& cert, CheckResult* result) {
  const std::string what = absl::StrCat("certificate ", id);
  std::set<std::string> visited;
  for (std::string ca_id = cert.ca_id; !ca_id.empty();) {
    if (!visited.insert(ca_id).second) {
      result->errors.push_back(absl::StrCat(what, ": ca chain loops at ca ", ca_id));
      return std::nullopt;
    }
    const CaCertificate* ca = FindCa(registry, ca_id, what, result);
    if (ca == nullptr) return std::nullopt;
    Finding finding;
    finding.related = {{kCaCertificate, ca_id}};
    const std::string where = absl::StrCat("ca ", ca->info.subject, " (serial ", ca->info.serial,
                                           ") in the chain of ", cert.info.subject);
    if (ca->status == CertificateStatus::kRevoked) {
      finding.reason_code = "CA_STATUS_REVOKED";
      finding.reason = absl::StrCat(where, " is REVOKED");
      return finding;
    }
    if (ca->issuer_ca_id.empty()) return std::nullopt;
    const CaCertificate* issuer = FindCa(registry, ca->issuer_ca_id, what, result);
    if (issuer == nullptr) return std::nullopt;
    if (OnCrlOf(*issuer, ca->info.serial)) {
      finding.reason_code = "INTERMEDIATE_CA_REVOKED_BY_ISSUER";
      finding.reason = absl::StrCat(where, " is on the crl of its issuer ", issuer->info.subject);
      return finding;
    }
    ca_id = ca->issuer_ca_id;
  }
  return std::nullopt;
}

}  // namespace

void CaCertificateExpiring(const CheckInput& input, CheckResult* result) {
  for (const auto& [id, ca] : input.registry.cas) {
    if (!IsActive(ca.status)) continue;
    ++result->resources_evaluated;
    CheckExpiry(ca.info, {kCaCertificate, id}, {}, input, result);
  }
}

void DeviceCertificateExpiring(const CheckInput& input, CheckResult* result) {
  const auto devices = DevicesByCertificate(input.registry);
  for (const auto& [id, cert] : input.registry.certificates) {
    if (!IsActive(cert.status)) continue;
    ++result->resources_evaluated;
    DeviceCertificateRefs refs = RefsOf(id, devices);
    CheckExpiry(cert.info, std::move(refs.resource), std::move(refs.devices), input, result);
  }
}

void DeviceCertificateAge(const CheckInput& input, CheckResult* result) {
  const int days = input.settings.certificate_age_days;
  const auto devices = DevicesByCertificate(input.registry);
  for (const auto& [id, cert] : input.registry.certificates) {
    if (!IsActive(cert.status)) continue;
    ++result->resources_evaluated;
    const int64_t age = input.now - cert.info.not_before;
    if (age < int64_t{days} * kSecondsPerDay) continue;
    DeviceCertificateRefs refs = RefsOf(id, devices);
    Finding finding;
    finding.resource = std::move(refs.resource);
    finding.related = std::move(refs.devices);
    finding.reason_code = "CERTIFICATE_PAST_AGE_THRESHOLD";
    finding.reason = absl::StrCat("certificate ", cert.info.subject, " valid since ",
                                  FormatTime(cert.info.not_before), " (", age / kSecondsPerDay,
                                  " days; threshold ", days, " days)");
    result->findings.push_back(std::move(finding));
  }
}

void CaCertificateKeyQuality(const CheckInput& input, CheckResult* result) {
  for (const auto& [id, ca] : input.registry.cas) {
    if (!IsActive(ca.status)) continue;
    ++result->resources_evaluated;
    CheckKeyQuality(ca.info, {kCaCertificate, id}, {}, result);
  }
}

void DeviceCertificateKeyQuality(const CheckInput& input, CheckResult* result) {
  const auto devices = DevicesByCertificate(input.registry);
  for (const auto& [id, cert] : input.registry.certificates) {
    if (!IsActive(cert.status)) continue;
    ++result->resources_evaluated;
    DeviceCertificateRefs refs = RefsOf(id, devices);
    CheckKeyQuality(cert.info, std::move(refs.resource), std::move(refs.devices), result);
  }
}

void RevokedCaCertificateStillActive(const CheckInput& input, CheckResult* result) {
  for (const auto& [id, ca] : input.registry.cas) {
    if (!IsActive(ca.status)) continue;
    ++result->resources_evaluated;
    if (ca.issuer_ca_id.empty()) continue;  // a root, or an issuer Warden does not know
    const CaCertificate* issuer =
        FindCa(input.registry, ca.issuer_ca_id, absl::StrCat("ca certificate ", id), result);
    if (issuer == nullptr || !OnCrlOf(*issuer, ca.info.serial)) continue;
    Finding finding;
    finding.resource = {kCaCertificate, id};
    finding.related = {{kCaCertificate, ca.issuer_ca_id}};
    finding.reason_code = "CERTIFICATE_REVOKED_BY_ISSUER";
    finding.reason = absl::StrCat("serial ", ca.info.serial, " of ", ca.info.subject,
                                  " is on the crl of its issuer ", issuer->info.subject,
                                  " but the ca certificate is ACTIVE");
    result->findings.push_back(std::move(finding));
  }
}

void RevokedDeviceCertificateStillActive(const CheckInput& input, CheckResult* result) {
  const auto devices = DevicesByCertificate(input.registry);
  for (const auto& [id, cert] : input.registry.certificates) {
    if (!IsActive(cert.status)) continue;
    ++result->resources_evaluated;
    if (cert.ca_id.empty()) continue;  // issued by a CA Warden does not know
    const CaCertificate* ca =
        FindCa(input.registry, cert.ca_id, absl::StrCat("certificate ", id), result);
    if (ca == nullptr || !OnCrlOf(*ca, cert.info.serial)) continue;
    DeviceCertificateRefs refs = RefsOf(id, devices);
    Finding finding;
    finding.resource = std::move(refs.resource);
    finding.related = {{kCaCertificate, cert.ca_id}};
    finding.related.insert(finding.related.end(), refs.devices.begin(), refs.devices.end());
    finding.reason_code = "CERTIFICATE_REVOKED_BY_ISSUER";
    finding.reason = absl::StrCat("serial ", cert.info.serial, " of ", cert.info.subject,
                                  " is on the crl of its ca ", ca->info.subject,
                                  " but the certificate is ACTIVE");
    result->findings.push_back(std::move(finding));
  }
}

void IntermediateCaRevokedForActiveDeviceCertificates(const CheckInput& input,
                                                      CheckResult* result) {
  const auto devices = DevicesByCertificate(input.registry);
  for (const auto& [id, cert] : input.registry.certificates) {
    if (!IsActive(cert.status)) continue;
    ++result->resources_evaluated;
    std::optional<Finding> finding = RevokedCaInChain(input.registry, id, cert, result);
    if (!finding.has_value()) continue;
    DeviceCertificateRefs refs = RefsOf(id, devices);
    finding->resource = std::move(refs.resource);
    finding->related.insert(finding->related.end(), refs.devices.begin(), refs.devices.end());
    result->findings.push_back(*std::move(finding));
  }
}

}  // namespace warden::audit::internal
