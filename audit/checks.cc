#include "audit/checks.h"

#include <algorithm>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "audit/checks_internal.h"

namespace warden::audit {
namespace {

struct CheckDef {
  std::string_view name;
  Severity severity;
  internal::CheckFn run;
};

// AWS's checks in reference §5 order, then Warden's extras.
constexpr CheckDef kChecks[] = {
    {"CA_CERTIFICATE_EXPIRING_CHECK", Severity::kMedium, internal::CaCertificateExpiring},
    {"CA_CERTIFICATE_KEY_QUALITY_CHECK", Severity::kCritical, internal::CaCertificateKeyQuality},
    {"CONFLICTING_CLIENT_IDS_CHECK", Severity::kHigh, internal::ConflictingClientIds},
    {"DEVICE_CERTIFICATE_AGE_CHECK", Severity::kLow, internal::DeviceCertificateAge},
    {"DEVICE_CERTIFICATE_EXPIRING_CHECK", Severity::kMedium, internal::DeviceCertificateExpiring},
    {"DEVICE_CERTIFICATE_KEY_QUALITY_CHECK", Severity::kCritical,
     internal::DeviceCertificateKeyQuality},
    {"DEVICE_CERTIFICATE_SHARED_CHECK", Severity::kCritical, internal::DeviceCertificateShared},
    {"INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK", Severity::kCritical,
     internal::IntermediateCaRevokedForActiveDeviceCertificates},
    {"IOT_POLICY_OVERLY_PERMISSIVE_CHECK", Severity::kCritical,
     internal::IotPolicyOverlyPermissive},
    {"IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK", Severity::kMedium,
     internal::IotPolicyPotentialMisconfiguration},
    {"LOGGING_DISABLED_CHECK", Severity::kLow, internal::LoggingDisabled},
    {"REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK", Severity::kCritical,
     internal::RevokedCaCertificateStillActive},
    {"REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK", Severity::kMedium,
     internal::RevokedDeviceCertificateStillActive},
    {"DEVICE_FIRMWARE_OUTDATED_CHECK", Severity::kMedium, internal::DeviceFirmwareOutdated},
    {"INSECURE_LISTENING_PORTS_CHECK", Severity::kHigh, internal::InsecureListeningPorts},
    {"DEVICE_SILENT_CHECK", Severity::kLow, internal::DeviceSilent},
};

const CheckDef* FindCheck(std::string_view name) {
  for (const CheckDef& def : kChecks) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

}  // namespace

const std::vector<std::string>& AllChecks() {
  static const auto* const names = [] {
    auto* all = new std::vector<std::string>();
    for (const CheckDef& def : kChecks) all->emplace_back(def.name);
    return all;
  }();
  return *names;
}

Severity DefaultSeverity(const std::string& check) {
  const CheckDef* def = FindCheck(check);
  return def == nullptr ? Severity::kMedium : def->severity;
}

absl::StatusOr<CheckResult> RunCheck(const std::string& check, const Registry& registry,
                                     const AuditSettings& settings, int64_t now) {
  const CheckDef* def = FindCheck(check);
  if (def == nullptr) return absl::NotFoundError(absl::StrCat("unknown audit check '", check, "'"));
  CheckResult result;
  result.check = check;
  def->run(internal::CheckInput{registry, settings, now}, &result);
  auto override = settings.severity.find(check);
  const Severity severity = override == settings.severity.end() ? def->severity : override->second;
  for (Finding& finding : result.findings) {
    finding.check = check;
    finding.severity = severity;
  }
  std::stable_sort(result.findings.begin(), result.findings.end(),
                   [](const Finding& a, const Finding& b) { return a.resource < b.resource; });
  return result;
}

namespace internal {

std::string FormatTime(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

std::string RelativeDays(int64_t then, int64_t now) {
  const bool past = then <= now;
  const int64_t days = (past ? now - then : then - now) / kSecondsPerDay;
  if (days == 0) return past ? "less than a day ago" : "in less than a day";
  const std::string amount = absl::StrCat(days, days == 1 ? " day" : " days");
  return past ? absl::StrCat(amount, " ago") : absl::StrCat("in ", amount);
}

std::string NormalizeSerial(std::string_view serial) {
  const size_t first = serial.find_first_not_of('0');
  if (first == std::string_view::npos) return "0";
  return absl::AsciiStrToUpper(std::string(serial.substr(first)));
}

bool OnCrlOf(const CaCertificate& ca, std::string_view serial) {
  const std::string wanted = NormalizeSerial(serial);
  for (const CrlInfo& crl : ca.crls) {
    for (const std::string& revoked : crl.revoked_serials) {
      if (NormalizeSerial(revoked) == wanted) return true;
    }
  }
  return false;
}

std::map<std::string, std::vector<std::string>> DevicesByCertificate(const Registry& registry) {
  std::map<std::string, std::vector<std::string>> devices;
  for (const auto& [name, device] : registry.devices) {
    for (const std::string& id : device.certificate_ids) devices[id].push_back(name);
  }
  return devices;
}

void AddDevices(const std::vector<std::string>& devices, std::vector<ResourceRef>* related) {
  for (const std::string& name : devices) related->push_back({"DEVICE", name});
}

}  // namespace internal
}  // namespace warden::audit
