// Golden tests: the exact diagnostics a user sees for common mistakes.

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/loader.h"

namespace warden::rules {
namespace {

// Loads `content` as profiles/camera.yaml next to a valid list file and returns
// the rendered diagnostics.
std::string Diagnose(const std::string& content) {
  LoadResult result = LoadRules({
      {"lists/ports.yaml", "list: risky-ports\ntype: port\nvalues: [23, 2323]\n"},
      {"profiles/camera.yaml", content},
  });
  EXPECT_FALSE(result.ok());
  return FormatDiagnostics(result.diagnostics);
}

constexpr char kHeader[] = R"(profile: camera
targets: all
behaviours:
)";

TEST(LoaderDiagnosticsTest, UnknownOperator) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: bytes-out-spike
    metric: aws:all-bytes-out
    operator: greater-then
    value: 5000000
)"),
      R"(profiles/camera.yaml:6:15: error: unknown operator 'greater-then' (expected one of: less-than, less-than-equals, greater-than, greater-than-equals, in-cidr-set, not-in-cidr-set, in-port-set, not-in-port-set, in-set, not-in-set); did you mean 'greater-than'? [E_OPERATOR]
        operator: greater-then
                  ^
  in behaviour 'bytes-out-spike' of profile 'camera' (profiles/camera.yaml:4:5)
1 error
)");
}

TEST(LoaderDiagnosticsTest, UnknownKeyWithDidYouMean) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: bytes-out
    metric: aws:all-bytes-out
    operator: less-than
    valeu: 5000000
)"),
      R"(profiles/camera.yaml:4:5: error: missing required key 'value' (operator 'less-than' compares the metric with a number; or give 'statistic' or 'baseline') [E_MISSING_KEY]
      - name: bytes-out
        ^
  in behaviour 'bytes-out' of profile 'camera' (profiles/camera.yaml:4:5)
profiles/camera.yaml:7:5: error: unknown key 'valeu'; did you mean 'value'? [E_UNKNOWN_KEY]
        valeu: 5000000
        ^
  in behaviour 'bytes-out' of profile 'camera' (profiles/camera.yaml:4:5)
2 errors
)");
}

TEST(LoaderDiagnosticsTest, UnknownKeyWithoutCloseMatchListsTheKeys) {
  EXPECT_EQ(
      Diagnose(R"(profile: camera
targets: all
statistic: p90
behaviours:
  - {name: b, metric: aws:all-bytes-in, operator: less-than, value: 1}
)"),
      R"(profiles/camera.yaml:3:1: error: unknown key 'statistic' (expected one of: profile, description, targets, behaviours) [E_UNKNOWN_KEY]
    statistic: p90
    ^
  in profile 'camera' (profiles/camera.yaml:1:10)
1 error
)");
}

TEST(LoaderDiagnosticsTest, OperatorDoesNotFitMetricType) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: ports
    metric: aws:listening-tcp-ports
    operator: less-than
    value: 5
)"),
      R"(profiles/camera.yaml:6:15: error: operator 'less-than' does not apply to 'aws:listening-tcp-ports', a port list metric (expected one of: in-port-set, not-in-port-set) [E_OPERATOR_TYPE]
        operator: less-than
                  ^
  in behaviour 'ports' of profile 'camera' (profiles/camera.yaml:4:5)
1 error
)");
}

TEST(LoaderDiagnosticsTest, BadCidrEntriesInAListFile) {
  LoadResult result = LoadRules({{"lists/deny.yaml", R"(list: deny
type: cidr
values:
  - 203.0.113.0/24
  - 10.0.0.1/8
  - 300.1.2.3
  - 2001:db8::/129
)"}});
  EXPECT_EQ(
      FormatDiagnostics(result.diagnostics),
      R"(lists/deny.yaml:5:5: error: cidr '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?) [E_LIST_VALUE]
      - 10.0.0.1/8
        ^
  in list 'deny' (lists/deny.yaml:1:7)
lists/deny.yaml:6:5: error: cidr '300.1.2.3' has an invalid address '300.1.2.3' [E_LIST_VALUE]
      - 300.1.2.3
        ^
  in list 'deny' (lists/deny.yaml:1:7)
lists/deny.yaml:7:5: error: cidr '2001:db8::/129' has a prefix length 129, longer than 128 [E_LIST_VALUE]
      - 2001:db8::/129
        ^
  in list 'deny' (lists/deny.yaml:1:7)
3 errors
)");
}

TEST(LoaderDiagnosticsTest, DurationOnListMetric) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: ports
    metric: aws:listening-tcp-ports
    operator: not-in-port-set
    list: risky-ports
    duration_seconds: 300
)"),
      R"(profiles/camera.yaml:8:5: error: duration_seconds applies to number metrics; 'aws:listening-tcp-ports' is a port list (each report is judged on its own) [E_DURATION]
        duration_seconds: 300
        ^
  in behaviour 'ports' of profile 'camera' (profiles/camera.yaml:4:5)
1 error
)");
}

TEST(LoaderDiagnosticsTest, DurationOnGauge) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: listeners
    metric: aws:num-listening-tcp-ports
    operator: less-than
    value: 16
    duration_seconds: 300
)"),
      R"(profiles/camera.yaml:8:5: error: duration_seconds applies to delta counters, which are summed over the window; 'aws:num-listening-tcp-ports' is a gauge [E_DURATION]
        duration_seconds: 300
        ^
  in behaviour 'listeners' of profile 'camera' (profiles/camera.yaml:4:5)
1 error
)");
}

TEST(LoaderDiagnosticsTest, CountOutOfRange) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: connections
    metric: aws:num-established-tcp-connections
    operator: less-than
    value: 64
    consecutive_datapoints_to_alarm: 0
    consecutive_datapoints_to_clear: 11
)"),
      R"(profiles/camera.yaml:8:38: error: consecutive_datapoints_to_alarm must be between 1 and 10, got 0 [E_COUNT]
        consecutive_datapoints_to_alarm: 0
                                         ^
  in behaviour 'connections' of profile 'camera' (profiles/camera.yaml:4:5)
profiles/camera.yaml:9:38: error: consecutive_datapoints_to_clear must be between 1 and 10, got 11 [E_COUNT]
        consecutive_datapoints_to_clear: 11
                                         ^
  in behaviour 'connections' of profile 'camera' (profiles/camera.yaml:4:5)
2 errors
)");
}

TEST(LoaderDiagnosticsTest, YamlSyntaxError) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: b
    metric: aws:all-bytes-out
    operator: less-than
    value: [1, 2
  - name: c
)"),
      R"(profiles/camera.yaml:8:9: error: yaml syntax error: end of sequence flow not found [E_YAML]
      - name: c
            ^
1 error
)");
}

TEST(LoaderDiagnosticsTest, TabIndentationGetsAHint) {
  EXPECT_EQ(Diagnose("profile: camera\ntargets: all\nbehaviours:\n\t- name: b\n"),
            "profiles/camera.yaml:4:2: error: yaml syntax error: illegal block entry (indent with "
            "spaces: YAML does not allow tabs there) [E_YAML]\n"
            "    \t- name: b\n"
            "    \t^\n"
            "1 error\n");
}

TEST(LoaderDiagnosticsTest, MissingRequiredKey) {
  EXPECT_EQ(Diagnose(std::string(kHeader) + R"(  - name: b
    operator: less-than
    value: 1
)"),
            R"(profiles/camera.yaml:4:5: error: missing required key 'metric' [E_MISSING_KEY]
      - name: b
        ^
  in behaviour 'b' of profile 'camera' (profiles/camera.yaml:4:5)
1 error
)");
}

TEST(LoaderDiagnosticsTest, MissingTargets) {
  EXPECT_EQ(
      Diagnose(R"(profile: camera
behaviours:
  - {name: b, metric: aws:all-bytes-in, operator: less-than, value: 1}
)"),
      R"(profiles/camera.yaml:1:1: error: missing 'targets': say which devices the profile watches ('targets: all', or 'groups' and/or 'attributes') [E_TARGETS]
    profile: camera
    ^
  in profile 'camera' (profiles/camera.yaml:1:10)
1 error
)");
}

TEST(LoaderDiagnosticsTest, UnknownListReference) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: ports
    metric: aws:listening-tcp-ports
    operator: not-in-port-set
    list: risky-port
)"),
      R"(profiles/camera.yaml:7:11: error: unknown list 'risky-port'; did you mean 'risky-ports'? [E_LIST_UNKNOWN]
        list: risky-port
              ^
  in behaviour 'ports' of profile 'camera' (profiles/camera.yaml:4:5)
1 error
)");
}

TEST(LoaderDiagnosticsTest, ListOfTheWrongType) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: destinations
    metric: aws:destination-ip-addresses
    operator: in-cidr-set
    list: risky-ports
)"),
      R"(profiles/camera.yaml:7:11: error: list 'risky-ports' is a port list, but operator 'in-cidr-set' needs a cidr list [E_LIST_TYPE]
        list: risky-ports
              ^
  in behaviour 'destinations' of profile 'camera' (profiles/camera.yaml:4:5)
  'risky-ports' defined at lists/ports.yaml:1:7
1 error
)");
}

TEST(LoaderDiagnosticsTest, DuplicateBehaviourName) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: bytes
    metric: aws:all-bytes-out
    operator: less-than
    value: 1
  - name: bytes
    metric: aws:all-bytes-in
    operator: less-than
    value: 1
)"),
      R"(profiles/camera.yaml:8:11: error: duplicate behaviour 'bytes' in profile 'camera' [E_DUPLICATE]
      - name: bytes
              ^
  in behaviour 'bytes' of profile 'camera' (profiles/camera.yaml:8:5)
  'bytes' first defined at profiles/camera.yaml:4:11
1 error
)");
}

TEST(LoaderDiagnosticsTest, DuplicateProfileAcrossFiles) {
  const std::string profile =
      "profile: camera\ntargets: all\nbehaviours:\n"
      "  - {name: b, metric: aws:all-bytes-in, operator: less-than, value: 1}\n";
  LoadResult result = LoadRules({{"a.yaml", profile}, {"b.yaml", profile}});
  EXPECT_EQ(FormatDiagnostics(result.diagnostics),
            R"(b.yaml:1:10: error: duplicate profile 'camera' [E_DUPLICATE]
    profile: camera
             ^
  'camera' first defined at a.yaml:1:10
1 error
)");
}

TEST(LoaderDiagnosticsTest, DuplicateMappingKey) {
  EXPECT_EQ(Diagnose(std::string(kHeader) + R"(  - name: b
    metric: aws:all-bytes-out
    operator: less-than
    value: 1
    value: 2
)"),
            R"(profiles/camera.yaml:8:5: error: duplicate key 'value' [E_DUPLICATE]
        value: 2
        ^
  in behaviour 'b' of profile 'camera' (profiles/camera.yaml:4:5)
  'value' first given at profiles/camera.yaml:7:5
1 error
)");
}

TEST(LoaderDiagnosticsTest, CloudSideDurationIsWholeBuckets) {
  EXPECT_EQ(
      Diagnose(std::string(kHeader) + R"(  - name: chatty
    metric: aws:num-messages-sent
    operator: less-than
    value: 100
    duration_seconds: 120
)"),
      R"(profiles/camera.yaml:8:23: error: 'aws:num-messages-sent' is counted in 300-second buckets: duration_seconds must be a multiple of 300, got 120 [E_DURATION]
        duration_seconds: 120
                          ^
  in behaviour 'chatty' of profile 'camera' (profiles/camera.yaml:4:5)
1 error
)");
}

TEST(LoaderDiagnosticsTest, WrongYamlType) {
  EXPECT_EQ(Diagnose(std::string(kHeader) + R"(  - name: b
    metric: aws:all-bytes-out
    operator: less-than
    value: "5 MB"
)"),
            R"(profiles/camera.yaml:7:12: error: expected a number, got a string '5 MB' [E_TYPE]
        value: "5 MB"
               ^
  in behaviour 'b' of profile 'camera' (profiles/camera.yaml:4:5)
1 error
)");
}

TEST(LoaderDiagnosticsTest, MissingFile) {
  LoadResult result = LoadRulesFromPaths({"/nonexistent/warden/rules.yaml"});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(FormatDiagnostics(result.diagnostics),
            "/nonexistent/warden/rules.yaml: error: cannot read: No such file or directory "
            "[E_IO]\n1 error\n");
}

// A behaviour as a flow mapping without its name, and the codes it must produce.
struct CodeCase {
  const char* behaviour;
  std::vector<std::string> codes;
};

std::vector<std::string> CodesFor(const std::string& content) {
  LoadResult result = LoadRules({
      {"lists/ports.yaml", "list: risky-ports\ntype: port\nvalues: [23]\n"},
      {"profiles/camera.yaml", content},
  });
  std::vector<std::string> codes;
  for (const Diagnostic& d : result.diagnostics) codes.push_back(d.code);
  return codes;
}

TEST(LoaderDiagnosticsTest, BehaviourErrorCodes) {
  const CodeCase cases[] = {
      {"{metric: aws:all-bytes-out, operator: less-than, value: 1, list: risky-ports}",
       {"E_VALUE"}},
      {"{metric: aws:listening-tcp-ports, operator: in-port-set, value: [22], list: risky-ports}",
       {"E_VALUE"}},
      {"{metric: aws:listening-tcp-ports, operator: in-port-set}", {"E_MISSING_KEY"}},
      {"{metric: aws:listening-tcp-ports, operator: in-port-set, value: []}", {"E_VALUE"}},
      {"{metric: aws:listening-tcp-ports, operator: in-port-set, value: 22}", {"E_TYPE"}},
      {"{metric: aws:listening-tcp-ports, operator: in-port-set, value: [22, 70000, x]}",
       {"E_LIST_VALUE", "E_LIST_VALUE"}},
      {"{metric: aws:all-bytes-out, operator: in-set, value: [1]}", {"E_OPERATOR_TYPE"}},
      {"{metric: my-metric, operator: in-port-set, value: [1]}", {"E_OPERATOR_TYPE"}},
      {"{metric: aws:all-byte-out, operator: less-than, value: 1}", {"E_METRIC"}},
      {"{metric: 'bad metric', operator: less-than, value: 1}", {"E_METRIC"}},
      {"{metric: aws:all-bytes-out, operator: less-than, value: 1, duration_seconds: 0}",
       {"E_DURATION"}},
      {"{metric: aws:all-bytes-out, operator: less-than, value: 1, duration_seconds: 604801}",
       {"E_DURATION"}},
      {"{metric: aws:all-bytes-out, operator: less-than, value: 1, duration_seconds: 1.5}",
       {"E_TYPE"}},
      {"{metric: my-metric, operator: in-set, value: [a], duration_seconds: 60}", {"E_DURATION"}},
      {"{metric: aws:all-bytes-out, operator: less-than, value: 1, severity: urgent}",
       {"E_SEVERITY"}},
      {"{metric: aws:all-bytes-out, operator: less-than, value: 1, labels: {__name__: x}}",
       {"E_LABEL"}},
      {"{metric: aws:all-bytes-out, operator: less-than, value: 1, labels: {a: {b: c}}}",
       {"E_TYPE"}},
      {"{metric: aws:all-bytes-out, operator: less-than, value: 1, suppress_alerts: 1}",
       {"E_TYPE"}},
      {"{metric: aws:destination-ip-addresses, operator: in-cidr-set, list: risky-ports}",
       {"E_LIST_TYPE"}},
      {"{metric: my-set, operator: in-set, value: [1, two]}", {"E_LIST_VALUE"}},
  };
  for (const CodeCase& c : cases) {
    const std::string content =
        std::string(kHeader) + "  - {name: b, " + std::string(c.behaviour).substr(1) + "\n";
    EXPECT_EQ(CodesFor(content), c.codes) << c.behaviour;
  }
}

TEST(LoaderDiagnosticsTest, CustomMetricHasOneType) {
  EXPECT_EQ(
      CodesFor(std::string(kHeader) + "  - {name: a, metric: fw, operator: in-set, value: [v1]}\n"
                                      "  - {name: b, metric: fw, operator: less-than, value: 3}\n"),
      std::vector<std::string>{"E_METRIC"});
}

TEST(LoaderDiagnosticsTest, TargetsAndDocumentErrorCodes) {
  const std::string behaviours =
      "behaviours:\n  - {name: b, metric: aws:all-bytes-in, operator: less-than, value: 1}\n";
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {"profile: p\ntargets: [cameras]\n" + behaviours, {"E_TARGETS"}},
      {"profile: p\ntargets: everyone\n" + behaviours, {"E_TARGETS"}},
      {"profile: p\ntargets: {all: true, groups: [g]}\n" + behaviours,
       {"E_TARGETS", "W_EMPTY_TARGET"}},
      {"profile: p\ntargets: {all: false}\n" + behaviours, {"E_TARGETS"}},
      {"profile: p\ntargets: {groups: [bad group]}\n" + behaviours, {"E_NAME"}},
      {"profile: 'my profile'\ntargets: all\n" + behaviours, {"E_NAME"}},
      {"profile: p\ntargets: all\nbehaviours: []\n", {"E_VALUE"}},
      {"profile: p\ntargets: all\n", {"E_MISSING_KEY"}},
      {"profile: p\nlist: l\n", {"E_DOC_KIND"}},
      {"- profile: p\n", {"E_DOC_KIND"}},
      {"list: l\ntype: ports\nvalues: [1]\n", {"E_LIST_TYPE"}},
      {"list: l\nvalues: [1]\n", {"E_MISSING_KEY"}},
      {"list: risky-ports\ntype: port\nvalues: [1]\n", {"E_DUPLICATE"}},
      {"devices: [{name: d, groups: [g]}, {name: d}]\n", {"E_DUPLICATE"}},
      {"devices: [{groups: [g]}]\n", {"E_MISSING_KEY"}},
      {"devices: [{name: d, attributes: {'bad key': v}}]\n", {"E_NAME"}},
  };
  for (const auto& [content, codes] : cases) EXPECT_EQ(CodesFor(content), codes) << content;
}

TEST(LoaderDiagnosticsTest, EveryErrorInEveryFileIsReported) {
  LoadResult result = LoadRules({
      {"a.yaml", std::string(kHeader) + R"(  - name: b
    metric: aws:all-bytes-out
    operator: greater-then
    value: 1
  - name: c
    metric: aws:all-bytes-out
    operator: less-than
    value: 1
    severity: severe
)"},
      {"b.yaml", "list: l\ntype: port\nvalues: [70000]\n"},
  });
  EXPECT_FALSE(result.ok());
  std::vector<std::string> codes;
  for (const Diagnostic& d : result.diagnostics) codes.push_back(d.file + " " + d.code);
  EXPECT_THAT(codes, ::testing::ElementsAre("a.yaml E_OPERATOR", "a.yaml E_SEVERITY",
                                            "b.yaml E_LIST_VALUE"));
}

}  // namespace
}  // namespace warden::rules
