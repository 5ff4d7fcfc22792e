#ifndef WARDEN_ALERTS_CONFIG_READER_H_
#define WARDEN_ALERTS_CONFIG_READER_H_

#include <string>
#include <vector>

#include "alerts/config.h"
#include "rules/loader.h"
#include "yaml-cpp/yaml.h"

namespace warden::alerts {

// Reads the `alerting:` section of a wardend config (format: alerts/README.md).
// Problems are appended to `diagnostics` (file:line:col, source line from `lines`,
// stable codes, unknown keys rejected, every problem reported, in position order); the
// returned config is meaningful only when none was added. A missing or empty section is
// an empty config. Relative TLS file paths are made relative to the directory of `file`.
// A bad secret's diagnostic has no source line, so the secret stays out of logs.
// Never throws.
AlertingConfig ReadAlertingConfig(const YAML::Node& section, const std::string& file,
                                  const std::vector<std::string>& lines,
                                  std::vector<rules::Diagnostic>* diagnostics);

}  // namespace warden::alerts

#endif  // WARDEN_ALERTS_CONFIG_READER_H_
