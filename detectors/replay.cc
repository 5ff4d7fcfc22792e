#include "detectors/replay.h"

#include <utility>

#include "detectors/cloud_metrics.h"
#include "google/protobuf/util/time_util.h"

namespace warden::detectors {

Replayer::Replayer(std::shared_ptr<const rules::RuleSet> rules) : evaluator_(std::move(rules)) {}

v1::DeviceState& Replayer::State(const std::string& device) {
  auto [it, inserted] = devices_.try_emplace(device);
  if (inserted) it->second.set_device_id(device);
  return it->second;
}

void Replayer::Take(Changes* changes, std::vector<v1::ViolationEvent>* events) {
  for (v1::ViolationEvent& e : changes->events) events->push_back(std::move(e));
  changes->Clear();
}

void Replayer::AdvanceTo(int64_t time_us, std::vector<v1::ViolationEvent>* events) {
  Changes changes;
  while (!timers_.empty() && timers_.begin()->first <= time_us) {
    auto [due, device] = *timers_.begin();
    timers_.erase(timers_.begin());
    v1::DeviceState& state = State(device);
    const int64_t start = state.cloud().bucket_start_us();
    if (start == 0 || start + kCloudBucketMicros != due) continue;  // stale
    // The timer fires at its due time, as wardend's would.
    const int64_t next = evaluator_.AdvanceTime(due, &state, &changes, &fleet_);
    Take(&changes, events);
    if (next > 0) timers_.emplace(next, device);
  }
}

void Replayer::Report(int64_t time_us, const std::string& device, const v1::MetricsReport& report,
                      std::vector<v1::ViolationEvent>* events) {
  AdvanceTo(time_us, events);
  v1::DeviceState& state = State(device);
  if (report.header().report_id() <= state.last_report_id()) return;
  Changes changes;
  evaluator_.ApplyReport(report, time_us, &state, &changes, &fleet_);
  Take(&changes, events);
}

void Replayer::Broker(const v1::BrokerEvent& event, std::vector<v1::ViolationEvent>* events) {
  const int64_t t = google::protobuf::util::TimeUtil::TimestampToMicroseconds(event.time());
  AdvanceTo(t, events);
  v1::DeviceState& state = State(event.device_id());
  if (event.sequence() != 0 && event.sequence() <= state.cloud().last_event_sequence()) return;
  const int64_t before = state.cloud().bucket_start_us();
  Changes changes;
  evaluator_.ApplyBrokerEvent(event, t, &state, &changes, &fleet_);
  Take(&changes, events);
  const int64_t start = state.cloud().bucket_start_us();
  if (start != 0 && start != before) timers_.emplace(start + kCloudBucketMicros, event.device_id());
}

}  // namespace warden::detectors
