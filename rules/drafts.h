#ifndef WARDEN_RULES_DRAFTS_H_
#define WARDEN_RULES_DRAFTS_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules/lists.h"
#include "rules/model.h"

// What the document readers hand the linker: each document validated on its own,
// with the positions the cross-document checks (duplicate names, list references,
// metric types, empty targets) need for their diagnostics.

namespace warden::rules {

// A name as written, with where it was written.
struct NameAt {
  std::string name;
  SourceLocation at;
};

// A named list document, compiled. Not thread-safe until shared in a RuleSet.
struct ListDraft {
  std::shared_ptr<NamedList> list;
  SourceLocation at;  // the name
};

// A behaviour whose named list (if any) is not resolved yet. For in-set and
// not-in-set on a named list, the custom metric's type comes from the list's type.
struct BehaviourDraft {
  Behaviour behaviour;  // list is set for inline lists only
  std::optional<NameAt> list_ref;
  // An inline list's values in canonical form and sorted, for the fingerprint.
  std::vector<std::string> inline_values;
  SourceLocation metric_at;
  std::vector<std::string> notes;  // context for the linker's diagnostics
};

struct ProfileDraft {
  Profile profile;  // without behaviours; the linker adds them
  std::vector<BehaviourDraft> behaviours;
  std::vector<NameAt> target_groups;
  std::vector<std::string> notes;
};

struct DeviceDraft {
  Device device;
  SourceLocation at;  // the name
};

// Every document of every file, as read.
struct Drafts {
  std::vector<ProfileDraft> profiles;
  std::vector<ListDraft> lists;
  std::vector<DeviceDraft> devices;
};

}  // namespace warden::rules

#endif  // WARDEN_RULES_DRAFTS_H_
