#ifndef WARDEN_RULES_LIST_READER_H_
#define WARDEN_RULES_LIST_READER_H_

#include <vector>

#include "rules/drafts.h"
#include "rules/lists.h"
#include "rules/yaml_reader.h"
#include "yaml-cpp/yaml.h"

namespace warden::rules {

// Compiles YAML `values` into `list` according to list->type, then sorts and
// finalizes it. Each bad value is its own E_LIST_VALUE diagnostic at that value:
//   cidr:   "10.0.0.0/8", "2001:db8::/32", a bare address, or "country:CN" (the geoip
//           database comes from reader.context(); its want is E_GEOIP at the first
//           country entry)
//   port:   an integer 0–65535, or a "lo-hi" range string
//   number: a finite number
//   string: any scalar
void CompileListValues(const NodeReader& reader, const std::vector<YAML::Node>& values,
                       NamedList* list);

// Reads a list document (keys list, type, values or file, description; the caller has
// seen the `list` key) into out->lists. `file` names a list file, relative to the YAML
// file's directory, with one value per line (rules/list_file.h); it is read only when
// reader.context() allows it, and a bad line is reported at its own file:line:col.
// The list is added when its name and type are valid, so that references to it do
// not cascade into more errors when only a value is bad.
void ReadListDocument(const NodeReader& reader, const YAML::Node& document, Drafts* out);

}  // namespace warden::rules

#endif  // WARDEN_RULES_LIST_READER_H_
