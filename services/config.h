#ifndef WARDEN_SERVICES_CONFIG_H_
#define WARDEN_SERVICES_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/server.h"

namespace warden::services {

// Reads a wardend YAML config file (format: deploy/wardend.yaml, services/README.md)
// over `defaults`. Relative paths in it are relative to the file's directory.
// Errors: InvalidArgument whose message is the rendered diagnostics (file:line:col,
// source line, caret, code), every problem at once; unknown keys are errors.
absl::StatusOr<ServerOptions> LoadConfigFile(const std::string& path,
                                             const ServerOptions& defaults);

}  // namespace warden::services

#endif  // WARDEN_SERVICES_CONFIG_H_
