#ifndef WARDEN_TOOLS_SCENARIO_SCORE_H_
#define WARDEN_TOOLS_SCENARIO_SCORE_H_

// Scores a scenario replay against its labels, by the rules of the scenarios' README
// (../shared/scenarios/README.md):
//  - a label is detected when its device has an in-alarm violation event between the
//    label's start and end + 2 × interval_s (both included);
//  - its time to detect is the first such event's time minus the label's start;
//  - an in-alarm event on a device outside every label window of that device (with
//    the same grace after each end) is a false alarm; false alarms are counted per
//    device-day: a device with false alarms on a day counts once for that day, days
//    counted from the scenario's start. The rate is per 1,000 device-days of the
//    scenario (its devices × duration_s / 86400).
// Only in-alarm events count; cleared and invalidated ones are ignored.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/scenario.h"
#include "warden/v1/violation.pb.h"

namespace warden::tools {

// How one label fared.
struct LabelResult {
  Label label;
  bool detected = false;
  // When detected: the first in-alarm event in the label's window.
  int64_t detected_us = 0;
  double time_to_detect_s = 0;
  std::string profile;
  std::string behaviour;
  std::string metric;
};

// An in-alarm event outside the label windows of its device.
struct FalseAlarm {
  std::string device;
  int64_t time_us = 0;
  int64_t day = 0;  // days since the scenario's start
  std::string profile;
  std::string behaviour;
  std::string metric;
  bool labelled_device = false;  // the device has labels (the alarm was outside them)
};

struct ScenarioScore {
  int64_t labels = 0;
  int64_t detected = 0;
  std::optional<double> recall;  // detected / labels; none without labels
  double device_days = 0;
  int64_t false_alarm_device_days = 0;  // device-days with a false alarm
  int64_t false_alarm_events = 0;       // false in-alarm events
  double false_alarms_per_1000_device_days = 0;
  // Over the detected labels; none when none was detected. The median of an even
  // count is the mean of the middle two.
  std::optional<double> time_to_detect_p50_s;
  std::optional<double> time_to_detect_max_s;
  std::vector<LabelResult> results;      // in label order
  std::vector<FalseAlarm> false_alarms;  // every false in-alarm event, in time order
};

// Scores `events` (a replay's violation events, any order) against `labels`.
// `devices` is the fleet size the device-days count (the scenario's devices).
// Pure; thread-safe.
ScenarioScore ScoreScenario(const Scenario& scenario, int64_t devices,
                            const std::vector<Label>& labels,
                            const std::vector<v1::ViolationEvent>& events);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_SCENARIO_SCORE_H_
