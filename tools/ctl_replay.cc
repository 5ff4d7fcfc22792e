#include "tools/ctl_replay.h"

#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "rules/loader.h"
#include "tools/ctl_output.h"
#include "tools/ctl_render.h"
#include "tools/scenario.h"
#include "tools/scenario_score.h"
#include "tools/table.h"
#include "tools/time_args.h"

namespace warden::tools {
namespace {

using google::protobuf::util::TimeUtil;
using Json = nlohmann::ordered_json;

constexpr absl::string_view kCommand = "replay";

// One event as a compact line of JSON.
absl::StatusOr<std::string> EventLine(const v1::ViolationEvent& e) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto s = google::protobuf::util::MessageToJsonString(e, &json, options);
  if (!s.ok()) return absl::InternalError(absl::StrCat("cannot render json: ", s.ToString()));
  return json;
}

std::string Rfc3339(int64_t time_us) {
  return FormatTimestamp(TimeUtil::MicrosecondsToTimestamp(time_us));
}

std::string Seconds(double s) { return absl::StrFormat("%.0f s", s); }

std::string SummaryLine(const ReplayStats& stats, int64_t wall_us) {
  const int64_t events = stats.reports + stats.broker_events;
  const double wall_s = static_cast<double>(wall_us) / 1e6;
  std::string rate;
  if (wall_us > 0) {
    rate = absl::StrFormat(" (%.0f events/s)", static_cast<double>(events) / wall_s);
  }
  return absl::StrFormat(
      "replayed %d events (%d reports, %d broker events) of %d devices in %.2f s%s; %d "
      "violation events\n",
      events, stats.reports, stats.broker_events, stats.devices, wall_s, rate,
      stats.violation_events);
}

Json OptionalNumber(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json ScoreToJson(const Scenario& scenario, int64_t devices, const ScenarioScore& s,
                 const ReplayStats& stats, int64_t wall_us) {
  Json j;
  j["scenario"] = scenario.name;
  j["devices"] = devices;
  j["device_days"] = s.device_days;
  j["labels"] = s.labels;
  j["detected"] = s.detected;
  j["recall"] = OptionalNumber(s.recall);
  j["false_alarm_device_days"] = s.false_alarm_device_days;
  j["false_alarm_events"] = s.false_alarm_events;
  j["false_alarms_per_1000_device_days"] = s.false_alarms_per_1000_device_days;
  j["time_to_detect_p50_s"] = OptionalNumber(s.time_to_detect_p50_s);
  j["time_to_detect_max_s"] = OptionalNumber(s.time_to_detect_max_s);
  Json results = Json::array();
  for (const LabelResult& r : s.results) {
    Json l;
    l["device"] = r.label.device;
    l["attack"] = r.label.attack;
    l["start"] = r.label.start;
    l["end"] = r.label.end;
    l["signals"] = r.label.signals;
    l["detected"] = r.detected;
    if (r.detected) {
      l["detected_at"] = Rfc3339(r.detected_us);
      l["time_to_detect_s"] = r.time_to_detect_s;
      l["profile"] = r.profile;
      l["behaviour"] = r.behaviour;
      l["metric"] = r.metric;
    }
    results.push_back(std::move(l));
  }
  j["results"] = std::move(results);
  Json false_alarms = Json::array();
  for (const FalseAlarm& f : s.false_alarms) {
    false_alarms.push_back({{"device", f.device},
                            {"time", Rfc3339(f.time_us)},
                            {"day", f.day},
                            {"profile", f.profile},
                            {"behaviour", f.behaviour},
                            {"metric", f.metric},
                            {"labelled_device", f.labelled_device}});
  }
  j["false_alarms"] = std::move(false_alarms);
  j["replay"] = {{"events", stats.reports + stats.broker_events},
                 {"reports", stats.reports},
                 {"broker_events", stats.broker_events},
                 {"devices", stats.devices},
                 {"violation_events", stats.violation_events},
                 {"wall_seconds", static_cast<double>(wall_us) / 1e6}};
  return j;
}

std::string RenderScore(const Scenario& scenario, int64_t devices, const ScenarioScore& s) {
  std::string recall = "n/a (no labels)";
  if (s.recall) {
    recall = absl::StrFormat("%.2f (%d of %d labels)", *s.recall, s.detected, s.labels);
  }
  std::string ttd = "n/a (nothing detected)";
  if (s.time_to_detect_p50_s) {
    ttd = absl::StrFormat("p50 %s, max %s", Seconds(*s.time_to_detect_p50_s),
                          Seconds(*s.time_to_detect_max_s));
  }
  std::string out = RenderKeyValues({
      {"scenario",
       absl::StrFormat("%s (%d devices, %.2f days, reports every %d s)", scenario.name, devices,
                       static_cast<double>(scenario.duration_s) / 86400, scenario.interval_s)},
      {"recall", recall},
      {"false alarms",
       absl::StrFormat("%.1f per 1,000 device-days (%d device-days with false alarms, of "
                       "%.1f; %d false in-alarm events)",
                       s.false_alarms_per_1000_device_days, s.false_alarm_device_days,
                       s.device_days, s.false_alarm_events)},
      {"time to detect", ttd},
  });
  if (!s.results.empty()) {
    Table t({"DEVICE", "ATTACK", "START", "DETECTED", "TIME TO DETECT", "BY"});
    for (const LabelResult& r : s.results) {
      t.AddRow({r.label.device, r.label.attack, Rfc3339(r.label.start * 1'000'000),
                r.detected ? Rfc3339(r.detected_us) : "no",
                r.detected ? Seconds(r.time_to_detect_s) : "-",
                r.detected ? absl::StrCat(r.profile, "/", r.behaviour) : "-"});
    }
    out += "\n" + t.Render();
  }
  if (!s.false_alarms.empty()) {
    Table t({"FALSE ALARM", "DEVICE", "PROFILE", "BEHAVIOUR", "METRIC"});
    for (const FalseAlarm& f : s.false_alarms) {
      t.AddRow({Rfc3339(f.time_us), f.device, f.profile, f.behaviour, f.metric});
    }
    out += "\n" + t.Render();
  }
  return out;
}

}  // namespace

int Replay(const CommandContext& ctx, const ReplayArgs& args) {
  const Clock* clock = ctx.clock != nullptr ? ctx.clock : SystemClock::Get();
  const int64_t began_us = clock->NowMicros();
  absl::StatusOr<Scenario> scenario = ReadScenario(args.scenario_dir);
  if (!scenario.ok()) return Fail(ctx, kCommand, scenario.status().message());
  const bool score = args.score || !args.labels.empty();
  std::vector<Label> labels;
  if (score) {
    const std::string path =
        args.labels.empty() ? (std::filesystem::path(args.scenario_dir) / "labels.json").string()
                            : args.labels;
    absl::StatusOr<std::vector<Label>> read = ReadLabels(path);
    if (!read.ok()) return Fail(ctx, kCommand, read.status().message());
    labels = *std::move(read);
  }

  rules::LoadOptions options;
  options.geoip_database = args.geoip_database;
  ScenarioRules built = BuildScenarioRules(args.profiles, *scenario, options);
  if (!built.diagnostics.empty()) {
    const std::string text = rules::FormatDiagnostics(built.diagnostics);
    *ctx.err << text;
    if (!absl::EndsWith(text, "\n")) *ctx.err << "\n";
  }
  if (built.rules == nullptr) {
    return Fail(ctx, kCommand,
                built.error.empty()
                    ? absl::StrCat("cannot load the profiles ", absl::StrJoin(args.profiles, ", "),
                                   " (errors above)")
                    : built.error);
  }

  const bool stream_json = ctx.output == OutputFormat::kJson && !score;
  std::vector<v1::ViolationEvent> events;
  absl::Status render_error;
  absl::StatusOr<ReplayStats> stats =
      ReplayScenario(*scenario, built.rules, [&](const v1::ViolationEvent& e) {
        if (!stream_json) {
          events.push_back(e);
          return;
        }
        absl::StatusOr<std::string> line = EventLine(e);
        if (!line.ok()) {
          render_error = line.status();
          return;
        }
        *ctx.out << *line << "\n";
      });
  if (!stats.ok()) return Fail(ctx, kCommand, stats.status().message());
  if (!render_error.ok()) return Fail(ctx, kCommand, render_error.message());
  const int64_t wall_us = clock->NowMicros() - began_us;
  const std::string summary = SummaryLine(*stats, wall_us);

  if (!score) {
    if (ctx.output == OutputFormat::kJson) {
      *ctx.err << summary;
      return 0;
    }
    v1::ListViolationEventsResponse table;
    for (v1::ViolationEvent& e : events) *table.add_events() = std::move(e);
    *ctx.out << RenderEvents(table) << summary;
    return 0;
  }
  const int64_t devices =
      scenario->devices.empty() ? stats->devices : static_cast<int64_t>(scenario->devices.size());
  const ScenarioScore result = ScoreScenario(*scenario, devices, labels, events);
  if (ctx.output == OutputFormat::kJson) {
    *ctx.out << ScoreToJson(*scenario, devices, result, *stats, wall_us).dump() << "\n";
    *ctx.err << summary;
    return 0;
  }
  *ctx.out << RenderScore(*scenario, devices, result) << "\n" << summary;
  return 0;
}

}  // namespace warden::tools
