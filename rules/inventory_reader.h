#ifndef WARDEN_RULES_INVENTORY_READER_H_
#define WARDEN_RULES_INVENTORY_READER_H_

#include <map>
#include <string>
#include <vector>

#include "rules/drafts.h"
#include "rules/yaml_reader.h"
#include "yaml-cpp/yaml.h"

namespace warden::rules {

// Reads a device inventory document (keys devices, description; the caller has seen
// the `devices` key; each device has name, groups and attributes) into out->devices. Devices with a
// valid name are added even when other fields are bad; duplicate names are the linker's to find.
void ReadInventoryDocument(const NodeReader& reader, const YAML::Node& document, Drafts* out);

// Reads `groups: [...]`, shared by devices and profile targets. Valid names go to
// `out` with their positions, bad ones are E_NAME. Returns the entries as written.
size_t ReadGroups(const NodeReader& reader, const Field& field, std::vector<NameAt>* out);

// Reads `attributes: {name: value}`, shared by devices and profile targets. Bad names
// are E_NAME. Returns the pairs as written.
size_t ReadAttributes(const NodeReader& reader, const Field& field,
                      std::map<std::string, std::string>* out);

}  // namespace warden::rules

#endif  // WARDEN_RULES_INVENTORY_READER_H_
