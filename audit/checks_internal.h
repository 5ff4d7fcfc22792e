#ifndef WARDEN_AUDIT_CHECKS_INTERNAL_H_
#define WARDEN_AUDIT_CHECKS_INTERNAL_H_

// The check implementations behind audit/checks.h, one file per theme:
// checks_certificates.cc, checks_connections.cc, checks_policies.cc, checks_devices.cc.
// Not part of the audit API: include audit/checks.h instead.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "audit/checks.h"
#include "audit/model.h"

namespace warden::audit::internal {

// What every check reads.
struct CheckInput {
  const Registry& registry;
  const AuditSettings& settings;
  int64_t now;  // Unix seconds
};

// A check fills resources_evaluated, errors and the findings' resource, related resources,
// reason code and reason; RunCheck sets each finding's check and severity and sorts them.
using CheckFn = void (*)(const CheckInput& input, CheckResult* result);

// checks_certificates.cc
void CaCertificateExpiring(const CheckInput& input, CheckResult* result);
void DeviceCertificateExpiring(const CheckInput& input, CheckResult* result);
void DeviceCertificateAge(const CheckInput& input, CheckResult* result);
void CaCertificateKeyQuality(const CheckInput& input, CheckResult* result);
void DeviceCertificateKeyQuality(const CheckInput& input, CheckResult* result);
void RevokedCaCertificateStillActive(const CheckInput& input, CheckResult* result);
void RevokedDeviceCertificateStillActive(const CheckInput& input, CheckResult* result);
void IntermediateCaRevokedForActiveDeviceCertificates(const CheckInput& input, CheckResult* result);

// checks_connections.cc
void DeviceCertificateShared(const CheckInput& input, CheckResult* result);
void ConflictingClientIds(const CheckInput& input, CheckResult* result);

// checks_policies.cc
void IotPolicyOverlyPermissive(const CheckInput& input, CheckResult* result);
void IotPolicyPotentialMisconfiguration(const CheckInput& input, CheckResult* result);
void LoggingDisabled(const CheckInput& input, CheckResult* result);

// checks_devices.cc
void DeviceFirmwareOutdated(const CheckInput& input, CheckResult* result);
void InsecureListeningPorts(const CheckInput& input, CheckResult* result);
void DeviceSilent(const CheckInput& input, CheckResult* result);

// Shared helpers (checks.cc).

inline constexpr int64_t kSecondsPerDay = 86400;

// "2026-10-01T00:00:00Z".
std::string FormatTime(int64_t unix_seconds);

// How far `then` is from `now` in whole days: "56 days ago", "in 1 day", "less than a day
// ago", "in less than a day".
std::string RelativeDays(int64_t then, int64_t now);

// A serial as certificates and CRLs are compared: upper-case hex without leading zeros
// ("00a1" and "A1" are the same serial).
std::string NormalizeSerial(std::string_view serial);

// Whether `ca` lists `serial` on any of its CRLs.
bool OnCrlOf(const CaCertificate& ca, std::string_view serial);

// Device names per certificate id (Device::certificate_ids), for related resources.
std::map<std::string, std::vector<std::string>> DevicesByCertificate(const Registry& registry);

// `related` plus a DEVICE resource for each device in `devices`.
void AddDevices(const std::vector<std::string>& devices, std::vector<ResourceRef>* related);

}  // namespace warden::audit::internal

#endif  // WARDEN_AUDIT_CHECKS_INTERNAL_H_
