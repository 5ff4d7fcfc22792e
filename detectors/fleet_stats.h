#ifndef WARDEN_DETECTORS_FLEET_STATS_H_
#define WARDEN_DETECTORS_FLEET_STATS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "detectors/ddsketch.h"
#include "rules/model.h"

// Statistical thresholds (`statistic: p99`): a behaviour's threshold is a percentile,
// across the devices the profile targets, of the metric accumulated over the
// behaviour's window. Time is cut into windows of duration_seconds (300 s without a
// duration), aligned to the epoch. Each targeted device contributes its value once
// per window (its first datapoint in the window) to that window's DDSketch; the
// threshold in force during a window is the percentile of the last complete window,
// provided at least `min_devices` devices contributed to it — otherwise the behaviour
// has "insufficient data" and does not alarm. Percentiles are never averaged:
// contributions from every shard go into one mergeable sketch per window.

namespace warden::detectors {

struct FleetThreshold {
  bool ready = false;   // false: insufficient data
  double value = 0;     // the percentile, when ready
  int64_t devices = 0;  // contributions in the window it came from
  int64_t min_devices = 0;
  int64_t window_start_us = 0;  // the window it came from; 0 before any window ended
  int64_t window_end_us = 0;
};

// What the evaluator asks of the fleet. Thread-safe implementations only.
class FleetView {
 public:
  virtual ~FleetView() = default;
  // Adds a device's value for the window containing `now_us`.
  virtual void Contribute(const rules::Profile& profile, const rules::Behaviour& behaviour,
                          int64_t now_us, double value) = 0;
  // The threshold in force at `now_us`.
  virtual FleetThreshold Threshold(const rules::Profile& profile, const rules::Behaviour& behaviour,
                                   int64_t now_us) = 0;
};

// The window length of a statistic behaviour, in microseconds.
int64_t FleetWindowMicros(const rules::Behaviour& behaviour);
// Whether a datapoint at `now_us` is the device's first in its window, given the time
// of the device's previous datapoint of the same series (0: none).
bool FirstInFleetWindow(const rules::Behaviour& behaviour, int64_t previous_us, int64_t now_us);

// The fleet statistics of every statistic behaviour, shared by all shards (a mutex
// guards it; only statistic behaviours reach it). Survives rule reloads: state is
// keyed by profile, behaviour and fingerprint, so a changed behaviour starts over.
class FleetStatistics : public FleetView {
 public:
  void Contribute(const rules::Profile& profile, const rules::Behaviour& behaviour, int64_t now_us,
                  double value) override;
  FleetThreshold Threshold(const rules::Profile& profile, const rules::Behaviour& behaviour,
                           int64_t now_us) override;

  struct Entry {
    std::string profile;
    std::string behaviour;
    std::string statistic;
    FleetThreshold threshold;
  };
  // The thresholds in force at `now_us` of the statistic behaviours of `rules` (for
  // the API and /metrics).
  std::vector<Entry> Snapshot(const rules::RuleSet& rules, int64_t now_us);
  // Forgets behaviours no longer in `rules`.
  void Retain(const rules::RuleSet& rules);

 private:
  using Key = std::tuple<std::string, std::string, uint64_t>;
  struct Series {
    int64_t window_us = 0;
    // Open windows by index (time / window_us): at most the current and the previous.
    std::map<int64_t, DDSketch> open;
    FleetThreshold last;  // from the last window that ended
    int64_t last_index = -1;
  };
  Series& Get(const rules::Profile& profile, const rules::Behaviour& behaviour);
  // Finalizes windows that ended before the window of `now_us`.
  static void Roll(const rules::Behaviour& behaviour, int64_t now_us, Series* series);

  std::mutex mu_;
  std::map<Key, Series> series_;
};

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_FLEET_STATS_H_
