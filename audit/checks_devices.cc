// Warden's device checks (no AWS equivalent): firmware below a group's minimum, insecure
// listening ports, devices gone silent. Only active devices are evaluated.

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "audit/checks_internal.h"
#include "audit/groups.h"

namespace warden::audit::internal {
namespace {

using Version = std::vector<uint64_t>;

// "2.4.1" as {2, 4, 1}; nothing unless dot-separated decimal numbers.
std::optional<Version> ParseVersion(const std::string& text) {
  Version version;
  for (absl::string_view part : absl::StrSplit(text, '.')) {
    uint64_t number = 0;
    for (char c : part) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
    if (part.empty() || !absl::SimpleAtoi(part, &number)) return std::nullopt;
    version.push_back(number);
  }
  return version;
}

// Component-wise, missing components counting as 0 ("1.2" == "1.2.0").
bool Below(const Version& a, const Version& b) {
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const uint64_t x = i < a.size() ? a[i] : 0;
    const uint64_t y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y;
  }
  return false;
}

std::string PortName(uint32_t port) {
  switch (port) {
    case 21:
      return "ftp";
    case 23:
    case 2323:
      return "telnet";
    case 69:
      return "tftp";
    case 512:
      return "rexec";
    case 513:
      return "rlogin";
    case 514:
      return "rsh";
    default:
      return "";
  }
}

}  // namespace

void DeviceFirmwareOutdated(const CheckInput& input, CheckResult* result) {
  std::map<std::string, Version> minimums;  // by group
  for (const auto& [name, group] : input.registry.groups) {
    if (group.min_firmware_version.empty()) continue;
    std::optional<Version> minimum = ParseVersion(group.min_firmware_version);
    if (minimum.has_value()) {
      minimums.emplace(name, *std::move(minimum));
    } else {
      result->errors.push_back(absl::StrCat("group ", name, ": minimum firmware version '",
                                            group.min_firmware_version,
                                            "' is not a dotted numeric version"));
    }
  }
  for (const auto& [name, device] : input.registry.devices) {
    if (!device.active) continue;
    std::vector<std::string> groups;  // with a minimum
    for (const std::string& group : GroupsOf(input.registry, device)) {
      if (minimums.count(group) > 0) groups.push_back(group);
    }
    if (groups.empty()) continue;
    ++result->resources_evaluated;
    const std::optional<Version> version = ParseVersion(device.firmware_version);
    if (!version.has_value()) {
      result->errors.push_back(absl::StrCat("device ", name, ": firmware version '",
                                            device.firmware_version,
                                            "' is not a dotted numeric version"));
      continue;
    }
    Finding finding;
    std::vector<std::string> unmet;
    for (const std::string& group : groups) {
      if (!Below(*version, minimums.at(group))) continue;
      finding.related.push_back({"GROUP", group});
      unmet.push_back(absl::StrCat("group ", group, " (",
                                   input.registry.groups.at(group).min_firmware_version, ")"));
    }
    if (unmet.empty()) continue;
    finding.resource = {"DEVICE", name};
    finding.reason_code = "FIRMWARE_BELOW_MINIMUM_VERSION";
    finding.reason = absl::StrCat("firmware ", device.firmware_version, " is below the minimum of ",
                                  absl::StrJoin(unmet, ", "));
    result->findings.push_back(std::move(finding));
  }
}

void InsecureListeningPorts(const CheckInput& input, CheckResult* result) {
  const std::set<uint32_t> insecure(input.settings.insecure_ports.begin(),
                                    input.settings.insecure_ports.end());
  for (const auto& [name, device] : input.registry.devices) {
    if (!device.active) continue;
    ++result->resources_evaluated;
    std::set<uint32_t> open;
    for (uint32_t port : device.listening_tcp_ports) {
      if (insecure.count(port) > 0) open.insert(port);
    }
    if (open.empty()) continue;
    std::vector<std::string> ports;
    for (uint32_t port : open) {
      const std::string service = PortName(port);
      ports.push_back(service.empty() ? absl::StrCat(port)
                                      : absl::StrCat(port, " (", service, ")"));
    }
    Finding finding;
    finding.resource = {"DEVICE", name};
    finding.reason_code = "INSECURE_PORTS_LISTENING";
    finding.reason = absl::StrCat("listening on insecure tcp ports ", absl::StrJoin(ports, ", "));
    result->findings.push_back(std::move(finding));
  }
}

void DeviceSilent(const CheckInput& input, CheckResult* result) {
  const int days = input.settings.silent_device_days;
  for (const auto& [name, device] : input.registry.devices) {
    // A device never seen has nothing to fall silent from: not evaluated.
    if (!device.active || device.last_seen == 0) continue;
    ++result->resources_evaluated;
    if (input.now - device.last_seen <= int64_t{days} * kSecondsPerDay) continue;
    Finding finding;
    finding.resource = {"DEVICE", name};
    finding.reason_code = "DEVICE_SILENT_PAST_THRESHOLD";
    finding.reason =
        absl::StrCat("device last seen ", FormatTime(device.last_seen), " (",
                     RelativeDays(device.last_seen, input.now), "; threshold ", days, " days)");
    result->findings.push_back(std::move(finding));
  }
}

}  // namespace warden::audit::internal
