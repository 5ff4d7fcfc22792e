#include "tools/scenario_score.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "google/protobuf/util/time_util.h"

namespace warden::tools {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

struct Window {
  int64_t begin_us;
  int64_t end_us;  // inclusive
};

}  // namespace

ScenarioScore ScoreScenario(const Scenario& scenario, int64_t devices,
                            const std::vector<Label>& labels,
                            const std::vector<v1::ViolationEvent>& events) {
  ScenarioScore score;
  const int64_t grace_us = 2 * scenario.interval_s * kMicrosPerSecond;

  // In-alarm events in time order (ties: device, then behaviour, for stable output).
  std::vector<const v1::ViolationEvent*> alarms;
  for (const v1::ViolationEvent& e : events) {
    if (e.type() == v1::IN_ALARM) alarms.push_back(&e);
  }
  auto time_of = [](const v1::ViolationEvent* e) {
    return TimeUtil::TimestampToMicroseconds(e->time());
  };
  std::stable_sort(alarms.begin(), alarms.end(), [&](const auto* a, const auto* b) {
    const int64_t ta = time_of(a), tb = time_of(b);
    if (ta != tb) return ta < tb;
    if (a->device_id() != b->device_id()) return a->device_id() < b->device_id();
    return a->behaviour() < b->behaviour();
  });

  std::map<std::string, std::vector<Window>> windows;  // by device
  for (const Label& l : labels) {
    windows[l.device].push_back({l.start * kMicrosPerSecond, l.end * kMicrosPerSecond + grace_us});
  }

  std::vector<double> times;
  for (const Label& l : labels) {
    LabelResult r;
    r.label = l;
    const Window w{l.start * kMicrosPerSecond, l.end * kMicrosPerSecond + grace_us};
    for (const v1::ViolationEvent* e : alarms) {
      const int64_t t = time_of(e);
      if (e->device_id() != l.device || t < w.begin_us || t > w.end_us) continue;
      r.detected = true;
      r.detected_us = t;
      r.time_to_detect_s = static_cast<double>(t - w.begin_us) / kMicrosPerSecond;
      r.profile = e->profile();
      r.behaviour = e->behaviour();
      r.metric = e->metric();
      break;
    }
    if (r.detected) {
      ++score.detected;
      times.push_back(r.time_to_detect_s);
    }
    score.results.push_back(std::move(r));
  }
  score.labels = static_cast<int64_t>(labels.size());
  if (score.labels > 0) {
    score.recall = static_cast<double>(score.detected) / static_cast<double>(score.labels);
  }
  if (!times.empty()) {
    std::sort(times.begin(), times.end());
    const size_t n = times.size();
    score.time_to_detect_p50_s = n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
    score.time_to_detect_max_s = times.back();
  }

  std::set<std::pair<std::string, int64_t>> false_days;
  for (const v1::ViolationEvent* e : alarms) {
    const int64_t t = time_of(e);
    auto it = windows.find(e->device_id());
    bool inside = false;
    if (it != windows.end()) {
      inside = std::any_of(it->second.begin(), it->second.end(),
                           [&](const Window& w) { return t >= w.begin_us && t <= w.end_us; });
    }
    if (inside) continue;
    FalseAlarm f;
    f.device = e->device_id();
    f.time_us = t;
    const int64_t since = t - scenario.start_us();
    f.day = since >= 0 ? since / kMicrosPerDay : -((-since + kMicrosPerDay - 1) / kMicrosPerDay);
    f.profile = e->profile();
    f.behaviour = e->behaviour();
    f.metric = e->metric();
    f.labelled_device = it != windows.end();
    false_days.emplace(f.device, f.day);
    score.false_alarms.push_back(std::move(f));
  }
  score.false_alarm_events = static_cast<int64_t>(score.false_alarms.size());
  score.false_alarm_device_days = static_cast<int64_t>(false_days.size());
  score.device_days =
      static_cast<double>(devices) * static_cast<double>(scenario.duration_s) / 86400.0;
  if (score.device_days > 0) {
    score.false_alarms_per_1000_device_days =
        1000.0 * static_cast<double>(score.false_alarm_device_days) / score.device_days;
  }
  return score;
}

}  // namespace warden::tools
