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
  // Cloud-side, from broker events.
  kNumMessagesSent,
  kNumMessagesReceived,
  kMessageByteSize,
  kNumAuthorizationFailures,
  kNumConnectionAttempts,
  kNumDisconnects,
  kDisconnectDuration,
  kSourceIpAddress,
};

struct MetricInfo {
  std::string_view id;  // "aws:all-bytes-out"
  BuiltinMetric builtin;
  ValueType type;
  bool delta;          // a delta counter: summed over duration_seconds
  bool cloud = false;  // counted from broker events, not reported by the device
};
// The device-side metric catalogue, in reference order.
const std::vector<MetricInfo>& DeviceMetrics();
// nullptr when id is not a device-side metric.
const MetricInfo* FindDeviceMetric(std::string_view id);
// The cloud-side catalogue (reference §1), counted from broker events.
const std::vector<MetricInfo>& CloudMetrics();
// nullptr when id is not a cloud-side metric.
const MetricInfo* FindCloudMetric(std::string_view id);
// True for the cloud-side (broker) metrics of reference §1.
bool IsCloudSideMetric(std::string_view id);
// Custom metric names: 1–128 of [a-zA-Z0-9:_-], not starting with "aws:".
bool IsValidCustomMetricName(std::string_view name);

struct Metric {
  std::string id;  // "aws:all-bytes-out" or the custom metric name
  BuiltinMetric builtin = BuiltinMetric::kCustom;
  ValueType type = ValueType::kNumber;
  bool delta = false;
  bool cloud = false;
};

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

// A statistical threshold: the behaviour's value is the `quantile` of the metric
// (accumulated over duration_seconds) across the devices the profile targets, taken
// from the last complete window (detectors/fleet_stats.h).
struct Statistic {
  std::string name;          // as written: "p99", "p99.9"
  double quantile = 0;       // 0.99
  int64_t min_devices = 10;  // fewer devices in the window: insufficient data, no alarm
};

// Parses a Device Defender statistic name ("p0", "p0.01", "p0.1", "p1", "p10", "p50",
// "p90", "p99", "p99.9", "p99.99", "p100") or any "pN" with N a decimal in [0, 100]
// (digits, optionally '.' and up to 12 digits; no sign, exponent, spaces or redundant
// leading zero), into the quantile N / 100 (the double nearest it). nullopt otherwise.
std::optional<double> ParseStatistic(std::string_view statistic);

enum class Confidence { kLow, kMedium, kHigh };
std::string_view ConfidenceName(Confidence c);  // "low", "medium", "high"
std::optional<Confidence> ParseConfidence(std::string_view name);

// Which behaviour of which profile, as a number: FNV-1a 64 of "<profile>\0<behaviour>".
// Never 0.
uint64_t BehaviourKey(std::string_view profile, std::string_view behaviour);

// A per-device baseline (detectors/baseline.h): the device's own normal is learned,
// and a datapoint violates when it departs beyond the band the confidence sets, in
// the direction the operator gives (less-than*: too high; greater-than*: too low).
struct Baseline {
  Confidence confidence = Confidence::kMedium;
  int64_t warmup_datapoints = 12;
  bool hourly = false;  // learn an hour-of-day profile (diurnal devices)
};

// The TOPIC_FILTER dimension: only messages (or authorization failures) whose topic
// matches one of `filters` (MQTT filters with + and #) count — or, with `in` false,
// only those matching none.
struct TopicFilter {
  bool in = true;
  std::vector<std::string> filters;
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
  std::optional<Statistic> statistic;       // instead of `value`
  std::optional<Baseline> baseline;         // instead of `value`
  std::optional<TopicFilter> topic_filter;  // cloud-side message/authorization metrics
  // The datapoint series the behaviour reads: the metric id, or for a topic-filtered
  // cloud metric the id plus a tag of the filter ("aws:num-messages-sent#1a2b3c4d").
  std::string series;
  Severity severity = Severity::kMedium;
  std::map<std::string, std::string> labels;
  bool suppress_alerts = false;
  // Hash of what decides violations (metric, operator, value or list name, duration,
  // counts). An alarm state built under another fingerprint starts over.
  uint64_t fingerprint = 0;
  // BehaviourKey(profile name, name), set by the linker (0 in behaviours built by hand):
  // a device's baseline model of the behaviour is stored under it.
  uint64_t key = 0;
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
