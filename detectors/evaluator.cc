#include "detectors/evaluator.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"
#include "detectors/alarm.h"
#include "detectors/datapoint.h"
#include "detectors/judge.h"
#include "detectors/window.h"
#include "google/protobuf/util/time_util.h"

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

v1::MetricWindow* FindWindow(v1::DeviceState* state, const std::string& metric) {
  for (v1::MetricWindow& w : *state->mutable_windows()) {
    if (w.metric() == metric) return &w;
  }
  return nullptr;
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
      auto it = std::find_if(windowed.begin(), windowed.end(),
                             [&](const WindowedMetric& w) { return w.metric->id == b.metric.id; });
      if (it == windowed.end()) {
        windowed.push_back({&b.metric, b.duration_seconds});
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
                            Changes* changes) const {
  const int64_t report_id = report.header().report_id();
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
    const std::optional<Datapoint>& dp = datapoints.Get(*wm.metric);
    if (!dp || dp->type != rules::ValueType::kNumber) continue;
    v1::MetricWindow* w = FindWindow(state, wm.metric->id);
    if (w == nullptr) {
      w = state->add_windows();
      w->set_metric(wm.metric->id);
    }
    AppendToWindow(w, now_us, dp->number, wm.keep_seconds);
  }

  for (const rules::Profile* profile : targeted) {
    const rules::Profile& p = *profile;
    for (const rules::Behaviour& b : p.behaviours) {
      const std::optional<Datapoint>& dp = datapoints.Get(b.metric);
      if (!dp) continue;
      double value = dp->number;
      int points = 1;
      if (dp->type == rules::ValueType::kNumber && b.duration_seconds > 0) {
        if (const v1::MetricWindow* w = FindWindow(state, b.metric.id)) {
          const WindowSum s = SumWindow(*w, now_us, b.duration_seconds);
          value = s.sum;
          points = s.datapoints;
        }
      }
      const bool violating = Violates(b, *dp, value);
      v1::AlarmState* a = FindAlarm(state, p.name, b.name);
      if (a == nullptr) {
        if (!violating) continue;  // conforming, no streak, no alarm: nothing to record
        a = AddAlarm(state, p.name, b);
      }
      const Transition t = StepAlarm(a, violating, b.consecutive_datapoints_to_alarm,
                                     b.consecutive_datapoints_to_clear);
      if (t == Transition::kNone && !(a->has_violation() && violating)) continue;
      // Evidence only for what is recorded: a raise, a clear, an update of a live alarm.
      Judgement j =
          dp->type == rules::ValueType::kNumber ? JudgeNumber(b, value, points) : JudgeList(b, *dp);
      j.evidence.set_report_id(report_id);

      if (t == Transition::kRaise) {
        v1::Violation* v = a->mutable_violation();
        v->set_violation_id(ViolationId(state->device_id(), p.name, b.name, report_id));
        v->set_device_id(state->device_id());
        v->set_profile(p.name);
        v->set_behaviour(b.name);
        DescribeBehaviour(b, v);
        *v->mutable_last_evidence() = j.evidence;
        *v->mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(now_us);
        *v->mutable_last_violation_time() = v->start_time();
        changes->events.push_back(MakeViolationEvent(*v, v1::IN_ALARM, now_us, j.evidence, ""));
        changes->upserted.push_back(*v);
      } else if (t == Transition::kClear) {
        v1::Violation* v = a->mutable_violation();
        changes->events.push_back(
            MakeViolationEvent(*v, v1::ALARM_CLEARED, now_us, j.evidence, ""));
        changes->removed.push_back(std::move(*v));
        a->clear_violation();
      } else if (a->has_violation() && j.violating) {
        v1::Violation* v = a->mutable_violation();
        DescribeBehaviour(b, v);
        *v->mutable_last_evidence() = std::move(j.evidence);
        *v->mutable_last_violation_time() = TimeUtil::MicrosecondsToTimestamp(now_us);
        changes->upserted.push_back(*v);
      }
    }
  }
  CompactAlarms(state);
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
  const std::vector<WindowedMetric> windowed = Windowed(Targeted(state->device_id()));
  auto* windows = state->mutable_windows();
  for (int i = windows->size() - 1; i >= 0; --i) {
    const std::string& metric = windows->Get(i).metric();
    const bool needed = std::any_of(windowed.begin(), windowed.end(), [&](const WindowedMetric& w) {
      return w.metric->id == metric;
    });
    if (!needed) {
      windows->DeleteSubrange(i, 1);
      changed = true;
    }
  }
  return changed;
}

void Evaluator::InvalidateAll(std::string_view reason, int64_t now_us, v1::DeviceState* state,
                              Changes* changes) {
  for (v1::AlarmState& a : *state->mutable_alarms()) Invalidate(reason, now_us, &a, changes);
  state->clear_alarms();
}

}  // namespace warden::detectors
