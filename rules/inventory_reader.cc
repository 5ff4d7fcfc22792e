#include "rules/inventory_reader.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "rules/names.h"

namespace warden::rules {
namespace {

void ReadDevice(const NodeReader& reader, const YAML::Node& entry, size_t index, Drafts* out) {
  const std::optional<std::string> peeked = PeekScalar(entry, "name");
  const std::string which = peeked.has_value() && IsValidThingName(*peeked)
                                ? absl::StrCat("'", *peeked, "'")
                                : absl::StrCat("#", index + 1);
  const NodeReader r = reader.WithNote(
      absl::StrCat("in device ", which, " (", FormatLocation(reader.Locate(entry)), ")"));
  std::optional<Fields> fields = r.Map(Field::Entry(entry), {"name", "groups", "attributes"});
  if (!fields.has_value()) return;

  DeviceDraft draft;
  Device& device = draft.device;
  bool named = false;
  if (const Field* name = r.Require(*fields, "name"); name != nullptr) {
    draft.at = r.Locate(*name);
    if (std::optional<std::string> text = r.String(*name); text.has_value()) {
      device.name = *text;
      named = IsValidThingName(device.name);
      if (!named) {
        r.Error(draft.at, "E_NAME",
                absl::StrCat("invalid device name '", device.name, "' (expected ", kThingNameRule,
                             ")"));
      }
    }
  }
  if (const Field* groups = fields->Find("groups"); groups != nullptr) {
    std::vector<NameAt> names;
    ReadGroups(r, *groups, &names);
    for (NameAt& group : names) device.groups.push_back(std::move(group.name));
  }
  if (const Field* attributes = fields->Find("attributes"); attributes != nullptr) {
    ReadAttributes(r, *attributes, &device.attributes);
  }
  if (named) out->devices.push_back(std::move(draft));
}

}  // namespace

size_t ReadGroups(const NodeReader& reader, const Field& field, std::vector<NameAt>* out) {
  std::optional<std::vector<YAML::Node>> entries = reader.Sequence(field);
  if (!entries.has_value()) return 0;
  for (const YAML::Node& entry : *entries) {
    const Field group = Field::Entry(entry);
    std::optional<std::string> name = reader.String(group);
    if (!name.has_value()) continue;
    if (!IsValidThingName(*name)) {
      reader.Error(
          reader.Locate(group), "E_NAME",
          absl::StrCat("invalid group name '", *name, "' (expected ", kThingNameRule, ")"));
      continue;
    }
    out->push_back(NameAt{*name, reader.Locate(group)});
  }
  return entries->size();
}

size_t ReadAttributes(const NodeReader& reader, const Field& field,
                      std::map<std::string, std::string>* out) {
  std::optional<Fields> pairs = reader.Map(field, {});
  if (!pairs.has_value()) return 0;
  for (const auto& [key, pair] : pairs->pairs()) {
    if (!IsValidAttributeName(key)) {
      reader.Error(
          reader.Locate(pair.key), "E_NAME",
          absl::StrCat("invalid attribute name '", key, "' (expected ", kAttributeNameRule, ")"));
      continue;
    }
    if (std::optional<std::string> value = reader.String(pair); value.has_value()) {
      (*out)[key] = *value;
    }
  }
  return pairs->pairs().size();
}

void ReadInventoryDocument(const NodeReader& reader, const YAML::Node& document, Drafts* out) {
  std::optional<Fields> fields = reader.Map(Field::Entry(document), {"devices", "description"});
  if (!fields.has_value()) return;
  if (const Field* description = fields->Find("description"); description != nullptr) {
    reader.String(*description);  // only checked: the inventory keeps no description
  }
  std::optional<std::vector<YAML::Node>> devices = reader.Sequence(*fields->Find("devices"));
  if (!devices.has_value()) return;
  for (size_t i = 0; i < devices->size(); ++i) ReadDevice(reader, (*devices)[i], i, out);
}

}  // namespace warden::rules
