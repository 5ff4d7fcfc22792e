#ifndef WARDEN_TOOLS_SCENARIO_H_
#define WARDEN_TOOLS_SCENARIO_H_

// Detection scenarios (format: ../shared/scenarios/README.md, and tests/scenarios):
// a folder with scenario.json (the fleet, its lists, the time span), events.jsonl.gz
// (device reports and broker events, one JSON object a line, sorted by time) and
// labels.json (the ground truth). This reads them, builds the rule set a replay runs
// and replays the events through detectors::Replayer, the daemon's own evaluation.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rules/loader.h"
#include "rules/model.h"
#include "warden/v1/broker.pb.h"
#include "warden/v1/report.pb.h"
#include "warden/v1/violation.pb.h"

namespace warden::tools {

struct ScenarioDevice {
  std::string name;
  std::vector<std::string> groups;
  std::map<std::string, std::string> attributes;
};

// A named list the scenario assumes a security team keeps. Values as JSON text
// ("23", "\"10.0.0.0/8\""), so numbers stay numbers when the list is compiled.
struct ScenarioList {
  std::string name;
  std::string type;  // cidr, port, number or string
  std::vector<std::string> values;
};

struct Scenario {
  std::string dir;
  std::string name;
  std::string description;
  int64_t start = 0;       // epoch seconds
  int64_t duration_s = 0;  // > 0
  int64_t interval_s = 0;  // the devices' report interval, > 0
  std::vector<ScenarioDevice> devices;
  std::vector<ScenarioList> lists;  // in name order

  int64_t start_us() const { return start * 1'000'000; }
  int64_t end_us() const { return (start + duration_s) * 1'000'000; }
};

// Reads DIR/scenario.json. Errors: NotFound when it cannot be read, InvalidArgument
// "DIR/scenario.json: devices[3].groups: expected an array of strings" for a bad one
// (unknown keys included).
absl::StatusOr<Scenario> ReadScenario(const std::string& dir);

// One labelled attack: `device` misbehaves from `start` to `end` (epoch seconds).
struct Label {
  std::string device;
  std::string attack;
  int64_t start = 0;
  int64_t end = 0;
  std::vector<std::string> signals;  // metric ids a reasonable profile would see move
};

// Reads a labels.json file: an array of labels. Errors as for ReadScenario, with the
// path ("labels[1].end: ...").
absl::StatusOr<std::vector<Label>> ReadLabels(const std::string& path);

// One line of events.jsonl.gz: a device report or a broker event.
struct ScenarioEvent {
  int64_t time_us = 0;
  std::string device;
  bool is_report = false;
  v1::MetricsReport report;  // when is_report
  v1::BrokerEvent broker;    // otherwise: device_id and time set
};

// Reads an events file line by line, gzip-compressed or plain (zlib reads both), so
// a scenario of any size streams in constant memory. A line is
//   {"t": T, "device": NAME, "report": {...}}   (a Device Defender report, long or
//                                               short names: detectors/report_json.h)
//   {"t": T, "device": NAME, "broker": {"type": "connect" | "auth_failure" | "publish" |
//     "deliver" | "disconnect", "client_id", "source_ip", "topic", "bytes", "success",
//     "cert", "action", "reason"}}
// with T in epoch seconds (fractions allowed). Lines must be in time order; empty
// lines are skipped. Not thread-safe.
class ScenarioEventReader {
 public:
  // Opens `path`. NotFound when it cannot be opened.
  static absl::StatusOr<std::unique_ptr<ScenarioEventReader>> Open(const std::string& path);
  ~ScenarioEventReader();
  ScenarioEventReader(const ScenarioEventReader&) = delete;
  ScenarioEventReader& operator=(const ScenarioEventReader&) = delete;

  // The next event: true and `*event` filled, or false at the end of the file.
  // Errors: InvalidArgument "PATH:LINE: reason" (malformed JSON, with a column, a bad
  // key or value, a report the report parser rejects, a time before the previous
  // line's), DataLoss "PATH: ..." for a corrupt or truncated gzip stream. After an
  // error the reader is done.
  absl::StatusOr<bool> Next(ScenarioEvent* event);

  const std::string& path() const { return path_; }
  int64_t line() const { return line_; }  // of the last event returned, 1-based

 private:
  ScenarioEventReader(std::string path, void* file);
  // The next line without its newline; false at the end.
  absl::StatusOr<bool> ReadLine(std::string* line);
  absl::Status ParseLine(const std::string& text, ScenarioEvent* event) const;

  std::string path_;
  void* file_;  // gzFile
  std::string buffer_;
  size_t buffer_pos_ = 0;
  bool eof_ = false;
  bool failed_ = false;
  int64_t line_ = 0;
  int64_t last_time_us_ = 0;
};

// The events file of a scenario folder: events.jsonl.gz, else events.jsonl.
std::string ScenarioEventsPath(const std::string& dir);

// The rule set a replay runs: the profiles, lists and inventory loaded from
// `profile_paths`, with the scenario's devices merged into the inventory (groups
// added, attributes set, as wardend merges registry devices) and the scenario's lists
// beside the profiles' lists: a scenario list replaces the profiles' list of the same
// name (it must have the same type), and one the profiles lack is added, so profiles
// may refer to lists by the conventional names the scenario fills in.
struct ScenarioRules {
  std::shared_ptr<const rules::RuleSet> rules;  // null when there is an error
  // Every loader error and warning (warnings about groups no inventory device is in
  // are left out: the scenario's devices fill the groups).
  std::vector<rules::Diagnostic> diagnostics;
  std::string error;  // when rules is null and the problem is not a diagnostic
};
ScenarioRules BuildScenarioRules(const std::vector<std::string>& profile_paths,
                                 const Scenario& scenario, const rules::LoadOptions& options = {});

struct ReplayStats {
  int64_t reports = 0;
  int64_t broker_events = 0;
  int64_t devices = 0;           // distinct devices in the events
  int64_t violation_events = 0;  // all types
};

// Replays the scenario's events under `rules` in their own time, with
// detectors::Replayer (the daemon's evaluator, windows, baselines, fleet statistics
// and cloud-side timers), then runs the timers up to the scenario's end (or the last
// event, if later). `on_event` gets every violation event, in order. Errors: those of
// the reader; nothing is rolled back (the events already delivered stand).
absl::StatusOr<ReplayStats> ReplayScenario(
    const Scenario& scenario, std::shared_ptr<const rules::RuleSet> rules,
    const std::function<void(const v1::ViolationEvent&)>& on_event);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_SCENARIO_H_
