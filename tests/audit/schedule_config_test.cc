// Golden tests: the exact diagnostics a user sees for mistakes in `audit.schedules`, and
// a full section read field by field.

#include "audit/schedule_config.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warden::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Frequency = Schedule::Frequency;

constexpr char kFile[] = "/etc/warden/wardend.yaml";

struct ReadResult {
  std::vector<ScheduledAudit> schedules;
  std::vector<rules::Diagnostic> diagnostics;
};

// Reads `audit.schedules` of a wardend config whose text is `content`.
ReadResult Read(const std::string& content, const std::vector<std::string>& known_checks = {}) {
  const YAML::Node root = YAML::Load(content);
  const std::vector<std::string> lines = absl::StrSplit(content, '\n');
  const YAML::Node section = root["audit"] ? root["audit"]["schedules"] : YAML::Node();
  ReadResult result;
  result.schedules = ReadAuditSchedules(section, kFile, lines, &result.diagnostics, known_checks);
  return result;
}

// The rendered diagnostics of a config that must have some.
std::string Diagnose(const std::string& content, const std::vector<std::string>& known = {}) {
  ReadResult result = Read(content, known);
  EXPECT_FALSE(result.diagnostics.empty());
  return rules::FormatDiagnostics(result.diagnostics);
}

TEST(ScheduleConfigTest, FullSectionIsReadFieldByField) {
  const ReadResult r = Read(R"(listen: 127.0.0.1:7443
audit:
  schedules:
    - name: nightly
      frequency: daily
      time: "02:30"
      time_zone: Europe/Berlin
      checks: [DEVICE_CERTIFICATE_EXPIRING_CHECK, CA_CERTIFICATE_EXPIRING_CHECK]
    - name: month-end
      frequency: monthly
      day_of_month: last
      time: 23:00
    - name: mid-month
      frequency: monthly
      day_of_month: 15
    - name: weekly
      frequency: weekly
      day_of_week: monday
      checks: all
    - name: fortnightly
      frequency: biweekly
      day_of_week: Fri
      time: "7:05"
      time_zone: America/New_York
      start_date: 2024-01-01
      checks: LOGGING_DISABLED_CHECK
    - name: every-6h
      cron: "0 */6  * * *"
    - name: business-hours
      frequency: cron
      cron: 0 9-17 * * MON-FRI
      time_zone: Asia/Kolkata
)");
  ASSERT_EQ(rules::FormatDiagnostics(r.diagnostics), "");
  ASSERT_EQ(r.schedules.size(), 7u);

  const ScheduledAudit& nightly = r.schedules[0];
  EXPECT_EQ(nightly.name, "nightly");
  EXPECT_EQ(nightly.schedule.frequency, Frequency::kDaily);
  EXPECT_EQ(nightly.schedule.hour, 2);
  EXPECT_EQ(nightly.schedule.minute, 30);
  EXPECT_EQ(nightly.schedule.time_zone, "Europe/Berlin");
  EXPECT_THAT(nightly.checks,
              ElementsAre("DEVICE_CERTIFICATE_EXPIRING_CHECK", "CA_CERTIFICATE_EXPIRING_CHECK"));

  const Schedule& month_end = r.schedules[1].schedule;
  EXPECT_EQ(month_end.frequency, Frequency::kMonthly);
  EXPECT_EQ(month_end.day_of_month, 0);
  EXPECT_EQ(month_end.hour, 23);
  EXPECT_EQ(month_end.time_zone, "UTC");
  EXPECT_THAT(r.schedules[1].checks, IsEmpty());

  const Schedule& mid_month = r.schedules[2].schedule;
  EXPECT_EQ(mid_month.day_of_month, 15);
  EXPECT_EQ(mid_month.hour, 0);  // midnight when no time is given
  EXPECT_EQ(mid_month.minute, 0);

  EXPECT_EQ(r.schedules[3].schedule.frequency, Frequency::kWeekly);
  EXPECT_EQ(r.schedules[3].schedule.day_of_week, 1);
  EXPECT_THAT(r.schedules[3].checks, IsEmpty());

  const Schedule& fortnightly = r.schedules[4].schedule;
  EXPECT_EQ(fortnightly.frequency, Frequency::kBiweekly);
  EXPECT_EQ(fortnightly.day_of_week, 5);
  EXPECT_EQ(fortnightly.hour, 7);
  EXPECT_EQ(fortnightly.minute, 5);
  // Midnight of 2024-01-01 in New York (EST) is 05:00 UTC.
  EXPECT_EQ(fortnightly.biweekly_anchor, 1704085200);
  EXPECT_THAT(r.schedules[4].checks, ElementsAre("LOGGING_DISABLED_CHECK"));
  // The first run: the first Friday on or after 2024-01-01, at 07:05 local.
  EXPECT_EQ(NextRun(fortnightly, 1704085200).value_or(0), 1704456300);  // 2024-01-05 12:05Z

  const Schedule& every_6h = r.schedules[5].schedule;
  EXPECT_EQ(every_6h.frequency, Frequency::kCron);
  EXPECT_EQ(every_6h.cron, "0 */6 * * *");
  EXPECT_EQ(r.schedules[6].schedule.frequency, Frequency::kCron);
  EXPECT_EQ(r.schedules[6].schedule.cron, "0 9-17 * * MON-FRI");
  EXPECT_EQ(r.schedules[6].schedule.time_zone, "Asia/Kolkata");
}

TEST(ScheduleConfigTest, MissingOrEmptySectionIsNoSchedules) {
  for (const char* content :
       {"listen: x\n", "audit:\n  schedules:\n", "audit:\n  retention: 90\n"}) {
    const ReadResult r = Read(content);
    EXPECT_THAT(r.schedules, IsEmpty()) << content;
    EXPECT_THAT(r.diagnostics, IsEmpty()) << content;
  }
}

TEST(ScheduleConfigTest, SectionMustBeAList) {
  EXPECT_EQ(Diagnose(R"(audit:
  schedules:
    nightly: {frequency: daily}
)"),
            R"(/etc/warden/wardend.yaml:3:5: error: expected a list, got a mapping [E_TYPE]
        nightly: {frequency: daily}
        ^
1 error
)");
}

TEST(ScheduleConfigTest, SchedulesWithProblemsAreLeftOut) {
  const ReadResult r = Read(R"(audit:
  schedules:
    - {name: ok, frequency: daily, time: "01:00"}
    - {name: broken, frequency: daily, time: "1 am"}
    - {name: hourly, cron: "@hourly"}
)");
  ASSERT_EQ(r.diagnostics.size(), 2u);
  EXPECT_EQ(r.diagnostics[0].code, "E_VALUE");
  EXPECT_EQ(r.diagnostics[1].message,
            "cron '@hourly' has 1 field; expected 5: minute hour day-of-month month "
            "day-of-week");
  ASSERT_EQ(r.schedules.size(), 1u);
  EXPECT_EQ(r.schedules[0].name, "ok");
}

TEST(ScheduleConfigTest, KeysAndValues) {
  EXPECT_EQ(
      Diagnose(R"(audit:
  schedules:
    - name: nightly
      frequency: dayly
      tiem: "02:30"
    - name: weekly
      frequency: weekly
      time: "24:00"
      time_zone: Europe/Berln
    - name: monthly
      frequency: monthly
      day_of_month: 32
      day_of_week: monday
    - name: nightly
      frequency: daily
      day_of_month: 3
      start_date: 2024-02-30
    - frequency: biweekly
      day_of_week: mondey
      start_date: 2024-02-30
    - name: bad name
      frequency: daily
      time: [2, 30]
)"),
      R"(/etc/warden/wardend.yaml:4:18: error: unknown frequency 'dayly' (expected one of: daily, weekly, biweekly, monthly, cron); did you mean 'daily'? [E_VALUE]
          frequency: dayly
                     ^
  in schedule 'nightly' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:5:7: error: unknown key 'tiem'; did you mean 'time'? [E_UNKNOWN_KEY]
          tiem: "02:30"
          ^
  in schedule 'nightly' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:6:7: error: a weekly schedule needs 'day_of_week' [E_MISSING_KEY]
        - name: weekly
          ^
  in schedule 'weekly' (/etc/warden/wardend.yaml:6:7)
/etc/warden/wardend.yaml:8:13: error: invalid time '24:00' (expected HH:MM, 00:00 to 23:59) [E_VALUE]
          time: "24:00"
                ^
  in schedule 'weekly' (/etc/warden/wardend.yaml:6:7)
/etc/warden/wardend.yaml:9:18: error: unknown time zone 'Europe/Berln' (expected an IANA name such as Europe/Berlin); did you mean 'Europe/Berlin'? [E_TIME_ZONE]
          time_zone: Europe/Berln
                     ^
  in schedule 'weekly' (/etc/warden/wardend.yaml:6:7)
/etc/warden/wardend.yaml:12:21: error: 'day_of_month' must be 1 to 31 or 'last', got '32' [E_VALUE]
          day_of_month: 32
                        ^
  in schedule 'monthly' (/etc/warden/wardend.yaml:10:7)
/etc/warden/wardend.yaml:13:7: error: 'day_of_week' applies to weekly and biweekly schedules, not to a monthly one [E_VALUE]
          day_of_week: monday
          ^
  in schedule 'monthly' (/etc/warden/wardend.yaml:10:7)
/etc/warden/wardend.yaml:14:13: error: duplicate schedule 'nightly' [E_DUPLICATE]
        - name: nightly
                ^
  in schedule 'nightly' (/etc/warden/wardend.yaml:14:7)
  'nightly' first defined at /etc/warden/wardend.yaml:3:13
/etc/warden/wardend.yaml:16:7: error: 'day_of_month' applies to monthly schedules, not to a daily one [E_VALUE]
          day_of_month: 3
          ^
  in schedule 'nightly' (/etc/warden/wardend.yaml:14:7)
/etc/warden/wardend.yaml:17:7: error: 'start_date' applies to biweekly schedules, not to a daily one [E_VALUE]
          start_date: 2024-02-30
          ^
  in schedule 'nightly' (/etc/warden/wardend.yaml:14:7)
/etc/warden/wardend.yaml:17:19: error: invalid date '2024-02-30' (expected YYYY-MM-DD) [E_VALUE]
          start_date: 2024-02-30
                      ^
  in schedule 'nightly' (/etc/warden/wardend.yaml:14:7)
/etc/warden/wardend.yaml:18:7: error: missing required key 'name' [E_MISSING_KEY]
        - frequency: biweekly
          ^
  in schedule #5 (/etc/warden/wardend.yaml:18:7)
/etc/warden/wardend.yaml:19:20: error: unknown day of week 'mondey' (expected one of: sunday, monday, tuesday, wednesday, thursday, friday, saturday); did you mean 'monday'? [E_VALUE]
          day_of_week: mondey
                       ^
  in schedule #5 (/etc/warden/wardend.yaml:18:7)
/etc/warden/wardend.yaml:20:19: error: invalid date '2024-02-30' (expected YYYY-MM-DD) [E_VALUE]
          start_date: 2024-02-30
                      ^
  in schedule #5 (/etc/warden/wardend.yaml:18:7)
/etc/warden/wardend.yaml:21:13: error: invalid schedule name 'bad name' (expected 1 to 128 characters of [a-zA-Z0-9_-]) [E_NAME]
        - name: bad name
                ^
  in schedule #6 (/etc/warden/wardend.yaml:21:7)
/etc/warden/wardend.yaml:23:13: error: expected a string, got a list [E_TYPE]
          time: [2, 30]
                ^
  in schedule #6 (/etc/warden/wardend.yaml:21:7)
16 errors
)");
}

TEST(ScheduleConfigTest, CronSchedules) {
  EXPECT_EQ(
      Diagnose(R"(audit:
  schedules:
    - name: a
      cron: "0 25 * * *"
    - name: b
      frequency: cron
    - name: c
      cron: "0 0 30 2 *"
      time: "01:00"
    - name: d
      frequency: weekly
      day_of_week: sun
      cron: "* * * * *"
    - name: e
)"),
      R"(/etc/warden/wardend.yaml:4:13: error: cron field 2 (hour): 25 is out of range 0-23 [E_CRON]
          cron: "0 25 * * *"
                ^
  in schedule 'a' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:5:7: error: a cron schedule needs 'cron' [E_MISSING_KEY]
        - name: b
          ^
  in schedule 'b' (/etc/warden/wardend.yaml:5:7)
/etc/warden/wardend.yaml:8:13: error: cron '0 0 30 2 *' never runs: none of its months has one of its days of month [E_CRON]
          cron: "0 0 30 2 *"
                ^
  in schedule 'c' (/etc/warden/wardend.yaml:7:7)
/etc/warden/wardend.yaml:9:7: error: 'time' applies to daily, weekly, biweekly and monthly schedules, not to a cron one: the cron expression sets it [E_VALUE]
          time: "01:00"
          ^
  in schedule 'c' (/etc/warden/wardend.yaml:7:7)
/etc/warden/wardend.yaml:13:7: error: 'cron' applies to cron schedules, not to a weekly one [E_VALUE]
          cron: "* * * * *"
          ^
  in schedule 'd' (/etc/warden/wardend.yaml:10:7)
/etc/warden/wardend.yaml:14:7: error: missing 'frequency' (daily, weekly, biweekly, monthly or cron) or 'cron' [E_MISSING_KEY]
        - name: e
          ^
  in schedule 'e' (/etc/warden/wardend.yaml:14:7)
6 errors
)");
}

TEST(ScheduleConfigTest, Checks) {
  const std::vector<std::string> known = {"CA_CERTIFICATE_EXPIRING_CHECK",
                                          "DEVICE_CERTIFICATE_EXPIRING_CHECK",
                                          "LOGGING_DISABLED_CHECK"};
  const std::string content = R"(audit:
  schedules:
    - name: a
      frequency: daily
      checks: [LOGGING_DISABLED_CHECK, logging_disabled, all, LOGGING_DISABLED_CHECK]
    - name: b
      frequency: daily
      checks: []
    - name: c
      frequency: daily
      checks: [DEVICE_CERTIFICATE_EXPIRNG_CHECK, {x: 1}]
)";
  // Without the list of known checks any UPPER_SNAKE_CASE name is accepted.
  EXPECT_EQ(
      Diagnose(content),
      R"(/etc/warden/wardend.yaml:5:40: error: invalid check name 'logging_disabled' (expected an UPPER_SNAKE_CASE check name such as DEVICE_CERTIFICATE_EXPIRING_CHECK) [E_VALUE]
          checks: [LOGGING_DISABLED_CHECK, logging_disabled, all, LOGGING_DISABLED_CHECK]
                                           ^
  in schedule 'a' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:5:58: error: 'all' stands alone: write 'checks: all' [E_VALUE]
          checks: [LOGGING_DISABLED_CHECK, logging_disabled, all, LOGGING_DISABLED_CHECK]
                                                             ^
  in schedule 'a' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:5:63: error: duplicate check 'LOGGING_DISABLED_CHECK' [E_DUPLICATE]
          checks: [LOGGING_DISABLED_CHECK, logging_disabled, all, LOGGING_DISABLED_CHECK]
                                                                  ^
  in schedule 'a' (/etc/warden/wardend.yaml:3:7)
  first given at /etc/warden/wardend.yaml:5:16
/etc/warden/wardend.yaml:8:15: error: 'checks' is empty: name checks or write 'all' [E_VALUE]
          checks: []
                  ^
  in schedule 'b' (/etc/warden/wardend.yaml:6:7)
/etc/warden/wardend.yaml:11:50: error: expected a string, got a mapping [E_TYPE]
          checks: [DEVICE_CERTIFICATE_EXPIRNG_CHECK, {x: 1}]
                                                     ^
  in schedule 'c' (/etc/warden/wardend.yaml:9:7)
5 errors
)");
  EXPECT_EQ(
      Diagnose(content, known),
      R"(/etc/warden/wardend.yaml:5:40: error: invalid check name 'logging_disabled' (expected an UPPER_SNAKE_CASE check name such as DEVICE_CERTIFICATE_EXPIRING_CHECK) [E_VALUE]
          checks: [LOGGING_DISABLED_CHECK, logging_disabled, all, LOGGING_DISABLED_CHECK]
                                           ^
  in schedule 'a' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:5:58: error: 'all' stands alone: write 'checks: all' [E_VALUE]
          checks: [LOGGING_DISABLED_CHECK, logging_disabled, all, LOGGING_DISABLED_CHECK]
                                                             ^
  in schedule 'a' (/etc/warden/wardend.yaml:3:7)
/etc/warden/wardend.yaml:5:63: error: duplicate check 'LOGGING_DISABLED_CHECK' [E_DUPLICATE]
          checks: [LOGGING_DISABLED_CHECK, logging_disabled, all, LOGGING_DISABLED_CHECK]
                                                                  ^
  in schedule 'a' (/etc/warden/wardend.yaml:3:7)
  first given at /etc/warden/wardend.yaml:5:16
/etc/warden/wardend.yaml:8:15: error: 'checks' is empty: name checks or write 'all' [E_VALUE]
          checks: []
                  ^
  in schedule 'b' (/etc/warden/wardend.yaml:6:7)
/etc/warden/wardend.yaml:11:16: error: unknown check 'DEVICE_CERTIFICATE_EXPIRNG_CHECK' (expected one of: CA_CERTIFICATE_EXPIRING_CHECK, DEVICE_CERTIFICATE_EXPIRING_CHECK, LOGGING_DISABLED_CHECK); did you mean 'DEVICE_CERTIFICATE_EXPIRING_CHECK'? [E_VALUE]
          checks: [DEVICE_CERTIFICATE_EXPIRNG_CHECK, {x: 1}]
                   ^
  in schedule 'c' (/etc/warden/wardend.yaml:9:7)
/etc/warden/wardend.yaml:11:50: error: expected a string, got a mapping [E_TYPE]
          checks: [DEVICE_CERTIFICATE_EXPIRNG_CHECK, {x: 1}]
                                                     ^
  in schedule 'c' (/etc/warden/wardend.yaml:9:7)
6 errors
)");
}

}  // namespace
}  // namespace warden::audit
