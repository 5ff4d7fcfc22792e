#include "detectors/window.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace warden::detectors {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000'000;  // µs
constexpr int64_t kSecond = kMicrosPerSecond;

// Three reports 100 s apart: 10, 20 and 40 bytes.
v1::MetricWindow ThreeReports() {
  v1::MetricWindow w;
  w.set_metric("aws:all-bytes-out");
  AppendToWindow(&w, kT0, 10, 300);
  AppendToWindow(&w, kT0 + 100 * kSecond, 20, 300);
  AppendToWindow(&w, kT0 + 200 * kSecond, 40, 300);
  return w;
}

TEST(WindowTest, SumsEveryDatapointInTheDuration) {
  v1::MetricWindow w = ThreeReports();
  WindowSum s = SumWindow(w, kT0 + 200 * kSecond, 300);
  EXPECT_EQ(s.sum, 70);
  EXPECT_EQ(s.datapoints, 3);
}

TEST(WindowTest, OldestDatapointDropsOutOnceTheDurationHasPassed) {
  v1::MetricWindow w = ThreeReports();
  // The window is (now - 300 s, now]: the first report is still in 299 s later ...
  WindowSum at299 = SumWindow(w, kT0 + 299 * kSecond, 300);
  EXPECT_EQ(at299.sum, 70);
  EXPECT_EQ(at299.datapoints, 3);
  // ... and out exactly 300 s later (the window's open end) and after.
  WindowSum at300 = SumWindow(w, kT0 + 300 * kSecond, 300);
  EXPECT_EQ(at300.sum, 60);
  EXPECT_EQ(at300.datapoints, 2);
  WindowSum at301 = SumWindow(w, kT0 + 301 * kSecond, 300);
  EXPECT_EQ(at301.sum, 60);
  EXPECT_EQ(at301.datapoints, 2);
}

TEST(WindowTest, FourthReportAfter301SecondsSumsTheLastThree) {
  v1::MetricWindow w = ThreeReports();
  AppendToWindow(&w, kT0 + 301 * kSecond, 5, 300);
  WindowSum s = SumWindow(w, kT0 + 301 * kSecond, 300);
  EXPECT_EQ(s.sum, 20 + 40 + 5);
  EXPECT_EQ(s.datapoints, 3);
  // The first report can no longer be needed by a 300 s window and was dropped.
  ASSERT_EQ(w.points_size(), 3);
  EXPECT_EQ(w.points(0).time_us(), kT0 + 100 * kSecond);
}

TEST(WindowTest, ShorterDurationSumsFewerDatapoints) {
  v1::MetricWindow w = ThreeReports();
  WindowSum s = SumWindow(w, kT0 + 200 * kSecond, 150);
  EXPECT_EQ(s.sum, 60);
  EXPECT_EQ(s.datapoints, 2);
}

TEST(WindowTest, AppendKeepsOnlyWhatTheLongestWindowNeeds) {
  v1::MetricWindow w;
  AppendToWindow(&w, kT0, 1, 600);
  AppendToWindow(&w, kT0 + 300 * kSecond, 2, 600);
  ASSERT_EQ(w.points_size(), 2);
  // At kT0 + 600 s the first point sits exactly on the horizon: no 600 s window
  // ending now or later includes it.
  AppendToWindow(&w, kT0 + 600 * kSecond, 3, 600);
  ASSERT_EQ(w.points_size(), 2);
  EXPECT_EQ(w.points(0).value(), 2);
  EXPECT_EQ(w.points(1).value(), 3);
  EXPECT_EQ(w.points(1).time_us(), kT0 + 600 * kSecond);
}

TEST(WindowTest, AppendAfterALongSilenceLeavesOnlyTheNewPoint) {
  v1::MetricWindow w = ThreeReports();
  AppendToWindow(&w, kT0 + 86400 * kSecond, 9, 300);
  ASSERT_EQ(w.points_size(), 1);
  WindowSum s = SumWindow(w, kT0 + 86400 * kSecond, 300);
  EXPECT_EQ(s.sum, 9);
  EXPECT_EQ(s.datapoints, 1);
}

TEST(WindowTest, PointsAfterNowAreNotSummed) {
  v1::MetricWindow w = ThreeReports();
  WindowSum s = SumWindow(w, kT0 + 150 * kSecond, 300);
  EXPECT_EQ(s.sum, 30);
  EXPECT_EQ(s.datapoints, 2);
}

TEST(WindowTest, EmptyWindowSumsToZero) {
  v1::MetricWindow w;
  WindowSum s = SumWindow(w, kT0, 300);
  EXPECT_EQ(s.sum, 0);
  EXPECT_EQ(s.datapoints, 0);
}

}  // namespace
}  // namespace warden::detectors
