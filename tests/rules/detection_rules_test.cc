// Statistic, baseline and topic-filter behaviours and the cloud-side metrics: what the
// loader builds from them, and what it refuses.
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/loader.h"
#include "rules/topic_filter.h"

namespace warden::rules {
namespace {

using ::testing::HasSubstr;

constexpr char kHeader[] = R"(profile: fleet
targets: all
behaviours:
)";

LoadResult Load(const std::string& behaviours) {
  return LoadRules({{"profiles/fleet.yaml", std::string(kHeader) + behaviours}});
}

const Behaviour& Only(const LoadResult& result) {
  EXPECT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  static const Behaviour kNone;
  if (!result.ok() || result.rules->profiles.empty() ||
      result.rules->profiles[0].behaviours.empty()) {
    return kNone;
  }
  return result.rules->profiles[0].behaviours[0];
}

std::string Errors(const std::string& behaviours) {
  LoadResult result = Load(behaviours);
  EXPECT_FALSE(result.ok());
  return FormatDiagnostics(result.diagnostics);
}

TEST(DetectionRulesTest, StatisticReplacesValue) {
  LoadResult r = Load(R"(  - name: upload-outlier
    metric: aws:all-bytes-out
    operator: less-than-equals
    statistic: p99.9
    min_devices: 25
    duration_seconds: 600
)");
  const Behaviour& b = Only(r);
  ASSERT_TRUE(b.statistic.has_value());
  EXPECT_EQ(b.statistic->name, "p99.9");
  EXPECT_DOUBLE_EQ(b.statistic->quantile, 0.999);
  EXPECT_EQ(b.statistic->min_devices, 25);
  EXPECT_FALSE(b.baseline.has_value());
}

TEST(DetectionRulesTest, StatisticDefaultsToTenDevices) {
  LoadResult r = Load(R"(  - name: upload-outlier
    metric: aws:all-bytes-out
    operator: less-than
    statistic: p90
)");
  EXPECT_EQ(Only(r).statistic->min_devices, 10);
}

TEST(DetectionRulesTest, BaselineWithDefaultsAndSettings) {
  LoadResult r = Load(R"(  - name: traffic
    metric: aws:all-bytes-out
    operator: less-than
    baseline: {}
  - name: traffic-in
    metric: aws:all-bytes-in
    operator: greater-than
    baseline: {confidence: high, warmup_datapoints: 48, hourly: true}
)");
  ASSERT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics);
  const Behaviour& a = r.rules->profiles[0].behaviours[0];
  const Behaviour& b = r.rules->profiles[0].behaviours[1];
  ASSERT_TRUE(a.baseline.has_value());
  EXPECT_EQ(a.baseline->confidence, Confidence::kMedium);
  EXPECT_EQ(a.baseline->warmup_datapoints, 12);
  ASSERT_TRUE(b.baseline.has_value());
  EXPECT_EQ(b.baseline->confidence, Confidence::kHigh);
  EXPECT_EQ(b.baseline->warmup_datapoints, 48);
  EXPECT_TRUE(b.baseline->hourly);
  EXPECT_NE(a.fingerprint, b.fingerprint);
}

TEST(DetectionRulesTest, CloudMetricsLoadWithTheirTypes) {
  LoadResult r = Load(R"(  - name: auth
    metric: aws:num-authorization-failures
    operator: less-than
    value: 10
    duration_seconds: 600
  - name: sources
    metric: aws:source-ip-address
    operator: in-cidr-set
    value: [198.18.0.0/16]
  - name: offline
    metric: aws:disconnect-duration
    operator: less-than
    value: 900
)");
  ASSERT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics);
  const auto& bs = r.rules->profiles[0].behaviours;
  EXPECT_TRUE(bs[0].metric.cloud);
  EXPECT_TRUE(bs[0].metric.delta);
  EXPECT_EQ(bs[0].series, "aws:num-authorization-failures");
  EXPECT_EQ(bs[1].metric.type, ValueType::kIpList);
  EXPECT_EQ(bs[2].metric.builtin, BuiltinMetric::kDisconnectDuration);
  EXPECT_FALSE(bs[2].metric.delta);
}

TEST(DetectionRulesTest, TopicFilterTagsTheSeries) {
  LoadResult r = Load(R"(  - name: commands
    metric: aws:num-messages-received
    operator: less-than
    value: 100
    topic_filter: {operator: in, filters: ["cmd/+/set", "ota/#"]}
  - name: same-filters-other-order
    metric: aws:num-messages-received
    operator: less-than
    value: 50
    topic_filter: {filters: ["ota/#", "cmd/+/set"]}
  - name: everything-else
    metric: aws:num-messages-received
    operator: less-than
    value: 50
    topic_filter: {operator: not-in, filters: ["cmd/+/set", "ota/#"]}
)");
  ASSERT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics);
  const auto& bs = r.rules->profiles[0].behaviours;
  ASSERT_TRUE(bs[0].topic_filter.has_value());
  EXPECT_TRUE(bs[0].topic_filter->in);
  EXPECT_THAT(bs[0].series, ::testing::StartsWith("aws:num-messages-received#"));
  EXPECT_EQ(bs[0].series, bs[1].series);  // one count serves both
  EXPECT_NE(bs[0].series, bs[2].series);
  EXPECT_FALSE(bs[2].topic_filter->in);
}

TEST(DetectionRulesTest, OperandConflictsAndMisplacedKeys) {
  EXPECT_THAT(Errors(R"(  - name: both
    metric: aws:all-bytes-out
    operator: less-than
    value: 5
    statistic: p90
)"),
              HasSubstr("give one of 'value' (a fixed threshold), 'statistic' (a fleet "
                        "percentile) and 'baseline'"));
  EXPECT_THAT(Errors(R"(  - name: list-statistic
    metric: aws:listening-tcp-ports
    operator: in-port-set
    value: [22]
    statistic: p90
)"),
              HasSubstr("'statistic' applies to number operators"));
  EXPECT_THAT(Errors(R"(  - name: min-alone
    metric: aws:all-bytes-out
    operator: less-than
    value: 5
    min_devices: 3
)"),
              HasSubstr("min_devices applies with 'statistic' only [E_STATISTIC]"));
}

TEST(DetectionRulesTest, BadStatisticBaselineAndFilterPointAtTheValue) {
  EXPECT_EQ(
      Errors(R"(  - name: s
    metric: aws:all-bytes-out
    operator: less-than
    statistic: p101
)"),
      R"(profiles/fleet.yaml:7:16: error: unknown statistic 'p101' (expected a percentile p0 to p100, e.g. p50, p90, p99, p99.9) [E_STATISTIC]
        statistic: p101
                   ^
  in behaviour 's' of profile 'fleet' (profiles/fleet.yaml:4:5)
1 error
)");
  EXPECT_THAT(Errors(R"(  - name: b
    metric: aws:all-bytes-out
    operator: less-than
    baseline: {confidence: hgih}
)"),
              HasSubstr("unknown confidence 'hgih' (expected one of: low, medium, high); did "
                        "you mean 'high'? [E_BASELINE]"));
  EXPECT_THAT(Errors(R"(  - name: b
    metric: aws:all-bytes-out
    operator: less-than
    baseline: {warmup_datapoints: 1}
)"),
              HasSubstr("warmup_datapoints must be between 3 and 100000, got 1 [E_BASELINE]"));
  EXPECT_THAT(Errors(R"(  - name: t
    metric: aws:num-messages-sent
    operator: less-than
    value: 5
    topic_filter: {filters: ["a/#/b"]}
)"),
              HasSubstr("bad topic filter 'a/#/b': '#' must be the last level [E_TOPIC_FILTER]"));
  EXPECT_THAT(Errors(R"(  - name: t
    metric: aws:num-disconnects
    operator: less-than
    value: 5
    topic_filter: {filters: ["a"]}
)"),
              HasSubstr("topic_filter applies to aws:num-messages-sent"));
}

TEST(DetectionRulesTest, CloudDurationsAreWholeBucketsAndDisconnectDurationIsAnUpperBound) {
  EXPECT_THAT(Errors(R"(  - name: auth
    metric: aws:num-authorization-failures
    operator: less-than
    value: 10
    duration_seconds: 450
)"),
              HasSubstr("duration_seconds must be a multiple of 300, got 450 [E_DURATION]"));
  EXPECT_THAT(Errors(R"(  - name: offline
    metric: aws:disconnect-duration
    operator: greater-than
    value: 10
)"),
              HasSubstr("aws:disconnect-duration takes less-than or less-than-equals"));
  EXPECT_THAT(Errors(R"(  - name: x
    metric: aws:num-messages-snet
    operator: less-than
    value: 10
)"),
              HasSubstr("did you mean 'aws:num-messages-sent'?"));
}

TEST(TopicFilterTest, ValidFilters) {
  for (const char* f : {"#", "+", "a/b", "a/+/c", "a/#", "+/+", "/", "a//b", "$SYS/#"}) {
    EXPECT_EQ(TopicFilterError(f), "") << f;
  }
  EXPECT_NE(TopicFilterError(""), "");
  EXPECT_NE(TopicFilterError("a/#/b"), "");
  EXPECT_NE(TopicFilterError("a#"), "");
  EXPECT_NE(TopicFilterError("a/b+"), "");
  EXPECT_NE(TopicFilterError("#/a"), "");
}

TEST(TopicFilterTest, Matching) {
  struct Case {
    const char* filter;
    const char* topic;
    bool match;
  } cases[] = {
      {"a/b", "a/b", true},
      {"a/b", "a/b/c", false},
      {"a/b", "a", false},
      {"a/+", "a/b", true},
      {"a/+", "a/", true},  // an empty level is a level
      {"a/+", "a/b/c", false},
      {"a/+/c", "a/x/c", true},
      {"a/#", "a", true},  // '#' also matches the parent level
      {"a/#", "a/b/c/d", true},
      {"a/#", "ab", false},
      {"#", "anything/at/all", true},
      {"+", "a", true},
      {"+", "a/b", false},
      {"+/+", "/x", true},
      {"#", "$SYS/broker", false},  // wildcards do not reach $-topics
      {"+/broker", "$SYS/broker", false},
      {"$SYS/#", "$SYS/broker", true},
      {"cmd/+/set", "cmd/dev-1/set", true},
      {"cmd/+/set", "cmd/dev-1/get", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(TopicMatches(c.filter, c.topic), c.match) << c.filter << " vs " << c.topic;
  }
}

TEST(TopicFilterTest, InAndNotInDimensions) {
  TopicFilter in{true, {"cmd/#", "ota/+"}};
  TopicFilter not_in{false, {"cmd/#", "ota/+"}};
  EXPECT_TRUE(TopicCounts(in, "cmd/reboot"));
  EXPECT_FALSE(TopicCounts(in, "telemetry/temp"));
  EXPECT_FALSE(TopicCounts(not_in, "cmd/reboot"));
  EXPECT_TRUE(TopicCounts(not_in, "telemetry/temp"));
}

}  // namespace
}  // namespace warden::rules
