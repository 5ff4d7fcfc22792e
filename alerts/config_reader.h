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
// stable codes, unknown keys rejected, every problem reported); the returned config is
// meaningful only when none was added. Never throws.
AlertingConfig ReadAlertingConfig(const YAML::Node& section, const std::string& file,
                                  const std::vector<std::string>& lines,
                                  std::vector<rules::Diagnostic>* diagnostics);

}  // namespace warden::alerts

#endif  // WARDEN_ALERTS_CONFIG_READER_H_
