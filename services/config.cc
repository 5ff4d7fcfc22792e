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
    int64_t v = 0;
    Read(node, key, &v);
    if (v <= 0) {
      Error(node.Mark(), "E_VALUE", absl::StrCat("'", key, "' must be > 0"));
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
  int64_t retention_days = o.engine.event_retention_seconds / 86400;
  int64_t max_message = o.max_message_bytes;
  int64_t inflight = static_cast<int64_t>(o.max_inflight_per_stream);
  std::string data_dir, profiles, ready;
  const std::map<std::string, std::function<void(const YAML::Node&)>> keys = {
      {"listen", [&](const YAML::Node& n) { r.Read(n, "listen", &o.listen); }},
      {"metrics_listen",
       [&](const YAML::Node& n) { r.Read(n, "metrics_listen", &o.metrics_listen); }},
      {"data_dir", [&](const YAML::Node& n) { r.Read(n, "data_dir", &data_dir); }},
      {"profiles", [&](const YAML::Node& n) { r.Read(n, "profiles", &profiles); }},
      {"ready_file", [&](const YAML::Node& n) { r.Read(n, "ready_file", &ready); }},
      {"sync_writes", [&](const YAML::Node& n) { r.Read(n, "sync_writes", &o.sync_writes); }},
      {"shards", [&](const YAML::Node& n) { r.Positive(n, "shards", &shards); }},
      {"queue_capacity", [&](const YAML::Node& n) { r.Positive(n, "queue_capacity", &queue); }},
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
  };
  std::vector<std::string> known;
  for (const auto& [k, fn] : keys) known.push_back(k);
  for (const auto& kv : root) {
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
  if (!r.diagnostics().empty()) {
    return absl::InvalidArgumentError(rules::FormatDiagnostics(r.diagnostics()));
  }
  if (!data_dir.empty()) o.data_dir = resolve(data_dir);
  if (!profiles.empty()) o.profiles_dir = resolve(profiles);
  if (!ready.empty()) o.ready_file = resolve(ready);
  o.engine.shards = static_cast<int>(shards);
  o.engine.queue_capacity = static_cast<size_t>(queue);
  o.engine.invalidate_silent_after_seconds = silent;
  o.engine.event_retention_seconds = retention_days * 86400;
  o.max_message_bytes = static_cast<int>(max_message);
  o.max_inflight_per_stream = static_cast<size_t>(inflight);
  return o;
}

}  // namespace warden::services
