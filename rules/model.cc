#include "rules/model.h"

#include <algorithm>
#include <array>
#include <utility>

namespace warden::rules {
namespace {

constexpr std::array<std::pair<Operator, std::string_view>, 10> kOperators = {{
    {Operator::kLessThan, "less-than"},
    {Operator::kLessThanEquals, "less-than-equals"},
    {Operator::kGreaterThan, "greater-than"},
    {Operator::kGreaterThanEquals, "greater-than-equals"},
    {Operator::kInCidrSet, "in-cidr-set"},
    {Operator::kNotInCidrSet, "not-in-cidr-set"},
    {Operator::kInPortSet, "in-port-set"},
    {Operator::kNotInPortSet, "not-in-port-set"},
    {Operator::kInSet, "in-set"},
    {Operator::kNotInSet, "not-in-set"},
}};

constexpr std::array<std::pair<Severity, std::string_view>, 4> kSeverities = {{
    {Severity::kLow, "low"},
    {Severity::kMedium, "medium"},
    {Severity::kHigh, "high"},
    {Severity::kCritical, "critical"},
}};

constexpr std::array<std::pair<Confidence, std::string_view>, 3> kConfidences = {{
    {Confidence::kLow, "low"},
    {Confidence::kMedium, "medium"},
    {Confidence::kHigh, "high"},
}};

// Fractional digits ParseStatistic accepts: the digits stay an exact integer in a double.
constexpr size_t kMaxPercentileDecimals = 12;

}  // namespace

std::string_view OperatorName(Operator op) {
  for (const auto& [o, name] : kOperators) {
    if (o == op) return name;
  }
  return "?";
}

std::optional<Operator> ParseOperator(std::string_view name) {
  for (const auto& [o, n] : kOperators) {
    if (n == name) return o;
  }
  return std::nullopt;
}

bool IsNumberOperator(Operator op) {
  return op == Operator::kLessThan || op == Operator::kLessThanEquals ||
         op == Operator::kGreaterThan || op == Operator::kGreaterThanEquals;
}

std::string_view SeverityName(Severity s) {
  for (const auto& [v, name] : kSeverities) {
    if (v == s) return name;
  }
  return "?";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (const auto& [v, n] : kSeverities) {
    if (n == name) return v;
  }
  return std::nullopt;
}

const std::vector<MetricInfo>& DeviceMetrics() {
  static const auto* metrics = new std::vector<MetricInfo>{
      {"aws:all-bytes-out", BuiltinMetric::kAllBytesOut, ValueType::kNumber, true},
      {"aws:all-bytes-in", BuiltinMetric::kAllBytesIn, ValueType::kNumber, true},
      {"aws:all-packets-out", BuiltinMetric::kAllPacketsOut, ValueType::kNumber, true},
      {"aws:all-packets-in", BuiltinMetric::kAllPacketsIn, ValueType::kNumber, true},
      {"aws:num-listening-tcp-ports", BuiltinMetric::kNumListeningTcpPorts, ValueType::kNumber,
       false},
      {"aws:num-listening-udp-ports", BuiltinMetric::kNumListeningUdpPorts, ValueType::kNumber,
       false},
      {"aws:num-established-tcp-connections", BuiltinMetric::kNumEstablishedTcpConnections,
       ValueType::kNumber, false},
      {"aws:listening-tcp-ports", BuiltinMetric::kListeningTcpPorts, ValueType::kPortList, false},
      {"aws:listening-udp-ports", BuiltinMetric::kListeningUdpPorts, ValueType::kPortList, false},
      {"aws:destination-ip-addresses", BuiltinMetric::kDestinationIpAddresses, ValueType::kIpList,
       false},
  };
  return *metrics;
}

const MetricInfo* FindDeviceMetric(std::string_view id) {
  for (const MetricInfo& m : DeviceMetrics()) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

const std::vector<MetricInfo>& CloudMetrics() {
  static const auto* metrics = new std::vector<MetricInfo>{
      {"aws:num-messages-sent", BuiltinMetric::kNumMessagesSent, ValueType::kNumber, true, true},
      {"aws:num-messages-received", BuiltinMetric::kNumMessagesReceived, ValueType::kNumber, true,
       true},
      {"aws:message-byte-size", BuiltinMetric::kMessageByteSize, ValueType::kNumber, false, true},
      {"aws:num-authorization-failures", BuiltinMetric::kNumAuthorizationFailures,
       ValueType::kNumber, true, true},
      {"aws:num-connection-attempts", BuiltinMetric::kNumConnectionAttempts, ValueType::kNumber,
       true, true},
      {"aws:num-disconnects", BuiltinMetric::kNumDisconnects, ValueType::kNumber, true, true},
      {"aws:disconnect-duration", BuiltinMetric::kDisconnectDuration, ValueType::kNumber, false,
       true},
      {"aws:source-ip-address", BuiltinMetric::kSourceIpAddress, ValueType::kIpList, false, true},
  };
  return *metrics;
}

const MetricInfo* FindCloudMetric(std::string_view id) {
  for (const MetricInfo& m : CloudMetrics()) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

bool IsCloudSideMetric(std::string_view id) { return FindCloudMetric(id) != nullptr; }

std::optional<double> ParseStatistic(std::string_view statistic) {
  if (statistic.size() < 2 || statistic[0] != 'p') return std::nullopt;
  std::string_view rest = statistic.substr(1);
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t int_digits = 0;
  while (int_digits < rest.size() && is_digit(rest[int_digits])) ++int_digits;
  if (int_digits == 0 || int_digits > 3 || (int_digits > 1 && rest[0] == '0')) return std::nullopt;
  size_t frac_digits = 0;
  if (int_digits < rest.size()) {
    if (rest[int_digits] != '.') return std::nullopt;
    frac_digits = rest.size() - int_digits - 1;
    if (frac_digits == 0 || frac_digits > kMaxPercentileDecimals) return std::nullopt;
    for (size_t i = int_digits + 1; i < rest.size(); ++i) {
      if (!is_digit(rest[i])) return std::nullopt;
    }
  }
  // N = digits / 10^frac_digits, both exact in a double; N <= 100.
  uint64_t digits = 0;
  uint64_t scale = 1;
  for (char c : rest) {
    if (c == '.') continue;
    digits = digits * 10 + static_cast<uint64_t>(c - '0');
  }
  for (size_t i = 0; i < frac_digits; ++i) scale *= 10;
  if (digits > 100 * scale) return std::nullopt;
  return static_cast<double>(digits) / static_cast<double>(100 * scale);
}

std::string_view ConfidenceName(Confidence c) {
  for (const auto& [v, name] : kConfidences) {
    if (v == c) return name;
  }
  return "?";
}

std::optional<Confidence> ParseConfidence(std::string_view name) {
  for (const auto& [v, n] : kConfidences) {
    if (n == name) return v;
  }
  return std::nullopt;
}

bool IsValidCustomMetricName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.substr(0, 4) == "aws:") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
           c == '_' || c == '-';
  });
}

bool RuleSet::TargetsDevice(const Profile& profile, const std::string& device_id) const {
  const Targets& t = profile.targets;
  if (t.all) return true;
  auto it = devices.find(device_id);
  if (it == devices.end()) return false;
  const Device& d = it->second;
  if (!t.groups.empty()) {
    bool in_group = std::any_of(t.groups.begin(), t.groups.end(), [&](const std::string& g) {
      return std::find(d.groups.begin(), d.groups.end(), g) != d.groups.end();
    });
    if (!in_group) return false;
  }
  for (const auto& [key, value] : t.attributes) {
    auto a = d.attributes.find(key);
    if (a == d.attributes.end() || a->second != value) return false;
  }
  return !t.groups.empty() || !t.attributes.empty();
}

int64_t RuleSet::LongestWindowSeconds(const std::string& metric_id) const {
  int64_t longest = 0;
  for (const Profile& p : profiles) {
    for (const Behaviour& b : p.behaviours) {
      if (b.metric.id == metric_id) longest = std::max(longest, b.duration_seconds);
    }
  }
  return longest;
}

uint64_t BehaviourKey(std::string_view profile, std::string_view behaviour) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a offset basis
  auto mix = [&hash](unsigned char c) {
    hash ^= c;
    hash *= 1099511628211ull;  // FNV-1a prime
  };
  for (unsigned char c : profile) mix(c);
  mix(0);
  for (unsigned char c : behaviour) mix(c);
  return hash == 0 ? 1 : hash;
}

}  // namespace warden::rules
