#ifndef WARDEN_TOOLS_CTL_REGISTRY_H_
#define WARDEN_TOOLS_CTL_REGISTRY_H_

#include <string>

#include "tools/ctl_commands.h"

namespace warden::tools {

// wardenctl's registry commands, after the command line is parsed; exit codes and
// error lines as in ctl_commands.h.

// registry import DIR: reads DIR (layout in tools/README.md), registers what it holds
// in order, shows progress on `err`, then the errors of every file (GNU style, the
// server's with their field path) and a summary line on `out`. With JSON output, one
// document with the registry's answers and the diagnostics instead of the summary.
// 1 when any file failed or DIR cannot be read.
int ImportRegistry(const CommandContext& ctx, const std::string& dir);

enum class RegistryKind { kDevices, kGroups, kCertificates, kCas, kPolicies };

// registry list devices|groups|certificates|cas|policies [--limit N]: pages through
// the list up to `limit` (0: all).
int ListRegistry(const CommandContext& ctx, RegistryKind kind, int limit);

// registry show device NAME / registry show certificate ID.
int ShowRegisteredDevice(const CommandContext& ctx, const std::string& name);
int ShowCertificate(const CommandContext& ctx, const std::string& id);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_CTL_REGISTRY_H_
