#include "audit/schedule.h"

#include <algorithm>
#include <bitset>
#include <chrono>
#include <exception>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "date/date.h"
#include "date/tz.h"

namespace warden::audit {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Years 1 to 9999, the times NextRun accepts.
constexpr int64_t kMinTime = -62135596800;
constexpr int64_t kMaxTime = 253402300799;
// How far NextRun looks: AWS frequencies always run within this many days, cron
// expressions within this many years (croniter's default limit too).
constexpr int kMaxFixedSearchDays = 400;
constexpr int kMaxCronSearchYears = 50;

constexpr absl::string_view kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                             "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr absl::string_view kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// One of the five fields of a cron expression.
struct CronField {
  const char* name;
  int min;
  int max;
  absl::Span<const absl::string_view> names;  // names[i] stands for min_name + i
  int min_name;
};

constexpr CronField kCronFields[] = {
    {"minute", 0, 59, {}, 0},
    {"hour", 0, 23, {}, 0},
    {"day-of-month", 1, 31, {}, 0},
    {"month", 1, 12, kMonthNames, 1},
    {"day-of-week", 0, 7, kDayNames, 0},  // 0 and 7 are Sunday
};

// A parsed cron expression: bit v of a field is set when the field matches v.
struct CronSpec {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;
  std::bitset<13> months;
  std::bitset<7> days_of_week;
  // Vixie cron: a day field written starting with '*' makes the day match when both
  // day fields do; otherwise either one is enough.
  bool day_of_month_star = false;
  bool day_of_week_star = false;
};

// How a local time that a spring-forward skips maps to an instant.
enum class GapRule {
  kTransition,  // the first instant after the gap (AWS frequencies)
  kShiftByGap,  // later by the gap's length, with the offset before it (croniter)
};

absl::StatusOr<const date::time_zone*> LocateZone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(absl::StrCat("unknown time zone '", name, "'"));
  }
}

std::string FieldPrefix(size_t index) {
  return absl::StrCat("cron field ", index + 1, " (", kCronFields[index].name, "): ");
}

bool IsDigits(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
}

absl::StatusOr<int> ParseCronValue(size_t index, absl::string_view text) {
  const CronField& field = kCronFields[index];
  if (IsDigits(text)) {
    int value = 0;
    if (!absl::SimpleAtoi(text, &value) || value < field.min || value > field.max) {
      return absl::InvalidArgumentError(
          absl::StrCat(FieldPrefix(index), text, " is out of range ", field.min, "-", field.max));
    }
    return value;
  }
  for (size_t i = 0; i < field.names.size(); ++i) {
    if (absl::EqualsIgnoreCase(text, field.names[i])) return field.min_name + static_cast<int>(i);
  }
  if (field.names.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(FieldPrefix(index), "'", text, "' is not a number"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(FieldPrefix(index), "'", text, "' is not a number or a name (",
                   field.names.front(), "-", field.names.back(), ")"));
}

// Sets in `bits` the values of one list item: "*", "v", "a-b", "*/s" or "a-b/s".
absl::Status ParseCronItem(size_t index, absl::string_view item, std::bitset<64>* bits) {
  const CronField& field = kCronFields[index];
  std::pair<absl::string_view, absl::string_view> base_step =
      absl::StrSplit(item, absl::MaxSplits('/', 1));
  const absl::string_view base = base_step.first;
  const bool has_step = item.find('/') != absl::string_view::npos;
  int step = 1;
  if (has_step) {
    const absl::string_view text = base_step.second;
    if (!IsDigits(text) || !absl::SimpleAtoi(text, &step) || step < 1 || step > field.max) {
      return absl::InvalidArgumentError(absl::StrCat(FieldPrefix(index), "step '", text,
                                                     "' is not a number from 1 to ", field.max));
    }
  }
  int low = field.min;
  int high = field.max;
  if (base != "*") {
    std::pair<absl::string_view, absl::string_view> range =
        absl::StrSplit(base, absl::MaxSplits('-', 1));
    absl::StatusOr<int> first = ParseCronValue(index, range.first);
    if (!first.ok()) return first.status();
    low = high = *first;
    if (base.find('-') != absl::string_view::npos) {
      absl::StatusOr<int> last = ParseCronValue(index, range.second);
      if (!last.ok()) return last.status();
      high = *last;
      if (low > high) {
        return absl::InvalidArgumentError(
            absl::StrCat(FieldPrefix(index), "range '", base, "' runs backwards"));
      }
    } else if (has_step) {
      return absl::InvalidArgumentError(absl::StrCat(FieldPrefix(index), "step in '", item,
                                                     "' needs a range or '*' (e.g. ", base, "-",
                                                     field.max, "/", step, ")"));
    }
  }
  for (int v = low; v <= high; v += step) bits->set(v);
  return absl::OkStatus();
}

absl::StatusOr<std::bitset<64>> ParseCronField(size_t index, absl::string_view text) {
  std::bitset<64> bits;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    if (item.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(FieldPrefix(index), "empty list item in '", text, "'"));
    }
    if (absl::Status status = ParseCronItem(index, item, &bits); !status.ok()) return status;
  }
  return bits;
}

int DaysInMonth(int month) {  // February counts 29: some years have it
  constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[month - 1];
}

absl::StatusOr<CronSpec> ParseCronSpec(absl::string_view expression) {
  std::vector<absl::string_view> fields =
      absl::StrSplit(expression, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (fields.size() != 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cron '", expression, "' has ", fields.size(), fields.size() == 1 ? " field" : " fields",
        "; expected 5: minute hour day-of-month month day-of-week"));
  }
  std::bitset<64> bits[5];
  for (size_t i = 0; i < 5; ++i) {
    absl::StatusOr<std::bitset<64>> field = ParseCronField(i, fields[i]);
    if (!field.ok()) return field.status();
    bits[i] = *field;
  }
  CronSpec spec;
  for (int v = 0; v < 60; ++v) spec.minutes[v] = bits[0][v];
  for (int v = 0; v < 24; ++v) spec.hours[v] = bits[1][v];
  for (int v = 1; v <= 31; ++v) spec.days_of_month[v] = bits[2][v];
  for (int v = 1; v <= 12; ++v) spec.months[v] = bits[3][v];
  for (int v = 0; v < 7; ++v) spec.days_of_week[v] = bits[4][v];
  if (bits[4][7]) spec.days_of_week[0] = true;
  spec.day_of_month_star = absl::StartsWith(fields[2], "*");
  spec.day_of_week_star = absl::StartsWith(fields[4], "*");
  // With both day fields restricted, any matching weekday runs. Otherwise some named
  // month must have one of the named days.
  if (spec.day_of_month_star || spec.day_of_week_star) {
    bool possible = false;
    for (int month = 1; month <= 12; ++month) {
      for (int day = 1; day <= DaysInMonth(month); ++day) {
        possible |= spec.months[month] && spec.days_of_month[day];
      }
    }
    if (!possible) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cron '", expression, "' never runs: none of its months has one of its days of month"));
    }
  }
  return spec;
}

bool CronDayMatches(const CronSpec& spec, date::local_days day) {
  const date::year_month_day ymd(day);
  if (!spec.months[static_cast<unsigned>(ymd.month())]) return false;
  const bool dom = spec.days_of_month[static_cast<unsigned>(ymd.day())];
  const bool dow = spec.days_of_week[date::weekday(day).c_encoding()];
  return spec.day_of_month_star || spec.day_of_week_star ? dom && dow : dom || dow;
}

int64_t ToInstant(const date::time_zone* zone, date::local_seconds local, GapRule gap) {
  const date::local_info info = zone->get_info(local);
  if (info.result == date::local_info::nonexistent && gap == GapRule::kTransition) {
    return info.first.end.time_since_epoch().count();
  }
  // Unique; or repeated, where `first` is the earlier occurrence; or skipped, where
  // `first` is the offset before the gap.
  return (local.time_since_epoch() - info.first.offset).count();
}

date::local_days LocalDate(const date::time_zone* zone, int64_t unix_seconds) {
  return date::floor<date::days>(zone->to_local(date::sys_seconds(seconds(unix_seconds))));
}

absl::StatusOr<int64_t> NextCronRun(const CronSpec& spec, const std::string& expression,
                                    const date::time_zone* zone, int64_t after) {
  // Local times map to instants in order except across a gap (02:30 shifted to 03:30
  // comes after 03:00), so the earliest run is looked for over its date and the next.
  const date::local_days first = LocalDate(zone, after) - date::days(1);
  const int max_days = kMaxCronSearchYears * 366;
  std::optional<int64_t> best;
  date::local_days best_day;
  for (int i = 0; i < max_days; ++i) {
    const date::local_days day = first + date::days(i);
    if (best.has_value() && day > best_day + date::days(1)) break;
    if (!CronDayMatches(spec, day)) continue;
    for (int h = 0; h < 24; ++h) {
      if (!spec.hours[h]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!spec.minutes[m]) continue;
        const int64_t run = ToInstant(zone, day + hours(h) + minutes(m), GapRule::kShiftByGap);
        if (run > after && (!best.has_value() || run < *best)) {
          best = run;
          best_day = day;
        }
      }
    }
  }
  if (!best.has_value()) {
    return absl::NotFoundError(absl::StrCat("cron '", expression, "' has no run in the ",
                                            kMaxCronSearchYears, " years after ", after));
  }
  return *best;
}

// The first date of a biweekly series: the first `day_of_week` on or after the local
// date of the anchor.
date::local_days BiweeklyStart(const Schedule& schedule, const date::time_zone* zone) {
  const date::local_days anchor = LocalDate(zone, schedule.biweekly_anchor);
  return anchor +
         (date::weekday(static_cast<unsigned>(schedule.day_of_week)) - date::weekday(anchor));
}

// Whether a schedule with an AWS frequency runs on local date `day`.
bool RunsOn(const Schedule& schedule, date::local_days day, date::local_days biweekly_start) {
  const date::year_month_day ymd(day);
  switch (schedule.frequency) {
    case Schedule::Frequency::kDaily:
      return true;
    case Schedule::Frequency::kWeekly:
      return static_cast<int>(date::weekday(day).c_encoding()) == schedule.day_of_week;
    case Schedule::Frequency::kBiweekly:
      return day >= biweekly_start && (day - biweekly_start).count() % 14 == 0;
    case Schedule::Frequency::kMonthly: {
      const unsigned last = static_cast<unsigned>(
          date::year_month_day_last(ymd.year(), ymd.month() / date::last).day());
      const unsigned wanted = schedule.day_of_month == 0
                                  ? last
                                  : std::min(static_cast<unsigned>(schedule.day_of_month), last);
      return static_cast<unsigned>(ymd.day()) == wanted;
    }
    case Schedule::Frequency::kCron:
      break;
  }
  return false;
}

absl::StatusOr<int64_t> NextFixedRun(const Schedule& schedule, const date::time_zone* zone,
                                     int64_t after) {
  date::local_days day = LocalDate(zone, after) - date::days(1);
  date::local_days biweekly_start;
  if (schedule.frequency == Schedule::Frequency::kBiweekly) {
    biweekly_start = BiweeklyStart(schedule, zone);
    day = std::max(day, biweekly_start);
  }
  const auto time_of_day = hours(schedule.hour) + minutes(schedule.minute);
  for (int i = 0; i < kMaxFixedSearchDays; ++i, day += date::days(1)) {
    if (!RunsOn(schedule, day, biweekly_start)) continue;
    const int64_t run = ToInstant(zone, day + time_of_day, GapRule::kTransition);
    if (run > after) return run;
  }
  return absl::InternalError(
      absl::StrCat("no run in the ", kMaxFixedSearchDays, " days after ", after));
}

absl::Status OutOfRange(absl::string_view what, int value, int min, int max,
                        absl::string_view note = "") {
  return absl::InvalidArgumentError(
      absl::StrCat(what, " ", value, " is out of range ", min, "-", max, note));
}

// The zone of `schedule` when its fields other than `cron` are valid.
absl::StatusOr<const date::time_zone*> CheckFields(const Schedule& schedule) {
  absl::StatusOr<const date::time_zone*> zone = LocateZone(schedule.time_zone);
  if (!zone.ok()) return zone.status();
  switch (schedule.frequency) {
    case Schedule::Frequency::kCron:
      return zone;  // the expression sets the time
    case Schedule::Frequency::kWeekly:
    case Schedule::Frequency::kBiweekly:
      if (schedule.day_of_week < 0 || schedule.day_of_week > 6) {
        return OutOfRange("day_of_week", schedule.day_of_week, 0, 6, " (0 = sunday)");
      }
      if (schedule.biweekly_anchor < kMinTime || schedule.biweekly_anchor > kMaxTime) {
        return absl::InvalidArgumentError(absl::StrCat("biweekly_anchor ", schedule.biweekly_anchor,
                                                       " is outside the years 1-9999"));
      }
      break;
    case Schedule::Frequency::kMonthly:
      if (schedule.day_of_month < 0 || schedule.day_of_month > 31) {
        return OutOfRange("day_of_month", schedule.day_of_month, 0, 31, " (0 = the last day)");
      }
      break;
    case Schedule::Frequency::kDaily:
      break;
  }
  if (schedule.hour < 0 || schedule.hour > 23) return OutOfRange("hour", schedule.hour, 0, 23);
  if (schedule.minute < 0 || schedule.minute > 59) {
    return OutOfRange("minute", schedule.minute, 0, 59);
  }
  return zone;
}

}  // namespace

absl::Status ValidateSchedule(const Schedule& schedule) {
  absl::StatusOr<const date::time_zone*> zone = CheckFields(schedule);
  if (!zone.ok()) return zone.status();
  if (schedule.frequency == Schedule::Frequency::kCron) {
    return ParseCronSpec(schedule.cron).status();
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> NextRun(const Schedule& schedule, int64_t after_unix_seconds) {
  absl::StatusOr<const date::time_zone*> zone = CheckFields(schedule);
  if (!zone.ok()) return zone.status();
  if (after_unix_seconds < kMinTime || after_unix_seconds > kMaxTime) {
    return absl::InvalidArgumentError(
        absl::StrCat("time ", after_unix_seconds, " is outside the years 1-9999"));
  }
  if (schedule.frequency == Schedule::Frequency::kCron) {
    absl::StatusOr<CronSpec> spec = ParseCronSpec(schedule.cron);
    if (!spec.ok()) return spec.status();
    return NextCronRun(*spec, schedule.cron, *zone, after_unix_seconds);
  }
  return NextFixedRun(schedule, *zone, after_unix_seconds);
}

absl::StatusOr<Schedule> ParseCron(std::string_view expression) {
  const absl::string_view text(expression.data(), expression.size());
  if (absl::Status status = ParseCronSpec(text).status(); !status.ok()) return status;
  Schedule schedule;
  schedule.frequency = Schedule::Frequency::kCron;
  schedule.cron =
      absl::StrJoin(absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty()), " ");
  return schedule;
}

bool IsKnownTimeZone(std::string_view name) { return LocateZone(std::string(name)).ok(); }

const std::vector<std::string>& KnownTimeZones() {
  static const std::vector<std::string>* const names = [] {
    auto* all = new std::vector<std::string>;
    try {
      const date::tzdb& db = date::get_tzdb();
      // The system database (USE_OS_TZDB) lists links, such as "US/Eastern", as zones.
      for (const date::time_zone& zone : db.zones) all->push_back(std::string(zone.name()));
    } catch (const std::exception&) {
      // No tz database: every zone is unknown, and there is nothing to suggest.
    }
    std::sort(all->begin(), all->end());
    return all;
  }();
  return *names;
}

}  // namespace warden::audit
