#include "rules/profile_reader.h"

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rules/inventory_reader.h"
#include "rules/list_reader.h"
#include "rules/names.h"
#include "rules/operator_fit.h"
#include "rules/suggest.h"
#include "rules/topic_filter.h"

namespace warden::rules {
namespace {

constexpr int64_t kMaxDurationSeconds = int64_t{7} * 86400;
constexpr int64_t kMaxConsecutiveDatapoints = 10;

constexpr std::string_view kProfileKeys[] = {"profile", "description", "targets", "behaviours"};
constexpr std::string_view kTargetsKeys[] = {"all", "groups", "attributes"};
constexpr std::string_view kBehaviourKeys[] = {
    "name",
    "metric",
    "operator",
    "value",
    "list",
    "duration_seconds",
    "consecutive_datapoints_to_alarm",
    "consecutive_datapoints_to_clear",
    "severity",
    "labels",
    "suppress_alerts",
    "description",
    "statistic",
    "min_devices",
    "baseline",
    "topic_filter",
};
constexpr std::string_view kBaselineKeys[] = {"confidence", "warmup_datapoints", "hourly"};
constexpr std::string_view kTopicFilterKeys[] = {"operator", "filters"};
// Cloud-side counters are counted in 5-minute buckets: windows are whole buckets.
constexpr int64_t kBucketSeconds = 300;

// Reads `targets`: the scalar "all", or a mapping of all / groups / attributes.
void ReadTargets(const NodeReader& r, const Field& field, ProfileDraft* draft) {
  Targets& targets = draft->profile.targets;
  const SourceLocation at = r.Locate(field);
  if (field.value.IsScalar() && field.value.Scalar() == "all") {
    targets.all = true;
    return;
  }
  if (!field.value.IsMap()) {
    r.Error(at, "E_TARGETS",
            absl::StrCat("expected 'all' or a mapping of 'all', 'groups' and 'attributes', got ",
                         Describe(field.value)));
    return;
  }
  std::optional<Fields> fields = r.Map(field, kTargetsKeys);
  if (!fields.has_value()) return;
  size_t selectors = 0;  // groups and attributes as written
  if (const Field* all = fields->Find("all"); all != nullptr) {
    targets.all = r.Bool(*all).value_or(false);
  }
  if (const Field* groups = fields->Find("groups"); groups != nullptr) {
    selectors += ReadGroups(r, *groups, &draft->target_groups);
    for (const NameAt& group : draft->target_groups) targets.groups.push_back(group.name);
  }
  if (const Field* attributes = fields->Find("attributes"); attributes != nullptr) {
    selectors += ReadAttributes(r, *attributes, &targets.attributes);
  }
  if (targets.all && selectors > 0) {
    r.Error(r.Locate(fields->Find("all")->key), "E_TARGETS",
            "'all: true' cannot be combined with 'groups' or 'attributes'");
  } else if (!targets.all && selectors == 0) {
    r.Error(at, "E_TARGETS",
            "targets select no device: give 'all: true', 'groups' or 'attributes'");
  }
}

// Resolves the metric id; nullopt after E_METRIC. A custom metric's type is set from
// the operator later.
std::optional<Metric> ReadMetric(const NodeReader& r, const Field& field) {
  std::optional<std::string> id = r.String(field);
  if (!id.has_value()) return std::nullopt;
  const SourceLocation at = r.Locate(field);
  Metric metric;
  metric.id = *id;
  if (const MetricInfo* info = FindDeviceMetric(*id); info != nullptr) {
    metric.builtin = info->builtin;
    metric.type = info->type;
    metric.delta = info->delta;
    return metric;
  }
  if (const MetricInfo* info = FindCloudMetric(*id); info != nullptr) {
    metric.builtin = info->builtin;
    metric.type = info->type;
    metric.delta = info->delta;
    metric.cloud = true;
    return metric;
  }
  if (id->rfind("aws:", 0) == 0) {
    std::vector<std::string_view> known;
    for (const MetricInfo& m : DeviceMetrics()) known.push_back(m.id);
    for (const MetricInfo& m : CloudMetrics()) known.push_back(m.id);
    std::string suggestion = DidYouMean(*id, known);
    r.Error(at, "E_METRIC",
            suggestion.empty() ? absl::StrCat("unknown metric '", *id,
                                              "' (built-in metrics: ", JoinNames(known), ")")
                               : absl::StrCat("unknown metric '", *id, "'", suggestion));
    return std::nullopt;
  }
  if (!IsValidCustomMetricName(*id)) {
    r.Error(at, "E_METRIC",
            absl::StrCat("invalid custom metric name '", *id,
                         "' (expected 1 to 128 characters of [a-zA-Z0-9:_-])"));
    return std::nullopt;
  }
  metric.builtin = BuiltinMetric::kCustom;
  return metric;
}

std::optional<Operator> ReadOperator(const NodeReader& r, const Field& field) {
  std::optional<std::string> name = r.String(field);
  if (!name.has_value()) return std::nullopt;
  std::optional<Operator> op = ParseOperator(*name);
  if (!op.has_value()) {
    const std::vector<std::string_view> all = AllOperatorNames();
    r.Error(r.Locate(field), "E_OPERATOR",
            absl::StrCat("unknown operator '", *name, "' (expected one of: ", JoinNames(all), ")",
                         DidYouMean(*name, all)));
  }
  return op;
}

// Checks that `op` applies to the metric and settles a custom metric's type (for
// in-set / not-in-set on a named list, the linker settles it). Reports E_OPERATOR_TYPE.
bool FitOperator(const NodeReader& r, const SourceLocation& at, Operator op, Metric* metric) {
  if (metric->builtin != BuiltinMetric::kCustom) {
    if (OperatorFits(op, metric->type)) return true;
    r.Error(
        at, "E_OPERATOR_TYPE",
        absl::StrCat("operator '", std::string(OperatorName(op)), "' does not apply to '",
                     metric->id, "', a ", ValueTypeName(metric->type),
                     " metric (expected one of: ", JoinNames(OperatorNamesFor(metric->type)), ")"));
    return false;
  }
  if (IsNumberOperator(op)) {
    metric->type = ValueType::kNumber;
    metric->delta = true;  // custom numbers are summed over duration_seconds
    return true;
  }
  if (OperatorFits(op, ValueType::kIpList)) {
    metric->type = ValueType::kIpList;
    return true;
  }
  if (OperatorFits(op, ValueType::kPortList)) {
    r.Error(at, "E_OPERATOR_TYPE",
            absl::StrCat("operator '", std::string(OperatorName(op)),
                         "' does not apply to custom metric '", metric->id,
                         "': port sets are for aws:listening-tcp-ports and "
                         "aws:listening-udp-ports (use in-set or not-in-set)"));
    return false;
  }
  metric->type = ValueType::kStringList;  // until the list says otherwise
  return true;
}

// The type of an in-set inline list: numbers when every value is a plain number,
// strings when none is. A mix is an E_LIST_VALUE at the first odd value.
std::optional<ListType> InferSetListType(const NodeReader& r,
                                         const std::vector<YAML::Node>& values) {
  const bool numbers = PlainNumber(values.front()).has_value();
  for (const YAML::Node& value : values) {
    if (PlainNumber(value).has_value() != numbers) {
      r.Error(
          r.Locate(Field::Entry(value)), "E_LIST_VALUE",
          absl::StrCat("got ", Describe(value), " in a list of ", numbers ? "numbers" : "strings",
                       " (the first value decides; a list holds numbers or strings, not "
                       "both)"));
      return std::nullopt;
    }
  }
  return numbers ? ListType::kNumber : ListType::kString;
}

// Reads `value: [...]` for a list operator into an anonymous list.
void ReadInlineList(const NodeReader& r, const Field& field, BehaviourDraft* draft) {
  Behaviour& b = draft->behaviour;
  std::optional<std::vector<YAML::Node>> values = r.Sequence(field);
  if (!values.has_value()) return;
  if (values->empty()) {
    r.Error(r.Locate(field), "E_VALUE",
            "an inline list needs at least one value (or use 'list' to name a list)");
    return;
  }
  auto list = std::make_shared<NamedList>();
  list->file = r.file();
  if (OperatorFits(b.op, ValueType::kIpList)) {
    list->type = ListType::kCidr;
  } else if (OperatorFits(b.op, ValueType::kPortList)) {
    list->type = ListType::kPort;
  } else {
    std::optional<ListType> type = InferSetListType(r, *values);
    if (!type.has_value()) return;
    list->type = *type;
    b.metric.type = *type == ListType::kNumber ? ValueType::kNumberList : ValueType::kStringList;
  }
  CompileListValues(r, *values, list.get());
  for (const YAML::Node& value : *values) {
    draft->inline_values.push_back(value.IsScalar() ? value.Scalar() : "");
  }
  std::sort(draft->inline_values.begin(), draft->inline_values.end());
  b.list = std::move(list);
}

// statistic: p0..p100 (and min_devices): the threshold is a fleet percentile.
void ReadStatistic(const NodeReader& r, const Fields& fields, const Field& field,
                   BehaviourDraft* draft) {
  std::optional<std::string> name = r.String(field);
  if (!name.has_value()) return;
  std::optional<double> q = ParseStatistic(*name);
  if (!q.has_value()) {
    r.Error(r.Locate(field), "E_STATISTIC",
            absl::StrCat("unknown statistic '", *name,
                         "' (expected a percentile p0 to p100, e.g. p50, p90, p99, p99.9)"));
    return;
  }
  Statistic statistic;
  statistic.name = *name;
  statistic.quantile = *q;
  if (const Field* min = fields.Find("min_devices"); min != nullptr) {
    std::optional<int64_t> n = r.Integer(*min);
    if (!n.has_value()) return;
    if (*n < 1 || *n > 1000000000) {
      r.Error(r.Locate(*min), "E_STATISTIC",
              absl::StrCat("min_devices must be between 1 and 1000000000, got ", *n));
      return;
    }
    statistic.min_devices = *n;
  }
  draft->behaviour.statistic = std::move(statistic);
}

// baseline: {confidence, warmup_datapoints, hourly}: each device's learned normal.
void ReadBaseline(const NodeReader& r, const Field& field, BehaviourDraft* draft) {
  Baseline baseline;
  std::optional<Fields> fields = r.Map(field, kBaselineKeys);
  if (!fields.has_value()) return;
  if (const Field* c = fields->Find("confidence"); c != nullptr) {
    std::optional<std::string> name = r.String(*c);
    if (!name.has_value()) return;
    std::optional<Confidence> confidence = ParseConfidence(*name);
    if (!confidence.has_value()) {
      constexpr std::string_view kNames[] = {"low", "medium", "high"};
      r.Error(r.Locate(*c), "E_BASELINE",
              absl::StrCat("unknown confidence '", *name, "' (expected one of: ", JoinNames(kNames),
                           ")", DidYouMean(*name, kNames)));
      return;
    }
    baseline.confidence = *confidence;
  }
  if (const Field* w = fields->Find("warmup_datapoints"); w != nullptr) {
    std::optional<int64_t> n = r.Integer(*w);
    if (!n.has_value()) return;
    if (*n < 3 || *n > 100000) {
      r.Error(r.Locate(*w), "E_BASELINE",
              absl::StrCat("warmup_datapoints must be between 3 and 100000, got ", *n));
      return;
    }
    baseline.warmup_datapoints = *n;
  }
  if (const Field* h = fields->Find("hourly"); h != nullptr) {
    baseline.hourly = r.Bool(*h).value_or(false);
  }
  draft->behaviour.baseline = baseline;
}

// topic_filter: {operator: in | not-in, filters: [...]} on the cloud-side message and
// authorization metrics.
void ReadTopicFilter(const NodeReader& r, const Field& field, BehaviourDraft* draft) {
  const Metric& metric = draft->behaviour.metric;
  const bool applies = metric.builtin == BuiltinMetric::kNumMessagesSent ||
                       metric.builtin == BuiltinMetric::kNumMessagesReceived ||
                       metric.builtin == BuiltinMetric::kMessageByteSize ||
                       metric.builtin == BuiltinMetric::kNumAuthorizationFailures;
  if (!applies) {
    r.Error(r.Locate(field.key), "E_TOPIC_FILTER",
            absl::StrCat("topic_filter applies to aws:num-messages-sent, "
                         "aws:num-messages-received, aws:message-byte-size and "
                         "aws:num-authorization-failures, not '",
                         metric.id, "'"));
    return;
  }
  std::optional<Fields> fields = r.Map(field, kTopicFilterKeys);
  if (!fields.has_value()) return;
  TopicFilter dimension;
  if (const Field* op = fields->Find("operator"); op != nullptr) {
    std::optional<std::string> name = r.String(*op);
    if (!name.has_value()) return;
    if (*name == "in") {
      dimension.in = true;
    } else if (*name == "not-in") {
      dimension.in = false;
    } else {
      r.Error(r.Locate(*op), "E_TOPIC_FILTER",
              absl::StrCat("unknown topic_filter operator '", *name, "' (expected in or not-in)"));
      return;
    }
  }
  const Field* filters = r.Require(*fields, "filters");
  if (filters == nullptr) return;
  std::optional<std::vector<YAML::Node>> values = r.Sequence(*filters);
  if (!values.has_value()) return;
  if (values->empty()) {
    r.Error(r.Locate(*filters), "E_TOPIC_FILTER", "topic_filter needs at least one filter");
    return;
  }
  bool ok = true;
  for (const YAML::Node& value : *values) {
    std::optional<std::string> filter = r.String(Field::Entry(value));
    if (!filter.has_value()) {
      ok = false;
      continue;
    }
    if (std::string error = TopicFilterError(*filter); !error.empty()) {
      r.Error(r.Locate(Field::Entry(value)), "E_TOPIC_FILTER",
              absl::StrCat("bad topic filter '", *filter, "': ", error));
      ok = false;
      continue;
    }
    dimension.filters.push_back(*filter);
  }
  if (ok) draft->behaviour.topic_filter = std::move(dimension);
}

// What the operand allows once the metric, operator and duration are read: min_devices
// only with a statistic; aws:disconnect-duration only bounded above; a fleet statistic
// only on metrics whose values cannot be negative.
void CheckNumberOperand(const NodeReader& r, const Fields& fields, BehaviourDraft* draft) {
  const Behaviour& b = draft->behaviour;
  if (const Field* min = fields.Find("min_devices"); min != nullptr && !b.statistic.has_value()) {
    r.Error(r.Locate(min->key), "E_STATISTIC", "min_devices applies with 'statistic' only");
  }
  if (b.metric.builtin == BuiltinMetric::kDisconnectDuration &&
      (b.op == Operator::kGreaterThan || b.op == Operator::kGreaterThanEquals)) {
    r.Error(r.Locate(fields.Find("operator")->value), "E_OPERATOR_TYPE",
            "aws:disconnect-duration takes less-than or less-than-equals (it grows while the "
            "device stays disconnected)");
  }
}

// Reads the operand: `value` (a number, or an inline list) or `list` (a list name).
void ReadOperand(const NodeReader& r, const Fields& fields, BehaviourDraft* draft) {
  Behaviour& b = draft->behaviour;
  const Field* value = fields.Find("value");
  const Field* list = fields.Find("list");
  if (IsNumberOperator(b.op)) {
    if (list != nullptr) {
      r.Error(r.Locate(list->key), "E_VALUE",
              absl::StrCat("'list' needs a list operator; '", std::string(OperatorName(b.op)),
                           "' compares the metric with a number 'value'"));
    }
    const Field* statistic = fields.Find("statistic");
    const Field* baseline = fields.Find("baseline");
    const int operands = (value != nullptr) + (statistic != nullptr) + (baseline != nullptr);
    if (operands > 1) {
      const Field* second =
          value != nullptr ? (statistic != nullptr ? statistic : baseline) : baseline;
      r.Error(r.Locate(second->key), "E_VALUE",
              "give one of 'value' (a fixed threshold), 'statistic' (a fleet percentile) and "
              "'baseline' (each device's learned normal)");
      return;
    }
    if (operands == 0) {
      r.Error(
          r.Locate(fields.node()), "E_MISSING_KEY",
          absl::StrCat("missing required key 'value' (operator '", std::string(OperatorName(b.op)),
                       "' compares the metric with a number; or give 'statistic' or 'baseline')"));
      return;
    }
    if (statistic != nullptr) {
      ReadStatistic(r, fields, *statistic, draft);
    } else if (baseline != nullptr) {
      ReadBaseline(r, *baseline, draft);
    } else {
      b.value = r.Number(*value).value_or(0);
    }
    return;
  }
  for (const char* key : {"statistic", "baseline"}) {
    if (const Field* f = fields.Find(key); f != nullptr) {
      r.Error(r.Locate(f->key), "E_VALUE",
              absl::StrCat("'", key, "' applies to number operators; '",
                           std::string(OperatorName(b.op)), "' compares with a list"));
      return;
    }
  }
  if (value != nullptr && list != nullptr) {
    const SourceLocation value_at = r.Locate(value->key);
    const SourceLocation list_at = r.Locate(list->key);
    const bool value_second =
        std::tie(value_at.line, value_at.column) > std::tie(list_at.line, list_at.column);
    r.Error(value_second ? value_at : list_at, "E_VALUE",
            "give either 'value' (an inline list) or 'list' (a named list), not both");
    return;
  }
  if (value == nullptr && list == nullptr) {
    r.Error(r.Locate(fields.node()), "E_MISSING_KEY",
            absl::StrCat("missing 'list' (a named list) or 'value' (an inline list) for operator '",
                         std::string(OperatorName(b.op)), "'"));
    return;
  }
  if (value != nullptr) {
    ReadInlineList(r, *value, draft);
    return;
  }
  if (std::optional<std::string> name = r.String(*list); name.has_value()) {
    draft->list_ref = NameAt{*name, r.Locate(*list)};
  }
}

// duration_seconds: 1 s to 7 days, on delta counters (built-in or custom numbers).
void ReadDuration(const NodeReader& r, const Field& field, BehaviourDraft* draft) {
  Behaviour& b = draft->behaviour;
  std::optional<int64_t> seconds = r.Integer(field);
  if (!seconds.has_value()) return;
  if (*seconds < 1 || *seconds > kMaxDurationSeconds) {
    r.Error(r.Locate(field), "E_DURATION",
            absl::StrCat("duration_seconds must be between 1 and ", kMaxDurationSeconds,
                         " (7 days), got ", *seconds));
    return;
  }
  if (b.metric.type != ValueType::kNumber) {
    // A custom metric compared with a named set gets its list type from the linker.
    const bool type_known = b.metric.builtin != BuiltinMetric::kCustom || b.list != nullptr;
    r.Error(r.Locate(field.key), "E_DURATION",
            absl::StrCat("duration_seconds applies to number metrics; '", b.metric.id, "' is a ",
                         type_known ? ValueTypeName(b.metric.type) : "list",
                         " (each report is judged on its own)"));
    return;
  }
  if (!b.metric.delta) {
    r.Error(r.Locate(field.key), "E_DURATION",
            absl::StrCat("duration_seconds applies to delta counters, which are summed over the "
                         "window; '",
                         b.metric.id, "' is a gauge"));
    return;
  }
  if (b.metric.cloud && *seconds % kBucketSeconds != 0) {
    r.Error(r.Locate(field), "E_DURATION",
            absl::StrCat("'", b.metric.id, "' is counted in ", kBucketSeconds,
                         "-second buckets: duration_seconds must be a multiple of ", kBucketSeconds,
                         ", got ", *seconds));
    return;
  }
  b.duration_seconds = *seconds;
}

std::optional<int> ReadCount(const NodeReader& r, const Field& field, const char* key) {
  std::optional<int64_t> count = r.Integer(field);
  if (!count.has_value()) return std::nullopt;
  if (*count < 1 || *count > kMaxConsecutiveDatapoints) {
    r.Error(
        r.Locate(field), "E_COUNT",
        absl::StrCat(key, " must be between 1 and ", kMaxConsecutiveDatapoints, ", got ", *count));
    return std::nullopt;
  }
  return static_cast<int>(*count);
}

void ReadSeverity(const NodeReader& r, const Field& field, Behaviour* b) {
  std::optional<std::string> name = r.String(field);
  if (!name.has_value()) return;
  if (std::optional<Severity> severity = ParseSeverity(*name); severity.has_value()) {
    b->severity = *severity;
    return;
  }
  constexpr std::string_view kSeverities[] = {"low", "medium", "high", "critical"};
  r.Error(r.Locate(field), "E_SEVERITY",
          absl::StrCat("unknown severity '", *name, "' (expected one of: ", JoinNames(kSeverities),
                       ")", DidYouMean(*name, kSeverities)));
}

void ReadLabels(const NodeReader& r, const Field& field, Behaviour* b) {
  std::optional<Fields> labels = r.Map(field, {});
  if (!labels.has_value()) return;
  for (const auto& [key, pair] : labels->pairs()) {
    if (!IsValidLabelName(key)) {
      r.Error(r.Locate(pair.key), "E_LABEL",
              absl::StrCat("invalid label name '", key, "' (expected ", kLabelNameRule, ")"));
      continue;
    }
    if (std::optional<std::string> value = r.String(pair); value.has_value()) {
      b->labels[key] = *value;
    }
  }
}

void ReadBehaviour(const NodeReader& reader, const YAML::Node& entry, size_t index,
                   ProfileDraft* profile, std::map<std::string, SourceLocation>* seen) {
  // Named before the mapping is checked, so every diagnostic inside says which one.
  const std::optional<std::string> peeked = PeekScalar(entry, "name");
  const std::string which = peeked.has_value() && IsValidName(*peeked)
                                ? absl::StrCat("'", *peeked, "'")
                                : absl::StrCat("#", index + 1);
  const NodeReader r =
      reader.WithNote(absl::StrCat("in behaviour ", which, " of profile '", profile->profile.name,
                                   "' (", FormatLocation(reader.Locate(entry)), ")"));
  std::optional<Fields> fields = r.Map(Field::Entry(entry), kBehaviourKeys);
  if (!fields.has_value()) return;

  BehaviourDraft draft;
  draft.notes = r.notes();
  Behaviour& b = draft.behaviour;

  if (const Field* name = r.Require(*fields, "name"); name != nullptr) {
    b.location = r.Locate(*name);
    if (std::optional<std::string> text = r.String(*name); text.has_value()) {
      b.name = *text;
      if (!IsValidName(b.name)) {
        r.Error(b.location, "E_NAME",
                absl::StrCat("invalid behaviour name '", b.name, "' (expected ", kNameRule, ")"));
      } else if (auto [it, inserted] = seen->emplace(b.name, b.location); !inserted) {
        r.WithNote(absl::StrCat("'", b.name, "' first defined at ", FormatLocation(it->second)))
            .Error(b.location, "E_DUPLICATE",
                   absl::StrCat("duplicate behaviour '", b.name, "' in profile '",
                                profile->profile.name, "'"));
      }
    }
  }

  std::optional<Metric> metric;
  if (const Field* field = r.Require(*fields, "metric"); field != nullptr) {
    draft.metric_at = r.Locate(*field);
    metric = ReadMetric(r, *field);
  }
  std::optional<Operator> op;
  SourceLocation operator_at;
  if (const Field* field = r.Require(*fields, "operator"); field != nullptr) {
    operator_at = r.Locate(*field);
    op = ReadOperator(r, *field);
  }
  // The operand and the duration only make sense for a metric and a fitting operator.
  const bool usable =
      metric.has_value() && op.has_value() && FitOperator(r, operator_at, *op, &*metric);
  if (usable) {
    b.metric = *metric;
    b.op = *op;
    ReadOperand(r, *fields, &draft);
    if (const Field* field = fields->Find("duration_seconds"); field != nullptr) {
      ReadDuration(r, *field, &draft);
    }
    if (const Field* field = fields->Find("topic_filter"); field != nullptr) {
      ReadTopicFilter(r, *field, &draft);
    }
    CheckNumberOperand(r, *fields, &draft);
  }

  if (const Field* field = fields->Find("consecutive_datapoints_to_alarm"); field != nullptr) {
    b.consecutive_datapoints_to_alarm =
        ReadCount(r, *field, "consecutive_datapoints_to_alarm").value_or(1);
  }
  if (const Field* field = fields->Find("consecutive_datapoints_to_clear"); field != nullptr) {
    b.consecutive_datapoints_to_clear =
        ReadCount(r, *field, "consecutive_datapoints_to_clear").value_or(1);
  }
  if (const Field* field = fields->Find("severity"); field != nullptr) ReadSeverity(r, *field, &b);
  if (const Field* field = fields->Find("labels"); field != nullptr) ReadLabels(r, *field, &b);
  if (const Field* field = fields->Find("suppress_alerts"); field != nullptr) {
    b.suppress_alerts = r.Bool(*field).value_or(false);
  }
  if (const Field* field = fields->Find("description"); field != nullptr) {
    r.String(*field);  // only checked: behaviours keep no description
  }
  if (usable) profile->behaviours.push_back(std::move(draft));
}

}  // namespace

void ReadProfileDocument(const NodeReader& reader, const YAML::Node& document, Drafts* out) {
  ProfileDraft draft;
  Profile& p = draft.profile;
  // The name first, so that every diagnostic in the document can say whose it is.
  const Field name = PeekField(document, "profile").value();
  p.location = reader.Locate(name);
  bool named = false;
  if (std::optional<std::string> text = reader.String(name); text.has_value()) {
    p.name = *text;
    named = IsValidName(p.name);
    if (!named) {
      reader.Error(p.location, "E_NAME",
                   absl::StrCat("invalid profile name '", p.name, "' (expected ", kNameRule, ")"));
    }
  }
  const NodeReader r =
      reader.WithNote(absl::StrCat("in profile ", named ? absl::StrCat("'", p.name, "' ") : "", "(",
                                   FormatLocation(p.location), ")"));
  std::optional<Fields> fields = r.Map(Field::Entry(document), kProfileKeys);
  if (!fields.has_value()) return;
  draft.notes = r.notes();

  if (const Field* description = fields->Find("description"); description != nullptr) {
    p.description = r.String(*description).value_or("");
  }
  if (const Field* targets = fields->Find("targets"); targets != nullptr) {
    ReadTargets(r, *targets, &draft);
  } else {
    r.Error(r.Locate(fields->node()), "E_TARGETS",
            "missing 'targets': say which devices the profile watches ('targets: all', or "
            "'groups' and/or 'attributes')");
  }
  if (const Field* behaviours = r.Require(*fields, "behaviours"); behaviours != nullptr) {
    if (std::optional<std::vector<YAML::Node>> entries = r.Sequence(*behaviours);
        entries.has_value()) {
      if (entries->empty()) {
        r.Error(r.Locate(*behaviours), "E_VALUE", "a profile needs at least one behaviour");
      }
      std::map<std::string, SourceLocation> seen;
      for (size_t i = 0; i < entries->size(); ++i) {
        ReadBehaviour(reader, (*entries)[i], i, &draft, &seen);
      }
    }
  }
  if (named) out->profiles.push_back(std::move(draft));
}

}  // namespace warden::rules
