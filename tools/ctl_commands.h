#ifndef WARDEN_TOOLS_CTL_COMMANDS_H_
#define WARDEN_TOOLS_CTL_COMMANDS_H_

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "rules/loader.h"
#include "tools/warden_api.h"
#include "warden/v1/violation.pb.h"

namespace warden::tools {

// wardenctl's commands, one function each, after the command line is parsed. Each
// returns the process exit code: 0 on success, 1 on failure. An RPC failure is printed
// to `err` as one line (or, when the server's message has several, a line and then the
// message):
//   wardenctl: violations list: UNAVAILABLE: cannot reach wardend at ...
// A local failure (a file that cannot be read, a malformed report) likewise, without a
// status code.

enum class OutputFormat {
  kTable,  // aligned columns for people
  kJson,   // the response message as one JSON document, for scripts
};

// What every command runs with. Not owned; all must outlive the call.
struct CommandContext {
  WardenApi* api = nullptr;  // unused by validate
  OutputFormat output = OutputFormat::kTable;
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  const Clock* clock = nullptr;  // "now" for --since/--until durations, --wait deadlines
  // Waits between polls (audit run --wait); absl::SleepFor in the binary.
  std::function<void(absl::Duration)> sleep;
  // Whether `err` is a terminal: progress is then a bar redrawn in place.
  bool err_is_terminal = false;
};

// validate [--geoip-database FILE] PATH...: loads profile, list and inventory files
// (directories recursively) locally, as wardend would with `options`; diagnostics to
// `err`; "ok: N profiles, M lists" on success. With JSON output, a
// warden.v1.ValidateProfilesResponse. 1 when there is an error.
int Validate(const CommandContext& ctx, const std::vector<std::string>& paths,
             const rules::LoadOptions& options = {});

// push --device NAME FILE: parses the AWS report document in FILE ("-": standard
// input) and sends it with IngestService.Report. 0 on ACCEPTED or DUPLICATE.
int Push(const CommandContext& ctx, const std::string& device, const std::string& file);

struct ListViolationsArgs {
  std::string device, profile, behaviour;
  std::vector<v1::VerificationState> states;  // empty: any
  int limit = 0;                              // 0: all
};
// violations list: pages through ListActiveViolations up to `limit`.
int ListViolations(const CommandContext& ctx, const ListViolationsArgs& args);

struct ListEventsArgs {
  std::string since, until;  // "" or a duration back from now, or RFC3339
  std::string device, profile, behaviour;
  int limit = 0;  // 0: all
};
// violations events: pages through ListViolationEvents in [since, until). 2 when a
// time cannot be parsed or since is not before until.
int ListEvents(const CommandContext& ctx, const ListEventsArgs& args);

// violations verify ID --state S [--description TEXT]: prints the updated violation.
int VerifyViolation(const CommandContext& ctx, const std::string& violation_id,
                    v1::VerificationState state, const std::string& description);

// device show NAME.
int ShowDevice(const CommandContext& ctx, const std::string& device);

// profiles list / profiles reload. A rejected reload prints the server's diagnostics.
int ListProfiles(const CommandContext& ctx);
int ReloadProfiles(const CommandContext& ctx);

// alerts dead-letter list [--receiver R] [--limit N]: pages through ListDeadLetters.
int ListDeadLetters(const CommandContext& ctx, const std::string& receiver, int limit);
// alerts dead-letter replay --receiver R [--event ID]...: queues them again.
int ReplayDeadLetters(const CommandContext& ctx, const std::string& receiver,
                      const std::vector<std::string>& event_ids);
// alerts status: per delivery target, queued events, oldest age, failures.
int AlertingStatus(const CommandContext& ctx);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_CTL_COMMANDS_H_
