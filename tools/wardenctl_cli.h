#ifndef WARDEN_TOOLS_WARDENCTL_CLI_H_
#define WARDEN_TOOLS_WARDENCTL_CLI_H_

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/clock.h"
#include "tools/warden_api.h"

namespace warden::tools {

// Makes the client for --server and --timeout (NewGrpcWardenApi in the binary, a fake
// in tests).
using WardenApiFactory =
    std::function<std::unique_ptr<WardenApi>(const std::string& server, absl::Duration timeout)>;

// What wardenctl runs against. Not owned; all must outlive RunWardenctl.
struct CliEnvironment {
  WardenApiFactory api_factory;
  const Clock* clock = nullptr;
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::function<void(absl::Duration)> sleep;  // see CommandContext
  bool err_is_terminal = false;
};

// Parses wardenctl's command line (see tools/README.md) and runs the command.
// Returns the exit code: 0 success, 1 failure, 2 usage error (CLI11 prints which).
// The client is made only for commands that talk to the server.
int RunWardenctl(int argc, const char* const* argv, const CliEnvironment& env);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_WARDENCTL_CLI_H_
