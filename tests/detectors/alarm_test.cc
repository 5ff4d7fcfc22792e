#include "detectors/alarm.h"

#include <gtest/gtest.h>

#include <vector>

namespace warden::detectors {
namespace {

constexpr bool kViolating = true;
constexpr bool kConforming = false;

// Steps the alarm like the evaluator does: a raise sets the violation, a clear drops it.
Transition Step(v1::AlarmState* s, bool violating, int to_alarm = 3, int to_clear = 2) {
  Transition t = StepAlarm(s, violating, to_alarm, to_clear);
  if (t == Transition::kRaise) s->mutable_violation()->set_violation_id("v");
  if (t == Transition::kClear) s->clear_violation();
  return t;
}

TEST(AlarmTest, ThreeConsecutiveViolationsRaise) {
  v1::AlarmState s;
  EXPECT_EQ(Step(&s, kViolating), Transition::kNone);
  EXPECT_EQ(s.consecutive_violating(), 1);
  EXPECT_EQ(Step(&s, kViolating), Transition::kNone);
  EXPECT_EQ(s.consecutive_violating(), 2);
  EXPECT_EQ(Step(&s, kViolating), Transition::kRaise);
  EXPECT_TRUE(s.has_violation());
}

TEST(AlarmTest, AConformingDatapointResetsTheViolatingCount) {
  v1::AlarmState s;
  EXPECT_EQ(Step(&s, kViolating), Transition::kNone);
  EXPECT_EQ(Step(&s, kViolating), Transition::kNone);
  EXPECT_EQ(Step(&s, kConforming), Transition::kNone);
  EXPECT_EQ(s.consecutive_violating(), 0);
  EXPECT_EQ(Step(&s, kViolating), Transition::kNone);
  EXPECT_EQ(Step(&s, kViolating), Transition::kNone);
  EXPECT_FALSE(s.has_violation());
  EXPECT_EQ(Step(&s, kViolating), Transition::kRaise);
}

TEST(AlarmTest, StillViolatingWhileRaisedIsNoNewTransition) {
  v1::AlarmState s;
  for (int i = 0; i < 3; ++i) Step(&s, kViolating);
  ASSERT_TRUE(s.has_violation());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Step(&s, kViolating), Transition::kNone) << i;
}

TEST(AlarmTest, TwoConsecutiveConformingDatapointsClear) {
  v1::AlarmState s;
  for (int i = 0; i < 3; ++i) Step(&s, kViolating);
  ASSERT_TRUE(s.has_violation());
  EXPECT_EQ(Step(&s, kConforming), Transition::kNone);
  EXPECT_TRUE(s.has_violation());
  EXPECT_EQ(Step(&s, kConforming), Transition::kClear);
  EXPECT_FALSE(s.has_violation());
}

TEST(AlarmTest, AViolatingDatapointResetsTheConformingCount) {
  v1::AlarmState s;
  for (int i = 0; i < 3; ++i) Step(&s, kViolating);
  EXPECT_EQ(Step(&s, kConforming), Transition::kNone);
  EXPECT_EQ(Step(&s, kViolating), Transition::kNone);
  EXPECT_EQ(s.consecutive_conforming(), 0);
  EXPECT_EQ(Step(&s, kConforming), Transition::kNone);
  EXPECT_TRUE(s.has_violation());
  EXPECT_EQ(Step(&s, kConforming), Transition::kClear);
}

TEST(AlarmTest, AfterAClearItTakesThreeViolationsAgain) {
  v1::AlarmState s;
  for (int i = 0; i < 3; ++i) Step(&s, kViolating);
  Step(&s, kConforming);
  ASSERT_EQ(Step(&s, kConforming), Transition::kClear);
  EXPECT_EQ(Step(&s, kViolating), Transition::kNone);
  EXPECT_EQ(Step(&s, kViolating), Transition::kNone);
  EXPECT_EQ(Step(&s, kViolating), Transition::kRaise);
}

TEST(AlarmTest, ConformingWithoutAnAlarmNeverClears) {
  v1::AlarmState s;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Step(&s, kConforming), Transition::kNone);
}

TEST(AlarmTest, DefaultCountsOfOneRaiseAndClearImmediately) {
  v1::AlarmState s;
  EXPECT_EQ(Step(&s, kViolating, 1, 1), Transition::kRaise);
  EXPECT_EQ(Step(&s, kViolating, 1, 1), Transition::kNone);
  EXPECT_EQ(Step(&s, kConforming, 1, 1), Transition::kClear);
  EXPECT_EQ(Step(&s, kConforming, 1, 1), Transition::kNone);
}

TEST(AlarmTest, CountsSaturate) {
  v1::AlarmState s;
  for (int i = 0; i < 1000; ++i) Step(&s, kViolating, 3, 2);
  EXPECT_EQ(s.consecutive_violating(), 3);
  for (int i = 0; i < 1000; ++i) Step(&s, kConforming, 3, 2);
  EXPECT_EQ(s.consecutive_conforming(), 3);
  EXPECT_FALSE(s.has_violation());
  // A saturated count still behaves as a fresh streak once interrupted.
  EXPECT_EQ(Step(&s, kViolating, 3, 2), Transition::kNone);
  EXPECT_EQ(Step(&s, kViolating, 3, 2), Transition::kNone);
  EXPECT_EQ(Step(&s, kViolating, 3, 2), Transition::kRaise);
}

}  // namespace
}  // namespace warden::detectors
