#ifndef WARDEN_TOOLS_TIME_ARGS_H_
#define WARDEN_TOOLS_TIME_ARGS_H_

#include <google/protobuf/timestamp.pb.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace warden::tools {

// Parses a command-line time: either a duration back from `now` ("90s", "30m", "1h",
// "1h30m", "2d", "1d12h") or an RFC3339 time ("2026-11-26T10:00:00Z", an offset such
// as "+01:00" and fractional seconds allowed).
// Errors: InvalidArgument naming the text and both accepted forms.
absl::StatusOr<absl::Time> ParseTimeArg(absl::string_view text, absl::Time now);

// Like ParseTimeArg, but a duration is ahead of `now` ("30d": in thirty days), for an
// expiry such as a suppression's --until.
absl::StatusOr<absl::Time> ParseFutureTimeArg(absl::string_view text, absl::Time now);

// RFC3339 in UTC to the second, "2026-11-26T10:00:00Z"; "-" for the Unix epoch, which
// is what an unset google.protobuf.Timestamp holds.
std::string FormatUtcTime(absl::Time t);
std::string FormatTimestamp(const google::protobuf::Timestamp& ts);

google::protobuf::Timestamp ToTimestamp(absl::Time t);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_TIME_ARGS_H_
