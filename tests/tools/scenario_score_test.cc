// The scoring rules of the scenarios' README (tools/scenario_score.h) on a tiny
// hand-made scenario: detection in the label window with its grace of 2 intervals,
// time to detect, false alarms counted per device-day.

#include "tools/scenario_score.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/util/time_util.h"

namespace warden::tools {
namespace {

constexpr int64_t kStart = 1'742'158'800;  // 2025-03-16T21:00:00Z
constexpr int64_t kDay = 86400;

Scenario TwoDays() {
  Scenario s;
  s.name = "tiny";
  s.start = kStart;
  s.duration_s = 2 * kDay;
  s.interval_s = 300;
  return s;
}

v1::ViolationEvent Event(const std::string& device, int64_t t,
                         v1::ViolationEventType type = v1::IN_ALARM) {
  v1::ViolationEvent e;
  e.set_device_id(device);
  e.set_type(type);
  e.set_profile("p");
  e.set_behaviour("b-" + device);
  e.set_metric("aws:all-bytes-out");
  *e.mutable_time() = google::protobuf::util::TimeUtil::SecondsToTimestamp(t);
  return e;
}

Label MakeLabel(const std::string& device, int64_t start, int64_t end) {
  Label l;
  l.device = device;
  l.attack = "exfiltration";
  l.start = start;
  l.end = end;
  return l;
}

TEST(ScenarioScoreTest, DetectedWithinTheWindowAndItsGrace) {
  const int64_t start = kStart + 3600, end = start + 1800, grace = 600;
  const std::vector<Label> labels = {MakeLabel("a", start, end), MakeLabel("b", start, end),
                                     MakeLabel("c", start, end), MakeLabel("d", start, end)};
  const std::vector<v1::ViolationEvent> events = {
      Event("a", start + 420),                    // in the window: detected after 7 minutes
      Event("a", start + 900),                    // a later alarm changes nothing
      Event("b", end + grace),                    // the last second of the grace counts
      Event("c", end + grace + 1),                // after it: missed, and a false alarm
      Event("d", start - 1),                      // before the label: missed, and a false alarm
      Event("d", start + 60, v1::ALARM_CLEARED),  // only in-alarm events count
  };
  const ScenarioScore s = ScoreScenario(TwoDays(), 10, labels, events);
  EXPECT_EQ(s.labels, 4);
  EXPECT_EQ(s.detected, 2);
  ASSERT_TRUE(s.recall.has_value());
  EXPECT_DOUBLE_EQ(*s.recall, 0.5);
  ASSERT_EQ(s.results.size(), 4u);
  EXPECT_TRUE(s.results[0].detected);
  EXPECT_DOUBLE_EQ(s.results[0].time_to_detect_s, 420);
  EXPECT_EQ(s.results[0].behaviour, "b-a");
  EXPECT_TRUE(s.results[1].detected);
  EXPECT_DOUBLE_EQ(s.results[1].time_to_detect_s, 1800 + 600);
  EXPECT_FALSE(s.results[2].detected);
  EXPECT_FALSE(s.results[3].detected);
  // p50 of {420, 2400} is their mean; max is the larger.
  EXPECT_DOUBLE_EQ(*s.time_to_detect_p50_s, 1410);
  EXPECT_DOUBLE_EQ(*s.time_to_detect_max_s, 2400);

  ASSERT_EQ(s.false_alarms.size(), 2u);
  EXPECT_EQ(s.false_alarms[0].device, "d");  // in time order
  EXPECT_EQ(s.false_alarms[1].device, "c");
  EXPECT_TRUE(s.false_alarms[0].labelled_device);
  EXPECT_EQ(s.false_alarm_device_days, 2);
}

TEST(ScenarioScoreTest, FalseAlarmsCountOncePerDeviceDay) {
  const std::vector<v1::ViolationEvent> events = {
      Event("x", kStart + 10),        // day 0
      Event("x", kStart + kDay - 1),  // day 0 again: the same device-day
      Event("x", kStart + kDay),      // day 1
      Event("y", kStart + 5000),      // another device, day 0
      Event("y", kStart + 5000, v1::ALARM_INVALIDATED),
  };
  const ScenarioScore s = ScoreScenario(TwoDays(), 10, {}, events);
  EXPECT_FALSE(s.recall.has_value());  // no labels
  EXPECT_FALSE(s.time_to_detect_p50_s.has_value());
  EXPECT_EQ(s.false_alarm_events, 4);
  EXPECT_EQ(s.false_alarm_device_days, 3);
  EXPECT_DOUBLE_EQ(s.device_days, 20);  // 10 devices, 2 days
  EXPECT_DOUBLE_EQ(s.false_alarms_per_1000_device_days, 150);
  EXPECT_EQ(s.false_alarms[2].day, 0);  // in time order: x, y, x, x
  EXPECT_EQ(s.false_alarms[3].day, 1);
  EXPECT_FALSE(s.false_alarms[0].labelled_device);
}

TEST(ScenarioScoreTest, ACleanReplayScoresPerfectly) {
  const int64_t start = kStart + 7200;
  const ScenarioScore s =
      ScoreScenario(TwoDays(), 4, {MakeLabel("a", start, start + 600)}, {Event("a", start)});
  EXPECT_DOUBLE_EQ(*s.recall, 1.0);
  EXPECT_DOUBLE_EQ(*s.time_to_detect_p50_s, 0);
  EXPECT_EQ(s.false_alarm_device_days, 0);
  EXPECT_DOUBLE_EQ(s.false_alarms_per_1000_device_days, 0);
}

}  // namespace
}  // namespace warden::tools
