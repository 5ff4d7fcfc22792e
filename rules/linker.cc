#include "rules/linker.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rules/operator_fit.h"
#include "rules/suggest.h"

namespace warden::rules {
namespace {

// Reports E_DUPLICATE with a note at the first definition, for the error's context.
void ReportDuplicate(DiagnosticSink* sink, const char* kind, const std::string& name,
                     const SourceLocation& at, const SourceLocation& first,
                     std::vector<std::string> notes = {}) {
  notes.push_back(absl::StrCat("'", name, "' first defined at ", FormatLocation(first)));
  sink->Error(at, "E_DUPLICATE", absl::StrCat("duplicate ", kind, " '", name, "'"),
              std::move(notes));
}

std::vector<std::string> With(std::vector<std::string> notes, std::string note) {
  notes.push_back(std::move(note));
  return notes;
}

// The RuleSet under construction, with the positions of what it holds. One per
// load; not thread-safe.
class Linker {
 public:
  Linker(bool complete, DiagnosticSink* sink) : complete_(complete), sink_(sink) {}

  void AddLists(std::vector<ListDraft> lists) {
    for (ListDraft& draft : lists) {
      const std::string& name = draft.list->name;
      auto [it, inserted] = list_at_.emplace(name, draft.at);
      if (!inserted) {
        ReportDuplicate(sink_, "list", name, draft.at, it->second);
        continue;
      }
      rules_->lists.emplace(name, std::move(draft.list));
    }
  }

  void AddDevices(std::vector<DeviceDraft> devices) {
    std::map<std::string, SourceLocation> device_at;
    for (DeviceDraft& draft : devices) {
      const std::string& name = draft.device.name;
      auto [it, inserted] = device_at.emplace(name, draft.at);
      if (!inserted) {
        ReportDuplicate(sink_, "device", name, draft.at, it->second);
        continue;
      }
      groups_.insert(draft.device.groups.begin(), draft.device.groups.end());
      rules_->devices.emplace(name, std::move(draft.device));
    }
  }

  void AddProfiles(std::vector<ProfileDraft> profiles) {
    std::map<std::string, SourceLocation> profile_at;
    for (ProfileDraft& draft : profiles) {
      Profile& profile = draft.profile;
      auto [it, inserted] = profile_at.emplace(profile.name, profile.location);
      if (!inserted) {
        ReportDuplicate(sink_, "profile", profile.name, profile.location, it->second);
        continue;
      }
      for (const NameAt& group : draft.target_groups) {
        if (complete_ && groups_.count(group.name) == 0) {
          sink_->Warning(group.at, "W_EMPTY_TARGET",
                         absl::StrCat("no device in the inventory is in group '", group.name,
                                      "', so this target selects nothing"),
                         draft.notes);
        }
      }
      for (BehaviourDraft& behaviour : draft.behaviours) {
        behaviour.behaviour.key = BehaviourKey(profile.name, behaviour.behaviour.name);
        if (Resolve(&behaviour)) profile.behaviours.push_back(std::move(behaviour.behaviour));
      }
      rules_->profiles.push_back(std::move(profile));
    }
  }

  std::shared_ptr<const RuleSet> Finish() {
    if (sink_->error_count() > 0) return nullptr;
    return std::move(rules_);
  }

 private:
  // Resolves the named list, settles the metric type and computes the fingerprint.
  bool Resolve(BehaviourDraft* draft) {
    Behaviour& b = draft->behaviour;
    if (draft->list_ref.has_value() && !ResolveList(*draft->list_ref, draft)) return false;
    if (!CheckMetricType(*draft)) return false;
    b.series = SeriesKey(b);
    b.fingerprint = Fingerprint(b, draft->inline_values);
    return true;
  }

  bool ResolveList(const NameAt& ref, BehaviourDraft* draft) {
    Behaviour& b = draft->behaviour;
    auto it = rules_->lists.find(ref.name);
    if (it == rules_->lists.end()) {
      if (!complete_) return false;
      std::vector<std::string_view> names;
      for (const auto& [name, list] : rules_->lists) names.push_back(name);
      std::string suggestion = DidYouMean(ref.name, names);
      sink_->Error(
          ref.at, "E_LIST_UNKNOWN",
          absl::StrCat("unknown list '", ref.name, "'",
                       suggestion.empty() ? " (no list of that name is defined)" : suggestion),
          draft->notes);
      return false;
    }
    const NamedList& list = *it->second;
    if (!ListFits(b.op, list.type)) {
      sink_->Error(ref.at, "E_LIST_TYPE",
                   absl::StrCat("list '", ref.name, "' is a ", std::string(ListTypeName(list.type)),
                                " list, but operator '", std::string(OperatorName(b.op)),
                                "' needs ", ListNeededBy(b.op)),
                   With(draft->notes, absl::StrCat("'", ref.name, "' defined at ",
                                                   FormatLocation(list_at_.at(ref.name)))));
      return false;
    }
    if (b.metric.builtin == BuiltinMetric::kCustom && !IsNumberOperator(b.op) &&
        b.metric.type != ValueType::kIpList) {
      b.metric.type =
          list.type == ListType::kNumber ? ValueType::kNumberList : ValueType::kStringList;
    }
    b.list = it->second;
    return true;
  }

  // A custom metric has one type in every behaviour of every profile.
  bool CheckMetricType(const BehaviourDraft& draft) {
    const Metric& metric = draft.behaviour.metric;
    if (metric.builtin != BuiltinMetric::kCustom) return true;
    auto [it, inserted] = custom_types_.emplace(metric.id, std::pair(metric.type, draft.metric_at));
    if (inserted || it->second.first == metric.type) return true;
    sink_->Error(
        draft.metric_at, "E_METRIC",
        absl::StrCat("custom metric '", metric.id, "' is used as a ", ValueTypeName(metric.type),
                     " here but as a ", ValueTypeName(it->second.first),
                     " elsewhere; a metric has one type"),
        With(draft.notes, absl::StrCat("first used at ", FormatLocation(it->second.second))));
    return false;
  }

  const bool complete_;
  DiagnosticSink* const sink_;
  std::shared_ptr<RuleSet> rules_ = std::make_shared<RuleSet>();
  std::map<std::string, SourceLocation> list_at_;
  std::set<std::string> groups_;  // every group some device is in
  std::map<std::string, std::pair<ValueType, SourceLocation>> custom_types_;
};

}  // namespace

std::string SeriesKey(const Behaviour& b) {
  if (!b.topic_filter.has_value()) return b.metric.id;
  std::vector<std::string> filters = b.topic_filter->filters;
  std::sort(filters.begin(), filters.end());
  filters.erase(std::unique(filters.begin(), filters.end()), filters.end());
  const std::string canonical =
      absl::StrCat(b.topic_filter->in ? "in" : "not-in", "\x1f", absl::StrJoin(filters, "\x1f"));
  uint32_t hash = 2166136261u;  // FNV-1a 32
  for (unsigned char c : canonical) {
    hash ^= c;
    hash *= 16777619u;
  }
  char tag[16];
  std::snprintf(tag, sizeof(tag), "#%08x", hash);
  return absl::StrCat(b.metric.id, tag);
}

uint64_t Fingerprint(const Behaviour& b, const std::vector<std::string>& inline_values) {
  std::string canonical = absl::StrCat("metric=", b.metric.id, "\n",
                                       "operator=", std::string(OperatorName(b.op)), "\n");
  if (b.statistic.has_value()) {
    absl::StrAppend(&canonical, "statistic=", b.statistic->name, "\n",
                    "min_devices=", b.statistic->min_devices, "\n");
  } else if (b.baseline.has_value()) {
    absl::StrAppend(&canonical, "baseline=", std::string(ConfidenceName(b.baseline->confidence)),
                    ",", b.baseline->warmup_datapoints, ",", b.baseline->hourly ? 1 : 0, "\n");
  } else if (IsNumberOperator(b.op)) {
    char value[32];
    std::snprintf(value, sizeof(value), "%.17g", b.value);
    absl::StrAppend(&canonical, "value=", value, "\n");
  } else if (b.list != nullptr && !b.list->name.empty()) {
    absl::StrAppend(&canonical, "list=", b.list->name, "\n");
  } else {
    absl::StrAppend(&canonical, "inline=", absl::StrJoin(inline_values, "\x1f"), "\n");
  }
  if (b.series != b.metric.id) absl::StrAppend(&canonical, "series=", b.series, "\n");
  absl::StrAppend(&canonical, "duration=", b.duration_seconds, "\n",
                  "alarm=", b.consecutive_datapoints_to_alarm, "\n",
                  "clear=", b.consecutive_datapoints_to_clear, "\n");
  uint64_t hash = 14695981039346656037ull;  // FNV-1a offset basis
  for (unsigned char c : canonical) {
    hash ^= c;
    hash *= 1099511628211ull;  // FNV-1a prime
  }
  return hash;
}

std::shared_ptr<const RuleSet> Link(Drafts drafts, bool complete, DiagnosticSink* sink) {
  Linker linker(complete, sink);
  linker.AddLists(std::move(drafts.lists));
  linker.AddDevices(std::move(drafts.devices));
  linker.AddProfiles(std::move(drafts.profiles));
  return linker.Finish();
}

}  // namespace warden::rules
