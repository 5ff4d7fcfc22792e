#ifndef WARDEN_TOOLS_WARDENCTL_CLI_COMMANDS_H_
#define WARDEN_TOOLS_WARDENCTL_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>

#include "tools/ctl_commands.h"

namespace warden::tools {

// Command groups of wardenctl's command line, each in its own file. Each adds its
// subcommands and their options to `app`; when one of them is parsed, `*run` is set to
// the command. The options' values live as long as `app`.
using CommandRunner = std::function<int(const CommandContext&)>;

// registry import|list|show (wardenctl_cli_registry.cc).
void AddRegistryCommands(CLI::App* app, CommandRunner* run);
// audit run|tasks|task|findings|suppress|unsuppress|suppressions (wardenctl_cli_audit.cc).
void AddAuditCommands(CLI::App* app, CommandRunner* run);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_WARDENCTL_CLI_COMMANDS_H_
