#ifndef WARDEN_AUDIT_SCHEDULE_H_
#define WARDEN_AUDIT_SCHEDULE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace warden::audit {

// When a scheduled audit runs: AWS Device Defender's frequencies at a local time of day
// in an IANA time zone, or a 5-field cron expression. Plain value; copyable.
// Semantics (DST gaps and repeats, month ends, biweekly weeks): audit/README.md.
struct Schedule {
  enum class Frequency { kDaily, kWeekly, kBiweekly, kMonthly, kCron };
  Frequency frequency = Frequency::kDaily;
  // kWeekly, kBiweekly: 0 = Sunday .. 6 = Saturday.
  int day_of_week = 0;
  // kMonthly: 1-31, or 0 for the last day of the month. Days 29-31 run on the last day
  // of shorter months.
  int day_of_month = 1;
  // Local time of day (not kCron). Default: midnight.
  int hour = 0;
  int minute = 0;
  // IANA zone name of the system tz database, e.g. "Europe/Berlin". Default: UTC.
  std::string time_zone = "UTC";
  // kCron: "minute hour day-of-month month day-of-week", with *, lists, ranges, steps
  // and the names JAN-DEC, SUN-SAT; day of month and day of week ORed as in Vixie cron.
  std::string cron;
  // kBiweekly: picks the weeks. The series starts on the first `day_of_week` on or
  // after the local date (in `time_zone`) of this instant (Unix seconds) and repeats
  // every 14 days; the default, 0, is 1970-01-01.
  int64_t biweekly_anchor = 0;
};

// The functions below are thread-safe; the tz database is loaded once, on first use.

// The first run of `schedule` strictly after `after_unix_seconds`, in Unix seconds.
// A local time that a spring-forward skips runs at the first instant after the gap
// (a cron time: shifted by the gap's length, as croniter does); a local time repeated
// at fall-back runs once, at its first occurrence. InvalidArgument for an invalid
// schedule (see ValidateSchedule) or a time outside years 1-9999; NotFound for a cron
// expression with no run within 50 years (none that ParseCron accepts is known).
absl::StatusOr<int64_t> NextRun(const Schedule& schedule, int64_t after_unix_seconds);

// Parses a 5-field cron expression into a kCron schedule in UTC. InvalidArgument names
// the field and the value, e.g. "cron field 2 (hour): 25 is out of range 0-23", and
// rejects an expression that never runs ("0 0 30 2 *").
absl::StatusOr<Schedule> ParseCron(std::string_view expression);

// OK when every field `schedule.frequency` uses is in range, the time zone is known and
// the cron expression parses; InvalidArgument naming the field and value otherwise.
absl::Status ValidateSchedule(const Schedule& schedule);

// Whether `name` is a zone or link of the system tz database (/usr/share/zoneinfo).
bool IsKnownTimeZone(std::string_view name);
// Every zone and link name of the tz database, sorted; for "did you mean" suggestions.
const std::vector<std::string>& KnownTimeZones();

}  // namespace warden::audit

#endif  // WARDEN_AUDIT_SCHEDULE_H_
