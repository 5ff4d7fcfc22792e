#ifndef WARDEN_DETECTORS_EVALUATOR_H_
#define WARDEN_DETECTORS_EVALUATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detectors/datapoint.h"
#include "detectors/fleet_stats.h"
#include "rules/model.h"
#include "warden/v1/broker.pb.h"
#include "warden/v1/report.pb.h"
#include "warden/v1/violation.pb.h"

namespace warden::detectors {

// What one evaluation changed besides the device state it was given: the violation
// events to record and the active violations to write or delete.
struct Changes {
  std::vector<v1::ViolationEvent> events;
  std::vector<v1::Violation> upserted;  // raised, or still violating with new evidence
  std::vector<v1::Violation> removed;   // cleared or invalidated (their last form)

  bool empty() const { return events.empty() && upserted.empty() && removed.empty(); }
  void Clear() {
    events.clear();
    upserted.clear();
    removed.clear();
  }
};

// Why an alarm was invalidated (ViolationEvent.reason).
inline constexpr std::string_view kReasonDeviceSilent = "device-silent";
inline constexpr std::string_view kReasonProfileRemoved = "profile-removed";
inline constexpr std::string_view kReasonBehaviourRemoved = "behaviour-removed";
inline constexpr std::string_view kReasonBehaviourChanged = "behaviour-changed";
inline constexpr std::string_view kReasonNoLongerTargeted = "no-longer-targeted";

// The event of a violation's transition at `now_us`, carrying the violation's
// description, `evidence` and `reason`; its id is "<violation id>-raised|cleared|invalidated".
v1::ViolationEvent MakeViolationEvent(const v1::Violation& v, v1::ViolationEventType type,
                                      int64_t now_us, const v1::Evidence& evidence,
                                      std::string_view reason);

// Evaluates device reports under one compiled rule set: windows, behaviours, alarm
// state machines, violations with evidence. Pure (no I/O, time passed in).
// Immutable after construction and thread-safe; the DeviceState it is given is the
// caller's to own (one shard thread per device).
class Evaluator {
 public:
  explicit Evaluator(std::shared_ptr<const rules::RuleSet> rules);

  const rules::RuleSet& rules() const { return *rules_; }
  const std::shared_ptr<const rules::RuleSet>& rules_ptr() const { return rules_; }

  // Applies one accepted report, received at `now_us`, to the device's state: the
  // device-side behaviours. The caller has checked the report id is newer than
  // state->last_report_id(). `fleet` serves statistic behaviours (nullptr: they have
  // insufficient data).
  void ApplyReport(const v1::MetricsReport& report, int64_t now_us, v1::DeviceState* state,
                   Changes* changes, FleetView* fleet = nullptr) const;

  // Applies one broker event (detectors/cloud_metrics.h) to the device's cloud-side
  // state: buckets that ended before the event are closed and evaluated, the event is
  // counted, and per-event metrics (aws:message-byte-size, aws:source-ip-address) are
  // evaluated at once. The event's own time places it; `now_us` is when it arrived.
  // The caller has checked the event's sequence.
  void ApplyBrokerEvent(const v1::BrokerEvent& event, int64_t now_us, v1::DeviceState* state,
                        Changes* changes, FleetView* fleet = nullptr) const;

  // Runs the device's cloud-side timers up to `now_us`: closes a bucket that has ended
  // (evaluating the counters, and aws:disconnect-duration, which grows while the device
  // stays disconnected). Returns when it next needs to run (0: never, until an event).
  int64_t AdvanceTime(int64_t now_us, v1::DeviceState* state, Changes* changes,
                      FleetView* fleet = nullptr) const;

  // Brings a state built under an older rule set in line with this one: alarms of
  // removed profiles or behaviours, of changed behaviours and of profiles that no longer
  // target the device are invalidated; windows no behaviour needs are dropped. Returns
  // whether the state changed (and so must be written).
  bool Reconcile(int64_t now_us, v1::DeviceState* state, Changes* changes) const;

  // Invalidates every raised alarm of the device (e.g. it went silent) and forgets
  // all alarm counts. Windows are kept.
  static void InvalidateAll(std::string_view reason, int64_t now_us, v1::DeviceState* state,
                            Changes* changes);

  // The baseline models of the device under this rule set, one per baseline behaviour
  // of the profiles targeting it (a behaviour without a model yet has 0 datapoints).
  std::vector<v1::BaselineStatus> BaselineStatuses(const v1::DeviceState& state,
                                                   int64_t now_us) const;

  // The violation id for an alarm raised by `report_id`: stable, 16 hex digits.
  static std::string ViolationId(std::string_view device, std::string_view profile,
                                 std::string_view behaviour, int64_t report_id);

 private:
  struct Target {
    const rules::Profile* profile;
    const rules::Behaviour* behaviour;
  };
  const rules::Behaviour* FindBehaviour(const std::string& profile,
                                        const std::string& behaviour) const;

  // One datapoint of one behaviour: judgement (fixed value, fleet statistic or
  // baseline), alarm step, violation events and evidence.
  struct Point {
    const Datapoint* datapoint;
    double value = 0;    // the number judged (the window sum with a duration)
    int datapoints = 1;  // summed
    int64_t now_us = 0;
    int64_t id = 0;           // report id, or the bucket end / event time of a cloud datapoint
    int64_t previous_us = 0;  // the device's previous datapoint of this series (0: none)
    bool cloud = false;
  };
  void Step(const rules::Profile& p, const rules::Behaviour& b, const Point& point,
            v1::DeviceState* state, Changes* changes, FleetView* fleet) const;
  // Records a raised alarm: the violation, its IN_ALARM event.
  static void Raise(const std::string& device, const rules::Profile& p, const rules::Behaviour& b,
                    int64_t id, int64_t now_us, const v1::Evidence& e, v1::AlarmState* a,
                    Changes* changes);
  // Raises a fixed upper-bound cloud counter's alarm as soon as the open bucket breaks
  // it (and its datapoint would raise the alarm when the bucket ends).
  void RaiseEarly(const rules::Profile& p, const rules::Behaviour& b, int64_t now_us,
                  v1::DeviceState* state, Changes* changes) const;
  // Whether a cloud counter behaviour has a raised alarm or a violating streak.
  bool HasLiveCloudAlarm(const v1::DeviceState& state) const;
  // Closes the open bucket (and any empty ones after it) while `now_us` is past its end.
  void CloseBuckets(const std::vector<const rules::Profile*>& targeted, int64_t now_us,
                    v1::DeviceState* state, Changes* changes, FleetView* fleet) const;

  std::shared_ptr<const rules::RuleSet> rules_;
  // A metric that some behaviour targeting the device sums over a duration, with the
  // longest such duration: how long its datapoints must be kept.
  struct WindowedMetric {
    const rules::Behaviour* behaviour;  // one of the behaviours reading the series
    int64_t keep_seconds;
  };
  std::vector<const rules::Profile*> Targeted(const std::string& device_id) const;
  static std::vector<WindowedMetric> Windowed(const std::vector<const rules::Profile*>& targeted);
  // profile name → profile
  std::unordered_map<std::string, const rules::Profile*> profiles_;
};

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_EVALUATOR_H_
