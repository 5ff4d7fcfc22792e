// Connection checks over Registry::connections: one certificate used by concurrent
// connections of different devices, one client id used by different devices.
//
// A connection's device is ConnectionObservation::device. When that is unknown (""), the
// shared-certificate check tells devices apart by client id and the client-id check by
// certificate, the one property each check does not group by.

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "audit/checks_internal.h"

namespace warden::audit::internal {
namespace {

using Connections = std::vector<const ConnectionObservation*>;

// Connections grouped by `key` (certificate or client id), skipping those without one.
template <typename Key>
std::map<std::string, Connections> GroupBy(const std::vector<ConnectionObservation>& all, Key key) {
  std::map<std::string, Connections> groups;
  for (const ConnectionObservation& c : all) {
    const std::string& k = key(c);
    if (!k.empty()) groups[k].push_back(&c);
  }
  return groups;
}

int64_t End(const ConnectionObservation& c) {
  return c.disconnected_at == 0 ? std::numeric_limits<int64_t>::max() : c.disconnected_at;
}

// Keeps, per device, the earliest connection in `kept`.
void KeepEarliest(const std::string& device, const ConnectionObservation* c,
                  std::map<std::string, const ConnectionObservation*>* kept) {
  auto [it, inserted] = kept->emplace(device, c);
  if (!inserted && c->connected_at < it->second->connected_at) it->second = c;
}

std::string SubjectOrId(const Registry& registry, const std::string& certificate_id) {
  auto it = registry.certificates.find(certificate_id);
  return it == registry.certificates.end() ? certificate_id : it->second.info.subject;
}

// DEVICE resources for the known devices among `connections`, then a `type` resource per
// distinct value of `field`; each sorted.
template <typename Field>
std::vector<ResourceRef> Related(const std::vector<const ConnectionObservation*>& connections,
                                 const char* type, Field field) {
  std::set<std::string> devices;
  std::set<std::string> others;
  for (const ConnectionObservation* c : connections) {
    if (!c->device.empty()) devices.insert(c->device);
    if (!field(*c).empty()) others.insert(field(*c));
  }
  std::vector<ResourceRef> related;
  related.reserve(devices.size() + others.size());
  for (const std::string& d : devices) related.push_back({"DEVICE", d});
  for (const std::string& o : others) related.push_back({type, o});
  return related;
}

std::vector<const ConnectionObservation*> Values(
    const std::map<std::string, const ConnectionObservation*>& by_device) {
  std::vector<const ConnectionObservation*> values;
  values.reserve(by_device.size());
  for (const auto& [device, c] : by_device) values.push_back(c);
  return values;
}

}  // namespace

void DeviceCertificateShared(const CheckInput& input, CheckResult* result) {
  auto by_certificate = GroupBy(
      input.registry.connections,
      [](const ConnectionObservation& c) -> const std::string& { return c.certificate_id; });
  for (auto& [certificate_id, connections] : by_certificate) {
    ++result->resources_evaluated;
    std::stable_sort(connections.begin(), connections.end(),
                     [](const ConnectionObservation* a, const ConnectionObservation* b) {
                       return a->connected_at < b->connected_at;
                     });
    auto device = [](const ConnectionObservation& c) {
      return c.device.empty() ? absl::StrCat("unknown device with client id ", c.client_id)
                              : c.device;
    };
    // Per device, its earliest connection that overlapped one of another device.
    std::map<std::string, const ConnectionObservation*> sharing;
    for (size_t i = 0; i < connections.size(); ++i) {
      const ConnectionObservation& a = *connections[i];
      for (size_t j = i + 1; j < connections.size() && connections[j]->connected_at < End(a); ++j) {
        const ConnectionObservation& b = *connections[j];
        if (device(a) == device(b)) continue;
        KeepEarliest(device(a), &a, &sharing);
        KeepEarliest(device(b), &b, &sharing);
      }
    }
    if (sharing.empty()) continue;
    std::vector<std::string> uses;
    uses.reserve(sharing.size());
    for (const auto& [name, c] : sharing) {
      uses.push_back(absl::StrCat(name, " (client id ", c->client_id, " from ", c->source_ip,
                                  ", connected ", FormatTime(c->connected_at), ")"));
    }
    Finding finding;
    finding.resource = {"DEVICE_CERTIFICATE", certificate_id};
    finding.related =
        Related(Values(sharing), "CLIENT_ID",
                [](const ConnectionObservation& c) -> const std::string& { return c.client_id; });
    finding.reason_code = "CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES";
    finding.reason = absl::StrCat("certificate ", SubjectOrId(input.registry, certificate_id),
                                  " used by concurrent connections of ", sharing.size(),
                                  " devices: ", absl::StrJoin(uses, ", "));
    result->findings.push_back(std::move(finding));
  }
}

void ConflictingClientIds(const CheckInput& input, CheckResult* result) {
  const auto by_client_id =
      GroupBy(input.registry.connections,
              [](const ConnectionObservation& c) -> const std::string& { return c.client_id; });
  for (const auto& [client_id, connections] : by_client_id) {
    ++result->resources_evaluated;
    // Per device, its latest connection with this client id.
    std::map<std::string, const ConnectionObservation*> latest;
    for (const ConnectionObservation* c : connections) {
      const std::string device = c->device.empty()
                                     ? absl::StrCat("unknown device with certificate ",
                                                    SubjectOrId(input.registry, c->certificate_id))
                                     : c->device;
      auto [it, inserted] = latest.emplace(device, c);
      if (!inserted && c->connected_at > it->second->connected_at) it->second = c;
    }
    if (latest.size() < 2) continue;
    std::vector<std::string> uses;
    uses.reserve(latest.size());
    for (const auto& [name, c] : latest) {
      uses.push_back(absl::StrCat(name, " (last connected ", FormatTime(c->connected_at), " from ",
                                  c->source_ip, ")"));
    }
    Finding finding;
    finding.resource = {"CLIENT_ID", client_id};
    finding.related = Related(
        Values(latest), "DEVICE_CERTIFICATE",
        [](const ConnectionObservation& c) -> const std::string& { return c.certificate_id; });
    finding.reason_code = "DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS";
    finding.reason = absl::StrCat("client id ", client_id, " used by ", latest.size(),
                                  " devices: ", absl::StrJoin(uses, ", "));
    result->findings.push_back(std::move(finding));
  }
}

}  // namespace warden::audit::internal
