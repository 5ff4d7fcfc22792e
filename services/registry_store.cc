#include "services/registry_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "audit/certificate.h"
#include "google/protobuf/util/time_util.h"
#include "store/keys.h"

namespace warden::services {
namespace {

using google::protobuf::util::TimeUtil;

constexpr store::Family kFamily = store::Family::kRegistry;

// Key kinds (registry_store.h).
constexpr char kDevice = 'd';
constexpr char kGroup = 'g';
constexpr char kCertificate = 'c';
constexpr char kCaIndex = 'a';
constexpr char kPolicy = 'p';
constexpr char kLogging = 'l';
constexpr char kConnection = 'o';

std::string Key(char kind, std::string_view id) {
  std::string key(1, kind);
  key.push_back('\0');
  key.append(id);
  return key;
}

std::string Prefix(char kind) { return Key(kind, ""); }

// The id part of a `[kind] 0x00 [id]` key.
std::string IdOf(const std::string& key) { return key.substr(2); }

std::string ConnectionKey(const v1::ConnectionObservation& connection) {
  std::string key = Key(kConnection, connection.client_id());
  key.push_back('\0');
  const int64_t micros = TimeUtil::TimestampToMicroseconds(connection.connected_at());
  const uint64_t v = micros < 0 ? 0 : static_cast<uint64_t>(micros);
  for (int shift = 56; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>((v >> shift) & 0xff));
  key.push_back('\0');
  key.append(connection.device());
  return key;
}

absl::Status Corrupt(const std::string& key) {
  return absl::DataLossError(
      absl::StrCat("registry: cannot parse the value of key '", absl::CHexEscape(key), "'"));
}

template <typename T>
absl::StatusOr<T> Parse(const std::string& key, const std::string& value) {
  T message;
  if (!message.ParseFromString(value)) return Corrupt(key);
  return message;
}

// The value of `key`, nullopt when absent.
template <typename T>
absl::StatusOr<std::optional<T>> Read(const store::Store& store, const std::string& key) {
  std::optional<std::string> value;
  // The first key at or after `key` with `key` as its prefix is `key` itself, if present.
  absl::Status status =
      store.Scan(kFamily, key, "", [&](const std::string& k, const std::string& v) {
        if (k == key) value = v;
        return false;
      });
  if (!status.ok()) return status;
  if (!value.has_value()) return std::optional<T>();
  absl::StatusOr<T> message = Parse<T>(key, *value);
  if (!message.ok()) return message.status();
  return std::optional<T>(*std::move(message));
}

// Calls fn on every record of one kind, in key order, until fn returns false.
template <typename T>
absl::Status ForEach(const store::Store& store, char kind,
                     const std::function<bool(const std::string& key, T&& message)>& fn) {
  absl::Status parse_error;
  absl::Status status =
      store.Scan(kFamily, Prefix(kind), "", [&](const std::string& k, const std::string& v) {
        absl::StatusOr<T> message = Parse<T>(k, v);
        if (!message.ok()) {
          parse_error = message.status();
          return false;
        }
        return fn(k, *std::move(message));
      });
  return status.ok() ? parse_error : status;
}

// Reads one row of a list into a page item; nullopt leaves the row out.
template <typename T>
using RowReader = std::function<absl::StatusOr<std::optional<T>>(const std::string& key,
                                                                 const std::string& value)>;

template <typename T>
RowReader<T> ParseEveryRow() {
  return [](const std::string& key, const std::string& value) -> absl::StatusOr<std::optional<T>> {
    absl::StatusOr<T> message = Parse<T>(key, value);
    if (!message.ok()) return message.status();
    return std::optional<T>(*std::move(message));
  };
}

template <typename T>
absl::StatusOr<store::Page<T>> ReadPage(const store::Store& store, char kind,
                                        const std::string& page_token, int page_size,
                                        const RowReader<T>& read) {
  const std::string prefix = Prefix(kind);
  std::string start_after;
  if (!page_token.empty()) {
    std::optional<std::string> key = store::DecodePageToken(page_token);
    if (!key.has_value() || !absl::StartsWith(*key, prefix)) {
      return absl::InvalidArgumentError("page_token: malformed or from another list");
    }
    start_after = *std::move(key);
  }
  const size_t limit = page_size <= 0 ? 100 : static_cast<size_t>(std::min(page_size, 1000));
  store::Page<T> page;
  size_t bytes = 0;
  std::string last_key;
  absl::Status read_error;
  absl::Status status =
      store.Scan(kFamily, prefix, start_after, [&](const std::string& k, const std::string& v) {
        absl::StatusOr<std::optional<T>> item = read(k, v);
        if (!item.ok()) {
          read_error = item.status();
          return false;
        }
        if (!item->has_value()) return true;
        const size_t size = (*item)->ByteSizeLong();
        if (page.items.size() == limit ||
            (!page.items.empty() && bytes + size > RegistryStore::kMaxPageBytes)) {
          // There is at least one more: the next page resumes after the last one returned.
          page.next_page_token = store::EncodePageToken(last_key);
          return false;
        }
        bytes += size;
        last_key = k;
        page.items.push_back(**std::move(item));
        return true;
      });
  if (!status.ok()) return status;
  if (!read_error.ok()) return read_error;
  return page;
}

// The CA a CA index key names; the index and the certificates are written together.
absl::StatusOr<v1::StoredCertificate> ReadIndexedCa(const store::Store& store,
                                                    const std::string& index_key) {
  const std::string key = Key(kCertificate, IdOf(index_key));
  absl::StatusOr<std::optional<v1::StoredCertificate>> ca = Read<v1::StoredCertificate>(store, key);
  if (!ca.ok()) return ca.status();
  if (!ca->has_value()) {
    return absl::DataLossError(absl::StrCat("registry: CA index entry without a certificate '",
                                            absl::CHexEscape(key), "'"));
  }
  return **std::move(ca);
}

template <typename T>
absl::StatusOr<bool> DeleteIfPresent(store::Store* store, const std::string& key) {
  absl::StatusOr<std::optional<T>> existing = Read<T>(*store, key);
  if (!existing.ok()) return existing.status();
  if (!existing->has_value()) return false;
  store::WriteGroup group;
  group.Delete(kFamily, key);
  if (absl::Status status = store->Write(group); !status.ok()) return status;
  return true;
}

// Removes `id` from a repeated field; whether it was there.
bool Remove(google::protobuf::RepeatedPtrField<std::string>* ids, const std::string& id) {
  auto it = std::remove(ids->begin(), ids->end(), id);
  if (it == ids->end()) return false;
  ids->erase(it, ids->end());
  return true;
}

std::string KeyTypeName(audit::KeyType type) {
  switch (type) {
    case audit::KeyType::kRsa:
      return "rsa";
    case audit::KeyType::kEc:
      return "ec";
    case audit::KeyType::kEd25519:
      return "ed25519";
    case audit::KeyType::kOther:
      break;
  }
  return "other";
}

v1::CertificateDescription Describe(const audit::CertificateInfo& info, const std::string& pem) {
  v1::CertificateDescription d;
  d.set_id(info.id);
  d.set_subject(info.subject);
  d.set_issuer(info.issuer);
  d.set_serial(info.serial);
  *d.mutable_not_before() = TimeUtil::SecondsToTimestamp(info.not_before);
  *d.mutable_not_after() = TimeUtil::SecondsToTimestamp(info.not_after);
  d.set_key_type(KeyTypeName(info.key_type));
  d.set_key_bits(info.key_bits);
  d.set_curve(info.curve);
  d.set_is_ca(info.is_ca);
  d.set_status(v1::ACTIVE);
  d.set_pem(pem);
  return d;
}

// A certificate named as its own issuer is a root: it has no issuer to link.
bool IsRoot(const v1::CertificateDescription& d) { return d.issuer() == d.subject(); }
bool IsRoot(const audit::CertificateInfo& info) { return info.issuer == info.subject; }

audit::CertificateStatus ToAudit(v1::CertificateStatus status) {
  switch (status) {
    case v1::INACTIVE:
      return audit::CertificateStatus::kInactive;
    case v1::REVOKED:
      return audit::CertificateStatus::kRevoked;
    default:
      return audit::CertificateStatus::kActive;
  }
}

audit::Device ToAudit(const v1::RegisteredDevice& d) {
  audit::Device device;
  device.name = d.name();
  device.attributes.insert(d.attributes().begin(), d.attributes().end());
  device.groups.assign(d.groups().begin(), d.groups().end());
  device.client_id = d.client_id();
  device.firmware_version = d.firmware_version();
  device.certificate_ids.assign(d.certificate_ids().begin(), d.certificate_ids().end());
  device.active = d.active();
  return device;
}

audit::Group ToAudit(const v1::DeviceGroup& g) {
  audit::Group group;
  group.name = g.name();
  group.description = g.description();
  group.attribute_selector.insert(g.attribute_selector().begin(), g.attribute_selector().end());
  group.min_firmware_version = g.min_firmware_version();
  return group;
}

audit::Policy ToAudit(const v1::Policy& p) {
  audit::Policy policy;
  policy.name = p.name();
  policy.document = p.document();
  policy.attached_certificate_ids.assign(p.attached_certificate_ids().begin(),
                                         p.attached_certificate_ids().end());
  return policy;
}

audit::ConnectionObservation ToAudit(const v1::ConnectionObservation& c) {
  audit::ConnectionObservation connection;
  connection.client_id = c.client_id();
  connection.device = c.device();
  connection.certificate_id = c.certificate_id();
  connection.source_ip = c.source_ip();
  connection.connected_at = TimeUtil::TimestampToSeconds(c.connected_at());
  if (c.has_disconnected_at()) {
    connection.disconnected_at = TimeUtil::TimestampToSeconds(c.disconnected_at());
  }
  return connection;
}

// Adds a stored certificate to the registry, parsing it (and a CA's CRLs) again.
void AddCertificate(const v1::StoredCertificate& stored, audit::Registry* registry,
                    std::vector<std::string>* errors) {
  const v1::CertificateDescription& d = stored.description();
  absl::StatusOr<audit::CertificateInfo> info = audit::ParseCertificatePem(d.pem());
  if (!info.ok()) {
    errors->push_back(absl::StrCat("certificate ", d.id(), ": ", info.status().message()));
    return;
  }
  if (!d.is_ca()) {
    audit::DeviceCertificate& cert = registry->certificates[d.id()];
    cert.info = *std::move(info);
    cert.status = ToAudit(d.status());
    cert.ca_id = d.issuer_ca_id();
    cert.pem = d.pem();
    return;
  }
  audit::CaCertificate& ca = registry->cas[d.id()];
  ca.info = *std::move(info);
  ca.status = ToAudit(d.status());
  ca.issuer_ca_id = d.issuer_ca_id();
  ca.pem = d.pem();
  for (int i = 0; i < stored.crl_pems_size(); ++i) {
    absl::StatusOr<audit::CrlInfo> crl = audit::ParseCrlPem(stored.crl_pems(i), d.pem());
    if (!crl.ok()) {
      errors->push_back(absl::StrCat("CA ", d.id(), ": CRL ", i + 1, ": ", crl.status().message()));
      continue;
    }
    ca.crls.push_back(*std::move(crl));
  }
}

}  // namespace

RegistryStore::RegistryStore(store::Store* store) : store_(store) {}

void RegistryStore::SetDeviceChangeListener(std::function<void()> listener) {
  device_listener_ = std::move(listener);
}

void RegistryStore::NotifyDeviceChange() const {
  if (device_listener_) device_listener_();
}

absl::StatusOr<std::unordered_map<std::string, rules::Device>> RegistryStore::TargetingDevices()
    const {
  std::vector<v1::DeviceGroup> groups;
  std::string token;
  do {
    auto page = ListGroups(token, 1000);
    if (!page.ok()) return page.status();
    for (v1::DeviceGroup& g : page->items) {
      if (!g.attribute_selector().empty()) groups.push_back(std::move(g));
    }
    token = page->next_page_token;
  } while (!token.empty());
  std::unordered_map<std::string, rules::Device> out;
  do {
    auto page = ListDevices(token, 1000);
    if (!page.ok()) return page.status();
    for (const v1::RegisteredDevice& d : page->items) {
      rules::Device& t = out[d.name()];
      t.name = d.name();
      t.attributes.insert(d.attributes().begin(), d.attributes().end());
      t.groups.assign(d.groups().begin(), d.groups().end());
      for (const v1::DeviceGroup& g : groups) {
        const bool member = std::all_of(
            g.attribute_selector().begin(), g.attribute_selector().end(), [&](const auto& kv) {
              auto it = d.attributes().find(kv.first);
              return it != d.attributes().end() && it->second == kv.second;
            });
        if (member && std::find(t.groups.begin(), t.groups.end(), g.name()) == t.groups.end()) {
          t.groups.push_back(g.name());
        }
      }
    }
    token = page->next_page_token;
  } while (!token.empty());
  return out;
}

absl::StatusOr<v1::RegisteredDevice> RegistryStore::PutDevice(const v1::RegisteredDevice& device) {
  absl::StatusOr<v1::RegisteredDevice> stored = [&]() -> absl::StatusOr<v1::RegisteredDevice> {
    std::lock_guard<std::mutex> lock(write_mu_);
    const std::string key = Key(kDevice, device.name());
    absl::StatusOr<std::optional<v1::RegisteredDevice>> existing =
        Read<v1::RegisteredDevice>(*store_, key);
    if (!existing.ok()) return existing.status();
    v1::RegisteredDevice out = device;
    if (!existing->has_value()) out.set_active(true);
    store::WriteGroup group;
    group.Put(kFamily, key, out.SerializeAsString());
    if (absl::Status status = store_->Write(group); !status.ok()) return status;
    return out;
  }();
  if (stored.ok()) NotifyDeviceChange();
  return stored;
}

absl::StatusOr<std::optional<v1::RegisteredDevice>> RegistryStore::GetDevice(
    const std::string& name) const {
  return Read<v1::RegisteredDevice>(*store_, Key(kDevice, name));
}

absl::StatusOr<store::Page<v1::RegisteredDevice>> RegistryStore::ListDevices(
    const std::string& page_token, int page_size) const {
  return ReadPage(*store_, kDevice, page_token, page_size, ParseEveryRow<v1::RegisteredDevice>());
}

absl::StatusOr<bool> RegistryStore::DeleteDevice(const std::string& name) {
  absl::StatusOr<bool> deleted;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    deleted = DeleteIfPresent<v1::RegisteredDevice>(store_, Key(kDevice, name));
  }
  if (deleted.ok() && *deleted) NotifyDeviceChange();
  return deleted;
}

absl::Status RegistryStore::PutGroup(const v1::DeviceGroup& group) {
  absl::Status status;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    store::WriteGroup writes;
    writes.Put(kFamily, Key(kGroup, group.name()), group.SerializeAsString());
    status = store_->Write(writes);
  }
  if (status.ok()) NotifyDeviceChange();
  return status;
}

absl::StatusOr<std::optional<v1::DeviceGroup>> RegistryStore::GetGroup(
    const std::string& name) const {
  return Read<v1::DeviceGroup>(*store_, Key(kGroup, name));
}

absl::StatusOr<store::Page<v1::DeviceGroup>> RegistryStore::ListGroups(
    const std::string& page_token, int page_size) const {
  return ReadPage(*store_, kGroup, page_token, page_size, ParseEveryRow<v1::DeviceGroup>());
}

absl::StatusOr<bool> RegistryStore::DeleteGroup(const std::string& name) {
  absl::StatusOr<bool> deleted;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    deleted = DeleteIfPresent<v1::DeviceGroup>(store_, Key(kGroup, name));
  }
  if (deleted.ok() && *deleted) NotifyDeviceChange();
  return deleted;
}

absl::StatusOr<std::vector<v1::StoredCertificate>> RegistryStore::ListCas() const {
  std::vector<v1::StoredCertificate> cas;
  absl::Status read_error;
  absl::Status status =
      store_->Scan(kFamily, Prefix(kCaIndex), "", [&](const std::string& k, const std::string&) {
        absl::StatusOr<v1::StoredCertificate> ca = ReadIndexedCa(*store_, k);
        if (!ca.ok()) {
          read_error = ca.status();
          return false;
        }
        cas.push_back(*std::move(ca));
        return true;
      });
  if (!status.ok()) return status;
  if (!read_error.ok()) return read_error;
  return cas;
}

absl::StatusOr<std::string> RegistryStore::FindIssuer(const audit::CertificateInfo& cert,
                                                      const std::string& pem,
                                                      const std::string& excluded_id) const {
  if (IsRoot(cert)) return "";
  absl::StatusOr<std::vector<v1::StoredCertificate>> cas = ListCas();
  if (!cas.ok()) return cas.status();
  // Candidates are the CAs named as the issuer whose key id does not rule them out; those
  // whose subject key id is the certificate's authority key id go first.
  std::vector<const v1::CertificateDescription*> candidates;
  size_t key_id_matches = 0;
  for (const v1::StoredCertificate& ca : *cas) {
    const v1::CertificateDescription& d = ca.description();
    if (d.id() == excluded_id || d.id() == cert.id || d.subject() != cert.issuer) continue;
    absl::StatusOr<audit::CertificateInfo> ca_info = audit::ParseCertificatePem(d.pem());
    if (!ca_info.ok()) continue;
    const bool comparable = !cert.authority_key_id.empty() && !ca_info->subject_key_id.empty();
    if (comparable && cert.authority_key_id != ca_info->subject_key_id) continue;
    if (comparable) {
      candidates.insert(candidates.begin() + static_cast<ptrdiff_t>(key_id_matches++), &d);
    } else {
      candidates.push_back(&d);
    }
  }
  for (const v1::CertificateDescription* ca : candidates) {
    absl::StatusOr<bool> issued = audit::IsIssuedBy(pem, ca->pem());
    if (issued.ok() && *issued) return ca->id();
  }
  return "";
}

absl::StatusOr<v1::CertificateDescription> RegistryStore::RegisterCertificate(
    const CertificateRegistration& registration) {
  std::lock_guard<std::mutex> lock(write_mu_);
  const std::string& id = registration.info.id;
  const std::string key = Key(kCertificate, id);
  absl::StatusOr<std::optional<v1::StoredCertificate>> existing =
      Read<v1::StoredCertificate>(*store_, key);
  if (!existing.ok()) return existing.status();
  std::optional<v1::RegisteredDevice> device;
  if (!registration.device.empty()) {
    absl::StatusOr<std::optional<v1::RegisteredDevice>> found =
        Read<v1::RegisteredDevice>(*store_, Key(kDevice, registration.device));
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      return absl::NotFoundError(
          absl::StrCat("device: '", registration.device, "' is not registered"));
    }
    device = **std::move(found);
  }

  const bool is_new = !existing->has_value();
  v1::StoredCertificate stored;
  if (is_new) {
    *stored.mutable_description() = Describe(registration.info, registration.pem);
  } else {
    stored = **std::move(existing);
  }
  v1::CertificateDescription& d = *stored.mutable_description();
  if (registration.status != v1::CERTIFICATE_STATUS_UNSPECIFIED) d.set_status(registration.status);
  if (!registration.crl_pems.empty()) {
    stored.mutable_crl_pems()->Assign(registration.crl_pems.begin(), registration.crl_pems.end());
    d.set_crls(static_cast<int>(registration.crl_pems.size()));
    d.set_revoked_serials(registration.revoked_serials);
  }
  if (d.issuer_ca_id().empty()) {
    absl::StatusOr<std::string> issuer = FindIssuer(registration.info, d.pem(), "");
    if (!issuer.ok()) return issuer.status();
    d.set_issuer_ca_id(*issuer);
  }

  store::WriteGroup group;
  group.Put(kFamily, key, stored.SerializeAsString());
  if (d.is_ca()) group.Put(kFamily, Key(kCaIndex, id), "");
  if (d.is_ca() && is_new) {
    // Registered certificates this CA signed that had no known issuer get it now.
    absl::Status status = ForEach<v1::StoredCertificate>(
        *store_, kCertificate, [&](const std::string& k, v1::StoredCertificate&& issued) {
          v1::CertificateDescription& c = *issued.mutable_description();
          if (!c.issuer_ca_id().empty() || c.issuer() != d.subject() || IsRoot(c)) return true;
          absl::StatusOr<bool> signed_by = audit::IsIssuedBy(c.pem(), d.pem());
          if (signed_by.ok() && *signed_by) {
            c.set_issuer_ca_id(id);
            group.Put(kFamily, k, issued.SerializeAsString());
          }
          return true;
        });
    if (!status.ok()) return status;
  }
  if (device.has_value() &&
      std::find(device->certificate_ids().begin(), device->certificate_ids().end(), id) ==
          device->certificate_ids().end()) {
    device->add_certificate_ids(id);
    group.Put(kFamily, Key(kDevice, device->name()), device->SerializeAsString());
  }
  if (absl::Status status = store_->Write(group); !status.ok()) return status;
  return d;
}

absl::StatusOr<v1::CertificateDescription> RegistryStore::SetCertificateStatus(
    const std::string& id, v1::CertificateStatus status) {
  std::lock_guard<std::mutex> lock(write_mu_);
  const std::string key = Key(kCertificate, id);
  absl::StatusOr<std::optional<v1::StoredCertificate>> stored =
      Read<v1::StoredCertificate>(*store_, key);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return absl::NotFoundError(absl::StrCat("no certificate with id '", id, "'"));
  }
  v1::StoredCertificate& cert = **stored;
  cert.mutable_description()->set_status(status);
  store::WriteGroup group;
  group.Put(kFamily, key, cert.SerializeAsString());
  if (absl::Status s = store_->Write(group); !s.ok()) return s;
  return cert.description();
}

absl::StatusOr<std::optional<v1::StoredCertificate>> RegistryStore::GetCertificate(
    const std::string& id) const {
  return Read<v1::StoredCertificate>(*store_, Key(kCertificate, id));
}

absl::StatusOr<store::Page<v1::CertificateDescription>> RegistryStore::ListCertificates(
    CertificateKind kind, const std::string& page_token, int page_size) const {
  if (kind == CertificateKind::kCa) {
    // Pages over the CA index, reading each CA.
    return ReadPage<v1::CertificateDescription>(
        *store_, kCaIndex, page_token, page_size,
        [this](const std::string& k,
               const std::string&) -> absl::StatusOr<std::optional<v1::CertificateDescription>> {
          absl::StatusOr<v1::StoredCertificate> ca = ReadIndexedCa(*store_, k);
          if (!ca.ok()) return ca.status();
          return std::optional<v1::CertificateDescription>(ca->description());
        });
  }
  return ReadPage<v1::CertificateDescription>(
      *store_, kCertificate, page_token, page_size,
      [kind](const std::string& k,
             const std::string& v) -> absl::StatusOr<std::optional<v1::CertificateDescription>> {
        absl::StatusOr<v1::StoredCertificate> cert = Parse<v1::StoredCertificate>(k, v);
        if (!cert.ok()) return cert.status();
        if (kind == CertificateKind::kDevice && cert->description().is_ca()) return std::nullopt;
        return std::optional<v1::CertificateDescription>(cert->description());
      });
}

absl::StatusOr<bool> RegistryStore::DeleteCertificate(const std::string& id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  absl::StatusOr<std::optional<v1::StoredCertificate>> existing = GetCertificate(id);
  if (!existing.ok()) return existing.status();
  if (!existing->has_value()) return false;
  store::WriteGroup group;
  group.Delete(kFamily, Key(kCertificate, id));
  absl::Status status = ForEach<v1::RegisteredDevice>(
      *store_, kDevice, [&](const std::string& k, v1::RegisteredDevice&& device) {
        if (Remove(device.mutable_certificate_ids(), id)) {
          group.Put(kFamily, k, device.SerializeAsString());
        }
        return true;
      });
  if (!status.ok()) return status;
  status = ForEach<v1::Policy>(*store_, kPolicy, [&](const std::string& k, v1::Policy&& policy) {
    if (Remove(policy.mutable_attached_certificate_ids(), id)) {
      group.Put(kFamily, k, policy.SerializeAsString());
    }
    return true;
  });
  if (!status.ok()) return status;
  if ((*existing)->description().is_ca()) {
    group.Delete(kFamily, Key(kCaIndex, id));
    absl::Status find_error;
    status = ForEach<v1::StoredCertificate>(
        *store_, kCertificate, [&](const std::string& k, v1::StoredCertificate&& issued) {
          v1::CertificateDescription& c = *issued.mutable_description();
          if (c.issuer_ca_id() != id) return true;
          // One that no longer parses loses its issuer; the audit reports it.
          std::string issuer_id;
          if (absl::StatusOr<audit::CertificateInfo> info = audit::ParseCertificatePem(c.pem());
              info.ok()) {
            absl::StatusOr<std::string> issuer = FindIssuer(*info, c.pem(), id);
            if (!issuer.ok()) {
              find_error = issuer.status();
              return false;
            }
            issuer_id = *std::move(issuer);
          }
          c.set_issuer_ca_id(issuer_id);
          group.Put(kFamily, k, issued.SerializeAsString());
          return true;
        });
    if (!status.ok()) return status;
    if (!find_error.ok()) return find_error;
  }
  status = store_->Write(group);
  if (!status.ok()) return status;
  return true;
}

absl::Status RegistryStore::PutPolicy(const v1::Policy& policy) {
  std::lock_guard<std::mutex> lock(write_mu_);
  store::WriteGroup group;
  group.Put(kFamily, Key(kPolicy, policy.name()), policy.SerializeAsString());
  return store_->Write(group);
}

absl::StatusOr<std::optional<v1::Policy>> RegistryStore::GetPolicy(const std::string& name) const {
  return Read<v1::Policy>(*store_, Key(kPolicy, name));
}

absl::StatusOr<store::Page<v1::Policy>> RegistryStore::ListPolicies(const std::string& page_token,
                                                                    int page_size) const {
  return ReadPage(*store_, kPolicy, page_token, page_size, ParseEveryRow<v1::Policy>());
}

absl::StatusOr<bool> RegistryStore::DeletePolicy(const std::string& name) {
  std::lock_guard<std::mutex> lock(write_mu_);
  return DeleteIfPresent<v1::Policy>(store_, Key(kPolicy, name));
}

absl::Status RegistryStore::PutLoggingSettings(const v1::LoggingSettings& settings) {
  std::lock_guard<std::mutex> lock(write_mu_);
  store::WriteGroup group;
  group.Put(kFamily, Key(kLogging, ""), settings.SerializeAsString());
  return store_->Write(group);
}

absl::StatusOr<v1::LoggingSettings> RegistryStore::GetLoggingSettings() const {
  absl::StatusOr<std::optional<v1::LoggingSettings>> stored =
      Read<v1::LoggingSettings>(*store_, Key(kLogging, ""));
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) return **stored;
  const audit::LoggingSettings defaults;
  v1::LoggingSettings settings;
  settings.set_broker_logging_enabled(defaults.broker_logging_enabled);
  settings.set_device_logging_enabled(defaults.device_logging_enabled);
  return settings;
}

absl::Status RegistryStore::RecordConnection(const v1::ConnectionObservation& connection) {
  std::lock_guard<std::mutex> lock(write_mu_);
  store::WriteGroup group;
  group.Put(kFamily, ConnectionKey(connection), connection.SerializeAsString());
  return store_->Write(group);
}

absl::StatusOr<store::Page<v1::ConnectionObservation>> RegistryStore::ListConnections(
    const std::string& page_token, int page_size) const {
  return ReadPage(*store_, kConnection, page_token, page_size,
                  ParseEveryRow<v1::ConnectionObservation>());
}

absl::StatusOr<audit::Registry> RegistryStore::LoadAuditRegistry(
    std::vector<std::string>* errors, const std::function<void(audit::Device*)>& enrich) const {
  audit::Registry registry;
  absl::Status parse_error;
  // One scan over the whole family: one iterator, so one consistent snapshot.
  auto add = [&](const std::string& key, const std::string& value) -> absl::Status {
    switch (key.front()) {
      case kDevice: {
        absl::StatusOr<v1::RegisteredDevice> d = Parse<v1::RegisteredDevice>(key, value);
        if (!d.ok()) return d.status();
        registry.devices[d->name()] = ToAudit(*d);
        return absl::OkStatus();
      }
      case kGroup: {
        absl::StatusOr<v1::DeviceGroup> g = Parse<v1::DeviceGroup>(key, value);
        if (!g.ok()) return g.status();
        registry.groups[g->name()] = ToAudit(*g);
        return absl::OkStatus();
      }
      case kCertificate: {
        absl::StatusOr<v1::StoredCertificate> c = Parse<v1::StoredCertificate>(key, value);
        if (!c.ok()) return c.status();
        AddCertificate(*c, &registry, errors);
        return absl::OkStatus();
      }
      case kPolicy: {
        absl::StatusOr<v1::Policy> p = Parse<v1::Policy>(key, value);
        if (!p.ok()) return p.status();
        registry.policies[p->name()] = ToAudit(*p);
        return absl::OkStatus();
      }
      case kLogging: {
        absl::StatusOr<v1::LoggingSettings> l = Parse<v1::LoggingSettings>(key, value);
        if (!l.ok()) return l.status();
        registry.logging.broker_logging_enabled = l->broker_logging_enabled();
        registry.logging.device_logging_enabled = l->device_logging_enabled();
        return absl::OkStatus();
      }
      case kConnection: {
        absl::StatusOr<v1::ConnectionObservation> o = Parse<v1::ConnectionObservation>(key, value);
        if (!o.ok()) return o.status();
        registry.connections.push_back(ToAudit(*o));
        return absl::OkStatus();
      }
      default:  // the CA index
        return absl::OkStatus();
    }
  };
  absl::Status status =
      store_->Scan(kFamily, "", "", [&](const std::string& key, const std::string& value) {
        parse_error = key.empty() ? Corrupt(key) : add(key, value);
        return parse_error.ok();
      });
  if (!status.ok()) return status;
  if (!parse_error.ok()) return parse_error;
  if (enrich) {
    for (auto& [name, device] : registry.devices) enrich(&device);
  }
  return registry;
}

}  // namespace warden::services
