#ifndef WARDEN_RULES_PROFILE_READER_H_
#define WARDEN_RULES_PROFILE_READER_H_

#include "rules/drafts.h"
#include "rules/yaml_reader.h"
#include "yaml-cpp/yaml.h"

namespace warden::rules {

// Reads a profile document (keys profile, description, targets, behaviours; the
// caller has seen the `profile` key) into out->profiles. Each behaviour is validated on its own:
// metric, operator and its fit to the metric's type, the value or inline list, duration, counts,
// severity, labels. Named lists are resolved later by the linker. A behaviour whose metric or
// operator is unusable is reported and left out, so that the linker adds no errors of its own on
// top.
void ReadProfileDocument(const NodeReader& reader, const YAML::Node& document, Drafts* out);

}  // namespace warden::rules

#endif  // WARDEN_RULES_PROFILE_READER_H_
