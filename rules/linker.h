#ifndef WARDEN_RULES_LINKER_H_
#define WARDEN_RULES_LINKER_H_

#include <memory>
#include <string>
#include <vector>

#include "rules/diagnostics.h"
#include "rules/drafts.h"
#include "rules/model.h"

namespace warden::rules {

// The compile phase, after every document of every file is read: finds duplicate
// profile, list and device names; resolves named lists (E_LIST_UNKNOWN, E_LIST_TYPE)
// and shares each among the behaviours that name it; settles the type of custom
// metrics compared with named sets and checks that a custom metric has one type
// everywhere; warns about target groups no device is in (W_EMPTY_TARGET); computes
// fingerprints. Returns the RuleSet, or nullptr when `sink` holds any error.
//
// `complete` is false when some file could not be read or parsed: the checks that
// would blame a definition that may be in that file (unknown lists, empty groups)
// are skipped rather than piled on top of the real error.
std::shared_ptr<const RuleSet> Link(Drafts drafts, bool complete, DiagnosticSink* sink);

// A stable hash (FNV-1a, 64 bits) of what decides a behaviour's violations: metric,
// operator, the value or the list name (an inline list's sorted `inline_values`),
// duration and the alarm and clear counts.
uint64_t Fingerprint(const Behaviour& behaviour, const std::vector<std::string>& inline_values);

// Behaviour::series: the metric id, tagged with a hash of the topic filter if any.
std::string SeriesKey(const Behaviour& behaviour);

}  // namespace warden::rules

#endif  // WARDEN_RULES_LINKER_H_
