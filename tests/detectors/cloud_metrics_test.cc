// Cloud-side metrics: broker events counted in 5-minute buckets, judged when a bucket
// ends (on the next event or the timer), per-event metrics judged at once, and the
// disconnect duration that grows while a device stays away.
#include "detectors/cloud_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "detectors/evaluator.h"
#include "google/protobuf/util/time_util.h"
#include "rules/loader.h"

namespace warden::detectors {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kSecond = 1'000'000;
// A bucket boundary: 1'700'000'100 s is a multiple of 300.
constexpr int64_t kT0 = int64_t{1'700'000'100} * kSecond;
constexpr char kDevice[] = "thermo-0001";

std::shared_ptr<const rules::RuleSet> Rules(const std::string& behaviours) {
  rules::LoadResult r =
      rules::LoadRules({{"p.yaml", "profile: broker\ntargets: all\nbehaviours:\n" + behaviours}});
  EXPECT_TRUE(r.ok()) << rules::FormatDiagnostics(r.diagnostics);
  return r.rules;
}

v1::BrokerEvent Event(int64_t t_us) {
  v1::BrokerEvent e;
  e.set_device_id(kDevice);
  *e.mutable_time() = TimeUtil::MicrosecondsToTimestamp(t_us);
  return e;
}
v1::BrokerEvent AuthFailure(int64_t t_us, const std::string& topic = "cmd/x") {
  v1::BrokerEvent e = Event(t_us);
  e.mutable_authorization_failure()->set_action("publish");
  e.mutable_authorization_failure()->set_topic(topic);
  return e;
}
v1::BrokerEvent Publish(int64_t t_us, const std::string& topic, int64_t bytes = 100) {
  v1::BrokerEvent e = Event(t_us);
  e.mutable_publish()->set_topic(topic);
  e.mutable_publish()->set_bytes(bytes);
  return e;
}
v1::BrokerEvent Connect(int64_t t_us, const std::string& ip = "198.18.0.7") {
  v1::BrokerEvent e = Event(t_us);
  e.mutable_connect()->set_client_id(kDevice);
  e.mutable_connect()->set_source_ip(ip);
  e.mutable_connect()->set_success(true);
  return e;
}
v1::BrokerEvent Disconnect(int64_t t_us) {
  v1::BrokerEvent e = Event(t_us);
  e.mutable_disconnect()->set_reason("CONNECTION_LOST");
  return e;
}

class CloudMetricsTest : public ::testing::Test {
 protected:
  void Use(const std::string& behaviours) {
    evaluator_ = std::make_unique<Evaluator>(Rules(behaviours));
    state_.set_device_id(kDevice);
  }
  void Apply(const v1::BrokerEvent& e) {
    evaluator_->ApplyBrokerEvent(e, TimeUtil::TimestampToMicroseconds(e.time()), &state_,
                                 &changes_);
  }
  int64_t Advance(int64_t now_us) { return evaluator_->AdvanceTime(now_us, &state_, &changes_); }
  std::vector<std::string> Events() {
    std::vector<std::string> out;
    for (const v1::ViolationEvent& e : changes_.events) {
      out.push_back(e.behaviour() + ":" +
                    (e.type() == v1::IN_ALARM        ? "raised"
                     : e.type() == v1::ALARM_CLEARED ? "cleared"
                                                     : "invalidated"));
    }
    return out;
  }

  std::unique_ptr<Evaluator> evaluator_;
  v1::DeviceState state_;
  Changes changes_;
};

TEST_F(CloudMetricsTest, BucketStartIsAlignedToFiveMinutes) {
  EXPECT_EQ(BucketStart(kT0), kT0);
  EXPECT_EQ(BucketStart(kT0 + 299 * kSecond), kT0);
  EXPECT_EQ(BucketStart(kT0 + 300 * kSecond), kT0 + 300 * kSecond);
}

TEST_F(CloudMetricsTest, AnUpperBoundAlarmsAsSoonAsTheCountBreaksIt) {
  Use(R"(  - name: auth
    metric: aws:num-authorization-failures
    operator: less-than
    value: 10
)");
  for (int i = 0; i < 9; ++i) Apply(AuthFailure(kT0 + (10 + i) * kSecond));
  EXPECT_THAT(Events(), IsEmpty());
  // The 10th failure breaks "less than 10": a count only grows until its bucket ends,
  // so the alarm is raised now, not five minutes later.
  Apply(AuthFailure(kT0 + 19 * kSecond));
  ASSERT_THAT(Events(), ElementsAre("auth:raised"));
  const v1::ViolationEvent& raised = changes_.events[0];
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(raised.time()), kT0 + 19 * kSecond);
  EXPECT_EQ(raised.evidence().number(), 10);
  EXPECT_EQ(raised.evidence().threshold(), 10);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(raised.evidence().bucket_end_time()),
            kT0 + 300 * kSecond);
  EXPECT_EQ(raised.evidence().report_id(), 0);
  changes_.Clear();
  Apply(AuthFailure(kT0 + 20 * kSecond));
  EXPECT_THAT(Events(), IsEmpty());  // raised once
  // The bucket's datapoint (11) then counts as one violating datapoint, no new event.
  EXPECT_EQ(Advance(kT0 + 299 * kSecond), kT0 + 300 * kSecond);
  Advance(kT0 + 300 * kSecond);
  EXPECT_THAT(Events(), IsEmpty());
  ASSERT_EQ(changes_.upserted.size(), 1u);
  EXPECT_EQ(changes_.upserted[0].last_evidence().number(), 11);
  EXPECT_EQ(state_.alarms(0).consecutive_violating(), 1);
}

TEST_F(CloudMetricsTest, ConsecutiveCountsStillDecideAnEarlyRaise) {
  Use(R"(  - name: auth
    metric: aws:num-authorization-failures
    operator: less-than-equals
    value: 3
    consecutive_datapoints_to_alarm: 2
)");
  Apply(Connect(kT0));
  for (int i = 0; i < 5; ++i) Apply(AuthFailure(kT0 + (20 + i) * kSecond));
  EXPECT_THAT(Events(), IsEmpty());  // one violating bucket is not two
  // An event in the next bucket ends the first one (violating: 1 of 2) ...
  Apply(AuthFailure(kT0 + 301 * kSecond));
  EXPECT_THAT(Events(), IsEmpty());
  for (int i = 0; i < 2; ++i) Apply(AuthFailure(kT0 + (302 + i) * kSecond));
  EXPECT_THAT(Events(), IsEmpty());  // 3 is still normal
  // ... and the 4th failure of the second bucket makes it the second in a row.
  Apply(AuthFailure(kT0 + 305 * kSecond));
  EXPECT_THAT(Events(), ElementsAre("auth:raised"));
  changes_.Clear();
  // Connected and quiet: the next bucket ends on the timer, conforming, and clears.
  Advance(kT0 + 900 * kSecond);
  EXPECT_THAT(Events(), ElementsAre("auth:cleared"));
}

TEST_F(CloudMetricsTest, AnAlarmOfADeviceThatNeverConnectedClearsOnQuietBuckets) {
  Use(R"(  - name: auth
    metric: aws:num-authorization-failures
    operator: less-than
    value: 3
)");
  // A client failing at connect: no successful connect, so never "connected".
  for (int i = 0; i < 5; ++i) Apply(AuthFailure(kT0 + (i + 1) * kSecond));
  EXPECT_THAT(Events(), ElementsAre("auth:raised"));
  changes_.Clear();
  int64_t next = Advance(kT0 + 300 * kSecond);  // the attack's bucket: still violating
  EXPECT_THAT(Events(), IsEmpty());
  ASSERT_EQ(next, kT0 + 600 * kSecond);  // the live alarm keeps the buckets rolling
  next = Advance(next);
  EXPECT_THAT(Events(), ElementsAre("auth:cleared"));
  EXPECT_EQ(next, 0);  // nothing live, not connected: no more timers
}

TEST_F(CloudMetricsTest, ALowerBoundIsJudgedWhenTheBucketEnds) {
  Use(R"(  - name: heartbeat
    metric: aws:num-messages-sent
    operator: greater-than-equals
    value: 2
)");
  Apply(Connect(kT0));
  Apply(Publish(kT0 + kSecond, "hb"));
  EXPECT_THAT(Events(), IsEmpty());  // one message so far; more may come
  Advance(kT0 + 300 * kSecond);
  ASSERT_THAT(Events(), ElementsAre("heartbeat:raised"));
  EXPECT_EQ(changes_.events[0].evidence().number(), 1);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(changes_.events[0].time()), kT0 + 300 * kSecond);
}

TEST_F(CloudMetricsTest, WindowSumsBucketsOverTheDuration) {
  Use(R"(  - name: auth-10min
    metric: aws:num-authorization-failures
    operator: less-than
    value: 8
    duration_seconds: 600
)");
  Apply(Connect(kT0));
  for (int i = 0; i < 5; ++i) Apply(AuthFailure(kT0 + (30 + i) * kSecond));
  Advance(kT0 + 300 * kSecond);
  EXPECT_THAT(Events(), IsEmpty());  // 5 in 10 minutes
  for (int i = 0; i < 2; ++i) Apply(AuthFailure(kT0 + (330 + i) * kSecond));
  EXPECT_THAT(Events(), IsEmpty());  // 7 in 10 minutes
  Apply(AuthFailure(kT0 + 340 * kSecond));
  ASSERT_THAT(Events(), ElementsAre("auth-10min:raised"));  // 8: the window breaks it now
  EXPECT_EQ(changes_.events[0].evidence().number(), 8);
  EXPECT_EQ(changes_.events[0].evidence().datapoints(), 2);
}

TEST_F(CloudMetricsTest, TopicFilterCountsOnlyMatchingMessages) {
  Use(R"(  - name: commands
    metric: aws:num-messages-sent
    operator: less-than
    value: 3
    topic_filter: {operator: in, filters: ["cmd/+/set"]}
  - name: other
    metric: aws:num-messages-sent
    operator: less-than
    value: 3
    topic_filter: {operator: not-in, filters: ["cmd/+/set"]}
)");
  Apply(Connect(kT0));
  for (int i = 0; i < 2; ++i) Apply(Publish(kT0 + (i + 1) * kSecond, "cmd/valve/set"));
  Apply(Publish(kT0 + 10 * kSecond, "telemetry/temp"));
  Apply(Publish(kT0 + 11 * kSecond, "cmd/valve/get"));
  EXPECT_THAT(Events(), IsEmpty());  // 2 commands, 2 others
  Apply(Publish(kT0 + 12 * kSecond, "cmd/door/set"));
  EXPECT_THAT(Events(), ElementsAre("commands:raised"));
  changes_.Clear();
  Advance(kT0 + 300 * kSecond);
  EXPECT_THAT(Events(), IsEmpty());
}

TEST_F(CloudMetricsTest, MessageSizeAndSourceIpAreJudgedPerEvent) {
  Use(R"(  - name: small-messages
    metric: aws:message-byte-size
    operator: less-than
    value: 1024
  - name: fleet-network
    metric: aws:source-ip-address
    operator: in-cidr-set
    value: [198.18.0.0/16]
)");
  Apply(Connect(kT0, "198.18.3.4"));
  Apply(Publish(kT0 + kSecond, "telemetry", 200));
  EXPECT_THAT(Events(), IsEmpty());
  Apply(Publish(kT0 + 2 * kSecond, "telemetry", 5000));
  EXPECT_THAT(Events(), ElementsAre("small-messages:raised"));
  changes_.Clear();
  Apply(Connect(kT0 + 3 * kSecond, "203.0.113.9"));
  ASSERT_THAT(Events(), ElementsAre("fleet-network:raised"));
  EXPECT_THAT(changes_.events[0].evidence().offending(), ElementsAre("203.0.113.9"));
}

TEST_F(CloudMetricsTest, DisconnectDurationGrowsOnTheTimerAndClearsOnReconnect) {
  Use(R"(  - name: offline
    metric: aws:disconnect-duration
    operator: less-than
    value: 600
)");
  Apply(Connect(kT0));
  Apply(Disconnect(kT0 + 60 * kSecond));
  // The bucket ends at +300 s: away 240 s.
  int64_t next = Advance(kT0 + 300 * kSecond);
  EXPECT_THAT(Events(), IsEmpty());
  EXPECT_EQ(next, kT0 + 600 * kSecond);
  next = Advance(next);  // away 540 s
  EXPECT_THAT(Events(), IsEmpty());
  next = Advance(next);  // away 840 s
  ASSERT_THAT(Events(), ElementsAre("offline:raised"));
  EXPECT_EQ(changes_.events[0].evidence().number(), 840);
  changes_.Clear();
  Apply(Connect(kT0 + 1000 * kSecond));  // back, within the bucket ending at +1200 s
  Advance(kT0 + 1200 * kSecond);
  EXPECT_THAT(Events(), ElementsAre("offline:cleared"));
}

TEST_F(CloudMetricsTest, ALongGapSkipsAheadInsteadOfEvaluatingEveryBucket) {
  Use(R"(  - name: chatty
    metric: aws:num-messages-sent
    operator: greater-than
    value: 0
    consecutive_datapoints_to_alarm: 2
)");
  Apply(Connect(kT0));
  Apply(Publish(kT0 + kSecond, "t"));
  // A day later: at most 12 buckets are judged, then the open bucket holds now.
  const int64_t day = 86400 * kSecond;
  const int64_t next = Advance(kT0 + day + 7 * kSecond);
  EXPECT_EQ(next, BucketStart(kT0 + day) + 300 * kSecond);
  EXPECT_THAT(Events(), ElementsAre("chatty:raised"));
}

TEST_F(CloudMetricsTest, SeriesSharedByBehavioursCountsEachEventOnce) {
  Use(R"(  - name: a
    metric: aws:num-messages-sent
    operator: less-than
    value: 100
  - name: b
    metric: aws:num-messages-sent
    operator: less-than
    value: 2
)");
  Apply(Publish(kT0 + kSecond, "t"));
  Apply(Publish(kT0 + 2 * kSecond, "t"));
  EXPECT_EQ(BucketValue(state_.cloud(), "aws:num-messages-sent"), 2);
  EXPECT_THAT(Events(), ElementsAre("b:raised"));
}

TEST_F(CloudMetricsTest, DeviceSideReportsDoNotTouchCloudBehaviours) {
  Use(R"(  - name: auth
    metric: aws:num-authorization-failures
    operator: greater-than
    value: 5
)");
  v1::MetricsReport report;
  report.mutable_header()->set_report_id(1);
  report.mutable_metrics()->mutable_network_stats()->set_bytes_out(10);
  evaluator_->ApplyReport(report, kT0, &state_, &changes_);
  EXPECT_THAT(Events(), IsEmpty());
  EXPECT_EQ(state_.cloud().bucket_start_us(), 0);
}

}  // namespace
}  // namespace warden::detectors
