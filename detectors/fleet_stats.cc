#include "detectors/fleet_stats.h"

#include <set>
#include <utility>

namespace warden::detectors {
namespace {

constexpr int64_t kDefaultWindowSeconds = 300;

int64_t WindowIndex(int64_t time_us, int64_t window_us) {
  return time_us >= 0 ? time_us / window_us : (time_us - window_us + 1) / window_us;
}

}  // namespace

int64_t FleetWindowMicros(const rules::Behaviour& behaviour) {
  const int64_t seconds =
      behaviour.duration_seconds > 0 ? behaviour.duration_seconds : kDefaultWindowSeconds;
  return seconds * 1000000;
}

bool FirstInFleetWindow(const rules::Behaviour& behaviour, int64_t previous_us, int64_t now_us) {
  if (previous_us <= 0) return true;
  const int64_t w = FleetWindowMicros(behaviour);
  return WindowIndex(previous_us, w) != WindowIndex(now_us, w);
}

FleetStatistics::Series& FleetStatistics::Get(const rules::Profile& profile,
                                              const rules::Behaviour& behaviour) {
  Series& s = series_[Key{profile.name, behaviour.name, behaviour.fingerprint}];
  s.window_us = FleetWindowMicros(behaviour);
  return s;
}

void FleetStatistics::Roll(const rules::Behaviour& behaviour, int64_t now_us, Series* s) {
  const int64_t current = WindowIndex(now_us, s->window_us);
  const int64_t min_devices = behaviour.statistic ? behaviour.statistic->min_devices : 1;
  const double q = behaviour.statistic ? behaviour.statistic->quantile : 0.5;
  for (auto it = s->open.begin(); it != s->open.end() && it->first < current;) {
    const DDSketch& sketch = it->second;
    if (it->first > s->last_index) {
      FleetThreshold t;
      t.devices = static_cast<int64_t>(sketch.count());
      t.min_devices = min_devices;
      t.window_start_us = it->first * s->window_us;
      t.window_end_us = t.window_start_us + s->window_us;
      if (t.devices >= min_devices) {
        if (std::optional<double> v = sketch.Quantile(q); v.has_value()) {
          t.ready = true;
          t.value = *v;
        }
      }
      s->last = t;
      s->last_index = it->first;
    }
    it = s->open.erase(it);
  }
  // A window in which nobody reported ends with no data at all.
  if (s->last_index >= 0 && s->last_index < current - 1) {
    FleetThreshold t;
    t.min_devices = min_devices;
    t.window_start_us = (current - 1) * s->window_us;
    t.window_end_us = current * s->window_us;
    s->last = t;
    s->last_index = current - 1;
  }
  s->last.min_devices = min_devices;
}

void FleetStatistics::Contribute(const rules::Profile& profile, const rules::Behaviour& behaviour,
                                 int64_t now_us, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = Get(profile, behaviour);
  Roll(behaviour, now_us, &s);
  const int64_t index = WindowIndex(now_us, s.window_us);
  auto it = s.open.find(index);
  if (it == s.open.end()) it = s.open.emplace(index, DDSketch()).first;
  it->second.Add(value < 0 ? 0 : value);
}

FleetThreshold FleetStatistics::Threshold(const rules::Profile& profile,
                                          const rules::Behaviour& behaviour, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = Get(profile, behaviour);
  Roll(behaviour, now_us, &s);
  return s.last;
}

std::vector<FleetStatistics::Entry> FleetStatistics::Snapshot(const rules::RuleSet& rules,
                                                              int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Entry> entries;
  for (const rules::Profile& p : rules.profiles) {
    for (const rules::Behaviour& b : p.behaviours) {
      if (!b.statistic.has_value()) continue;
      Series& s = Get(p, b);
      Roll(b, now_us, &s);
      entries.push_back({p.name, b.name, b.statistic->name, s.last});
    }
  }
  return entries;
}

void FleetStatistics::Retain(const rules::RuleSet& rules) {
  std::set<Key> keep;
  for (const rules::Profile& p : rules.profiles) {
    for (const rules::Behaviour& b : p.behaviours) {
      if (b.statistic.has_value()) keep.insert(Key{p.name, b.name, b.fingerprint});
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = series_.begin(); it != series_.end();) {
    it = keep.count(it->first) ? std::next(it) : series_.erase(it);
  }
}

}  // namespace warden::detectors
