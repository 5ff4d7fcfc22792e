#include "services/config.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "alerts/config_reader.h"
#include "audit/checks.h"
#include "audit/schedule_config.h"
#include "rules/loader.h"
#include "yaml-cpp/yaml.h"

namespace warden::services {
namespace {

class ConfigReader {
 public:
  ConfigReader(std::string path, std::string content)
      : path_(std::move(path)), lines_(absl::StrSplit(content, '\n')) {}

  void Error(const YAML::Mark& mark, std::string code, std::string message) {
    rules::Diagnostic d;
    d.file = path_;
    d.line = mark.line + 1;
    d.column = mark.column + 1;
    d.code = std::move(code);
    d.message = std::move(message);
    if (mark.line >= 0 && mark.line < static_cast<int>(lines_.size())) {
      d.source_line = lines_[mark.line];
    }
    diagnostics_.push_back(std::move(d));
  }

  template <typename T>
  void Read(const YAML::Node& node, const std::string& what, T* out) {
    try {
      *out = node.as<T>();
    } catch (const YAML::Exception&) {
      Error(node.Mark(), "E_TYPE", absl::StrCat("'", what, "' has the wrong type"));
    }
  }

  void Positive(const YAML::Node& node, const std::string& key, int64_t* out) {
    AtLeast(node, key, 1, out);
  }

  void AtLeast(const YAML::Node& node, const std::string& key, int64_t min, int64_t* out) {
    int64_t v = min - 1;
    Read(node, key, &v);
    if (v < min) {
      Error(node.Mark(), "E_VALUE",
            min == 1 ? absl::StrCat("'", key, "' must be > 0")
                     : absl::StrCat("'", key, "' must be >= ", min));
      return;
    }
    *out = v;
  }

  const std::vector<rules::Diagnostic>& diagnostics() const { return diagnostics_; }
  std::vector<rules::Diagnostic>* mutable_diagnostics() { return &diagnostics_; }
  const std::string& path() const { return path_; }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::string path_;
  std::vector<std::string> lines_;
  std::vector<rules::Diagnostic> diagnostics_;
};

using KeyReaders = std::map<std::string, std::function<void(const YAML::Node&)>>;

// Dispatches each key of the mapping `node` to its reader; unknown keys are errors.
void ReadMapping(ConfigReader& r, const YAML::Node& node, const std::string& what,
                 const KeyReaders& keys) {
  if (!node.IsMap()) {
    r.Error(node.Mark(), "E_TYPE", absl::StrCat("'", what, "' is a mapping of settings"));
    return;
  }
  std::vector<std::string> known;
  for (const auto& [k, fn] : keys) known.push_back(k);
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    auto it = keys.find(key);
    if (it == keys.end()) {
      r.Error(kv.first.Mark(), "E_UNKNOWN_KEY",
              absl::StrCat("unknown key '", key, "' (expected one of: ", absl::StrJoin(known, ", "),
                           ")"));
      continue;
    }
    it->second(kv.second);
  }
}

// The `audit:` section: check settings, finding retention, schedules.
void ReadAudit(ConfigReader& r, const YAML::Node& node, ServerOptions* o) {
  audit::AuditSettings& a = o->audit_settings;
  int64_t expiring = a.expiring_threshold_days, age = a.certificate_age_days;
  int64_t silent = a.silent_device_days, retention = o->finding_retention_days;
  ReadMapping(
      r, node, "audit",
      {
          {"expiring_threshold_days",
           [&](const YAML::Node& n) { r.Positive(n, "expiring_threshold_days", &expiring); }},
          {"certificate_age_days",
           [&](const YAML::Node& n) {
             r.Positive(n, "certificate_age_days", &age);
             if (age < 30 || age > 3652) {
               r.Error(n.Mark(), "E_VALUE", "'certificate_age_days' must be 30-3652");
             }
           }},
          {"silent_device_days",
           [&](const YAML::Node& n) { r.Positive(n, "silent_device_days", &silent); }},
          {"finding_retention_days",
           [&](const YAML::Node& n) { r.Positive(n, "finding_retention_days", &retention); }},
          {"insecure_ports",
           [&](const YAML::Node& n) {
             std::vector<int64_t> ports;
             r.Read(n, "insecure_ports", &ports);
             a.insecure_ports.clear();
             for (int64_t p : ports) {
               if (p < 0 || p > 65535) {
                 r.Error(n.Mark(), "E_VALUE", absl::StrCat("port ", p, " is out of range 0-65535"));
               } else {
                 a.insecure_ports.push_back(static_cast<uint32_t>(p));
               }
             }
           }},
          {"severity",
           [&](const YAML::Node& n) {
             std::map<std::string, std::string> by_check;
             r.Read(n, "severity", &by_check);
             const std::vector<std::string>& all = audit::AllChecks();
             for (const auto& [check, level] : by_check) {
               if (std::find(all.begin(), all.end(), check) == all.end()) {
                 r.Error(n.Mark(), "E_VALUE", absl::StrCat("unknown check '", check, "'"));
                 continue;
               }
               static const std::map<std::string, audit::Severity> kLevels = {
                   {"low", audit::Severity::kLow},
                   {"medium", audit::Severity::kMedium},
                   {"high", audit::Severity::kHigh},
                   {"critical", audit::Severity::kCritical}};
               auto it = kLevels.find(level);
               if (it == kLevels.end()) {
                 r.Error(n.Mark(), "E_VALUE",
                         absl::StrCat("unknown severity '", level,
                                      "' (expected one of: low, medium, high, critical)"));
                 continue;
               }
               a.severity[check] = it->second;
             }
           }},
          {"schedules",
           [&](const YAML::Node& n) {
             for (audit::ScheduledAudit& s : audit::ReadAuditSchedules(
                      n, r.path(), r.lines(), r.mutable_diagnostics(), audit::AllChecks())) {
               o->audit_schedules.push_back({s.name, s.schedule, s.checks});
             }
           }},
      });
  a.expiring_threshold_days = static_cast<int>(expiring);
  a.certificate_age_days = static_cast<int>(age);
  a.silent_device_days = static_cast<int>(silent);
  o->finding_retention_days = retention;
}

}  // namespace

absl::StatusOr<ServerOptions> LoadConfigFile(const std::string& path,
                                             const ServerOptions& defaults) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read config file"));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string content = ss.str();
  ConfigReader r(path, content);
  ServerOptions o = defaults;
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  auto resolve = [&](const std::string& p) {
    if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
    return (base / p).lexically_normal().string();
  };

  YAML::Node root;
  try {
    root = YAML::Load(content);
  } catch (const YAML::ParserException& e) {
    r.Error(e.mark, "E_YAML", e.msg);
    return absl::InvalidArgumentError(rules::FormatDiagnostics(r.diagnostics()));
  }
  if (root.IsNull()) return o;
  if (!root.IsMap()) {
    r.Error(root.Mark(), "E_TYPE", "a wardend config is a mapping of settings");
    return absl::InvalidArgumentError(rules::FormatDiagnostics(r.diagnostics()));
  }

  int64_t shards = o.engine.shards, queue = static_cast<int64_t>(o.engine.queue_capacity);
  int64_t silent = o.engine.invalidate_silent_after_seconds;
  int64_t queue_delay = o.engine.max_queue_delay_ms;
  int64_t retention_days = o.engine.event_retention_seconds / 86400;
  int64_t max_message = o.max_message_bytes;
  int64_t inflight = static_cast<int64_t>(o.max_inflight_per_stream);
  int64_t cached = static_cast<int64_t>(o.engine.cached_devices);
  int64_t hot_state = o.engine.hot_state_seconds;
  std::string data_dir, profiles, ready, geoip_database;
  const KeyReaders keys = {
      {"listen", [&](const YAML::Node& n) { r.Read(n, "listen", &o.listen); }},
      {"metrics_listen",
       [&](const YAML::Node& n) { r.Read(n, "metrics_listen", &o.metrics_listen); }},
      {"data_dir", [&](const YAML::Node& n) { r.Read(n, "data_dir", &data_dir); }},
      {"profiles", [&](const YAML::Node& n) { r.Read(n, "profiles", &profiles); }},
      {"geoip_database",
       [&](const YAML::Node& n) { r.Read(n, "geoip_database", &geoip_database); }},
      {"ready_file", [&](const YAML::Node& n) { r.Read(n, "ready_file", &ready); }},
      {"sync_writes", [&](const YAML::Node& n) { r.Read(n, "sync_writes", &o.sync_writes); }},
      {"shards", [&](const YAML::Node& n) { r.Positive(n, "shards", &shards); }},
      {"queue_capacity", [&](const YAML::Node& n) { r.Positive(n, "queue_capacity", &queue); }},
      {"cached_devices", [&](const YAML::Node& n) { r.Positive(n, "cached_devices", &cached); }},
      {"hot_state_seconds",
       [&](const YAML::Node& n) { r.AtLeast(n, "hot_state_seconds", 0, &hot_state); }},
      {"block_cache_mib",
       [&](const YAML::Node& n) { r.Positive(n, "block_cache_mib", &o.block_cache_mib); }},
      {"state_memtable_mib",
       [&](const YAML::Node& n) { r.Positive(n, "state_memtable_mib", &o.state_memtable_mib); }},
      {"max_queue_delay_ms",
       [&](const YAML::Node& n) { r.AtLeast(n, "max_queue_delay_ms", 0, &queue_delay); }},
      {"invalidate_silent_after_seconds",
       [&](const YAML::Node& n) { r.Positive(n, "invalidate_silent_after_seconds", &silent); }},
      {"event_retention_days",
       [&](const YAML::Node& n) { r.Positive(n, "event_retention_days", &retention_days); }},
      {"max_message_bytes",
       [&](const YAML::Node& n) { r.Positive(n, "max_message_bytes", &max_message); }},
      {"max_inflight_per_stream",
       [&](const YAML::Node& n) { r.Positive(n, "max_inflight_per_stream", &inflight); }},
      {"alerting",
       [&](const YAML::Node& n) {
         o.alerting = alerts::ReadAlertingConfig(n, r.path(), r.lines(), r.mutable_diagnostics());
       }},
      {"audit", [&](const YAML::Node& n) { ReadAudit(r, n, &o); }},
  };
  ReadMapping(r, root, "the config", keys);
  if (!r.diagnostics().empty()) {
    return absl::InvalidArgumentError(rules::FormatDiagnostics(r.diagnostics()));
  }
  if (!data_dir.empty()) o.data_dir = resolve(data_dir);
  if (!profiles.empty()) o.profiles_dir = resolve(profiles);
  if (!geoip_database.empty()) o.geoip_database = resolve(geoip_database);
  if (!ready.empty()) o.ready_file = resolve(ready);
  o.engine.shards = static_cast<int>(shards);
  o.engine.queue_capacity = static_cast<size_t>(queue);
  o.engine.cached_devices = static_cast<size_t>(cached);
  o.engine.hot_state_seconds = hot_state;
  o.engine.max_queue_delay_ms = queue_delay;
  o.engine.invalidate_silent_after_seconds = silent;
  o.engine.event_retention_seconds = retention_days * 86400;
  o.max_message_bytes = static_cast<int>(max_message);
  o.max_inflight_per_stream = static_cast<size_t>(inflight);
  return o;
}

}  // namespace warden::services
