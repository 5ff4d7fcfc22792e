#ifndef WARDEN_RULES_MODEL_H_
#define WARDEN_RULES_MODEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/lists.h"

namespace warden::rules {

// The ten Device Defender comparison operators. A behaviour describes *normal*
// behaviour: a datapoint violates when the relation is false.
enum class Operator {
  kLessThan,
  kLessThanEquals,
  kGreaterThan,
  kGreaterThanEquals,
  kInCidrSet,
  kNotInCidrSet,
  kInPortSet,
  kNotInPortSet,
  kInSet,
  kNotInSet,
};
// "less-than", ..., "not-in-set".
std::string_view OperatorName(Operator op);
std::optional<Operator> ParseOperator(std::string_view name);
bool IsNumberOperator(Operator op);

enum class Severity { kLow, kMedium, kHigh, kCritical };
std::string_view SeverityName(Severity s);  // "low", ..., "critical"
std::optional<Severity> ParseSeverity(std::string_view name);

// What a metric's datapoint is.
enum class ValueType { kNumber, kPortList, kIpList, kNumberList, kStringList };

// Device-side metrics from the reference (§1), plus custom metrics.
enum class BuiltinMetric {
  kCustom,
  kAllBytesOut,
  kAllBytesIn,
  kAllPacketsOut,
  kAllPacketsIn,
  kNumListeningTcpPorts,
  kNumListeningUdpPorts,
  kNumEstablishedTcpConnections,
  kListeningTcpPorts,
  kListeningUdpPorts,
  kDestinationIpAddresses,
};

struct MetricInfo {
  std::string_view id;  // "aws:all-bytes-out"
  BuiltinMetric builtin;
  ValueType type;
  bool delta;  // a delta counter: summed over duration_seconds
};
// The device-side metric catalogue, in reference order.
const std::vector<MetricInfo>& DeviceMetrics();
// nullptr when id is not a device-side metric.
const MetricInfo* FindDeviceMetric(std::string_view id);
// True for the cloud-side (broker) metrics of reference §1, which need broker events.
bool IsCloudSideMetric(std::string_view id);
// Custom metric names: 1–128 of [a-zA-Z0-9:_-], not starting with "aws:".
bool IsValidCustomMetricName(std::string_view name);

struct Metric {
  std::string id;  // "aws:all-bytes-out" or the custom metric name
  BuiltinMetric builtin = BuiltinMetric::kCustom;
  ValueType type = ValueType::kNumber;
  bool delta = false;
};

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

struct Behaviour {
  std::string name;
  Metric metric;
  Operator op = Operator::kLessThan;
  double value = 0;                       // number operators
  std::shared_ptr<const NamedList> list;  // list operators: a named or an inline list
  int64_t duration_seconds = 0;           // 0: the datapoint alone
  int consecutive_datapoints_to_alarm = 1;
  int consecutive_datapoints_to_clear = 1;
  Severity severity = Severity::kMedium;
  std::map<std::string, std::string> labels;
  bool suppress_alerts = false;
  // Hash of what decides violations (metric, operator, value or list name, duration,
  // counts). An alarm state built under another fingerprint starts over.
  uint64_t fingerprint = 0;
  SourceLocation location;
};

// Which devices a profile watches. all: every device. Otherwise a device is targeted
// when it is in at least one of `groups` (if any are given) and has every attribute
// in `attributes` with that exact value (if any are given).
struct Targets {
  bool all = false;
  std::vector<std::string> groups;
  std::map<std::string, std::string> attributes;
};

struct Profile {
  std::string name;
  std::string description;
  Targets targets;
  std::vector<Behaviour> behaviours;
  SourceLocation location;
};

// A device's groups and attributes, from an inventory document.
struct Device {
  std::string name;
  std::vector<std::string> groups;
  std::map<std::string, std::string> attributes;
};

// A compiled, validated set of profiles, lists and the device inventory.
// Immutable once loaded; shared by every shard thread through shared_ptr.
struct RuleSet {
  std::vector<Profile> profiles;
  std::map<std::string, std::shared_ptr<const NamedList>> lists;
  std::unordered_map<std::string, Device> devices;

  // Whether `profile` targets the device named `device_id`.
  bool TargetsDevice(const Profile& profile, const std::string& device_id) const;
  // The longest duration_seconds of any behaviour on `metric_id` (0 if none).
  int64_t LongestWindowSeconds(const std::string& metric_id) const;
};

}  // namespace warden::rules

#endif  // WARDEN_RULES_MODEL_H_
