// Audit schedules: AWS frequencies across DST transitions and month ends, cron parsing,
// and cron expressions checked against python3-croniter as an independent oracle.

#include "audit/schedule.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "date/date.h"
#include "date/tz.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warden::audit {
namespace {

using ::testing::ElementsAre;
using Frequency = Schedule::Frequency;

// Unix seconds of a UTC date and time.
int64_t Utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  const date::sys_seconds t = date::sys_days(date::year(y) / date::month(mo) / date::day(d)) +
                              std::chrono::hours(h) + std::chrono::minutes(mi) +
                              std::chrono::seconds(s);
  return t.time_since_epoch().count();
}

// "2024-03-31 03:00 +0200": an instant as local time in `zone`, with its offset.
std::string Local(int64_t t, const std::string& zone) {
  return date::format("%F %R %z",
                      date::make_zoned(zone, date::sys_seconds(std::chrono::seconds(t))));
}

Schedule Make(Frequency frequency, int hour, int minute, const std::string& zone) {
  Schedule s;
  s.frequency = frequency;
  s.hour = hour;
  s.minute = minute;
  s.time_zone = zone;
  return s;
}

// The first `n` runs strictly after `after`, as local times of the schedule's zone.
std::vector<std::string> Runs(const Schedule& s, int64_t after, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<int64_t> next = NextRun(s, after);
    if (!next.ok()) {
      out.push_back(std::string(next.status().message()));
      break;
    }
    EXPECT_GT(*next, after);
    out.push_back(Local(*next, s.time_zone));
    after = *next;
  }
  return out;
}

Schedule Cron(const std::string& expression, const std::string& zone) {
  absl::StatusOr<Schedule> s = ParseCron(expression);
  EXPECT_TRUE(s.ok()) << s.status();
  Schedule schedule = s.value_or(Schedule{});
  schedule.time_zone = zone;
  return schedule;
}

std::string CronError(const std::string& expression) {
  absl::StatusOr<Schedule> s = ParseCron(expression);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << expression;
  return std::string(s.status().message());
}

TEST(ScheduleTest, DailyRunsAtTheLocalTime) {
  EXPECT_THAT(Runs(Make(Frequency::kDaily, 2, 30, "UTC"), Utc(2024, 1, 1, 2, 30), 2),
              ElementsAre("2024-01-02 02:30 +0000", "2024-01-03 02:30 +0000"));
  // Asia/Kolkata is UTC+05:30: 02:30 local is the previous day's 21:00 UTC.
  EXPECT_THAT(Runs(Make(Frequency::kDaily, 2, 30, "Asia/Kolkata"), Utc(2024, 1, 1, 20, 0), 2),
              ElementsAre("2024-01-02 02:30 +0530", "2024-01-03 02:30 +0530"));
}

TEST(ScheduleTest, SpringForwardGapRunsAtTheFirstInstantAfterIt) {
  // Europe/Berlin skips 02:00-03:00 on 2024-03-31; New York skips 02:00-03:00 on
  // 2024-03-10. A run at 02:30 happens at 03:00, then at 02:30 again the next day.
  EXPECT_THAT(Runs(Make(Frequency::kDaily, 2, 30, "Europe/Berlin"), Utc(2024, 3, 29, 12), 4),
              ElementsAre("2024-03-30 02:30 +0100", "2024-03-31 03:00 +0200",
                          "2024-04-01 02:30 +0200", "2024-04-02 02:30 +0200"));
  EXPECT_THAT(
      Runs(Make(Frequency::kDaily, 2, 0, "America/New_York"), Utc(2024, 3, 9, 12), 3),
      ElementsAre("2024-03-10 03:00 -0400", "2024-03-11 02:00 -0400", "2024-03-12 02:00 -0400"));
  // Times outside the gap keep their wall-clock time on the short day.
  EXPECT_THAT(Runs(Make(Frequency::kDaily, 3, 0, "Europe/Berlin"), Utc(2024, 3, 30, 12), 2),
              ElementsAre("2024-03-31 03:00 +0200", "2024-04-01 03:00 +0200"));
}

TEST(ScheduleTest, FallBackRepeatRunsOnceAtTheFirstOccurrence) {
  // Berlin repeats 02:00-03:00 on 2024-10-27 (CEST, then CET); New York repeats
  // 01:00-02:00 on 2024-11-03 (EDT, then EST).
  EXPECT_THAT(
      Runs(Make(Frequency::kDaily, 2, 30, "Europe/Berlin"), Utc(2024, 10, 26, 12), 3),
      ElementsAre("2024-10-27 02:30 +0200", "2024-10-28 02:30 +0100", "2024-10-29 02:30 +0100"));
  EXPECT_THAT(Runs(Make(Frequency::kDaily, 1, 30, "America/New_York"), Utc(2024, 11, 2, 12), 2),
              ElementsAre("2024-11-03 01:30 -0400", "2024-11-04 01:30 -0500"));
  // From inside the second 01:30 hour, the repeat does not run again.
  EXPECT_THAT(Runs(Make(Frequency::kDaily, 1, 30, "America/New_York"), Utc(2024, 11, 3, 6, 15), 1),
              ElementsAre("2024-11-04 01:30 -0500"));
}

TEST(ScheduleTest, WeeklyRunsOnItsDay) {
  Schedule monday = Make(Frequency::kWeekly, 9, 0, "Europe/Berlin");
  monday.day_of_week = 1;
  // 2024-03-25 is a Monday; the run that day is at 08:00 UTC (CET+1 until the 31st).
  EXPECT_THAT(
      Runs(monday, Utc(2024, 3, 20), 3),
      ElementsAre("2024-03-25 09:00 +0100", "2024-04-01 09:00 +0200", "2024-04-08 09:00 +0200"));
  // Exactly at a run: the next one is a week later.
  EXPECT_THAT(Runs(monday, Utc(2024, 3, 25, 8), 1), ElementsAre("2024-04-01 09:00 +0200"));
  Schedule sunday = Make(Frequency::kWeekly, 23, 59, "UTC");
  sunday.day_of_week = 0;
  EXPECT_THAT(Runs(sunday, Utc(2024, 12, 29, 23, 59, 30), 1),
              ElementsAre("2025-01-05 23:59 +0000"));
}

TEST(ScheduleTest, BiweeklyRunsEveryOtherWeekFromTheAnchor) {
  Schedule s = Make(Frequency::kBiweekly, 6, 0, "UTC");
  s.day_of_week = 1;                        // Monday
  s.biweekly_anchor = Utc(2024, 1, 3, 12);  // a Wednesday: the series starts 2024-01-08
  EXPECT_THAT(
      Runs(s, Utc(2023, 12, 1), 3),
      ElementsAre("2024-01-08 06:00 +0000", "2024-01-22 06:00 +0000", "2024-02-05 06:00 +0000"));
  EXPECT_THAT(Runs(s, Utc(2024, 1, 10), 1), ElementsAre("2024-01-22 06:00 +0000"));
  // The default anchor is 1970-01-01: Mondays 14n days after 1970-01-05.
  s.biweekly_anchor = 0;
  EXPECT_THAT(Runs(s, Utc(2023, 12, 31), 2),
              ElementsAre("2024-01-08 06:00 +0000", "2024-01-22 06:00 +0000"));
  // Local dates count, so the local time holds across DST.
  s.time_zone = "America/New_York";
  s.biweekly_anchor = Utc(2024, 3, 1);
  EXPECT_THAT(Runs(s, Utc(2024, 3, 1), 2),
              ElementsAre("2024-03-04 06:00 -0500", "2024-03-18 06:00 -0400"));
}

TEST(ScheduleTest, MonthlyDaysPastTheMonthEndRunOnItsLastDay) {
  Schedule day31 = Make(Frequency::kMonthly, 0, 0, "UTC");
  day31.day_of_month = 31;
  EXPECT_THAT(Runs(day31, Utc(2024, 1, 31), 4),  // exactly at January's run
              ElementsAre("2024-02-29 00:00 +0000", "2024-03-31 00:00 +0000",
                          "2024-04-30 00:00 +0000", "2024-05-31 00:00 +0000"));
  EXPECT_THAT(Runs(day31, Utc(2023, 1, 31), 1), ElementsAre("2023-02-28 00:00 +0000"));
  Schedule day29 = Make(Frequency::kMonthly, 12, 0, "UTC");
  day29.day_of_month = 29;
  EXPECT_THAT(Runs(day29, Utc(2023, 2, 1), 2),
              ElementsAre("2023-02-28 12:00 +0000", "2023-03-29 12:00 +0000"));
  EXPECT_THAT(Runs(day29, Utc(2024, 2, 1), 1), ElementsAre("2024-02-29 12:00 +0000"));
  Schedule first = Make(Frequency::kMonthly, 0, 0, "UTC");
  EXPECT_THAT(Runs(first, Utc(2024, 12, 15), 2),
              ElementsAre("2025-01-01 00:00 +0000", "2025-02-01 00:00 +0000"));
}

TEST(ScheduleTest, MonthlyLastDay) {
  Schedule last = Make(Frequency::kMonthly, 23, 0, "Europe/Berlin");
  last.day_of_month = 0;
  EXPECT_THAT(Runs(last, Utc(2024, 1, 15), 4),
              ElementsAre("2024-01-31 23:00 +0100", "2024-02-29 23:00 +0100",
                          "2024-03-31 23:00 +0200", "2024-04-30 23:00 +0200"));
  EXPECT_THAT(Runs(last, Utc(2023, 2, 1), 1), ElementsAre("2023-02-28 23:00 +0100"));
  // December's last day at 23:00 Berlin is 22:00 UTC; just after it, January's.
  EXPECT_THAT(Runs(last, Utc(2024, 12, 31, 22, 0, 1), 1), ElementsAre("2025-01-31 23:00 +0100"));
}

TEST(ScheduleTest, InvalidSchedulesAreRejected) {
  auto error = [](const Schedule& s) {
    absl::StatusOr<int64_t> next = NextRun(s, 0);
    EXPECT_EQ(next.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(next.status().message());
  };
  Schedule s = Make(Frequency::kDaily, 2, 0, "Europe/Berln");
  EXPECT_EQ(error(s), "unknown time zone 'Europe/Berln'");
  s = Make(Frequency::kDaily, 24, 0, "UTC");
  EXPECT_EQ(error(s), "hour 24 is out of range 0-23");
  s = Make(Frequency::kDaily, 0, 60, "UTC");
  EXPECT_EQ(error(s), "minute 60 is out of range 0-59");
  s = Make(Frequency::kWeekly, 0, 0, "UTC");
  s.day_of_week = 7;
  EXPECT_EQ(error(s), "day_of_week 7 is out of range 0-6 (0 = sunday)");
  s = Make(Frequency::kMonthly, 0, 0, "UTC");
  s.day_of_month = 32;
  EXPECT_EQ(error(s), "day_of_month 32 is out of range 0-31 (0 = the last day)");
  s = Make(Frequency::kCron, 0, 0, "UTC");
  s.cron = "0 0 * *";
  EXPECT_EQ(error(s),
            "cron '0 0 * *' has 4 fields; expected 5: minute hour day-of-month month day-of-week");
  EXPECT_EQ(NextRun(Make(Frequency::kDaily, 0, 0, "UTC"), Utc(10000, 1, 1)).status().message(),
            "time 253402300800 is outside the years 1-9999");
  EXPECT_TRUE(
      ValidateSchedule(Make(Frequency::kDaily, 23, 59, "America/Argentina/Buenos_Aires")).ok());
}

TEST(ScheduleTest, KnownTimeZones) {
  EXPECT_TRUE(IsKnownTimeZone("Europe/Berlin"));
  EXPECT_TRUE(IsKnownTimeZone("UTC"));
  EXPECT_TRUE(IsKnownTimeZone("US/Eastern"));  // a link
  EXPECT_FALSE(IsKnownTimeZone("Europe/Berln"));
  EXPECT_FALSE(IsKnownTimeZone(""));
  const std::vector<std::string>& zones = KnownTimeZones();
  EXPECT_TRUE(std::is_sorted(zones.begin(), zones.end()));
  EXPECT_TRUE(std::binary_search(zones.begin(), zones.end(), "America/New_York"));
  EXPECT_TRUE(std::binary_search(zones.begin(), zones.end(), "US/Eastern"));
}

TEST(CronTest, ParsesAndNormalizes) {
  absl::StatusOr<Schedule> s = ParseCron("  0\t*/6  * * *  ");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->frequency, Frequency::kCron);
  EXPECT_EQ(s->cron, "0 */6 * * *");
  EXPECT_EQ(s->time_zone, "UTC");
  EXPECT_THAT(
      Runs(*s, Utc(2024, 1, 1, 5, 59), 3),
      ElementsAre("2024-01-01 06:00 +0000", "2024-01-01 12:00 +0000", "2024-01-01 18:00 +0000"));
}

TEST(CronTest, NamesListsRangesAndSteps) {
  // Names in any case; 7 is Sunday too.
  EXPECT_THAT(Runs(Cron("0 8 * jan,Feb sun", "UTC"), Utc(2024, 1, 1), 2),
              ElementsAre("2024-01-07 08:00 +0000", "2024-01-14 08:00 +0000"));
  EXPECT_THAT(Runs(Cron("0 8 * * 7", "UTC"), Utc(2024, 1, 1), 1),
              ElementsAre("2024-01-07 08:00 +0000"));
  EXPECT_THAT(Runs(Cron("10-30/10 9-17/8 * * MON-FRI", "UTC"), Utc(2024, 1, 5, 17, 15), 4),
              ElementsAre("2024-01-05 17:20 +0000", "2024-01-05 17:30 +0000",
                          "2024-01-08 09:10 +0000", "2024-01-08 09:20 +0000"));
}

TEST(CronTest, DayOfMonthAndDayOfWeekAreOredUnlessOneStartsWithStar) {
  // Vixie cron: both restricted, either matches: the 13th or any Friday.
  EXPECT_THAT(
      Runs(Cron("0 0 13 * FRI", "UTC"), Utc(2024, 9, 1), 3),
      ElementsAre("2024-09-06 00:00 +0000", "2024-09-13 00:00 +0000", "2024-09-20 00:00 +0000"));
  // A field starting with '*' makes both required: odd days that are Mondays.
  EXPECT_THAT(
      Runs(Cron("0 0 */2 * MON", "UTC"), Utc(2024, 1, 1), 3),
      ElementsAre("2024-01-15 00:00 +0000", "2024-01-29 00:00 +0000", "2024-02-05 00:00 +0000"));
  // Ranges covering the whole field do not start with '*': every day, or Mondays.
  EXPECT_THAT(Runs(Cron("0 0 1-31 * MON", "UTC"), Utc(2024, 1, 1), 2),
              ElementsAre("2024-01-02 00:00 +0000", "2024-01-03 00:00 +0000"));
}

TEST(CronTest, DstGapShiftsByItsLengthAndRepeatsRunOnce) {
  // 02:30 in Berlin's gap runs at 03:30 CEST (the offset before the gap, as croniter);
  // the gap's times collapse onto the times after it.
  EXPECT_THAT(Runs(Cron("30 2 * * *", "Europe/Berlin"), Utc(2024, 3, 30, 12), 2),
              ElementsAre("2024-03-31 03:30 +0200", "2024-04-01 02:30 +0200"));
  EXPECT_THAT(
      Runs(Cron("*/30 * * * *", "America/New_York"), Utc(2024, 3, 10, 6, 15), 3),
      ElementsAre("2024-03-10 01:30 -0500", "2024-03-10 03:00 -0400", "2024-03-10 03:30 -0400"));
  // Hourly across Berlin's fall-back: 02:00 runs once, in CEST.
  EXPECT_THAT(Runs(Cron("0 * * * *", "Europe/Berlin"), Utc(2024, 10, 26, 22, 30), 4),
              ElementsAre("2024-10-27 01:00 +0200", "2024-10-27 02:00 +0200",
                          "2024-10-27 03:00 +0100", "2024-10-27 04:00 +0100"));
}

TEST(CronTest, ErrorsNameTheFieldAndTheValue) {
  EXPECT_EQ(CronError("0 25 * * *"), "cron field 2 (hour): 25 is out of range 0-23");
  EXPECT_EQ(CronError("0 0 0 * *"), "cron field 3 (day-of-month): 0 is out of range 1-31");
  EXPECT_EQ(CronError("99999999999 0 * * *"),
            "cron field 1 (minute): 99999999999 is out of range 0-59");
  EXPECT_EQ(CronError("x * * * *"), "cron field 1 (minute): 'x' is not a number");
  EXPECT_EQ(CronError("0 0 * JANUARY *"),
            "cron field 4 (month): 'JANUARY' is not a number or a name (JAN-DEC)");
  EXPECT_EQ(CronError("0 0 * * MON-SUNDAY"),
            "cron field 5 (day-of-week): 'SUNDAY' is not a number or a name (SUN-SAT)");
  EXPECT_EQ(CronError("0 0 * * SAT-SUN"),
            "cron field 5 (day-of-week): range 'SAT-SUN' runs backwards");
  EXPECT_EQ(CronError("*/0 * * * *"),
            "cron field 1 (minute): step '0' is not a number from 1 to 59");
  EXPECT_EQ(CronError("5/15 * * * *"),
            "cron field 1 (minute): step in '5/15' needs a range or '*' (e.g. 5-59/15)");
  EXPECT_EQ(CronError("1,,2 * * * *"), "cron field 1 (minute): empty list item in '1,,2'");
  EXPECT_EQ(CronError("* * *"),
            "cron '* * *' has 3 fields; expected 5: minute hour day-of-month month day-of-week");
  EXPECT_EQ(CronError("0 0 * * * 2024"),
            "cron '0 0 * * * 2024' has 6 fields; expected 5: minute hour day-of-month month "
            "day-of-week");
  EXPECT_EQ(CronError("0 0 30 2 *"),
            "cron '0 0 30 2 *' never runs: none of its months has one of its days of month");
  EXPECT_EQ(CronError("0 0 31 APR,JUN,SEP,NOV *"),
            "cron '0 0 31 APR,JUN,SEP,NOV *' never runs: none of its months has one of its days "
            "of month");
  // With both day fields restricted, the weekday still runs.
  EXPECT_TRUE(ParseCron("0 0 30 2 MON").ok());
  // February 29 runs in leap years.
  EXPECT_THAT(Runs(Cron("0 12 29 2 *", "UTC"), Utc(2024, 3, 1), 1),
              ElementsAre("2028-02-29 12:00 +0000"));
}

// --- The cron oracle: python3-croniter (Debian) -------------------------------------

constexpr char kPython[] = "/usr/bin/python3";

// Asks croniter for get_next() of each (zone, start, expression). nullopt with `why`
// when /usr/bin/python3 or croniter is missing.
struct Query {
  std::string zone;
  int64_t start;
  std::string expression;
};

std::optional<std::vector<int64_t>> AskCroniter(const std::vector<Query>& queries,
                                                std::string* why) {
  if (access(kPython, X_OK) != 0) {
    *why =
        "the cron oracle needs /usr/bin/python3 with python3-croniter (apt install "
        "python3-croniter)";
    return std::nullopt;
  }
  // A directory of its own: ctest may run the oracle tests in parallel.
  std::string dir = ::testing::TempDir() + "/warden_cron_oracle_XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << dir;
    return std::nullopt;
  }
  const std::string script = dir + "/oracle.py";
  const std::string input = dir + "/queries.tsv";
  std::ofstream(script) << R"(import sys
try:
    from croniter import croniter
except ImportError:
    print("no croniter")
    sys.exit(0)
from datetime import datetime
from zoneinfo import ZoneInfo
for line in sys.stdin:
    zone, start, expr = line.rstrip("\n").split("\t")
    print(int(croniter(expr, datetime.fromtimestamp(int(start), ZoneInfo(zone))).get_next(float)))
)";
  {
    std::ofstream out(input);
    for (const Query& q : queries) out << q.zone << '\t' << q.start << '\t' << q.expression << '\n';
  }
  FILE* pipe = popen(absl::StrCat(kPython, " ", script, " < ", input).c_str(), "r");
  if (pipe == nullptr) {
    std::filesystem::remove_all(dir);
    *why = "cannot run /usr/bin/python3 for the cron oracle";
    return std::nullopt;
  }
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  std::filesystem::remove_all(dir);
  if (absl::StartsWith(output, "no croniter")) {
    *why =
        "the cron oracle needs python3-croniter for /usr/bin/python3 (apt install "
        "python3-croniter)";
    return std::nullopt;
  }
  EXPECT_EQ(status, 0) << output;
  std::vector<int64_t> next;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    int64_t value = 0;
    EXPECT_TRUE(absl::SimpleAtoi(line, &value)) << line;
    next.push_back(value);
  }
  EXPECT_EQ(next.size(), queries.size()) << output;
  return next;
}

// Expressions both Warden and croniter read the same way (not "*/2" or a full range
// in a day field together with the other day field: see KnownDifferencesFromCroniter).
const std::vector<std::string>& OracleExpressions() {
  static const auto* const expressions = new std::vector<std::string>{
      "* * * * *",      "0 * * * *",
      "*/15 * * * *",   "5,35 */2 * * *",
      "0 0 * * *",      "30 2 * * *",
      "0 9-17 * * 1-5", "0 9-17/4 * * MON-FRI",
      "15 10 1 * *",    "0 0 31 * *",
      "0 12 29 2 *",    "0 0 1 JAN,APR,JUL,OCT *",
      "0 6 * * SUN",    "0 6 * * 7",
      "0 0 13 * 5",     "45 23 28-31 * *",
      "0 0 1,15 * 3",   "*/7 3-5 * * *",
      "0 0 * 2 *",      "59 23 31 12 *",
      "0 4 8-14 * *",   "10-20/5 1 * jun-aug sat,sun",
      "0 22 * * 1-5",   "30 1 * * *",
      "*/20 2 * * *",
  };
  return *expressions;
}

// Whether croniter's DST correction applies: it moves a run on a later local date than
// the start, with another UTC offset, by the offset change (KnownDifferencesFromCroniter).
bool CroniterShifts(int64_t start, int64_t run, const std::string& zone) {
  const auto at = [&](int64_t t) {
    return date::make_zoned(zone, date::sys_seconds(std::chrono::seconds(t)));
  };
  const auto day = [](const auto& zoned) {
    return date::floor<date::days>(zoned.get_local_time());
  };
  return day(at(run)) != day(at(start)) && at(run).get_info().offset != at(start).get_info().offset;
}

// Compares NextRun with croniter for every query but those CroniterShifts.
void ExpectAgreement(const std::vector<Query>& queries) {
  std::string why;
  std::optional<std::vector<int64_t>> expected = AskCroniter(queries, &why);
  if (!expected.has_value()) GTEST_SKIP() << why;
  ASSERT_EQ(expected->size(), queries.size());
  int compared = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    absl::StatusOr<int64_t> next = NextRun(Cron(q.expression, q.zone), q.start);
    ASSERT_TRUE(next.ok()) << next.status();
    if (CroniterShifts(q.start, *next, q.zone)) continue;
    EXPECT_EQ(Local(*next, q.zone), Local((*expected)[i], q.zone))
        << "cron '" << q.expression << "' in " << q.zone << " after " << Local(q.start, q.zone);
    ++compared;
  }
  EXPECT_GE(compared, 300) << "too few comparisons to call it an oracle";
}

TEST(CronOracleTest, AgreesWithCroniterInUtcAndInAZoneWithoutDst) {
  const int64_t starts[] = {Utc(2024, 1, 1),
                            Utc(2024, 2, 28, 23, 59, 30),
                            Utc(2024, 12, 31, 23, 59, 59),
                            Utc(2023, 6, 15, 12, 34, 56),
                            Utc(2025, 3, 1),
                            Utc(2024, 7, 4, 9),
                            Utc(2023, 11, 20, 5, 5, 5)};
  std::vector<Query> queries;
  for (const char* zone : {"UTC", "Asia/Kolkata"}) {
    for (int64_t start : starts) {
      for (const std::string& e : OracleExpressions()) queries.push_back({zone, start, e});
    }
  }
  ExpectAgreement(queries);
}

TEST(CronOracleTest, AgreesWithCroniterAroundDstTransitions) {
  // Starts every 15 minutes on the day of each transition, from 2 hours before it to 3
  // hours after it, except the hour after it; expressions whose next run is near. (See
  // KnownDifferencesFromCroniter for the hour after, and for runs on a later day with
  // another UTC offset.)
  const std::vector<std::string> near = {"* * * * *",      "0 * * * *",    "*/15 * * * *",
                                         "5,35 */2 * * *", "30 2 * * *",   "30 1 * * *",
                                         "0 3 * * *",      "*/20 2 * * *", "45 1-4 * * *"};
  constexpr int64_t kHour = 3600;
  struct Transition {
    const char* zone;
    int64_t at;
  };
  const Transition transitions[] = {{"Europe/Berlin", Utc(2024, 3, 31, 1)},
                                    {"Europe/Berlin", Utc(2024, 10, 27, 1)},
                                    {"America/New_York", Utc(2024, 3, 10, 7)},
                                    {"America/New_York", Utc(2024, 11, 3, 6)}};
  std::vector<Query> queries;
  for (const Transition& t : transitions) {
    for (int64_t start = t.at - 2 * kHour; start < t.at + 3 * kHour; start += kHour / 4) {
      if (start >= t.at && start < t.at + kHour) continue;
      for (const std::string& e : near) queries.push_back({t.zone, start, e});
    }
  }
  ExpectAgreement(queries);
}

TEST(CronOracleTest, KnownDifferencesFromCroniter) {
  struct Difference {
    Query query;
    const char* croniter;  // what python3-croniter 1.3.5 answers
    const char* warden;
  };
  const Difference differences[] = {
      // croniter moves a run on a later local date than the start, with another UTC
      // offset, by the offset change: midnight on April 1 becomes 23:00 the day before.
      {{"Europe/Berlin", Utc(2024, 3, 15, 12), "0 0 1 * *"},
       "2024-03-31 23:00 +0200",
       "2024-04-01 00:00 +0200"},
      {{"Europe/Berlin", Utc(2024, 10, 26, 12), "0 3 * * *"},
       "2024-10-27 04:00 +0100",
       "2024-10-27 03:00 +0100"},
      // After the gap, croniter compares wall-clock times and drops the shifted 02:30;
      // Warden still runs it at 03:30, as from any earlier start.
      {{"Europe/Berlin", Utc(2024, 3, 31, 1, 15), "30 2 * * *"},
       "2024-04-01 02:30 +0200",
       "2024-03-31 03:30 +0200"},
      // In the repeated hour, croniter answers a time before the start (the first
      // 02:30); Warden ran the repeated times in the first pass.
      {{"Europe/Berlin", Utc(2024, 10, 27, 1, 15), "*/15 * * * *"},
       "2024-10-27 02:30 +0200",
       "2024-10-27 03:00 +0100"},
      // Vixie cron: "*/2" starts with '*', so both day fields must match; croniter ORs.
      {{"UTC", Utc(2024, 1, 1), "0 0 */2 * MON"},
       "2024-01-03 00:00 +0000",
       "2024-01-15 00:00 +0000"},
      // Vixie cron: "1-31" does not start with '*', so either day field is enough;
      // croniter reads the full range as '*' and requires Mondays.
      {{"UTC", Utc(2024, 1, 1), "0 0 1-31 * MON"},
       "2024-01-08 00:00 +0000",
       "2024-01-02 00:00 +0000"},
  };
  std::vector<Query> queries;
  for (const Difference& d : differences) queries.push_back(d.query);
  std::string why;
  std::optional<std::vector<int64_t>> answers = AskCroniter(queries, &why);
  if (!answers.has_value()) GTEST_SKIP() << why;
  ASSERT_EQ(answers->size(), queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    const Difference& d = differences[i];
    EXPECT_EQ(Local((*answers)[i], d.query.zone), d.croniter) << d.query.expression;
    absl::StatusOr<int64_t> next = NextRun(Cron(d.query.expression, d.query.zone), d.query.start);
    ASSERT_TRUE(next.ok()) << next.status();
    EXPECT_EQ(Local(*next, d.query.zone), d.warden) << d.query.expression;
  }
}

}  // namespace
}  // namespace warden::audit
