#ifndef WARDEN_AUDIT_MODEL_H_
#define WARDEN_AUDIT_MODEL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace warden::audit {

// The registry and findings model of configuration audits (AWS IoT Device Defender
// Audit, reference §5), independent of storage and RPC. Plain values; copyable.

enum class KeyType { kRsa, kEc, kEd25519, kOther };

// What Warden reads out of one X.509 certificate (audit/certificate.h parses it).
struct CertificateInfo {
  std::string id;       // SHA-256 of the DER, lower-case hex: the certificate's id
  std::string subject;  // RFC 2253 one-line form, e.g. "CN=cam-0001,O=Example"
  std::string issuer;
  std::string serial;      // upper-case hex, no separators, e.g. "1A2B"
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;
  KeyType key_type = KeyType::kOther;
  int key_bits = 0;              // RSA modulus bits, EC field bits, 255/448 for EdDSA
  std::string curve;             // EC curve short name, e.g. "prime256v1"
  bool is_ca = false;            // basicConstraints CA:TRUE
  std::string subject_key_id;    // hex, "" when absent
  std::string authority_key_id;  // hex, "" when absent
  std::string rsa_modulus;       // RSA only: the modulus, big-endian bytes
};

// A certificate revocation list (PEM), parsed and signature-checked by its CA.
struct CrlInfo {
  std::string issuer;            // RFC 2253
  std::string authority_key_id;  // hex, "" when absent
  int64_t this_update = 0;
  int64_t next_update = 0;                   // 0 when absent
  std::vector<std::string> revoked_serials;  // upper-case hex
};

enum class CertificateStatus { kActive, kInactive, kRevoked };

// A device certificate registered with Warden.
struct DeviceCertificate {
  CertificateInfo info;
  CertificateStatus status = CertificateStatus::kActive;
  std::string ca_id;  // the issuing CA's certificate id, "" when unknown
  std::string pem;
};

// A CA certificate (root or intermediate) with the CRLs it issued.
struct CaCertificate {
  CertificateInfo info;
  CertificateStatus status = CertificateStatus::kActive;
  std::string issuer_ca_id;  // "" for a root (self-signed) or an unknown issuer
  std::vector<CrlInfo> crls;
  std::string pem;
};

struct Device {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<std::string> groups;
  std::string client_id;         // MQTT client id; "" = the thing name
  std::string firmware_version;  // dotted, e.g. "2.4.1"
  std::vector<std::string> certificate_ids;
  bool active = true;
  int64_t last_seen = 0;                      // Unix seconds, 0 = never
  std::vector<uint32_t> listening_tcp_ports;  // from the last report
};

struct Group {
  std::string name;
  std::string description;
  // Dynamic membership: devices with every one of these attributes (empty: static).
  std::map<std::string, std::string> attribute_selector;
  // A Warden extra check: devices in the group below this firmware are non-compliant.
  std::string min_firmware_version;
};

// An AWS IoT-shaped policy document: {"Version": "2012-10-17", "Statement": [{"Effect":
// "Allow"|"Deny", "Action": "iot:Publish" | [...], "Resource": "arn:...:topic/x" | [...]}]}.
struct Policy {
  std::string name;
  std::string document;  // JSON
  std::vector<std::string> attached_certificate_ids;
};

struct LoggingSettings {
  bool broker_logging_enabled = true;
  bool device_logging_enabled = true;
};

// A connection seen at the broker (from broker events or the registry API).
struct ConnectionObservation {
  std::string client_id;
  std::string device;
  std::string certificate_id;
  std::string source_ip;
  int64_t connected_at = 0;     // Unix seconds
  int64_t disconnected_at = 0;  // 0: still connected
};

// Everything a check reads. Keyed by id / name.
struct Registry {
  std::map<std::string, Device> devices;
  std::map<std::string, Group> groups;
  std::map<std::string, DeviceCertificate> certificates;
  std::map<std::string, CaCertificate> cas;
  std::map<std::string, Policy> policies;
  LoggingSettings logging;
  std::vector<ConnectionObservation> connections;
};

enum class Severity { kLow, kMedium, kHigh, kCritical };

// What a finding is about: type is one of DEVICE, DEVICE_CERTIFICATE, CA_CERTIFICATE,
// POLICY, CLIENT_ID, GROUP, ACCOUNT_SETTINGS.
struct ResourceRef {
  std::string type;
  std::string id;
  bool operator==(const ResourceRef& o) const { return type == o.type && id == o.id; }
  bool operator<(const ResourceRef& o) const { return type != o.type ? type < o.type : id < o.id; }
};

struct Finding {
  std::string check;  // e.g. DEVICE_CERTIFICATE_EXPIRING_CHECK
  Severity severity = Severity::kMedium;
  ResourceRef resource;
  std::vector<ResourceRef> related;
  std::string reason_code;  // e.g. CERTIFICATE_PAST_EXPIRATION
  std::string reason;       // human text naming the values
};

// One check's outcome over the whole registry.
struct CheckResult {
  std::string check;
  int64_t resources_evaluated = 0;
  std::vector<Finding> findings;  // non-compliant resources
  // Resources the check could not evaluate ("resource id: what went wrong"): the check
  // reports them and goes on with the rest.
  std::vector<std::string> errors;
};

}  // namespace warden::audit

#endif  // WARDEN_AUDIT_MODEL_H_
