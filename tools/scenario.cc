#include "tools/scenario.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "detectors/replay.h"
#include "detectors/report_json.h"
#include "google/protobuf/util/time_util.h"
#include "yaml-cpp/yaml.h"

namespace warden::tools {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using google::protobuf::util::TimeUtil;

// Longest events line accepted (a report with thousands of connections fits).
constexpr size_t kMaxLineBytes = size_t{16} << 20;
constexpr size_t kReadChunk = size_t{1} << 16;
// Times are epoch seconds between 1970 and 2200.
constexpr int64_t kMaxEpochSeconds = 7'258'118'400;

std::string Lower(std::string s) {
  if (!s.empty()) s[0] = absl::ascii_tolower(s[0]);
  return s;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code unused;
  if (fs::is_directory(path, unused)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read '", path, "': is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::NotFoundError(
        absl::StrCat("cannot read '", path, "': ", Lower(std::strerror(errno))));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "a string", "an array", ... for error messages.
std::string Describe(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

// The parse error of nlohmann as "line L, column C: reason", without its prefix.
std::string ParseErrorText(const Json::parse_error& e) {
  std::string what = e.what();
  const size_t at = what.find("parse error");
  if (at != std::string::npos) what = what.substr(at);
  return what;
}

// Strict reading of one JSON object: required and optional keys of given types,
// unknown keys rejected. Errors carry the JSON path ("devices[3].groups").
class ObjectReader {
 public:
  ObjectReader(const Json& j, std::string path) : j_(j), path_(std::move(path)) {}

  absl::Status CheckObject(std::initializer_list<absl::string_view> keys) const {
    if (!j_.is_object()) return Error(path_, "expected an object", j_);
    for (const auto& [key, value] : j_.items()) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(Join(key)), "unknown key (expected one of: ", absl::StrJoin(keys, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }
  const Json* Find(const std::string& key) const {
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  absl::StatusOr<const Json*> Require(const std::string& key) const {
    const Json* v = Find(key);
    if (v == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(Where(path_), "missing key '", key, "'"));
    }
    return v;
  }
  absl::StatusOr<std::string> String(const std::string& key, bool required = true) const {
    const Json* v = Find(key);
    if (v == nullptr) {
      if (!required) return std::string();
      return Require(key).status();
    }
    if (!v->is_string()) return Error(Join(key), "expected a string", *v);
    return v->get<std::string>();
  }
  absl::StatusOr<int64_t> Integer(const std::string& key) const {
    absl::StatusOr<const Json*> v = Require(key);
    if (!v.ok()) return v.status();
    if (!(*v)->is_number_integer()) return Error(Join(key), "expected an integer", **v);
    return (*v)->get<int64_t>();
  }
  absl::StatusOr<std::vector<std::string>> Strings(const std::string& key) const {
    std::vector<std::string> out;
    const Json* v = Find(key);
    if (v == nullptr) return out;
    if (!v->is_array()) return Error(Join(key), "expected an array of strings", *v);
    for (size_t i = 0; i < v->size(); ++i) {
      const Json& e = (*v)[i];
      if (!e.is_string()) {
        return Error(absl::StrCat(Join(key), "[", i, "]"), "expected a string", e);
      }
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  std::string Join(absl::string_view key) const {
    return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
  }
  static absl::Status Error(const std::string& path, absl::string_view expected, const Json& got) {
    return absl::InvalidArgumentError(absl::StrCat(Where(path), expected, ", got ", Describe(got)));
  }
  static std::string Where(const std::string& path) {
    return path.empty() ? std::string() : absl::StrCat(path, ": ");
  }

 private:
  const Json& j_;
  std::string path_;
};

// `var` may be a declaration ("const std::string name"), so it cannot be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define SCENARIO_ASSIGN_OR_RETURN_IMPL(var, tmp, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  var = *std::move(tmp)
#define SCENARIO_CONCAT_INNER(a, b) a##b
#define SCENARIO_CONCAT(a, b) SCENARIO_CONCAT_INNER(a, b)
#define SCENARIO_ASSIGN_OR_RETURN(var, expr) \
  SCENARIO_ASSIGN_OR_RETURN_IMPL(var, SCENARIO_CONCAT(status_or_, __LINE__), expr)
#define SCENARIO_RETURN_IF_ERROR(expr) \
  do {                                 \
    absl::Status status_ = (expr);     \
    if (!status_.ok()) return status_; \
  } while (false)
// NOLINTEND(bugprone-macro-parentheses)

absl::StatusOr<ScenarioDevice> ParseDevice(const Json& j, const std::string& path) {
  ObjectReader r(j, path);
  SCENARIO_RETURN_IF_ERROR(r.CheckObject({"name", "groups", "attributes"}));
  ScenarioDevice d;
  SCENARIO_ASSIGN_OR_RETURN(d.name, r.String("name"));
  if (d.name.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ".name: empty"));
  SCENARIO_ASSIGN_OR_RETURN(d.groups, r.Strings("groups"));
  if (const Json* a = r.Find("attributes"); a != nullptr) {
    if (!a->is_object()) return ObjectReader::Error(r.Join("attributes"), "expected an object", *a);
    for (const auto& [key, value] : a->items()) {
      if (!value.is_string()) {
        return ObjectReader::Error(r.Join(absl::StrCat("attributes.", key)), "expected a string",
                                   value);
      }
      d.attributes[key] = value.get<std::string>();
    }
  }
  return d;
}

absl::StatusOr<ScenarioList> ParseList(const std::string& name, const Json& j,
                                       const std::string& path) {
  ObjectReader r(j, path);
  SCENARIO_RETURN_IF_ERROR(r.CheckObject({"type", "values", "description"}));
  ScenarioList list;
  list.name = name;
  SCENARIO_ASSIGN_OR_RETURN(list.type, r.String("type"));
  if (list.type != "cidr" && list.type != "port" && list.type != "number" &&
      list.type != "string") {
    return absl::InvalidArgumentError(absl::StrCat(path, ".type: unknown list type '", list.type,
                                                   "' (expected cidr, port, number or string)"));
  }
  SCENARIO_ASSIGN_OR_RETURN(const Json* values, r.Require("values"));
  if (!values->is_array())
    return ObjectReader::Error(r.Join("values"), "expected an array", *values);
  for (size_t i = 0; i < values->size(); ++i) {
    const Json& v = (*values)[i];
    if (!v.is_string() && !v.is_number()) {
      return ObjectReader::Error(absl::StrCat(path, ".values[", i, "]"),
                                 "expected a string or a number", v);
    }
    list.values.push_back(v.dump());
  }
  return list;
}

// Broker event "type" → the BrokerEvent oneof; the scenario's field names → the proto's.
absl::Status ParseBroker(const Json& j, ScenarioEvent* event) {
  ObjectReader r(j, "broker");
  SCENARIO_RETURN_IF_ERROR(r.CheckObject(
      {"type", "client_id", "source_ip", "topic", "bytes", "success", "cert", "action", "reason"}));
  SCENARIO_ASSIGN_OR_RETURN(const std::string type, r.String("type"));
  SCENARIO_ASSIGN_OR_RETURN(const std::string client_id, r.String("client_id", false));
  SCENARIO_ASSIGN_OR_RETURN(const std::string source_ip, r.String("source_ip", false));
  SCENARIO_ASSIGN_OR_RETURN(const std::string topic, r.String("topic", false));
  SCENARIO_ASSIGN_OR_RETURN(const std::string cert, r.String("cert", false));
  SCENARIO_ASSIGN_OR_RETURN(const std::string action, r.String("action", false));
  SCENARIO_ASSIGN_OR_RETURN(const std::string reason, r.String("reason", false));
  int64_t bytes = 0;
  if (const Json* b = r.Find("bytes"); b != nullptr) {
    if (!b->is_number_integer() || b->get<int64_t>() < 0) {
      return ObjectReader::Error("broker.bytes", "expected a non-negative integer", *b);
    }
    bytes = b->get<int64_t>();
  }
  bool success = true;
  if (const Json* s = r.Find("success"); s != nullptr) {
    if (!s->is_boolean()) return ObjectReader::Error("broker.success", "expected a boolean", *s);
    success = s->get<bool>();
  }
  v1::BrokerEvent& e = event->broker;
  if (type == "connect") {
    v1::BrokerEvent::Connect* c = e.mutable_connect();
    c->set_client_id(client_id);
    c->set_source_ip(source_ip);
    c->set_certificate_id(cert);
    c->set_success(success);
  } else if (type == "auth_failure") {
    v1::BrokerEvent::AuthorizationFailure* a = e.mutable_authorization_failure();
    a->set_action(!action.empty() ? action : topic.empty() ? "connect" : "publish");
    a->set_topic(topic);
  } else if (type == "publish" || type == "deliver") {
    if (!r.Find("topic")) return absl::InvalidArgumentError("broker: missing key 'topic'");
    v1::BrokerEvent::Message* m = type == "publish" ? e.mutable_publish() : e.mutable_deliver();
    m->set_topic(topic);
    m->set_bytes(bytes);
  } else if (type == "disconnect") {
    e.mutable_disconnect()->set_reason(reason);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("broker.type: unknown event type '", type,
                     "' (expected connect, auth_failure, publish, deliver or disconnect)"));
  }
  return absl::OkStatus();
}

// Whether a W_EMPTY_TARGET warning ("... in group 'cameras', ...") names a group that
// some device of `rules` is in.
bool GroupPopulated(const rules::RuleSet& rules, const std::string& message) {
  constexpr char kGroup[] = "group '";
  const size_t at = message.find(kGroup);
  if (at == std::string::npos) return false;
  const size_t begin = at + sizeof(kGroup) - 1;
  const size_t end = message.find('\'', begin);
  if (end == std::string::npos) return false;
  const std::string group = message.substr(begin, end - begin);
  for (const auto& [name, device] : rules.devices) {
    if (std::find(device.groups.begin(), device.groups.end(), group) != device.groups.end()) {
      return true;
    }
  }
  return false;
}

// The names of the list documents in the YAML files under `paths`, read the way the
// loader reads them (directories recursively, *.yaml / *.yml, dot names skipped).
// Unreadable or malformed files are skipped: the loader reports them.
std::set<std::string> DefinedListNames(const std::vector<std::string>& paths) {
  std::set<std::string> names;
  std::vector<fs::path> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string base = it->path().filename().string();
        if (!base.empty() && base[0] == '.') {
          if (it->is_directory(ec)) it.disable_recursion_pending();
          continue;
        }
        const std::string ext = it->path().extension().string();
        if (it->is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) {
          files.push_back(it->path());
        }
      }
    } else {
      files.emplace_back(p);
    }
  }
  for (const fs::path& f : files) {
    try {
      for (const YAML::Node& doc : YAML::LoadAllFromFile(f.string())) {
        if (doc.IsMap() && doc["list"] && doc["list"].IsScalar()) {
          names.insert(doc["list"].Scalar());
        }
      }
    } catch (const YAML::Exception&) {
      // The loader reports it.
    }
  }
  return names;
}

// A scenario list as a list document (JSON is YAML).
std::string ListDocument(const ScenarioList& list) {
  return absl::StrCat("{\"list\": ", Json(list.name).dump(), ", \"type\": \"", list.type,
                      "\", \"values\": [", absl::StrJoin(list.values, ", "), "]}\n");
}

// A temporary directory removed with this object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "warden-replay-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code unused;
    if (!path_.empty()) fs::remove_all(path_, unused);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

absl::StatusOr<Scenario> ReadScenario(const std::string& dir) {
  const std::string path = (fs::path(dir) / "scenario.json").string();
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto fail = [&](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
  };
  Json j;
  try {
    j = Json::parse(*text);
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": malformed JSON: ", ParseErrorText(e)));
  }
  ObjectReader r(j, "");
  if (absl::Status s = r.CheckObject(
          {"name", "description", "start", "duration_s", "interval_s", "devices", "lists"});
      !s.ok()) {
    return fail(s);
  }
  Scenario sc;
  sc.dir = dir;
  auto read = [&]() -> absl::Status {
    SCENARIO_ASSIGN_OR_RETURN(sc.name, r.String("name"));
    SCENARIO_ASSIGN_OR_RETURN(sc.description, r.String("description", false));
    SCENARIO_ASSIGN_OR_RETURN(sc.start, r.Integer("start"));
    SCENARIO_ASSIGN_OR_RETURN(sc.duration_s, r.Integer("duration_s"));
    SCENARIO_ASSIGN_OR_RETURN(sc.interval_s, r.Integer("interval_s"));
    if (sc.start < 0 || sc.start > kMaxEpochSeconds) {
      return absl::InvalidArgumentError(absl::StrCat("start: ", sc.start, " is not an epoch time"));
    }
    if (sc.duration_s <= 0 || sc.duration_s > int64_t{366} * 86400) {
      return absl::InvalidArgumentError(
          absl::StrCat("duration_s: must be 1 to 31622400 (a year), got ", sc.duration_s));
    }
    if (sc.interval_s <= 0 || sc.interval_s > 86400) {
      return absl::InvalidArgumentError(
          absl::StrCat("interval_s: must be 1 to 86400, got ", sc.interval_s));
    }
    SCENARIO_ASSIGN_OR_RETURN(const Json* devices, r.Require("devices"));
    if (!devices->is_array()) return ObjectReader::Error("devices", "expected an array", *devices);
    std::set<std::string> names;
    for (size_t i = 0; i < devices->size(); ++i) {
      const std::string at = absl::StrCat("devices[", i, "]");
      SCENARIO_ASSIGN_OR_RETURN(ScenarioDevice d, ParseDevice((*devices)[i], at));
      if (!names.insert(d.name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".name: device '", d.name, "' is listed twice"));
      }
      sc.devices.push_back(std::move(d));
    }
    if (const Json* lists = r.Find("lists"); lists != nullptr) {
      if (!lists->is_object()) return ObjectReader::Error("lists", "expected an object", *lists);
      for (const auto& [name, list] : lists->items()) {
        SCENARIO_ASSIGN_OR_RETURN(ScenarioList l,
                                  ParseList(name, list, absl::StrCat("lists.", name)));
        sc.lists.push_back(std::move(l));
      }
    }
    return absl::OkStatus();
  };
  if (absl::Status s = read(); !s.ok()) return fail(s);
  return sc;
}

absl::StatusOr<std::vector<Label>> ReadLabels(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  Json j;
  try {
    j = Json::parse(*text);
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": malformed JSON: ", ParseErrorText(e)));
  }
  if (!j.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected an array of labels, got ", Describe(j)));
  }
  std::vector<Label> labels;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string at = absl::StrCat("labels[", i, "]");
    ObjectReader r(j[i], at);
    Label l;
    auto read = [&]() -> absl::Status {
      SCENARIO_RETURN_IF_ERROR(r.CheckObject({"device", "attack", "start", "end", "signals"}));
      SCENARIO_ASSIGN_OR_RETURN(l.device, r.String("device"));
      SCENARIO_ASSIGN_OR_RETURN(l.attack, r.String("attack", false));
      SCENARIO_ASSIGN_OR_RETURN(l.start, r.Integer("start"));
      SCENARIO_ASSIGN_OR_RETURN(l.end, r.Integer("end"));
      SCENARIO_ASSIGN_OR_RETURN(l.signals, r.Strings("signals"));
      if (l.end < l.start) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".end: ", l.end, " is before start ", l.start));
      }
      return absl::OkStatus();
    };
    if (absl::Status s = read(); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
    }
    labels.push_back(std::move(l));
  }
  return labels;
}

std::string ScenarioEventsPath(const std::string& dir) {
  const fs::path gz = fs::path(dir) / "events.jsonl.gz";
  std::error_code unused;
  if (fs::exists(gz, unused)) return gz.string();
  const fs::path plain = fs::path(dir) / "events.jsonl";
  return fs::exists(plain, unused) ? plain.string() : gz.string();
}

ScenarioEventReader::ScenarioEventReader(std::string path, void* file)
    : path_(std::move(path)), file_(file) {}

ScenarioEventReader::~ScenarioEventReader() { gzclose(static_cast<gzFile>(file_)); }

absl::StatusOr<std::unique_ptr<ScenarioEventReader>> ScenarioEventReader::Open(
    const std::string& path) {
  std::error_code unused;
  if (fs::is_directory(path, unused)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read '", path, "': is a directory"));
  }
  errno = 0;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "cannot read '", path, "': ", errno != 0 ? Lower(std::strerror(errno)) : "out of memory"));
  }
  gzbuffer(f, 1 << 17);
  return std::unique_ptr<ScenarioEventReader>(new ScenarioEventReader(path, f));
}

absl::StatusOr<bool> ScenarioEventReader::ReadLine(std::string* line) {
  gzFile f = static_cast<gzFile>(file_);
  while (true) {
    const size_t nl = buffer_.find('\n', buffer_pos_);
    if (nl != std::string::npos) {
      line->assign(buffer_, buffer_pos_, nl - buffer_pos_);
      buffer_pos_ = nl + 1;
      return true;
    }
    if (eof_) {
      if (buffer_pos_ >= buffer_.size()) return false;
      line->assign(buffer_, buffer_pos_, std::string::npos);  // no final newline
      buffer_pos_ = buffer_.size();
      return true;
    }
    if (buffer_.size() - buffer_pos_ > kMaxLineBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ":", line_ + 1, ": line longer than ", kMaxLineBytes, " bytes"));
    }
    buffer_.erase(0, buffer_pos_);
    buffer_pos_ = 0;
    const size_t have = buffer_.size();
    buffer_.resize(have + kReadChunk);
    const int n = gzread(f, buffer_.data() + have, static_cast<unsigned>(kReadChunk));
    if (n < 0) {
      int code = 0;
      const char* message = gzerror(f, &code);
      return absl::DataLossError(absl::StrCat(path_, ": cannot decompress after line ", line_, ": ",
                                              message != nullptr ? message : "gzip error"));
    }
    buffer_.resize(have + static_cast<size_t>(n));
    if (n == 0) {
      eof_ = true;
      // zlib reports a stream cut short only through gzerror at the end.
      int code = Z_OK;
      const char* message = gzerror(f, &code);
      if (code != Z_OK) {
        return absl::DataLossError(absl::StrCat(path_, ": cannot decompress after line ", line_,
                                                ": ", message != nullptr ? message : "gzip error"));
      }
    }
  }
}

absl::Status ScenarioEventReader::ParseLine(const std::string& text, ScenarioEvent* event) const {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed JSON: ", ParseErrorText(e)));
  }
  ObjectReader r(j, "");
  SCENARIO_RETURN_IF_ERROR(r.CheckObject({"t", "device", "report", "broker"}));
  SCENARIO_ASSIGN_OR_RETURN(const Json* t, r.Require("t"));
  if (!t->is_number() || !(t->get<double>() >= 0) ||
      t->get<double>() > static_cast<double>(kMaxEpochSeconds)) {
    return ObjectReader::Error("t", "expected epoch seconds", *t);
  }
  event->time_us = t->is_number_integer()
                       ? t->get<int64_t>() * 1'000'000
                       : static_cast<int64_t>(std::llround(t->get<double>() * 1e6));
  SCENARIO_ASSIGN_OR_RETURN(event->device, r.String("device"));
  if (event->device.empty()) return absl::InvalidArgumentError("device: empty");
  const Json* report = r.Find("report");
  const Json* broker = r.Find("broker");
  if ((report == nullptr) == (broker == nullptr)) {
    return absl::InvalidArgumentError("expected exactly one of 'report' and 'broker'");
  }
  event->is_report = report != nullptr;
  event->report.Clear();
  event->broker.Clear();
  if (report != nullptr) {
    absl::StatusOr<v1::MetricsReport> parsed = detectors::ParseReportJson(report->dump());
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("report: ", parsed.status().message()));
    }
    event->report = *std::move(parsed);
    return absl::OkStatus();
  }
  if (!broker->is_object()) return ObjectReader::Error("broker", "expected an object", *broker);
  SCENARIO_RETURN_IF_ERROR(ParseBroker(*broker, event));
  event->broker.set_device_id(event->device);
  *event->broker.mutable_time() = TimeUtil::MicrosecondsToTimestamp(event->time_us);
  return absl::OkStatus();
}

absl::StatusOr<bool> ScenarioEventReader::Next(ScenarioEvent* event) {
  if (failed_) return absl::FailedPreconditionError(absl::StrCat(path_, ": reading stopped"));
  std::string text;
  while (true) {
    absl::StatusOr<bool> got = ReadLine(&text);
    if (!got.ok()) {
      failed_ = true;
      return got.status();
    }
    if (!*got) return false;
    ++line_;
    if (!absl::StripAsciiWhitespace(text).empty()) break;
  }
  absl::Status s = ParseLine(text, event);
  if (s.ok() && event->time_us < last_time_us_) {
    s = absl::InvalidArgumentError(absl::StrCat(
        "t ", static_cast<double>(event->time_us) / 1e6, " is before the previous line's ",
        static_cast<double>(last_time_us_) / 1e6, " (events must be sorted by time)"));
  }
  if (!s.ok()) {
    failed_ = true;
    return absl::InvalidArgumentError(absl::StrCat(path_, ":", line_, ": ", s.message()));
  }
  last_time_us_ = event->time_us;
  return true;
}

ScenarioRules BuildScenarioRules(const std::vector<std::string>& profile_paths,
                                 const Scenario& scenario, const rules::LoadOptions& options) {
  ScenarioRules out;
  const std::string where = (fs::path(scenario.dir) / "scenario.json").string();
  // Scenario lists the profiles do not define are loaded beside them, from a file of
  // their own, so that profiles may use them.
  const std::set<std::string> defined = DefinedListNames(profile_paths);
  std::vector<std::string> paths = profile_paths;
  std::string extra;
  for (const ScenarioList& list : scenario.lists) {
    if (defined.count(list.name) == 0) extra += absl::StrCat("---\n", ListDocument(list));
  }
  TempDir temp;
  if (!extra.empty()) {
    if (temp.path().empty()) {
      out.error = "cannot create a temporary directory for the scenario's lists";
      return out;
    }
    const std::string file = (fs::path(temp.path()) / "scenario-lists.yaml").string();
    std::ofstream f(file);
    f << extra;
    f.close();
    if (!f) {
      out.error = absl::StrCat("cannot write '", file, "'");
      return out;
    }
    paths.push_back(file);
  }
  rules::LoadResult loaded = rules::LoadRulesFromPaths(paths, options);
  if (!loaded.ok()) {
    out.diagnostics = std::move(loaded.diagnostics);
    return out;
  }
  auto merged = std::make_shared<rules::RuleSet>(*loaded.rules);
  for (const ScenarioDevice& d : scenario.devices) {
    rules::Device& m = merged->devices[d.name];
    m.name = d.name;
    for (const std::string& g : d.groups) {
      if (std::find(m.groups.begin(), m.groups.end(), g) == m.groups.end()) m.groups.push_back(g);
    }
    for (const auto& [k, v] : d.attributes) m.attributes[k] = v;
  }
  for (rules::Diagnostic& d : loaded.diagnostics) {
    if (d.code == "W_EMPTY_TARGET" && GroupPopulated(*merged, d.message)) continue;
    out.diagnostics.push_back(std::move(d));
  }
  // Scenario lists the profiles define replace theirs.
  for (const ScenarioList& list : scenario.lists) {
    if (defined.count(list.name) == 0) continue;
    auto old = merged->lists.find(list.name);
    if (old == merged->lists.end()) continue;
    rules::LoadResult compiled = rules::LoadRules(
        {rules::SourceFile{absl::StrCat(where, " (lists.", list.name, ")"), ListDocument(list)}},
        options);
    if (!compiled.ok() || compiled.rules->lists.count(list.name) == 0) {
      out.diagnostics.insert(out.diagnostics.end(), compiled.diagnostics.begin(),
                             compiled.diagnostics.end());
      return out;
    }
    std::shared_ptr<const rules::NamedList> replacement = compiled.rules->lists.at(list.name);
    if (replacement->type != old->second->type) {
      out.error = absl::StrCat(
          where, ": lists.", list.name, ": a ", std::string(rules::ListTypeName(replacement->type)),
          " list, but the profiles' '", list.name, "' (", old->second->file, ") is a ",
          std::string(rules::ListTypeName(old->second->type)), " list");
      return out;
    }
    for (rules::Profile& p : merged->profiles) {
      for (rules::Behaviour& b : p.behaviours) {
        if (b.list == old->second) b.list = replacement;
      }
    }
    old->second = replacement;
  }
  out.rules = std::move(merged);
  return out;
}

absl::StatusOr<ReplayStats> ReplayScenario(
    const Scenario& scenario, std::shared_ptr<const rules::RuleSet> rules,
    const std::function<void(const v1::ViolationEvent&)>& on_event) {
  absl::StatusOr<std::unique_ptr<ScenarioEventReader>> reader =
      ScenarioEventReader::Open(ScenarioEventsPath(scenario.dir));
  if (!reader.ok()) return reader.status();
  detectors::Replayer replayer(std::move(rules));
  ReplayStats stats;
  std::set<std::string> devices;
  std::vector<v1::ViolationEvent> events;
  auto deliver = [&] {
    for (const v1::ViolationEvent& e : events) on_event(e);
    stats.violation_events += static_cast<int64_t>(events.size());
    events.clear();
  };
  ScenarioEvent event;
  int64_t last_us = scenario.end_us();
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&event);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (devices.insert(event.device).second) ++stats.devices;
    last_us = std::max(last_us, event.time_us);
    if (event.is_report) {
      ++stats.reports;
      replayer.Report(event.time_us, event.device, event.report, &events);
    } else {
      ++stats.broker_events;
      replayer.Broker(event.broker, &events);
    }
    deliver();
  }
  replayer.AdvanceTo(last_us, &events);
  deliver();
  return stats;
}

}  // namespace warden::tools
