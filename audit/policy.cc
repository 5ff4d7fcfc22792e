#include "audit/policy.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace warden::audit {
namespace {

using Json = nlohmann::json;

// AWS IoT Device Defender's reason codes for the two policy checks.
constexpr char kBroadAccess[] = "ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS";
constexpr char kMqttWildcardsInDeny[] = "POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT";
constexpr char kDenyBypassedByWildcards[] =
    "TOPIC_FILTERS_INTENDED_TO_DENY_ALLOWED_USING_WILDCARDS";

// What the resource of a data-plane action names, as in "arn:aws:iot:r:a:<kind>/<name>".
enum class Kind { kClient, kTopic, kTopicFilter, kThing };

struct DataPlaneAction {
  absl::string_view name;
  Kind kind;
};

// The data-plane actions a device policy grants: MQTT and Device Shadow.
constexpr DataPlaneAction kDataPlaneActions[] = {
    {"iot:Connect", Kind::kClient},          {"iot:Publish", Kind::kTopic},
    {"iot:RetainPublish", Kind::kTopic},     {"iot:Subscribe", Kind::kTopicFilter},
    {"iot:Receive", Kind::kTopic},           {"iot:GetThingShadow", Kind::kThing},
    {"iot:UpdateThingShadow", Kind::kThing}, {"iot:DeleteThingShadow", Kind::kThing},
};

constexpr absl::string_view kThingTopicPrefix = "$aws/things/";

absl::string_view KindPrefix(Kind kind) {
  switch (kind) {
    case Kind::kClient:
      return "client/";
    case Kind::kTopic:
      return "topic/";
    case Kind::kTopicFilter:
      return "topicfilter/";
    case Kind::kThing:
      return "thing/";
  }
  return "";
}

absl::string_view KindNoun(Kind kind) {
  switch (kind) {
    case Kind::kClient:
      return "client id";
    case Kind::kTopic:
      return "topic";
    case Kind::kTopicFilter:
      return "topic filter";
    case Kind::kThing:
      return "thing";
  }
  return "";
}

// One statement of a policy document, as written.
struct Statement {
  std::string path;  // "Statement[2]"
  bool allow = false;
  bool not_action = false;  // `actions` came from NotAction
  std::vector<std::string> actions;
  bool not_resource = false;  // `resources` came from NotResource
  std::vector<std::string> resources;
  // The Condition ties the connection to its thing (see BindsThing).
  bool binds_thing = false;
};

// IAM-style wildcards: '*' any run of characters (also '/'), '?' one character.
bool Glob(absl::string_view pattern, absl::string_view text, bool ignore_case) {
  size_t p = 0, t = 0;
  size_t star = absl::string_view::npos, star_text = 0;
  auto same = [ignore_case](char a, char b) {
    return ignore_case ? absl::ascii_tolower(static_cast<unsigned char>(a)) ==
                             absl::ascii_tolower(static_cast<unsigned char>(b))
                       : a == b;
  };
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || same(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

absl::Status Invalid(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid policy document: ", path, ": ", what));
}

std::string TypeName(const Json& value) { return value.type_name(); }

// Action, NotAction, Resource or NotResource: a string or a non-empty list of them.
absl::Status ReadStrings(const Json& value, const std::string& path,
                         std::vector<std::string>* out) {
  if (value.is_string()) {
    out->push_back(value.get<std::string>());
    return absl::OkStatus();
  }
  if (!value.is_array() || value.empty()) {
    return Invalid(path, absl::StrCat("expected a string or a non-empty list of strings, got ",
                                      value.is_array() ? "an empty list" : TypeName(value)));
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      return Invalid(absl::StrCat(path, "[", i, "]"),
                     absl::StrCat("expected a string, got ", TypeName(value[i])));
    }
    out->push_back(value[i].get<std::string>());
  }
  return absl::OkStatus();
}

// Reads `key` or `not_key` of a statement: exactly one of them must be there.
absl::Status ReadEither(const Json& statement, const std::string& path, const char* key,
                        const char* not_key, bool* negated, std::vector<std::string>* out) {
  const bool has_key = statement.contains(key);
  const bool has_not_key = statement.contains(not_key);
  if (has_key == has_not_key) {
    return Invalid(path,
                   absl::StrCat("expected exactly one of \"", key, "\" and \"", not_key, "\""));
  }
  *negated = has_not_key;
  const char* name = has_key ? key : not_key;
  return ReadStrings(statement[name], absl::StrCat(path, ".", name), out);
}

// The values of one condition key, as strings.
std::vector<std::string> ConditionValues(const Json& value) {
  std::vector<std::string> out;
  for (const Json& v : value.is_array() ? value : Json::array({value})) {
    out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

// Whether a Condition ties the connection to its thing: under a positive operator
// (Bool, StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike, with or
// without a ForAnyValue:/ForAllValues: prefix; not ...IfExists, which passes when the
// key is absent), either iot:Connection.Thing.IsAttached is true, or iot:ClientId is
// compared with a value naming a ${iot:Connection.Thing.*} variable.
absl::StatusOr<bool> BindsThing(const Json& condition, const std::string& path) {
  if (!condition.is_object()) {
    return Invalid(path, absl::StrCat("expected an object, got ", TypeName(condition)));
  }
  bool binds = false;
  for (const auto& [op, block] : condition.items()) {
    const std::string block_path = absl::StrCat(path, ".", op);
    if (!block.is_object()) {
      return Invalid(block_path, absl::StrCat("expected an object, got ", TypeName(block)));
    }
    absl::string_view base = op;
    if (!absl::ConsumePrefix(&base, "ForAnyValue:")) absl::ConsumePrefix(&base, "ForAllValues:");
    const bool positive = base == "Bool" || base == "StringEquals" ||
                          base == "StringEqualsIgnoreCase" || base == "StringLike" ||
                          base == "ArnEquals" || base == "ArnLike";
    if (!positive) continue;
    for (const auto& [key, value] : block.items()) {
      for (const std::string& v : ConditionValues(value)) {
        if (base == "Bool" && absl::EqualsIgnoreCase(key, "iot:Connection.Thing.IsAttached") &&
            absl::EqualsIgnoreCase(v, "true")) {
          binds = true;
        }
        if (base != "Bool" && absl::EqualsIgnoreCase(key, "iot:ClientId") &&
            absl::StrContains(v, "${iot:Connection.Thing.")) {
          binds = true;
        }
      }
    }
  }
  return binds;
}

absl::StatusOr<Statement> ReadStatement(const Json& json, std::string path) {
  if (!json.is_object()) {
    return Invalid(path, absl::StrCat("expected an object, got ", TypeName(json)));
  }
  Statement s;
  s.path = std::move(path);
  const auto effect = json.find("Effect");
  if (effect == json.end()) return Invalid(s.path, "missing \"Effect\"");
  if (!effect->is_string() || (*effect != "Allow" && *effect != "Deny")) {
    return Invalid(s.path + ".Effect",
                   absl::StrCat("expected \"Allow\" or \"Deny\", got ", effect->dump()));
  }
  s.allow = *effect == "Allow";
  if (absl::Status st = ReadEither(json, s.path, "Action", "NotAction", &s.not_action, &s.actions);
      !st.ok()) {
    return st;
  }
  if (absl::Status st =
          ReadEither(json, s.path, "Resource", "NotResource", &s.not_resource, &s.resources);
      !st.ok()) {
    return st;
  }
  if (const auto condition = json.find("Condition"); condition != json.end()) {
    absl::StatusOr<bool> binds = BindsThing(*condition, s.path + ".Condition");
    if (!binds.ok()) return binds.status();
    s.binds_thing = *binds;
  }
  return s;
}

absl::StatusOr<std::vector<Statement>> ReadStatements(std::string_view document) {
  const Json json =
      Json::parse(document.begin(), document.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return absl::InvalidArgumentError("invalid policy document: not json");
  if (!json.is_object()) {
    return Invalid("document", absl::StrCat("expected an object, got ", TypeName(json)));
  }
  const auto list = json.find("Statement");
  if (list == json.end()) return Invalid("document", "missing \"Statement\"");
  std::vector<Statement> statements;
  if (list->is_object()) {  // IAM allows a single statement without a list
    absl::StatusOr<Statement> s = ReadStatement(*list, "Statement");
    if (!s.ok()) return s.status();
    statements.push_back(*std::move(s));
    return statements;
  }
  if (!list->is_array()) {
    return Invalid("Statement",
                   absl::StrCat("expected a list of statements, got ", TypeName(*list)));
  }
  for (size_t i = 0; i < list->size(); ++i) {
    absl::StatusOr<Statement> s = ReadStatement((*list)[i], absl::StrCat("Statement[", i, "]"));
    if (!s.ok()) return s.status();
    statements.push_back(*std::move(s));
  }
  return statements;
}

// The data-plane actions a statement covers (action names are case-insensitive).
std::vector<DataPlaneAction> CoveredActions(const Statement& s) {
  std::vector<DataPlaneAction> covered;
  for (const DataPlaneAction& action : kDataPlaneActions) {
    const bool listed = std::any_of(s.actions.begin(), s.actions.end(), [&](const std::string& p) {
      return Glob(p, action.name, /*ignore_case=*/true);
    });
    if (listed != s.not_action) covered.push_back(action);
  }
  return covered;
}

// The "<kind>/<name>" part of an AWS IoT ARN pattern, or nullopt for another service or
// a pattern with fewer than six ':' fields ("*", "arn:aws:iot:*").
std::optional<absl::string_view> IotResourcePart(absl::string_view resource) {
  std::vector<absl::string_view> fields = absl::StrSplit(resource, absl::MaxSplits(':', 5));
  if (fields.size() != 6 || !Glob(fields[0], "arn", false) || !Glob(fields[2], "iot", false)) {
    return std::nullopt;
  }
  return fields[5];
}

// Whether resource pattern `resource` matches "arn:aws:iot:<region>:<account>:<part>"
// for some region and account. A pattern with fewer than six ':' fields must cover the
// missing ones with a wildcard.
bool ResourceMatches(absl::string_view resource, absl::string_view part) {
  std::vector<absl::string_view> fields = absl::StrSplit(resource, absl::MaxSplits(':', 5));
  if (fields.size() == 6) {
    const std::optional<absl::string_view> own = IotResourcePart(resource);
    return own.has_value() && Glob(*own, part, false);
  }
  std::vector<absl::string_view> probe = {"arn", "aws", "iot", "us-east-1", "123456789012"};
  for (size_t i = 0; i + 1 < fields.size(); ++i) probe[i] = fields[i];
  return Glob(resource, absl::StrCat(absl::StrJoin(probe, ":"), ":", part), false);
}

// A name no policy writes: only wildcards match it.
constexpr absl::string_view kProbe = "\x01\x02\x03";

// Why `resource` gives `action` to a broad set of devices, or nullopt when it does not.
// Broad: a wildcard covering every name of the kind; a wildcard in a client id or thing
// name, in the first level of a topic, or in the thing of "$aws/things/<thing>/", unless
// a policy variable comes before it; client/${iot:ClientId} for iot:Connect (it matches
// every client id). A Condition binding the thing (`binds_thing`) narrows iot:Connect
// to the device whatever the client resource.
std::optional<std::string> WhyBroad(absl::string_view resource, const DataPlaneAction& action,
                                    bool binds_thing) {
  if (action.kind == Kind::kClient && binds_thing) return std::nullopt;
  const absl::string_view prefix = KindPrefix(action.kind);
  if (ResourceMatches(resource, absl::StrCat(prefix, kProbe))) {
    return absl::StrCat("every ", KindNoun(action.kind));
  }
  std::optional<absl::string_view> part = IotResourcePart(resource);
  if (!part.has_value()) return std::nullopt;
  absl::string_view name = *part;
  if (!absl::ConsumePrefix(&name, prefix)) return std::nullopt;
  if (action.kind == Kind::kClient && name == "${iot:ClientId}") {
    return std::string(
        "every client id (${iot:ClientId} matches any client) without a condition "
        "iot:Connection.Thing.IsAttached: true");
  }
  const size_t wildcard = name.find_first_of("*?");
  if (wildcard == absl::string_view::npos) return std::nullopt;
  const absl::string_view head = name.substr(0, wildcard);
  if (absl::StrContains(head, "${iot:")) return std::nullopt;
  if (action.kind == Kind::kClient || action.kind == Kind::kThing) {
    return absl::StrCat("a wildcard ", KindNoun(action.kind), " not bound to the device");
  }
  if (!absl::StrContains(head, '/')) return std::string("a wildcard in the first topic level");
  absl::string_view thing = head;
  if (absl::ConsumePrefix(&thing, kThingTopicPrefix) && !absl::StrContains(thing, '/')) {
    return std::string("a wildcard thing in $aws/things/");
  }
  if (absl::StartsWith(kThingTopicPrefix, head)) return std::string("every thing's $aws topics");
  return std::nullopt;
}

std::string ActionNames(const std::vector<DataPlaneAction>& actions) {
  return absl::StrJoin(actions, ", ", [](std::string* out, const DataPlaneAction& a) {
    absl::StrAppend(out, a.name);
  });
}

std::string Quoted(const std::vector<std::string>& items) {
  return absl::StrJoin(items, ", ", [](std::string* out, const std::string& s) {
    absl::StrAppend(out, "'", s, "'");
  });
}

// IOT_POLICY_OVERLY_PERMISSIVE_CHECK for one Allow statement.
void CheckAllow(const Statement& s, std::vector<PolicyIssue>* issues) {
  const std::vector<DataPlaneAction> covered = CoveredActions(s);
  if (covered.empty()) return;
  auto add = [&](std::string text) {
    issues->push_back({false, kBroadAccess, s.path, std::move(text)});
  };
  if (s.not_action) {
    add(absl::StrCat("allows every action except ", Quoted(s.actions),
                     " (NotAction), which includes ", ActionNames(covered)));
    return;
  }
  if (s.not_resource) {
    add(absl::StrCat("allows ", ActionNames(covered), " on every resource except ",
                     Quoted(s.resources), " (NotResource)"));
    return;
  }
  for (const std::string& resource : s.resources) {
    std::vector<DataPlaneAction> broad;
    std::vector<std::string> reasons;
    for (const DataPlaneAction& action : covered) {
      std::optional<std::string> why = WhyBroad(resource, action, s.binds_thing);
      if (!why.has_value()) continue;
      broad.push_back(action);
      if (std::find(reasons.begin(), reasons.end(), *why) == reasons.end()) {
        reasons.push_back(*std::move(why));
      }
    }
    if (broad.empty()) continue;
    add(absl::StrCat("allows ", ActionNames(broad), " on '", resource,
                     "': ", absl::StrJoin(reasons, "; ")));
  }
}

bool CoversSubscribe(const Statement& s) {
  const std::vector<DataPlaneAction> covered = CoveredActions(s);
  return std::any_of(covered.begin(), covered.end(),
                     [](const DataPlaneAction& a) { return a.kind == Kind::kTopicFilter; });
}

// Whether statement `s` names topic filter `filter` (taken literally, as AWS IoT does).
bool NamesFilter(const Statement& s, const std::string& filter) {
  const std::string rest = absl::StrCat("topicfilter/", filter);
  const bool listed = std::any_of(s.resources.begin(), s.resources.end(),
                                  [&](const std::string& r) { return ResourceMatches(r, rest); });
  return listed != s.not_resource;
}

// MQTT filters that receive what `deny_name` (a policy topic filter with '*' or '?')
// means to deny: "#" and "<level>/.../#" for each whole level before the first
// wildcard, most specific first.
std::vector<std::string> BypassFilters(absl::string_view deny_name) {
  const absl::string_view head = deny_name.substr(0, deny_name.find_first_of("*?"));
  std::vector<absl::string_view> levels = absl::StrSplit(head, '/');
  levels.pop_back();  // the part of a level before the wildcard
  std::vector<std::string> filters;
  for (size_t n = levels.size() + 1; n-- > 0;) {
    std::vector<absl::string_view> parts(levels.begin(),
                                         levels.begin() + static_cast<std::ptrdiff_t>(n));
    parts.push_back("#");
    filters.push_back(absl::StrJoin(parts, "/"));
  }
  return filters;
}

// IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK for one Deny statement.
void CheckDeny(const Statement& s, const std::vector<Statement>& all,
               std::vector<PolicyIssue>* issues) {
  if (s.not_resource) return;
  const std::vector<DataPlaneAction> covered = CoveredActions(s);
  for (const std::string& resource : s.resources) {
    const std::optional<absl::string_view> part = IotResourcePart(resource);
    if (!part.has_value()) continue;
    absl::string_view name = *part;
    std::vector<DataPlaneAction> topic_actions;
    for (const DataPlaneAction& a : covered) {
      if (absl::StartsWith(name, KindPrefix(a.kind)) &&
          (a.kind == Kind::kTopic || a.kind == Kind::kTopicFilter)) {
        topic_actions.push_back(a);
      }
    }
    if (topic_actions.empty()) continue;
    const bool is_filter = absl::ConsumePrefix(&name, "topicfilter/");
    if (!is_filter) absl::ConsumePrefix(&name, "topic/");
    if (name.find_first_of("+#") != absl::string_view::npos) {
      issues->push_back(
          {true, kMqttWildcardsInDeny, s.path,
           absl::StrCat("denies ", ActionNames(topic_actions), " on '", resource,
                        "', but policies take the MQTT wildcards '+' and '#' literally: only ",
                        is_filter ? "the topic filter" : "the topic", " named exactly '", name,
                        "' is denied")});
    }
    if (!is_filter || name.find_first_of("*?") == absl::string_view::npos) continue;
    for (const std::string& filter : BypassFilters(name)) {
      const auto allows = std::find_if(all.begin(), all.end(), [&](const Statement& t) {
        return t.allow && CoversSubscribe(t) && NamesFilter(t, filter);
      });
      if (allows == all.end()) continue;
      const bool denied = std::any_of(all.begin(), all.end(), [&](const Statement& t) {
        return !t.allow && CoversSubscribe(t) && NamesFilter(t, filter);
      });
      if (denied) continue;
      issues->push_back({true, kDenyBypassedByWildcards, s.path,
                         absl::StrCat("denies iot:Subscribe on '", resource, "', but ",
                                      allows->path, " allows subscribing to '", filter,
                                      "', an MQTT wildcard filter that receives the denied "
                                      "topics")});
      break;
    }
  }
}

}  // namespace

absl::StatusOr<std::vector<PolicyIssue>> AnalyzePolicy(std::string_view document) {
  absl::StatusOr<std::vector<Statement>> statements = ReadStatements(document);
  if (!statements.ok()) return statements.status();
  std::vector<PolicyIssue> issues;
  for (const Statement& s : *statements) {
    if (s.allow) {
      CheckAllow(s, &issues);
    } else {
      CheckDeny(s, *statements, &issues);
    }
  }
  return issues;
}

}  // namespace warden::audit
