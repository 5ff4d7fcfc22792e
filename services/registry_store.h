#ifndef WARDEN_SERVICES_REGISTRY_STORE_H_
#define WARDEN_SERVICES_REGISTRY_STORE_H_

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "audit/model.h"
#include "rules/model.h"
#include "store/store.h"
#include "warden/v1/registry.pb.h"

namespace warden::services {

// The audit registry in the `registry` column family. Keys are `[kind char] 0x00 [id]`,
// values serialized protobuf (proto/warden/v1/registry.proto):
//
//   'd' 0x00 [device name]    RegisteredDevice
//   'g' 0x00 [group name]     DeviceGroup
//   'c' 0x00 [certificate id] StoredCertificate, device certificates and CAs alike
//   'a' 0x00 [certificate id] "" — an index of the CAs among 'c', so finding an issuer
//                             reads the few CAs, not every device certificate
//   'p' 0x00 [policy name]    Policy
//   'l' 0x00                  LoggingSettings (one key)
//   'o' 0x00 [client id] 0x00 [connected_at µs u64 BE] 0x00 [device]
//                             ConnectionObservation; recording the same connection again
//                             (e.g. with its disconnected_at) replaces it
//
// Names and client ids never contain NUL (RegistryServiceImpl rejects it), certificate
// ids are the lower-case hex SHA-256 of the DER. A certificate and its CA index entry,
// a certificate and the device it is attached to, and a CA and the issuer links it
// completes are each written in one atomic batch. Page tokens are the hex-encoded key of
// the last row returned.
//
// Callers validate what they put (RegistryServiceImpl does); the store keeps the links
// between records. Thread-safe: writes are serialized by a mutex (they read, link, then
// write); reads take no lock and see committed data.
class RegistryStore {
 public:
  // Which certificates ListCertificates returns.
  enum class CertificateKind { kAll, kDevice, kCa };

  // A parsed and validated certificate to register.
  struct CertificateRegistration {
    std::string pem;              // exactly one certificate
    audit::CertificateInfo info;  // audit::ParseCertificatePem(pem)
    // UNSPECIFIED: ACTIVE for a new certificate, unchanged for a registered one.
    v1::CertificateStatus status = v1::CERTIFICATE_STATUS_UNSPECIFIED;
    // CAs: the CRLs they issued, signature-checked against `pem`, and how many serials
    // they revoke together. Empty: a registered CA keeps the CRLs it has.
    std::vector<std::string> crl_pems;
    int revoked_serials = 0;
    // Device certificates: attach to this registered device ("": none).
    std::string device;
  };

  // `store` must outlive this object.
  explicit RegistryStore(store::Store* store);

  // Called (outside any lock) after a device or group is written or deleted: the
  // devices' groups and attributes drive profile targeting.
  void SetDeviceChangeListener(std::function<void()> listener);

  // Every registered device's groups — its static ones plus the dynamic groups whose
  // attribute selector it matches — and attributes, as profile targeting reads them.
  absl::StatusOr<std::unordered_map<std::string, rules::Device>> TargetingDevices() const;

  // Devices. PutDevice creates or replaces every field; a new device is always created
  // active (proto3 cannot tell an unset bool from false). Returns the device as stored.
  absl::StatusOr<v1::RegisteredDevice> PutDevice(const v1::RegisteredDevice& device);
  absl::StatusOr<std::optional<v1::RegisteredDevice>> GetDevice(const std::string& name) const;
  absl::StatusOr<store::Page<v1::RegisteredDevice>> ListDevices(const std::string& page_token,
                                                                int page_size) const;
  // Whether there was such a device.
  absl::StatusOr<bool> DeleteDevice(const std::string& name);

  // Groups: created or replaced.
  absl::Status PutGroup(const v1::DeviceGroup& group);
  absl::StatusOr<std::optional<v1::DeviceGroup>> GetGroup(const std::string& name) const;
  absl::StatusOr<store::Page<v1::DeviceGroup>> ListGroups(const std::string& page_token,
                                                          int page_size) const;
  absl::StatusOr<bool> DeleteGroup(const std::string& name);

  // Registers a device certificate or a CA (info.is_ca), or updates a registered one
  // (status and CRLs, see CertificateRegistration; device attachments add up). Links it
  // to its issuer: a registered CA, other than itself, whose subject is its issuer and
  // whose key verifies its signature; none for a self-signed root. A new CA also becomes
  // the issuer of registered certificates it signed that had none. NotFound when
  // `device` is not registered. Returns the certificate as stored.
  absl::StatusOr<v1::CertificateDescription> RegisterCertificate(
      const CertificateRegistration& registration);
  // NotFound when no certificate has this id.
  absl::StatusOr<v1::CertificateDescription> SetCertificateStatus(const std::string& id,
                                                                  v1::CertificateStatus status);
  absl::StatusOr<std::optional<v1::StoredCertificate>> GetCertificate(const std::string& id) const;
  absl::StatusOr<store::Page<v1::CertificateDescription>> ListCertificates(
      CertificateKind kind, const std::string& page_token, int page_size) const;
  // Deletes a certificate, detaches it from devices and policies, and relinks the
  // certificates it issued to another registered issuer, if any.
  absl::StatusOr<bool> DeleteCertificate(const std::string& id);

  // Policies: created or replaced.
  absl::Status PutPolicy(const v1::Policy& policy);
  absl::StatusOr<std::optional<v1::Policy>> GetPolicy(const std::string& name) const;
  absl::StatusOr<store::Page<v1::Policy>> ListPolicies(const std::string& page_token,
                                                       int page_size) const;
  absl::StatusOr<bool> DeletePolicy(const std::string& name);

  // Logging settings; both enabled until set (audit::LoggingSettings' defaults).
  absl::Status PutLoggingSettings(const v1::LoggingSettings& settings);
  absl::StatusOr<v1::LoggingSettings> GetLoggingSettings() const;

  // Connections, ordered by client id, then connect time, then device.
  absl::Status RecordConnection(const v1::ConnectionObservation& connection);
  absl::StatusOr<store::Page<v1::ConnectionObservation>> ListConnections(
      const std::string& page_token, int page_size) const;

  // The registry as audits read it, from one consistent snapshot. Certificates and CAs
  // are parsed again from their PEM and CRLs checked against their CA: one that fails is
  // left out and described in *errors ("certificate <id>: <why>", "CA <id>: CRL <n>:
  // <why>"), the rest loads. Devices come with last_seen 0 and no listening ports;
  // `enrich`, when given, is called on each to fill them in (e.g. from ingest state).
  absl::StatusOr<audit::Registry> LoadAuditRegistry(
      std::vector<std::string>* errors,
      const std::function<void(audit::Device*)>& enrich = nullptr) const;

  // Lists return at most page_size rows (0: 100, at most 1000), fewer when they reach
  // this many bytes, so a page always fits in a gRPC message.
  static constexpr size_t kMaxPageBytes = 512 << 10;

 private:
  absl::StatusOr<std::vector<v1::StoredCertificate>> ListCas() const;
  // The id of the registered CA that issued `cert` (parsed from `pem`): subject and
  // authority key id as a fast filter, then the signature. "" when none issued it or it
  // is a root (named as its own issuer). Skips CA `excluded_id`.
  absl::StatusOr<std::string> FindIssuer(const audit::CertificateInfo& cert, const std::string& pem,
                                         const std::string& excluded_id) const;

  void NotifyDeviceChange() const;

  store::Store* const store_;
  std::function<void()> device_listener_;  // set once, before use
  std::mutex write_mu_;                    // serializes read-link-write sequences
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_REGISTRY_STORE_H_
