#include "audit/schedule_config.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "date/date.h"
#include "date/tz.h"
#include "rules/diagnostics.h"
#include "rules/names.h"
#include "rules/suggest.h"
#include "rules/yaml_reader.h"

namespace warden::audit {
namespace {

using rules::Field;
using rules::Fields;
using rules::FormatLocation;
using rules::NodeReader;
using rules::SourceLocation;
using Frequency = Schedule::Frequency;

constexpr std::string_view kScheduleKeys[] = {"name",         "frequency",  "cron",
                                              "time",         "time_zone",  "day_of_week",
                                              "day_of_month", "start_date", "checks"};
constexpr std::string_view kFrequencyNames[] = {"daily", "weekly", "biweekly", "monthly", "cron"};
constexpr Frequency kFrequencies[] = {Frequency::kDaily, Frequency::kWeekly, Frequency::kBiweekly,
                                      Frequency::kMonthly, Frequency::kCron};
constexpr std::string_view kDayNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                          "thursday", "friday", "saturday"};
constexpr char kCheckNameRule[] =
    "an UPPER_SNAKE_CASE check name such as DEVICE_CERTIFICATE_EXPIRING_CHECK";

// The keys that only some frequencies take, and which.
struct FrequencyKey {
  std::string_view key;
  std::vector<Frequency> frequencies;
  const char* which;  // "weekly and biweekly schedules"
  bool required;      // by the frequencies it applies to
};

const std::vector<FrequencyKey>& FrequencyKeys() {
  static const auto* const keys = new std::vector<FrequencyKey>{
      {"cron", {Frequency::kCron}, "cron schedules", true},
      {"time",
       {Frequency::kDaily, Frequency::kWeekly, Frequency::kBiweekly, Frequency::kMonthly},
       "daily, weekly, biweekly and monthly schedules",
       false},
      {"day_of_week",
       {Frequency::kWeekly, Frequency::kBiweekly},
       "weekly and biweekly schedules",
       true},
      {"day_of_month", {Frequency::kMonthly}, "monthly schedules", true},
      {"start_date", {Frequency::kBiweekly}, "biweekly schedules", false},
  };
  return *keys;
}

std::string_view FrequencyName(Frequency frequency) {
  const auto* it = std::find(std::begin(kFrequencies), std::end(kFrequencies), frequency);
  return kFrequencyNames[it - std::begin(kFrequencies)];
}

// What has been read so far that later entries check against.
struct ReadState {
  rules::DiagnosticSink* sink;
  absl::Span<const std::string> known_checks;
  std::map<std::string, SourceLocation> names;  // every schedule named
};

bool IsUpperSnake(std::string_view name) {
  return !name.empty() && absl::ascii_isupper(static_cast<unsigned char>(name.front())) &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isupper(static_cast<unsigned char>(c)) ||
                  absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_';
         });
}

// A reader whose diagnostics say "in schedule 'nightly' (file:3:7)", or "in schedule #2
// (...)" when the schedule has no usable name.
NodeReader ScheduleReader(const NodeReader& reader, const YAML::Node& entry, size_t index) {
  const std::optional<std::string> name = rules::PeekScalar(entry, "name");
  const std::string which = name.has_value() && rules::IsValidName(*name)
                                ? absl::StrCat("'", *name, "'")
                                : absl::StrCat("#", index + 1);
  return reader.WithNote(
      absl::StrCat("in schedule ", which, " (", FormatLocation(reader.Locate(entry)), ")"));
}

void ReadName(const NodeReader& r, const Field& field, ReadState* state, std::string* out) {
  std::optional<std::string> name = r.String(field);
  if (!name.has_value()) return;
  const SourceLocation at = r.Locate(field);
  if (!rules::IsValidName(*name)) {
    r.Error(at, "E_NAME",
            absl::StrCat("invalid schedule name '", *name, "' (expected ", rules::kNameRule, ")"));
    return;
  }
  if (auto [it, inserted] = state->names.emplace(*name, at); !inserted) {
    r.WithNote(absl::StrCat("'", *name, "' first defined at ", FormatLocation(it->second)))
        .Error(at, "E_DUPLICATE", absl::StrCat("duplicate schedule '", *name, "'"));
    return;
  }
  *out = *std::move(name);
}

// The frequency from `frequency`, or cron when only `cron` is given; nullopt after a
// diagnostic.
std::optional<Frequency> ReadFrequency(const NodeReader& r, const Fields& fields) {
  const Field* field = fields.Find("frequency");
  if (field == nullptr) {
    if (fields.Find("cron") != nullptr) return Frequency::kCron;
    r.Error(r.Locate(fields.node()), "E_MISSING_KEY",
            "missing 'frequency' (daily, weekly, biweekly, monthly or cron) or 'cron'");
    return std::nullopt;
  }
  std::optional<std::string> text = r.String(*field);
  if (!text.has_value()) return std::nullopt;
  for (size_t i = 0; i < std::size(kFrequencyNames); ++i) {
    if (*text == kFrequencyNames[i]) return kFrequencies[i];
  }
  r.Error(r.Locate(*field), "E_VALUE",
          absl::StrCat("unknown frequency '", *text,
                       "' (expected one of: ", rules::JoinNames(kFrequencyNames), ")",
                       rules::DidYouMean(*text, kFrequencyNames)));
  return std::nullopt;
}

void ReadTime(const NodeReader& r, const Field& field, Schedule* schedule) {
  std::optional<std::string> text = r.String(field);
  if (!text.has_value()) return;
  std::vector<absl::string_view> parts = absl::StrSplit(*text, ':');
  int hour = -1, minute = -1;
  const bool ok = parts.size() == 2 && !parts[0].empty() && parts[0].size() <= 2 &&
                  parts[1].size() == 2 &&
                  std::all_of(text->begin(), text->end(),
                              [](char c) { return absl::ascii_isdigit(c) || c == ':'; }) &&
                  absl::SimpleAtoi(parts[0], &hour) && absl::SimpleAtoi(parts[1], &minute) &&
                  hour <= 23 && minute <= 59;
  if (!ok) {
    r.Error(r.Locate(field), "E_VALUE",
            absl::StrCat("invalid time '", *text, "' (expected HH:MM, 00:00 to 23:59)"));
    return;
  }
  schedule->hour = hour;
  schedule->minute = minute;
}

void ReadTimeZone(const NodeReader& r, const Field& field, Schedule* schedule) {
  std::optional<std::string> zone = r.String(field);
  if (!zone.has_value()) return;
  if (!IsKnownTimeZone(*zone)) {
    const std::vector<std::string>& known = KnownTimeZones();
    const std::vector<std::string_view> names(known.begin(), known.end());
    r.Error(r.Locate(field), "E_TIME_ZONE",
            absl::StrCat("unknown time zone '", *zone, "' (expected an IANA name such as ",
                         "Europe/Berlin)", rules::DidYouMean(*zone, names)));
    return;
  }
  schedule->time_zone = *std::move(zone);
}

void ReadCronExpression(const NodeReader& r, const Field& field, Schedule* schedule) {
  std::optional<std::string> text = r.String(field);
  if (!text.has_value()) return;
  absl::StatusOr<Schedule> cron = ParseCron(*text);
  if (!cron.ok()) {
    r.Error(r.Locate(field), "E_CRON", std::string(cron.status().message()));
    return;
  }
  schedule->cron = cron->cron;
}

void ReadDayOfWeek(const NodeReader& r, const Field& field, Schedule* schedule) {
  std::optional<std::string> text = r.String(field);
  if (!text.has_value()) return;
  const std::string lower = absl::AsciiStrToLower(*text);
  for (size_t i = 0; i < std::size(kDayNames); ++i) {
    if (lower == kDayNames[i] || lower == kDayNames[i].substr(0, 3)) {
      schedule->day_of_week = static_cast<int>(i);
      return;
    }
  }
  r.Error(r.Locate(field), "E_VALUE",
          absl::StrCat("unknown day of week '", *text, "' (expected one of: ",
                       rules::JoinNames(kDayNames), ")", rules::DidYouMean(lower, kDayNames)));
}

void ReadDayOfMonth(const NodeReader& r, const Field& field, Schedule* schedule) {
  if (!field.value.IsScalar()) {
    r.Error(r.Locate(field), "E_TYPE",
            absl::StrCat("expected a day of month (1 to 31) or 'last', got ",
                         rules::Describe(field.value)));
    return;
  }
  const std::string& text = field.value.Scalar();
  int day = 0;
  if (absl::EqualsIgnoreCase(text, "last")) {
    schedule->day_of_month = 0;
  } else if (absl::SimpleAtoi(text, &day) && day >= 1 && day <= 31) {
    schedule->day_of_month = day;
  } else {
    r.Error(r.Locate(field), "E_VALUE",
            absl::StrCat("'day_of_month' must be 1 to 31 or 'last', got '", text, "'"));
  }
}

// The date of `start_date` (YYYY-MM-DD); nullopt after a diagnostic.
std::optional<date::local_days> ReadStartDate(const NodeReader& r, const Field& field) {
  std::optional<std::string> text = r.String(field);
  if (!text.has_value()) return std::nullopt;
  std::vector<absl::string_view> parts = absl::StrSplit(*text, '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() == 3 && parts[0].size() == 4 && parts[1].size() == 2 && parts[2].size() == 2 &&
      absl::SimpleAtoi(parts[0], &y) && absl::SimpleAtoi(parts[1], &m) &&
      absl::SimpleAtoi(parts[2], &d) && y >= 1) {
    const date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(m)),
                                   date::day(static_cast<unsigned>(d))};
    if (ymd.ok()) return date::local_days(ymd);
  }
  r.Error(r.Locate(field), "E_VALUE",
          absl::StrCat("invalid date '", *text, "' (expected YYYY-MM-DD)"));
  return std::nullopt;
}

// "all" (every check), one check name, or a list of them.
void ReadChecks(const NodeReader& r, const Field& field, const ReadState& state,
                std::vector<std::string>* checks) {
  if (field.value.IsScalar() && field.value.Scalar() == "all") return;
  std::vector<YAML::Node> entries;
  if (field.value.IsScalar()) {
    entries.push_back(field.value);
  } else if (std::optional<std::vector<YAML::Node>> list = r.Sequence(field); list.has_value()) {
    entries = *std::move(list);
    if (entries.empty()) {
      r.Error(r.Locate(field), "E_VALUE", "'checks' is empty: name checks or write 'all'");
    }
  }
  std::vector<std::string_view> known(state.known_checks.begin(), state.known_checks.end());
  std::map<std::string, SourceLocation> seen;
  for (const YAML::Node& node : entries) {
    const Field entry = Field::Entry(node);
    std::optional<std::string> name = r.String(entry);
    if (!name.has_value()) continue;
    const SourceLocation at = r.Locate(entry);
    if (*name == "all") {
      r.Error(at, "E_VALUE", "'all' stands alone: write 'checks: all'");
      continue;
    }
    if (!IsUpperSnake(*name)) {
      r.Error(at, "E_VALUE",
              absl::StrCat("invalid check name '", *name, "' (expected ", kCheckNameRule, ")"));
      continue;
    }
    if (!known.empty() && std::find(known.begin(), known.end(), *name) == known.end()) {
      r.Error(at, "E_VALUE",
              absl::StrCat("unknown check '", *name, "' (expected one of: ",
                           rules::JoinNames(known), ")", rules::DidYouMean(*name, known)));
      continue;
    }
    if (auto [it, inserted] = seen.emplace(*name, at); !inserted) {
      r.WithNote(absl::StrCat("first given at ", FormatLocation(it->second)))
          .Error(at, "E_DUPLICATE", absl::StrCat("duplicate check '", *name, "'"));
      continue;
    }
    checks->push_back(*std::move(name));
  }
}

void ReadSchedule(const NodeReader& reader, const YAML::Node& entry, size_t index, ReadState* state,
                  std::vector<ScheduledAudit>* out) {
  const int errors_before = state->sink->error_count();
  const NodeReader r = ScheduleReader(reader, entry, index);
  std::optional<Fields> fields = r.Map(Field::Entry(entry), kScheduleKeys);
  if (!fields.has_value()) return;
  ScheduledAudit audit;
  if (const Field* name = r.Require(*fields, "name"); name != nullptr) {
    ReadName(r, *name, state, &audit.name);
  }
  Schedule& schedule = audit.schedule;
  const std::optional<Frequency> frequency = ReadFrequency(r, *fields);
  if (frequency.has_value()) schedule.frequency = *frequency;
  // Keys the frequency does not take, and the keys it needs.
  for (const FrequencyKey& k : FrequencyKeys()) {
    if (!frequency.has_value()) break;
    const bool applies =
        std::find(k.frequencies.begin(), k.frequencies.end(), *frequency) != k.frequencies.end();
    const Field* field = fields->Find(k.key);
    if (field != nullptr && !applies) {
      r.Error(r.Locate(field->key), "E_VALUE",
              absl::StrCat("'", std::string(k.key), "' applies to ", k.which, ", not to a ",
                           std::string(FrequencyName(*frequency)), " one",
                           *frequency == Frequency::kCron ? ": the cron expression sets it" : ""));
    }
    if (field == nullptr && applies && k.required) {
      r.Error(r.Locate(fields->node()), "E_MISSING_KEY",
              absl::StrCat("a ", std::string(FrequencyName(*frequency)), " schedule needs '",
                           std::string(k.key), "'"));
    }
  }
  if (const Field* f = fields->Find("time_zone"); f != nullptr) ReadTimeZone(r, *f, &schedule);
  if (const Field* f = fields->Find("cron"); f != nullptr) ReadCronExpression(r, *f, &schedule);
  if (const Field* f = fields->Find("time"); f != nullptr) ReadTime(r, *f, &schedule);
  if (const Field* f = fields->Find("day_of_week"); f != nullptr) ReadDayOfWeek(r, *f, &schedule);
  if (const Field* f = fields->Find("day_of_month"); f != nullptr) {
    ReadDayOfMonth(r, *f, &schedule);
  }
  if (const Field* f = fields->Find("start_date"); f != nullptr) {
    // The anchor is the start date's first instant in the schedule's zone.
    if (std::optional<date::local_days> start = ReadStartDate(r, *f);
        start.has_value() && IsKnownTimeZone(schedule.time_zone)) {
      schedule.biweekly_anchor =
          date::make_zoned(schedule.time_zone, *start, date::choose::earliest)
              .get_sys_time()
              .time_since_epoch()
              .count();
    }
  }
  if (const Field* f = fields->Find("checks"); f != nullptr) {
    ReadChecks(r, *f, *state, &audit.checks);
  }
  if (state->sink->error_count() == errors_before) out->push_back(std::move(audit));
}

}  // namespace

std::vector<ScheduledAudit> ReadAuditSchedules(const YAML::Node& section, const std::string& file,
                                               const std::vector<std::string>& lines,
                                               std::vector<rules::Diagnostic>* diagnostics,
                                               absl::Span<const std::string> known_checks) {
  std::vector<ScheduledAudit> schedules;
  if (!section.IsDefined() || section.IsNull()) return schedules;
  rules::DiagnosticSink sink;
  sink.AddSource(file, absl::StrJoin(lines, "\n"));
  const NodeReader reader(file, &sink);
  ReadState state{&sink, known_checks, {}};
  try {
    if (std::optional<std::vector<YAML::Node>> entries = reader.Sequence(Field::Entry(section));
        entries.has_value()) {
      for (size_t i = 0; i < entries->size(); ++i) {
        ReadSchedule(reader, (*entries)[i], i, &state, &schedules);
      }
    }
  } catch (const YAML::Exception& e) {
    reader.Error(reader.Locate(section), "E_YAML",
                 absl::StrCat("cannot read the audit schedules: ", e.msg));
  }
  for (rules::Diagnostic& d : sink.TakeSorted()) diagnostics->push_back(std::move(d));
  return schedules;
}

}  // namespace warden::audit
