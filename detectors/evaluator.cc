#include "detectors/evaluator.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"
#include "detectors/alarm.h"
#include "detectors/baseline.h"
#include "detectors/cloud_metrics.h"
#include "detectors/datapoint.h"
#include "detectors/judge.h"
#include "detectors/window.h"
#include "google/protobuf/util/time_util.h"
#include "rules/topic_filter.h"

namespace warden::detectors {
namespace {

using google::protobuf::util::TimeUtil;

v1::Severity ToProto(rules::Severity s) {
  switch (s) {
    case rules::Severity::kLow:
      return v1::LOW;
    case rules::Severity::kMedium:
      return v1::MEDIUM;
    case rules::Severity::kHigh:
      return v1::HIGH;
    case rules::Severity::kCritical:
      return v1::CRITICAL;
  }
  return v1::SEVERITY_UNSPECIFIED;
}

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Copies what a violation says about its behaviour (severity, labels, ...).
void DescribeBehaviour(const rules::Behaviour& b, v1::Violation* v) {
  v->set_metric(b.metric.id);
  v->set_severity(ToProto(b.severity));
  v->mutable_labels()->clear();
  for (const auto& [k, val] : b.labels) (*v->mutable_labels())[k] = val;
  v->set_suppress_alerts(b.suppress_alerts);
}

// Ends a raised alarm as invalidated and records it.
void Invalidate(std::string_view reason, int64_t now_us, v1::AlarmState* a, Changes* changes) {
  if (!a->has_violation()) return;
  v1::Violation* v = a->mutable_violation();
  changes->events.push_back(
      MakeViolationEvent(*v, v1::ALARM_INVALIDATED, now_us, v->last_evidence(), reason));
  changes->removed.push_back(std::move(*v));
  a->clear_violation();
}

// Drops alarm states that carry nothing: not raised and no violating streak.
void CompactAlarms(v1::DeviceState* state) {
  auto* alarms = state->mutable_alarms();
  int keep = 0;
  for (int i = 0; i < alarms->size(); ++i) {
    const v1::AlarmState& a = alarms->Get(i);
    if (a.has_violation() || a.consecutive_violating() > 0) {
      if (keep != i) alarms->SwapElements(keep, i);
      ++keep;
    }
  }
  alarms->DeleteSubrange(keep, alarms->size() - keep);
}

v1::AlarmState* FindAlarm(v1::DeviceState* state, const std::string& profile,
                          const std::string& behaviour) {
  for (v1::AlarmState& a : *state->mutable_alarms()) {
    if (a.behaviour() == behaviour && a.profile() == profile) return &a;
  }
  return nullptr;
}

v1::AlarmState* AddAlarm(v1::DeviceState* state, const std::string& profile,
                         const rules::Behaviour& b) {
  v1::AlarmState* a = state->add_alarms();
  a->set_profile(profile);
  a->set_behaviour(b.name);
  a->set_behaviour_fingerprint(b.fingerprint);
  return a;
}

v1::MetricWindow* FindWindow(v1::DeviceState* state, const std::string& series) {
  for (v1::MetricWindow& w : *state->mutable_windows()) {
    if (w.metric() == series) return &w;
  }
  return nullptr;
}

// The datapoint series a behaviour reads (the metric id unless a topic filter tags it;
// behaviours built by hand may leave it empty).
const std::string& Series(const rules::Behaviour& b) {
  return b.series.empty() ? b.metric.id : b.series;
}

// At most this many buckets are evaluated when time jumps; the rest are skipped.
constexpr int kMaxBucketsClosedAtOnce = 12;
constexpr int64_t kMaxDisconnectedRollMicros = int64_t{7} * 86400 * 1000000;

// The key of the device's baseline model of `b` (v1::BaselineState.behaviour_key).
uint64_t ModelKey(const rules::Profile& p, const rules::Behaviour& b) {
  return b.key != 0 ? b.key : rules::BehaviourKey(p.name, b.name);
}

// The device's baseline model of a behaviour; a model learned for another definition
// of the behaviour starts over.
v1::BaselineState* FindBaseline(v1::DeviceState* state, const rules::Profile& p,
                                const rules::Behaviour& b) {
  const uint64_t key = ModelKey(p, b);
  for (v1::BaselineState& m : *state->mutable_baselines()) {
    if (KeyOf(&m) == key) {
      if (m.behaviour_fingerprint() != b.fingerprint) {
        m.Clear();
        m.set_behaviour_key(key);
        m.set_behaviour_fingerprint(b.fingerprint);
      }
      return &m;
    }
  }
  v1::BaselineState* m = state->add_baselines();
  m->set_behaviour_key(key);
  m->set_behaviour_fingerprint(b.fingerprint);
  return m;
}

// The datapoints of one report, extracted once per metric however many behaviours
// read them.
class ReportDatapoints {
 public:
  explicit ReportDatapoints(const v1::MetricsReport& report) : report_(report) {}
  const std::optional<Datapoint>& Get(const rules::Metric& metric) {
    for (auto& [id, dp] : cache_) {
      if (id == metric.id) return dp;
    }
    // The id points into the rule set, which outlives this object.
    cache_.emplace_back(std::string_view(metric.id), ExtractDatapoint(report_, metric));
    return cache_.back().second;
  }

 private:
  const v1::MetricsReport& report_;
  std::vector<std::pair<std::string_view, std::optional<Datapoint>>> cache_;
};

}  // namespace

v1::ViolationEvent MakeViolationEvent(const v1::Violation& v, v1::ViolationEventType type,
                                      int64_t now_us, const v1::Evidence& evidence,
                                      std::string_view reason) {
  v1::ViolationEvent e;
  static constexpr std::string_view kSuffix[] = {"", "raised", "cleared", "invalidated"};
  e.set_event_id(absl::StrFormat("%s-%s", v.violation_id(), kSuffix[type]));
  e.set_violation_id(v.violation_id());
  e.set_type(type);
  *e.mutable_time() = TimeUtil::MicrosecondsToTimestamp(now_us);
  e.set_device_id(v.device_id());
  e.set_profile(v.profile());
  e.set_behaviour(v.behaviour());
  e.set_metric(v.metric());
  e.set_severity(v.severity());
  *e.mutable_labels() = v.labels();
  e.set_suppress_alerts(v.suppress_alerts());
  *e.mutable_evidence() = evidence;
  e.set_reason(std::string(reason));
  *e.mutable_violation_start_time() = v.start_time();
  return e;
}

Evaluator::Evaluator(std::shared_ptr<const rules::RuleSet> rules) : rules_(std::move(rules)) {
  for (const rules::Profile& p : rules_->profiles) profiles_[p.name] = &p;
}

std::vector<const rules::Profile*> Evaluator::Targeted(const std::string& device_id) const {
  std::vector<const rules::Profile*> targeted;
  for (const rules::Profile& p : rules_->profiles) {
    if (rules_->TargetsDevice(p, device_id)) targeted.push_back(&p);
  }
  return targeted;
}

std::vector<Evaluator::WindowedMetric> Evaluator::Windowed(
    const std::vector<const rules::Profile*>& targeted) {
  std::vector<WindowedMetric> windowed;
  for (const rules::Profile* p : targeted) {
    for (const rules::Behaviour& b : p->behaviours) {
      if (b.duration_seconds <= 0) continue;
      auto it = std::find_if(windowed.begin(), windowed.end(), [&](const WindowedMetric& w) {
        return Series(*w.behaviour) == Series(b);
      });
      if (it == windowed.end()) {
        windowed.push_back({&b, b.duration_seconds});
      } else {
        it->keep_seconds = std::max(it->keep_seconds, b.duration_seconds);
      }
    }
  }
  return windowed;
}

const rules::Behaviour* Evaluator::FindBehaviour(const std::string& profile,
                                                 const std::string& behaviour) const {
  auto it = profiles_.find(profile);
  if (it == profiles_.end()) return nullptr;
  for (const rules::Behaviour& b : it->second->behaviours) {
    if (b.name == behaviour) return &b;
  }
  return nullptr;
}

std::string Evaluator::ViolationId(std::string_view device, std::string_view profile,
                                   std::string_view behaviour, int64_t report_id) {
  uint64_t h = 0xcbf29ce484222325ULL;
  h = Fnv1a(h, device);
  h = Fnv1a(h, std::string_view("\0", 1));
  h = Fnv1a(h, profile);
  h = Fnv1a(h, std::string_view("\0", 1));
  h = Fnv1a(h, behaviour);
  h = Fnv1a(h, std::string_view("\0", 1));
  h = Fnv1a(h, std::to_string(report_id));
  return absl::StrFormat("%016x", h);
}

void Evaluator::ApplyReport(const v1::MetricsReport& report, int64_t now_us, v1::DeviceState* state,
                            Changes* changes, FleetView* fleet) const {
  const int64_t report_id = report.header().report_id();
  const int64_t previous_us =
      state->has_last_seen() ? TimeUtil::TimestampToMicroseconds(state->last_seen()) : 0;
  state->set_last_report_id(report_id);
  *state->mutable_last_seen() = TimeUtil::MicrosecondsToTimestamp(now_us);
  if (report.metrics().has_listening_tcp_ports()) {
    state->clear_listening_tcp_ports();
    for (const v1::Port& p : report.metrics().listening_tcp_ports().ports()) {
      state->add_listening_tcp_ports(p.port());
    }
  }
  ReportDatapoints datapoints(report);
  const std::vector<const rules::Profile*> targeted = Targeted(state->device_id());

  // Windows first: every behaviour with a duration sums a window ending at this datapoint.
  for (const WindowedMetric& wm : Windowed(targeted)) {
    const rules::Behaviour& b = *wm.behaviour;
    if (b.metric.cloud) continue;  // counted from broker events
    const std::optional<Datapoint>& dp = datapoints.Get(b.metric);
    if (!dp || dp->type != rules::ValueType::kNumber) continue;
    v1::MetricWindow* w = FindWindow(state, Series(b));
    if (w == nullptr) {
      w = state->add_windows();
      w->set_metric(Series(b));
    }
    AppendToWindow(w, now_us, dp->number, wm.keep_seconds);
  }

  for (const rules::Profile* profile : targeted) {
    for (const rules::Behaviour& b : profile->behaviours) {
      if (b.metric.cloud) continue;
      const std::optional<Datapoint>& dp = datapoints.Get(b.metric);
      if (!dp) continue;
      Point point{&*dp, dp->number, 1, now_us, report_id, previous_us, false};
      if (dp->type == rules::ValueType::kNumber && b.duration_seconds > 0) {
        if (const v1::MetricWindow* w = FindWindow(state, Series(b))) {
          const WindowSum s = SumWindow(*w, now_us, b.duration_seconds);
          point.value = s.sum;
          point.datapoints = s.datapoints;
        }
      }
      Step(*profile, b, point, state, changes, fleet);
    }
  }
  CompactAlarms(state);
}

void Evaluator::Raise(const std::string& device, const rules::Profile& p, const rules::Behaviour& b,
                      int64_t id, int64_t now_us, const v1::Evidence& e, v1::AlarmState* a,
                      Changes* changes) {
  v1::Violation* v = a->mutable_violation();
  v->set_violation_id(ViolationId(device, p.name, b.name, id));
  v->set_device_id(device);
  v->set_profile(p.name);
  v->set_behaviour(b.name);
  DescribeBehaviour(b, v);
  *v->mutable_last_evidence() = e;
  *v->mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(now_us);
  *v->mutable_last_violation_time() = v->start_time();
  changes->events.push_back(MakeViolationEvent(*v, v1::IN_ALARM, now_us, e, ""));
  changes->upserted.push_back(*v);
}

void Evaluator::RaiseEarly(const rules::Profile& p, const rules::Behaviour& b, int64_t now_us,
                           v1::DeviceState* state, Changes* changes) const {
  const v1::CloudState& cloud = state->cloud();
  const int64_t end = cloud.bucket_start_us() + kCloudBucketMicros;
  double value = BucketValue(cloud, Series(b));
  int datapoints = 1;
  if (b.duration_seconds > 0) {
    // The closed buckets the window at `end` will also hold.
    if (const v1::MetricWindow* w = FindWindow(state, Series(b))) {
      const WindowSum s = SumWindow(*w, end, b.duration_seconds);
      value += s.sum;
      datapoints += s.datapoints;
    }
  }
  Datapoint dp;
  dp.number = value;
  if (!Violates(b, dp, value)) return;
  v1::AlarmState* a = FindAlarm(state, p.name, b.name);
  if (a != nullptr && a->has_violation()) return;
  // Would this bucket's datapoint raise the alarm? Counts move only when it ends.
  v1::AlarmState next = a != nullptr ? *a : v1::AlarmState();
  if (StepAlarm(&next, true, b.consecutive_datapoints_to_alarm,
                b.consecutive_datapoints_to_clear) != Transition::kRaise) {
    return;
  }
  if (a == nullptr) a = AddAlarm(state, p.name, b);
  Judgement j = JudgeNumber(b, value, datapoints);
  *j.evidence.mutable_bucket_end_time() = TimeUtil::MicrosecondsToTimestamp(end);
  Raise(state->device_id(), p, b, end, now_us, j.evidence, a, changes);
}

void Evaluator::Step(const rules::Profile& p, const rules::Behaviour& b, const Point& point,
                     v1::DeviceState* state, Changes* changes, FleetView* fleet) const {
  const Datapoint& dp = *point.datapoint;
  const double value = point.value;
  bool violating = false;
  FleetThreshold fleet_threshold;
  BaselineVerdict baseline;
  if (b.statistic.has_value()) {
    if (fleet == nullptr) return;  // no fleet: insufficient data
    if (FirstInFleetWindow(b, point.previous_us, point.now_us)) {
      fleet->Contribute(p, b, point.now_us, value);
    }
    fleet_threshold = fleet->Threshold(p, b, point.now_us);
    if (!fleet_threshold.ready) return;  // insufficient data: no datapoint counts
    violating = !NumberConforms(b.op, value, fleet_threshold.value);
  } else if (b.baseline.has_value()) {
    baseline = ObserveBaseline(*b.baseline, b.op, value, point.now_us, FindBaseline(state, p, b));
    if (!baseline.ready) return;  // warming up
    violating = baseline.violating;
  } else {
    violating = Violates(b, dp, value);
  }
  v1::AlarmState* a = FindAlarm(state, p.name, b.name);
  if (a == nullptr) {
    if (!violating) return;  // conforming, no streak, no alarm: nothing to record
    a = AddAlarm(state, p.name, b);
  }
  const Transition t =
      StepAlarm(a, violating, b.consecutive_datapoints_to_alarm, b.consecutive_datapoints_to_clear);
  if (t == Transition::kNone && !(a->has_violation() && violating)) return;
  // Evidence only for what is recorded: a raise, a clear, an update of a live alarm.
  Judgement j = dp.type == rules::ValueType::kNumber ? JudgeNumber(b, value, point.datapoints)
                                                     : JudgeList(b, dp);
  j.violating = violating;
  v1::Evidence& e = j.evidence;
  if (b.statistic.has_value()) {
    e.set_threshold(fleet_threshold.value);
    e.set_statistic(b.statistic->name);
    e.set_fleet_devices(fleet_threshold.devices);
  } else if (b.baseline.has_value()) {
    const bool upper =
        b.op == rules::Operator::kLessThan || b.op == rules::Operator::kLessThanEquals;
    e.set_threshold(upper ? baseline.upper : baseline.lower);
    e.set_baseline_expected(baseline.expected);
    e.set_baseline_lower(baseline.lower);
    e.set_baseline_upper(baseline.upper);
  }
  if (point.cloud) {
    *e.mutable_bucket_end_time() = TimeUtil::MicrosecondsToTimestamp(point.id);
  } else {
    e.set_report_id(point.id);
  }
  const int64_t now_us = point.now_us;
  if (t == Transition::kRaise) {
    Raise(state->device_id(), p, b, point.id, now_us, e, a, changes);
  } else if (t == Transition::kClear) {
    v1::Violation* v = a->mutable_violation();
    changes->events.push_back(MakeViolationEvent(*v, v1::ALARM_CLEARED, now_us, e, ""));
    changes->removed.push_back(std::move(*v));
    a->clear_violation();
  } else if (a->has_violation() && violating) {
    v1::Violation* v = a->mutable_violation();
    DescribeBehaviour(b, v);
    *v->mutable_last_evidence() = std::move(e);
    *v->mutable_last_violation_time() = TimeUtil::MicrosecondsToTimestamp(now_us);
    changes->upserted.push_back(*v);
  }
}

void Evaluator::ApplyBrokerEvent(const v1::BrokerEvent& event, int64_t now_us,
                                 v1::DeviceState* state, Changes* changes, FleetView* fleet) const {
  v1::CloudState* cloud = state->mutable_cloud();
  if (event.sequence() != 0) cloud->set_last_event_sequence(event.sequence());
  // The event's own time places it, but never before the open bucket: a late event
  // counts in the bucket still open.
  int64_t t = event.has_time() ? TimeUtil::TimestampToMicroseconds(event.time()) : now_us;
  if (cloud->bucket_start_us() > 0) t = std::max(t, cloud->bucket_start_us());
  const int64_t previous_us = cloud->last_event_us();
  cloud->set_last_event_us(std::max(previous_us, t));
  const std::vector<const rules::Profile*> targeted = Targeted(state->device_id());
  CloseBuckets(targeted, t, state, changes, fleet);
  if (cloud->bucket_start_us() == 0) cloud->set_bucket_start_us(BucketStart(t));

  const CloudEvent counted = ClassifyBrokerEvent(event);
  // Counters: each series counts the event once, whatever the behaviours reading it.
  std::vector<std::string_view> seen;
  for (const rules::Profile* p : targeted) {
    for (const rules::Behaviour& b : p->behaviours) {
      if (!b.metric.cloud || !b.metric.delta || b.metric.builtin != counted.counter) continue;
      if (b.topic_filter.has_value() && !rules::TopicCounts(*b.topic_filter, counted.topic)) {
        continue;
      }
      if (std::find(seen.begin(), seen.end(), Series(b)) == seen.end()) {
        seen.push_back(Series(b));
        AddToBucket(cloud, Series(b), 1);
      }
      // A count only grows until its bucket ends: a fixed upper bound it already
      // breaks is judged now, not in up to five minutes.
      const bool upper_bound =
          b.op == rules::Operator::kLessThan || b.op == rules::Operator::kLessThanEquals;
      if (upper_bound && !b.statistic.has_value() && !b.baseline.has_value()) {
        RaiseEarly(*p, b, t, state, changes);
      }
    }
  }
  if (event.has_connect() && event.connect().success()) {
    cloud->set_connected(true);
    cloud->set_disconnected_since_us(0);
  } else if (event.has_disconnect()) {
    cloud->set_connected(false);
    cloud->set_disconnected_since_us(t);
  }

  // Per-event metrics.
  for (const rules::Profile* p : targeted) {
    for (const rules::Behaviour& b : p->behaviours) {
      Datapoint dp;
      if (b.metric.builtin == rules::BuiltinMetric::kMessageByteSize && event.has_publish()) {
        if (b.topic_filter.has_value() &&
            !rules::TopicCounts(*b.topic_filter, event.publish().topic())) {
          continue;
        }
        dp.number = static_cast<double>(event.publish().bytes());
      } else if (b.metric.builtin == rules::BuiltinMetric::kSourceIpAddress &&
                 event.has_connect()) {
        std::optional<rules::IpAddress> ip = rules::ParseIp(event.connect().source_ip());
        if (!ip.has_value()) continue;
        dp.type = rules::ValueType::kIpList;
        dp.ips.push_back(*ip);
      } else {
        continue;
      }
      const Point point{&dp, dp.number, 1, t, t, previous_us, true};
      Step(*p, b, point, state, changes, fleet);
    }
  }
  CompactAlarms(state);
}

int64_t Evaluator::AdvanceTime(int64_t now_us, v1::DeviceState* state, Changes* changes,
                               FleetView* fleet) const {
  if (state->cloud().bucket_start_us() == 0) return 0;
  CloseBuckets(Targeted(state->device_id()), now_us, state, changes, fleet);
  CompactAlarms(state);
  const int64_t start = state->cloud().bucket_start_us();
  return start == 0 ? 0 : start + kCloudBucketMicros;
}

bool Evaluator::HasLiveCloudAlarm(const v1::DeviceState& state) const {
  for (const v1::AlarmState& a : state.alarms()) {
    if (!a.has_violation() && a.consecutive_violating() == 0) continue;
    const rules::Behaviour* b = FindBehaviour(a.profile(), a.behaviour());
    if (b != nullptr && b->metric.cloud && b->metric.delta) return true;
  }
  return false;
}

void Evaluator::CloseBuckets(const std::vector<const rules::Profile*>& targeted, int64_t now_us,
                             v1::DeviceState* state, Changes* changes, FleetView* fleet) const {
  v1::CloudState* cloud = state->mutable_cloud();
  const std::vector<WindowedMetric> windowed = Windowed(targeted);
  for (int closed = 0;
       cloud->bucket_start_us() > 0 && now_us >= cloud->bucket_start_us() + kCloudBucketMicros;
       ++closed) {
    const int64_t start = cloud->bucket_start_us();
    const int64_t end = start + kCloudBucketMicros;
    if (closed < kMaxBucketsClosedAtOnce) {
      // Windows of the counters: the bucket's value at its end.
      for (const WindowedMetric& wm : windowed) {
        const rules::Behaviour& b = *wm.behaviour;
        if (!b.metric.cloud || !b.metric.delta) continue;
        v1::MetricWindow* w = FindWindow(state, Series(b));
        if (w == nullptr) {
          w = state->add_windows();
          w->set_metric(Series(b));
        }
        AppendToWindow(w, end, BucketValue(*cloud, Series(b)), wm.keep_seconds);
      }
      const bool disconnected = !cloud->connected() && cloud->disconnected_since_us() > 0;
      for (const rules::Profile* p : targeted) {
        for (const rules::Behaviour& b : p->behaviours) {
          Datapoint dp;
          Point point{&dp, 0, 1, end, end, start, true};
          if (b.metric.builtin == rules::BuiltinMetric::kDisconnectDuration) {
            point.value =
                disconnected ? static_cast<double>(end - cloud->disconnected_since_us()) / 1e6 : 0;
          } else if (b.metric.cloud && b.metric.delta) {
            point.value = BucketValue(*cloud, Series(b));
            if (b.duration_seconds > 0) {
              if (const v1::MetricWindow* w = FindWindow(state, Series(b))) {
                const WindowSum s = SumWindow(*w, end, b.duration_seconds);
                point.value = s.sum;
                point.datapoints = s.datapoints;
              }
            }
          } else {
            continue;
          }
          dp.number = point.value;
          Step(*p, b, point, state, changes, fleet);
        }
      }
    }
    cloud->clear_bucket();
    // Buckets roll on while the device is connected, and while it stays disconnected
    // (its disconnect duration keeps growing) for up to a week.
    // Buckets also roll while a cloud counter's alarm or streak is live, so a device that
    // never connected (failing at connect) still gets the datapoints of 0 that clear it.
    const bool rolls = cloud->connected() ||
                       (cloud->disconnected_since_us() > 0 &&
                        end - cloud->disconnected_since_us() < kMaxDisconnectedRollMicros) ||
                       HasLiveCloudAlarm(*state);
    cloud->set_bucket_start_us(rolls ? end : 0);
    if (closed + 1 >= kMaxBucketsClosedAtOnce && rolls) {
      // A long gap: skip to the bucket holding now_us rather than evaluate each.
      cloud->set_bucket_start_us(BucketStart(now_us));
      break;
    }
  }
}

bool Evaluator::Reconcile(int64_t now_us, v1::DeviceState* state, Changes* changes) const {
  bool changed = false;
  for (v1::AlarmState& a : *state->mutable_alarms()) {
    auto p = profiles_.find(a.profile());
    const rules::Behaviour* b = FindBehaviour(a.profile(), a.behaviour());
    std::string_view reason;
    if (p == profiles_.end()) {
      reason = kReasonProfileRemoved;
    } else if (b == nullptr) {
      reason = kReasonBehaviourRemoved;
    } else if (!rules_->TargetsDevice(*p->second, state->device_id())) {
      reason = kReasonNoLongerTargeted;
    } else if (b->fingerprint != a.behaviour_fingerprint()) {
      reason = kReasonBehaviourChanged;
      a.set_consecutive_conforming(0);
      a.set_behaviour_fingerprint(b->fingerprint);
    } else {
      continue;
    }
    Invalidate(reason, now_us, &a, changes);
    a.set_consecutive_violating(0);
    changed = true;
  }
  const int alarms = state->alarms_size();
  CompactAlarms(state);
  changed = changed || state->alarms_size() != alarms;
  // Windows no behaviour targeting the device needs any more are dropped.
  const std::vector<const rules::Profile*> targeted = Targeted(state->device_id());
  const std::vector<WindowedMetric> windowed = Windowed(targeted);
  auto* windows = state->mutable_windows();
  for (int i = windows->size() - 1; i >= 0; --i) {
    const std::string& series = windows->Get(i).metric();
    const bool needed = std::any_of(windowed.begin(), windowed.end(), [&](const WindowedMetric& w) {
      return Series(*w.behaviour) == series;
    });
    if (!needed) {
      windows->DeleteSubrange(i, 1);
      changed = true;
    }
  }
  // Baselines of behaviours that no longer target the device, or changed, are dropped.
  auto* baselines = state->mutable_baselines();
  for (int i = baselines->size() - 1; i >= 0; --i) {
    v1::BaselineState& m = *baselines->Mutable(i);
    const uint64_t key = KeyOf(&m);
    bool keep = false;
    for (const rules::Profile* p : targeted) {
      for (const rules::Behaviour& b : p->behaviours) {
        if (b.baseline.has_value() && b.fingerprint == m.behaviour_fingerprint() &&
            ModelKey(*p, b) == key) {
          keep = true;
        }
      }
    }
    if (!keep) {
      baselines->DeleteSubrange(i, 1);
      changed = true;
    }
  }
  return changed;
}

std::vector<v1::BaselineStatus> Evaluator::BaselineStatuses(const v1::DeviceState& state,
                                                            int64_t now_us) const {
  std::vector<v1::BaselineStatus> out;
  for (const rules::Profile* p : Targeted(state.device_id())) {
    for (const rules::Behaviour& b : p->behaviours) {
      if (!b.baseline.has_value()) continue;
      v1::BaselineState model;
      const uint64_t key = ModelKey(*p, b);
      for (const v1::BaselineState& m : state.baselines()) {
        if (KeyOf(m) == key && m.behaviour_fingerprint() == b.fingerprint) model = m;
      }
      const BaselineVerdict v = BaselineStatus(*b.baseline, b.op, model, now_us);
      v1::BaselineStatus& s = out.emplace_back();
      s.set_profile(p->name);
      s.set_behaviour(b.name);
      s.set_metric(b.metric.id);
      s.set_confidence(std::string(rules::ConfidenceName(b.baseline->confidence)));
      s.set_state(v.ready ? v1::BaselineStatus::ACTIVE : v1::BaselineStatus::WARMING_UP);
      s.set_datapoints(model.datapoints());
      s.set_warmup_datapoints(b.baseline->warmup_datapoints);
      s.set_warmup_progress(v.warmup_progress);
      if (v.ready) {
        s.set_expected(v.expected);
        s.set_lower(v.lower);
        s.set_upper(v.upper);
      }
    }
  }
  return out;
}

void Evaluator::InvalidateAll(std::string_view reason, int64_t now_us, v1::DeviceState* state,
                              Changes* changes) {
  for (v1::AlarmState& a : *state->mutable_alarms()) Invalidate(reason, now_us, &a, changes);
  state->clear_alarms();
}

}  // namespace warden::detectors
