#include "tools/time_args.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace warden::tools {
namespace {

// absl::ParseDuration plus a leading whole number of days: "2d", "1d12h".
bool ParseDays(absl::string_view text, absl::Duration* d) {
  absl::Duration days = absl::ZeroDuration();
  const size_t day_mark = text.find('d');
  if (day_mark != absl::string_view::npos) {
    int64_t n = 0;
    if (day_mark == 0 || !absl::SimpleAtoi(text.substr(0, day_mark), &n) || n < 0) return false;
    days = absl::Hours(24) * n;
    text.remove_prefix(day_mark + 1);
    if (text.empty()) {
      *d = days;
      return true;
    }
  }
  absl::Duration rest;
  if (!absl::ParseDuration(text, &rest) || rest < absl::ZeroDuration()) return false;
  *d = days + rest;
  return true;
}

}  // namespace

absl::StatusOr<absl::Time> ParseTimeArg(absl::string_view text, absl::Time now) {
  absl::Duration lookback;
  if (ParseDays(text, &lookback)) return now - lookback;
  absl::Time t;
  std::string unused_error;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &unused_error)) return t;
  return absl::InvalidArgumentError(
      absl::StrCat("invalid time '", text,
                   "': expected a duration back from now (90s, 30m, 1h, 2d) or an RFC3339 "
                   "time (2026-11-26T10:00:00Z)"));
}

absl::StatusOr<absl::Time> ParseFutureTimeArg(absl::string_view text, absl::Time now) {
  absl::Duration ahead;
  if (ParseDays(text, &ahead)) return now + ahead;
  absl::Time t;
  std::string unused_error;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &unused_error)) return t;
  return absl::InvalidArgumentError(
      absl::StrCat("invalid time '", text,
                   "': expected a duration from now (12h, 30d, 1d12h) or an RFC3339 time "
                   "(2026-12-31T00:00:00Z)"));
}

std::string FormatUtcTime(absl::Time t) {
  if (t == absl::UnixEpoch()) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string FormatTimestamp(const google::protobuf::Timestamp& ts) {
  return FormatUtcTime(absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos()));
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rem = nanos % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    --seconds;
  }
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rem));
  return ts;
}

}  // namespace warden::tools
