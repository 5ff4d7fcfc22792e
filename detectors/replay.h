#ifndef WARDEN_DETECTORS_REPLAY_H_
#define WARDEN_DETECTORS_REPLAY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "detectors/evaluator.h"
#include "detectors/fleet_stats.h"
#include "warden/v1/broker.pb.h"
#include "warden/v1/report.pb.h"
#include "warden/v1/violation.pb.h"

namespace warden::detectors {

// The offline engine: device reports and broker events run through the same Evaluator
// (windows, behaviours, fleet statistics, baselines, cloud-side buckets and their
// timers) that wardend's shards use, in the events' own time. A day replays in
// seconds. Single-threaded; feed events in time order.
class Replayer {
 public:
  explicit Replayer(std::shared_ptr<const rules::RuleSet> rules);

  // Runs the cloud-side timers (bucket ends, disconnect durations) of every device
  // that are due at or before `time_us`, then applies the report received at `time_us`.
  // A report whose id is not newer than the device's last is a duplicate: ignored.
  void Report(int64_t time_us, const std::string& device, const v1::MetricsReport& report,
              std::vector<v1::ViolationEvent>* events);
  // Same for a broker event (its own `time` places it; it must be set).
  void Broker(const v1::BrokerEvent& event, std::vector<v1::ViolationEvent>* events);
  // Runs every timer due at or before `time_us` (call once at the end of a scenario).
  void AdvanceTo(int64_t time_us, std::vector<v1::ViolationEvent>* events);

  const std::map<std::string, v1::DeviceState>& devices() const { return devices_; }
  FleetStatistics& fleet() { return fleet_; }

 private:
  v1::DeviceState& State(const std::string& device);
  void Take(Changes* changes, std::vector<v1::ViolationEvent>* events);

  Evaluator evaluator_;
  FleetStatistics fleet_;
  std::map<std::string, v1::DeviceState> devices_;
  // Due time → device, for cloud-side timers (stale entries are skipped).
  std::multimap<int64_t, std::string> timers_;
};

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_REPLAY_H_
