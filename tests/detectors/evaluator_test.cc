#include "detectors/evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "google/protobuf/util/time_util.h"
#include "tests/detectors/reports.h"

namespace warden::detectors {
namespace {

using google::protobuf::util::TimeUtil;
using rules::Operator;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;

constexpr int64_t kT0 = 1'700'000'000'000'000;  // µs
constexpr int64_t kSecond = kMicrosPerSecond;
constexpr char kDevice[] = "cam-0001";

rules::Metric DeviceMetric(std::string_view id) {
  const rules::MetricInfo* info = rules::FindDeviceMetric(id);
  EXPECT_NE(info, nullptr) << id;
  rules::Metric m;
  if (info == nullptr) return m;
  m.id = std::string(info->id);
  m.builtin = info->builtin;
  m.type = info->type;
  m.delta = info->delta;
  return m;
}

// bytes-out < `value`, alarm and clear on one datapoint each.
rules::Behaviour BytesOut(const std::string& name, double value, uint64_t fingerprint = 1) {
  rules::Behaviour b;
  b.name = name;
  b.metric = DeviceMetric("aws:all-bytes-out");
  b.op = Operator::kLessThan;
  b.value = value;
  b.fingerprint = fingerprint;
  b.severity = rules::Severity::kHigh;
  return b;
}

rules::Profile Profile(const std::string& name, std::vector<rules::Behaviour> behaviours) {
  rules::Profile p;
  p.name = name;
  p.targets.all = true;
  p.behaviours = std::move(behaviours);
  return p;
}

std::shared_ptr<const rules::RuleSet> Rules(std::vector<rules::Profile> profiles) {
  auto rs = std::make_shared<rules::RuleSet>();
  rs->profiles = std::move(profiles);
  return rs;
}

v1::DeviceState NewState(const std::string& device = kDevice) {
  v1::DeviceState s;
  s.set_device_id(device);
  return s;
}

int64_t Micros(const google::protobuf::Timestamp& t) {
  return TimeUtil::TimestampToMicroseconds(t);
}

// Raises "bytes-out" of profile "camera" on kDevice with report 1 at kT0.
class RaisedAlarmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Changes c;
    evaluator_.ApplyReport(BytesOutReport(1, 5000), kT0, &state_, &c);
    ASSERT_EQ(c.events.size(), 1u);
    ASSERT_EQ(state_.alarms_size(), 1);
    ASSERT_TRUE(state_.alarms(0).has_violation());
    violation_id_ = c.events[0].violation_id();
  }

  Evaluator evaluator_{Rules({Profile("camera", {BytesOut("bytes-out", 1000)})})};
  v1::DeviceState state_ = NewState();
  std::string violation_id_;
};

TEST(EvaluatorTest, RaiseRecordsAnInAlarmEventWithEvidenceAndUpsertsTheViolation) {
  rules::Behaviour b = BytesOut("bytes-out", 1000);
  b.labels = {{"team", "video"}};
  b.suppress_alerts = true;
  Evaluator ev(Rules({Profile("camera", {b})}));
  v1::DeviceState state = NewState();
  Changes c;
  ev.ApplyReport(BytesOutReport(1530304554, 5000), kT0, &state, &c);

  ASSERT_EQ(c.events.size(), 1u);
  const v1::ViolationEvent& e = c.events[0];
  EXPECT_EQ(e.type(), v1::IN_ALARM);
  EXPECT_EQ(e.device_id(), kDevice);
  EXPECT_EQ(e.profile(), "camera");
  EXPECT_EQ(e.behaviour(), "bytes-out");
  EXPECT_EQ(e.metric(), "aws:all-bytes-out");
  EXPECT_EQ(e.severity(), v1::HIGH);
  EXPECT_EQ(e.labels().at("team"), "video");
  EXPECT_TRUE(e.suppress_alerts());
  EXPECT_EQ(Micros(e.time()), kT0);
  EXPECT_EQ(e.reason(), "");
  EXPECT_EQ(e.evidence().number(), 5000);
  EXPECT_EQ(e.evidence().threshold(), 1000);
  EXPECT_EQ(e.evidence().operator_(), "less-than");
  EXPECT_EQ(e.evidence().report_id(), 1530304554);
  EXPECT_EQ(e.violation_id(), Evaluator::ViolationId(kDevice, "camera", "bytes-out", 1530304554));
  EXPECT_EQ(e.event_id(), e.violation_id() + "-raised");

  ASSERT_EQ(c.upserted.size(), 1u);
  const v1::Violation& v = c.upserted[0];
  EXPECT_EQ(v.violation_id(), e.violation_id());
  EXPECT_EQ(v.device_id(), kDevice);
  EXPECT_EQ(v.profile(), "camera");
  EXPECT_EQ(v.behaviour(), "bytes-out");
  EXPECT_EQ(v.severity(), v1::HIGH);
  EXPECT_EQ(v.last_evidence().number(), 5000);
  EXPECT_EQ(v.last_evidence().report_id(), 1530304554);
  EXPECT_EQ(Micros(v.start_time()), kT0);
  EXPECT_EQ(Micros(v.last_violation_time()), kT0);
  EXPECT_THAT(c.removed, IsEmpty());

  EXPECT_EQ(state.last_report_id(), 1530304554);
  EXPECT_EQ(Micros(state.last_seen()), kT0);
  ASSERT_EQ(state.alarms_size(), 1);
  EXPECT_EQ(state.alarms(0).violation().violation_id(), v.violation_id());
}

TEST_F(RaisedAlarmTest, RepeatedViolationUpsertsWithoutAnEventAndAdvancesLastViolationTime) {
  Changes c;
  evaluator_.ApplyReport(BytesOutReport(2, 7000), kT0 + 300 * kSecond, &state_, &c);
  EXPECT_THAT(c.events, IsEmpty());
  EXPECT_THAT(c.removed, IsEmpty());
  ASSERT_EQ(c.upserted.size(), 1u);
  const v1::Violation& v = c.upserted[0];
  EXPECT_EQ(v.violation_id(), violation_id_);
  EXPECT_EQ(Micros(v.start_time()), kT0);
  EXPECT_EQ(Micros(v.last_violation_time()), kT0 + 300 * kSecond);
  EXPECT_EQ(v.last_evidence().number(), 7000);
  EXPECT_EQ(v.last_evidence().report_id(), 2);
  EXPECT_EQ(Micros(state_.alarms(0).violation().last_violation_time()), kT0 + 300 * kSecond);
}

TEST_F(RaisedAlarmTest, ConformingDatapointClearsWithAlarmClearedAndRemoval) {
  Changes c;
  evaluator_.ApplyReport(BytesOutReport(2, 10), kT0 + 300 * kSecond, &state_, &c);
  ASSERT_EQ(c.events.size(), 1u);
  const v1::ViolationEvent& e = c.events[0];
  EXPECT_EQ(e.type(), v1::ALARM_CLEARED);
  EXPECT_EQ(e.violation_id(), violation_id_);
  EXPECT_EQ(e.event_id(), violation_id_ + "-cleared");
  EXPECT_EQ(Micros(e.time()), kT0 + 300 * kSecond);
  // The evidence is the conforming datapoint that cleared it.
  EXPECT_EQ(e.evidence().number(), 10);
  EXPECT_EQ(e.evidence().report_id(), 2);
  ASSERT_EQ(c.removed.size(), 1u);
  EXPECT_EQ(c.removed[0].violation_id(), violation_id_);
  EXPECT_THAT(c.upserted, IsEmpty());
  // Nothing left to remember.
  EXPECT_EQ(state_.alarms_size(), 0);
}

TEST_F(RaisedAlarmTest, ReportWithoutTheMetricLeavesTheAlarmAlone) {
  v1::MetricsReport r;
  r.mutable_header()->set_report_id(2);
  r.mutable_metrics()->mutable_listening_tcp_ports();
  Changes c;
  evaluator_.ApplyReport(r, kT0 + 300 * kSecond, &state_, &c);
  EXPECT_TRUE(c.empty());
  ASSERT_EQ(state_.alarms_size(), 1);
  EXPECT_TRUE(state_.alarms(0).has_violation());
  EXPECT_EQ(state_.last_report_id(), 2);
}

TEST_F(RaisedAlarmTest, NextRaiseAfterAClearIsANewViolation) {
  Changes c;
  evaluator_.ApplyReport(BytesOutReport(2, 10), kT0 + 300 * kSecond, &state_, &c);
  c.Clear();
  evaluator_.ApplyReport(BytesOutReport(3, 9000), kT0 + 600 * kSecond, &state_, &c);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].type(), v1::IN_ALARM);
  EXPECT_NE(c.events[0].violation_id(), violation_id_);
  EXPECT_EQ(Micros(c.upserted[0].start_time()), kT0 + 600 * kSecond);
}

TEST(EvaluatorTest, ConsecutiveDatapointsToAlarmAndToClear) {
  rules::Behaviour b = BytesOut("bytes-out", 1000);
  b.consecutive_datapoints_to_alarm = 3;
  b.consecutive_datapoints_to_clear = 2;
  Evaluator ev(Rules({Profile("camera", {b})}));
  v1::DeviceState state = NewState();
  // violating: V V C V V V | C V C C
  const std::vector<uint64_t> bytes = {5000, 5000, 10, 5000, 5000, 5000, 10, 5000, 10, 10};
  std::vector<std::string> seen;
  for (size_t i = 0; i < bytes.size(); ++i) {
    Changes c;
    ev.ApplyReport(BytesOutReport(static_cast<int64_t>(i) + 1, bytes[i]),
                   kT0 + static_cast<int64_t>(i) * 300 * kSecond, &state, &c);
    for (const v1::ViolationEvent& e : c.events) {
      seen.push_back(std::to_string(i + 1) + ":" + v1::ViolationEventType_Name(e.type()));
    }
  }
  EXPECT_THAT(seen, ElementsAre("6:IN_ALARM", "10:ALARM_CLEARED"));
}

TEST(EvaluatorTest, ViolatingStreakBelowTheAlarmCountIsKeptButRaisesNothing) {
  rules::Behaviour b = BytesOut("bytes-out", 1000);
  b.consecutive_datapoints_to_alarm = 3;
  Evaluator ev(Rules({Profile("camera", {b})}));
  v1::DeviceState state = NewState();
  Changes c;
  ev.ApplyReport(BytesOutReport(1, 5000), kT0, &state, &c);
  EXPECT_TRUE(c.empty());
  ASSERT_EQ(state.alarms_size(), 1);
  EXPECT_EQ(state.alarms(0).consecutive_violating(), 1);
  EXPECT_FALSE(state.alarms(0).has_violation());
  // A conforming datapoint ends the streak and the state is dropped.
  ev.ApplyReport(BytesOutReport(2, 10), kT0 + 300 * kSecond, &state, &c);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(state.alarms_size(), 0);
}

TEST(EvaluatorTest, ConformingBehavioursKeepNoAlarmState) {
  std::vector<rules::Behaviour> behaviours;
  for (int i = 0; i < 20; ++i) behaviours.push_back(BytesOut("b" + std::to_string(i), 1000 + i));
  Evaluator ev(Rules({Profile("camera", behaviours), Profile("fleet", behaviours)}));
  v1::DeviceState state = NewState();
  for (int i = 0; i < 5; ++i) {
    Changes c;
    ev.ApplyReport(BytesOutReport(i + 1, 10), kT0 + i * 300 * kSecond, &state, &c);
    EXPECT_TRUE(c.empty());
  }
  EXPECT_EQ(state.alarms_size(), 0);
  EXPECT_EQ(state.windows_size(), 0);
}

TEST(EvaluatorTest, OnlyViolatingBehavioursKeepAlarmState) {
  Evaluator ev(Rules({Profile("camera", {BytesOut("low", 100), BytesOut("high", 100000)})}));
  v1::DeviceState state = NewState();
  Changes c;
  ev.ApplyReport(BytesOutReport(1, 5000), kT0, &state, &c);
  ASSERT_EQ(state.alarms_size(), 1);
  EXPECT_EQ(state.alarms(0).behaviour(), "low");
}

TEST(EvaluatorTest, DurationSumsTheWindowAndSaysSoInTheEvidence) {
  rules::Behaviour b = BytesOut("bytes-out-5min", 100);
  b.duration_seconds = 300;
  Evaluator ev(Rules({Profile("camera", {b})}));
  v1::DeviceState state = NewState();

  Changes c;
  ev.ApplyReport(BytesOutReport(1, 40), kT0, &state, &c);
  ev.ApplyReport(BytesOutReport(2, 40), kT0 + 100 * kSecond, &state, &c);
  EXPECT_TRUE(c.empty()) << "40 and 80 are below 100";
  ev.ApplyReport(BytesOutReport(3, 40), kT0 + 200 * kSecond, &state, &c);
  ASSERT_EQ(c.events.size(), 1u);
  const v1::Evidence& e = c.events[0].evidence();
  EXPECT_EQ(c.events[0].type(), v1::IN_ALARM);
  EXPECT_EQ(e.number(), 120);
  EXPECT_EQ(e.datapoints(), 3);
  EXPECT_EQ(e.duration_seconds(), 300);
  EXPECT_EQ(e.report_id(), 3);

  // 301 s after the first report it has left the window: 40 + 40 + 10 = 90 < 100.
  c.Clear();
  ev.ApplyReport(BytesOutReport(4, 10), kT0 + 301 * kSecond, &state, &c);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].type(), v1::ALARM_CLEARED);
  EXPECT_EQ(c.events[0].evidence().number(), 90);
  EXPECT_EQ(c.events[0].evidence().datapoints(), 3);
}

TEST(EvaluatorTest, DeviceNotTargetedIsNotEvaluated) {
  rules::Profile p = Profile("camera", {BytesOut("bytes-out", 1000)});
  p.targets.all = false;
  p.targets.groups = {"cameras"};
  auto rs = std::make_shared<rules::RuleSet>();
  rs->profiles = {p};
  rs->devices["cam-0001"] = rules::Device{"cam-0001", {"cameras"}, {}};
  rs->devices["therm-1"] = rules::Device{"therm-1", {"thermostats"}, {}};
  Evaluator ev(rs);

  v1::DeviceState therm = NewState("therm-1");
  Changes c;
  ev.ApplyReport(BytesOutReport(1, 5000), kT0, &therm, &c);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(therm.alarms_size(), 0);

  v1::DeviceState unknown = NewState("not-in-inventory");
  ev.ApplyReport(BytesOutReport(1, 5000), kT0, &unknown, &c);
  EXPECT_TRUE(c.empty());

  v1::DeviceState cam = NewState("cam-0001");
  ev.ApplyReport(BytesOutReport(1, 5000), kT0, &cam, &c);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].device_id(), "cam-0001");
}

TEST(EvaluatorTest, DestinationIpv6OutsideTheAllowListRaisesAndAnEmptyListClears) {
  auto list = std::make_shared<rules::NamedList>();
  list->name = "allowed";
  list->type = rules::ListType::kCidr;
  ASSERT_TRUE(list->cidrs.Add("10.0.0.0/8").ok());
  ASSERT_TRUE(list->cidrs.Add("2001:db8:1::/48").ok());
  list->cidrs.Finalize();
  rules::Behaviour b;
  b.name = "destinations";
  b.metric = DeviceMetric("aws:destination-ip-addresses");
  b.op = Operator::kInCidrSet;
  b.list = list;
  b.fingerprint = 9;
  Evaluator ev(Rules({Profile("camera", {b})}));
  v1::DeviceState state = NewState();

  v1::MetricsReport r;
  r.mutable_header()->set_report_id(1);
  auto* ec = r.mutable_metrics()->mutable_tcp_connections()->mutable_established_connections();
  ec->add_connections()->set_remote_addr("10.1.2.3:8883");
  ec->add_connections()->set_remote_addr("[2001:db8:1::5]:443");
  ec->add_connections()->set_remote_addr("[2001:db8::1]:443");
  Changes c;
  ev.ApplyReport(r, kT0, &state, &c);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].type(), v1::IN_ALARM);
  EXPECT_THAT(c.events[0].evidence().offending(), ElementsAre("2001:db8::1"));
  EXPECT_EQ(c.events[0].evidence().list(), "allowed");
  EXPECT_EQ(c.events[0].evidence().report_id(), 1);

  // An empty connection list conforms to any list behaviour and clears the violation.
  v1::MetricsReport empty;
  empty.mutable_header()->set_report_id(2);
  empty.mutable_metrics()->mutable_tcp_connections()->mutable_established_connections();
  c.Clear();
  ev.ApplyReport(empty, kT0 + 300 * kSecond, &state, &c);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].type(), v1::ALARM_CLEARED);
  EXPECT_EQ(state.alarms_size(), 0);
}

// --- Reconcile ------------------------------------------------------------------------------

void ExpectInvalidated(const Changes& c, const std::string& violation_id, std::string_view reason,
                       int64_t now_us) {
  ASSERT_EQ(c.events.size(), 1u);
  const v1::ViolationEvent& e = c.events[0];
  EXPECT_EQ(e.type(), v1::ALARM_INVALIDATED);
  EXPECT_EQ(e.reason(), reason);
  EXPECT_EQ(e.violation_id(), violation_id);
  EXPECT_EQ(e.event_id(), violation_id + "-invalidated");
  EXPECT_EQ(Micros(e.time()), now_us);
  // The evidence is the last violating datapoint.
  EXPECT_EQ(e.evidence().number(), 5000);
  ASSERT_EQ(c.removed.size(), 1u);
  EXPECT_EQ(c.removed[0].violation_id(), violation_id);
  EXPECT_THAT(c.upserted, IsEmpty());
}

TEST_F(RaisedAlarmTest, ReconcileUnderTheSameRulesChangesNothing) {
  Evaluator same(Rules({Profile("camera", {BytesOut("bytes-out", 1000)})}));
  Changes c;
  const std::string before = state_.SerializeAsString();
  EXPECT_FALSE(same.Reconcile(kT0 + kSecond, &state_, &c)) << "nothing to write";
  EXPECT_EQ(state_.SerializeAsString(), before);
  EXPECT_TRUE(c.empty());
  ASSERT_EQ(state_.alarms_size(), 1);
  EXPECT_TRUE(state_.alarms(0).has_violation());
}

TEST_F(RaisedAlarmTest, ReconcileInvalidatesAlarmsOfARemovedBehaviour) {
  Evaluator next(Rules({Profile("camera", {BytesOut("other", 1000)})}));
  Changes c;
  EXPECT_TRUE(next.Reconcile(kT0 + kSecond, &state_, &c));
  ExpectInvalidated(c, violation_id_, kReasonBehaviourRemoved, kT0 + kSecond);
  EXPECT_EQ(state_.alarms_size(), 0);
}

TEST_F(RaisedAlarmTest, ReconcileInvalidatesAlarmsOfARemovedProfile) {
  Evaluator next(Rules({Profile("fleet", {BytesOut("bytes-out", 1000)})}));
  Changes c;
  next.Reconcile(kT0 + kSecond, &state_, &c);
  ExpectInvalidated(c, violation_id_, kReasonProfileRemoved, kT0 + kSecond);
  EXPECT_EQ(state_.alarms_size(), 0);
}

TEST_F(RaisedAlarmTest, ReconcileInvalidatesAlarmsOfAChangedBehaviourAndStartsOver) {
  rules::Behaviour changed = BytesOut("bytes-out", 2000, /*fingerprint=*/2);
  changed.consecutive_datapoints_to_alarm = 2;
  Evaluator next(Rules({Profile("camera", {changed})}));
  Changes c;
  next.Reconcile(kT0 + kSecond, &state_, &c);
  ExpectInvalidated(c, violation_id_, kReasonBehaviourChanged, kT0 + kSecond);
  EXPECT_EQ(state_.alarms_size(), 0);

  // Under the new definition one violating datapoint is not yet an alarm.
  c.Clear();
  next.ApplyReport(BytesOutReport(2, 5000), kT0 + 300 * kSecond, &state_, &c);
  EXPECT_TRUE(c.empty());
  ASSERT_EQ(state_.alarms_size(), 1);
  EXPECT_EQ(state_.alarms(0).behaviour_fingerprint(), 2u);
  next.ApplyReport(BytesOutReport(3, 5000), kT0 + 600 * kSecond, &state_, &c);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].type(), v1::IN_ALARM);
  EXPECT_EQ(c.events[0].evidence().threshold(), 2000);
}

TEST(EvaluatorTest, ReconcileInvalidatesAlarmsOfAProfileThatNoLongerTargetsTheDevice) {
  rules::Profile p = Profile("camera", {BytesOut("bytes-out", 1000)});
  p.targets.all = false;
  p.targets.groups = {"cameras"};
  auto before = std::make_shared<rules::RuleSet>();
  before->profiles = {p};
  before->devices[kDevice] = rules::Device{kDevice, {"cameras", "lobby"}, {}};
  Evaluator ev(before);
  v1::DeviceState state = NewState();
  Changes c;
  ev.ApplyReport(BytesOutReport(1, 5000), kT0, &state, &c);
  ASSERT_EQ(c.events.size(), 1u);
  const std::string id = c.events[0].violation_id();

  // The device moved out of the group the profile targets.
  auto after = std::make_shared<rules::RuleSet>();
  after->profiles = {p};
  after->devices[kDevice] = rules::Device{kDevice, {"lobby"}, {}};
  Evaluator next(after);
  c.Clear();
  next.Reconcile(kT0 + kSecond, &state, &c);
  ExpectInvalidated(c, id, kReasonNoLongerTargeted, kT0 + kSecond);
  EXPECT_EQ(state.alarms_size(), 0);
}

TEST(EvaluatorTest, ReconcileForgetsAPendingStreakOfARemovedBehaviour) {
  rules::Behaviour b = BytesOut("bytes-out", 1000);
  b.consecutive_datapoints_to_alarm = 2;
  Evaluator ev(Rules({Profile("camera", {b})}));
  v1::DeviceState state = NewState();
  Changes c;
  ev.ApplyReport(BytesOutReport(1, 5000), kT0, &state, &c);
  ASSERT_EQ(state.alarms_size(), 1);

  Evaluator next(Rules({Profile("camera", {})}));
  next.Reconcile(kT0 + kSecond, &state, &c);
  EXPECT_TRUE(c.empty()) << "nothing was raised, so nothing is invalidated";
  EXPECT_EQ(state.alarms_size(), 0);
}

TEST(EvaluatorTest, ReconcileDropsWindowsNoBehaviourNeeds) {
  rules::Behaviour windowed = BytesOut("bytes-out-5min", 1000000);
  windowed.duration_seconds = 300;
  Evaluator ev(Rules({Profile("camera", {windowed})}));
  v1::DeviceState state = NewState();
  Changes c;
  ev.ApplyReport(BytesOutReport(1, 5), kT0, &state, &c);
  ASSERT_EQ(state.windows_size(), 1);
  EXPECT_EQ(state.windows(0).metric(), "aws:all-bytes-out");

  Evaluator same(Rules({Profile("camera", {windowed})}));
  same.Reconcile(kT0 + kSecond, &state, &c);
  EXPECT_EQ(state.windows_size(), 1);

  Evaluator no_window(Rules({Profile("camera", {BytesOut("bytes-out", 1000000)})}));
  no_window.Reconcile(kT0 + kSecond, &state, &c);
  EXPECT_EQ(state.windows_size(), 0);
  EXPECT_TRUE(c.empty());
}

// --- InvalidateAll --------------------------------------------------------------------------

TEST(EvaluatorTest, InvalidateAllEndsEveryRaisedAlarmAndKeepsWindows) {
  rules::Behaviour windowed = BytesOut("bytes-out-5min", 1000);
  windowed.duration_seconds = 300;
  rules::Behaviour pending = BytesOut("pending", 1000);
  pending.consecutive_datapoints_to_alarm = 5;
  Evaluator ev(Rules({Profile("camera", {BytesOut("bytes-out", 1000), windowed, pending}),
                      Profile("fleet", {BytesOut("bytes-out", 2000)})}));
  v1::DeviceState state = NewState();
  Changes c;
  ev.ApplyReport(BytesOutReport(1, 5000), kT0, &state, &c);
  ASSERT_EQ(c.events.size(), 3u);
  ASSERT_EQ(state.alarms_size(), 4);
  std::set<std::string> raised;
  for (const v1::ViolationEvent& e : c.events) raised.insert(e.violation_id());

  c.Clear();
  Evaluator::InvalidateAll(kReasonDeviceSilent, kT0 + 2 * 86400 * kSecond, &state, &c);
  ASSERT_EQ(c.events.size(), 3u);
  std::set<std::string> invalidated;
  for (const v1::ViolationEvent& e : c.events) {
    EXPECT_EQ(e.type(), v1::ALARM_INVALIDATED);
    EXPECT_EQ(e.reason(), "device-silent");
    EXPECT_EQ(Micros(e.time()), kT0 + 2 * 86400 * kSecond);
    invalidated.insert(e.violation_id());
  }
  EXPECT_EQ(invalidated, raised);
  EXPECT_EQ(c.removed.size(), 3u);
  EXPECT_EQ(state.alarms_size(), 0);
  EXPECT_EQ(state.windows_size(), 1);
}

TEST(EvaluatorTest, InvalidateAllOnAQuietDeviceChangesNothing) {
  v1::DeviceState state = NewState();
  Changes c;
  Evaluator::InvalidateAll(kReasonDeviceSilent, kT0, &state, &c);
  EXPECT_TRUE(c.empty());
}

// --- ViolationId ----------------------------------------------------------------------------

TEST(ViolationIdTest, IsStableSixteenHexDigits) {
  const std::string id = Evaluator::ViolationId("cam-1", "camera", "bytes-out", 1530304554);
  EXPECT_THAT(id, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_EQ(id, Evaluator::ViolationId("cam-1", "camera", "bytes-out", 1530304554));
}

TEST(ViolationIdTest, DiffersPerReportDeviceProfileAndBehaviour) {
  const std::string id = Evaluator::ViolationId("cam-1", "camera", "bytes-out", 100);
  EXPECT_NE(id, Evaluator::ViolationId("cam-1", "camera", "bytes-out", 101));
  EXPECT_NE(id, Evaluator::ViolationId("cam-2", "camera", "bytes-out", 100));
  EXPECT_NE(id, Evaluator::ViolationId("cam-1", "fleet", "bytes-out", 100));
  EXPECT_NE(id, Evaluator::ViolationId("cam-1", "camera", "bytes-in", 100));
  // The parts are separated: moving a character from one part to the next changes the id.
  EXPECT_NE(Evaluator::ViolationId("ab", "c", "d", 1), Evaluator::ViolationId("a", "bc", "d", 1));
  EXPECT_NE(Evaluator::ViolationId("a", "b", "c1", 1), Evaluator::ViolationId("a", "b", "c", 11));
}

}  // namespace
}  // namespace warden::detectors
