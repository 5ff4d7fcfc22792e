// Policy documents good and bad, with the reason codes and texts an audit reports.

#include "audit/policy.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warden::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kArn[] = "arn:aws:iot:us-east-1:123456789012:";

// A policy document with the given statements (JSON objects, comma-separated).
std::string Policy(const std::string& statements) {
  return absl::StrCat(R"({"Version": "2012-10-17", "Statement": [)", statements, "]}");
}

// "reason_code @ path: text" for each issue, so a failure shows everything.
std::vector<std::string> Issues(const std::string& document) {
  absl::StatusOr<std::vector<PolicyIssue>> issues = AnalyzePolicy(document);
  EXPECT_TRUE(issues.ok()) << issues.status();
  std::vector<std::string> out;
  if (!issues.ok()) return out;
  for (const PolicyIssue& issue : *issues) {
    out.push_back(absl::StrCat(issue.misconfiguration ? "misconfiguration " : "permissive ",
                               issue.reason_code, " @ ", issue.statement_path, ": ", issue.text));
  }
  return out;
}

std::string InvalidMessage(const std::string& document) {
  absl::StatusOr<std::vector<PolicyIssue>> issues = AnalyzePolicy(document);
  EXPECT_EQ(issues.status().code(), absl::StatusCode::kInvalidArgument) << document;
  return std::string(issues.status().message());
}

TEST(PolicyTest, DeviceScopedPolicyIsCompliant) {
  // AWS's recommended shape: everything bound to the thing the certificate is attached to.
  EXPECT_THAT(Issues(Policy(absl::StrCat(
                  R"(
    {"Effect": "Allow", "Action": "iot:Connect",
     "Resource": ")",
                  kArn, R"(client/${iot:Connection.Thing.ThingName}",
     "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}},
    {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
     "Resource": [")",
                  kArn, R"(topic/dt/${iot:Connection.Thing.ThingName}/*",
                  ")",
                  kArn, R"(topic/$aws/things/${iot:Connection.Thing.ThingName}/shadow/*"]},
    {"Effect": "Allow", "Action": "iot:Subscribe",
     "Resource": ")",
                  kArn, R"(topicfilter/cmd/${iot:ClientId}/#"},
    {"Effect": "Allow", "Action": "iot:UpdateThingShadow",
     "Resource": ")",
                  kArn, R"(thing/${iot:Connection.Thing.ThingName}"})"))),
              IsEmpty());
}

TEST(PolicyTest, EverythingOnEverythingIsBroad) {
  EXPECT_THAT(
      Issues(Policy(R"({"Effect": "Allow", "Action": "iot:*", "Resource": "*"})")),
      ElementsAre("permissive ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS @ Statement[0]: "
                  "allows iot:Connect, iot:Publish, iot:RetainPublish, iot:Subscribe, "
                  "iot:Receive, iot:GetThingShadow, iot:UpdateThingShadow, "
                  "iot:DeleteThingShadow on '*': every client id; every topic; every topic "
                  "filter; every thing"));
}

TEST(PolicyTest, ActionWildcardsCoverTheActionsTheyMatch) {
  // "*", "iot:Pub*" and case-insensitive action names; "iot:List*" covers no data-plane
  // action, so its "*" resource is fine.
  EXPECT_THAT(Issues(Policy(absl::StrCat(R"(
    {"Effect": "Allow", "Action": "IOT:pub*", "Resource": ")",
                                         kArn, R"(topic/*"},
    {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:iot:*:*:topicfilter/*"},
    {"Effect": "Allow", "Action": "iot:List*", "Resource": "*"})"))),
              ElementsAre("permissive ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS @ "
                          "Statement[0]: allows iot:Publish on "
                          "'arn:aws:iot:us-east-1:123456789012:topic/*': every topic",
                          "permissive ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS @ "
                          "Statement[1]: allows iot:Subscribe on "
                          "'arn:aws:iot:*:*:topicfilter/*': every topic filter"));
}

TEST(PolicyTest, SingleStringAndListResourcesAreReportedOneByOne) {
  EXPECT_THAT(Issues(absl::StrCat(R"({"Statement": {"Effect": "Allow",
      "Action": ["iot:Connect", "iot:Subscribe"],
      "Resource": [")",
                                  kArn, R"(client/*", ")", kArn, R"(topicfilter/cmd/cam-1",
                   "arn:aws:iot:eu-west-1:*"]}})")),
              ElementsAre("permissive ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS @ "
                          "Statement: allows iot:Connect on "
                          "'arn:aws:iot:us-east-1:123456789012:client/*': every client id",
                          "permissive ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS @ "
                          "Statement: allows iot:Connect, iot:Subscribe on "
                          "'arn:aws:iot:eu-west-1:*': every client id; every topic filter"));
}

TEST(PolicyTest, ClientIdVariableAloneMatchesEveryClient) {
  // AWS: client/${iot:ClientId} is as broad as client/* unless the connection must be
  // attached to its thing.
  const std::string connect =
      absl::StrCat(R"({"Effect": "Allow", "Action": "iot:Connect", "Resource": ")", kArn,
                   R"(client/${iot:ClientId}")");
  EXPECT_THAT(Issues(Policy(connect + "}")),
              ElementsAre(HasSubstr("allows iot:Connect on "
                                    "'arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}"
                                    "': every client id (${iot:ClientId} matches any client)")));
  EXPECT_THAT(
      Issues(Policy(connect +
                    R"(, "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": true}}})")),
      IsEmpty());
}

TEST(PolicyTest, OnlyConditionsBindingTheThingNarrowConnect) {
  const std::string connect_any = R"({"Effect": "Allow", "Action": "iot:Connect", "Resource": "*")";
  // Bound: the client id must be the attached thing's name.
  EXPECT_THAT(Issues(Policy(connect_any + R"(, "Condition": {"StringEquals":
      {"iot:ClientId": "${iot:Connection.Thing.ThingName}"}}})")),
              IsEmpty());
  // Not bound: a source address, an IfExists operator, a negated operator.
  for (const char* condition :
       {R"({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})",
        R"({"BoolIfExists": {"iot:Connection.Thing.IsAttached": "true"}})",
        R"({"StringNotEquals": {"iot:ClientId": "${iot:Connection.Thing.ThingName}"}})",
        R"({"Bool": {"iot:Connection.Thing.IsAttached": "false"}})"}) {
    EXPECT_THAT(Issues(Policy(absl::StrCat(connect_any, R"(, "Condition": )", condition, "}"))),
                ElementsAre(HasSubstr("allows iot:Connect on '*': every client id")))
        << condition;
  }
  // A binding condition does not narrow topics: the device still reaches every topic.
  EXPECT_THAT(Issues(Policy(R"({"Effect": "Allow", "Action": ["iot:Connect", "iot:Publish"],
      "Resource": "*", "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}})")),
              ElementsAre(HasSubstr("allows iot:Publish on '*': every topic")));
}

TEST(PolicyTest, WildcardsInDeviceSegmentsAreBroad) {
  EXPECT_THAT(Issues(Policy(absl::StrCat(R"(
    {"Effect": "Allow", "Action": "iot:Publish",
     "Resource": [")",
                                         kArn, R"(topic/$aws/things/*/shadow/update",
                  ")",
                                         kArn, R"(topic/*/telemetry",
                  ")",
                                         kArn, R"(topic/$aws/*",
                  ")",
                                         kArn, R"(topic/sensors/cam-1/*"]},
    {"Effect": "Allow", "Action": "iot:Connect", "Resource": ")",
                                         kArn, R"(client/cam-*"},
    {"Effect": "Allow", "Action": "iot:Connect",
     "Resource": ")",
                                         kArn, R"(client/${iot:Connection.Thing.ThingName}-*"},
    {"Effect": "Allow", "Action": "iot:GetThingShadow", "Resource": ")",
                                         kArn, R"(thing/cam-?"})"))),
              ElementsAre(HasSubstr("on 'arn:aws:iot:us-east-1:123456789012:topic/$aws/things/"
                                    "*/shadow/update': a wildcard thing in $aws/things/"),
                          HasSubstr("on 'arn:aws:iot:us-east-1:123456789012:topic/*/telemetry"
                                    "': a wildcard in the first topic level"),
                          HasSubstr("on 'arn:aws:iot:us-east-1:123456789012:topic/$aws/*': "
                                    "every thing's $aws topics"),
                          HasSubstr("allows iot:Connect on 'arn:aws:iot:us-east-1:123456789012:"
                                    "client/cam-*': a wildcard client id not bound to the "
                                    "device"),
                          HasSubstr("allows iot:GetThingShadow on 'arn:aws:iot:us-east-1:"
                                    "123456789012:thing/cam-?': a wildcard thing not bound to "
                                    "the device")));
}

TEST(PolicyTest, AllowWithNotActionOrNotResourceIsBroad) {
  EXPECT_THAT(
      Issues(Policy(absl::StrCat(R"(
    {"Effect": "Allow", "NotAction": ["iot:Connect", "iot:*Shadow"],
     "Resource": ")",
                                 kArn, R"(topic/dt/${iot:ClientId}"},
    {"Effect": "Allow", "Action": "iot:Connect", "NotResource": ")",
                                 kArn, R"(client/admin"},
    {"Effect": "Allow", "NotAction": "iot:*", "Resource": "*"})"))),
      ElementsAre("permissive ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS @ Statement[0]: "
                  "allows every action except 'iot:Connect', 'iot:*Shadow' (NotAction), which "
                  "includes iot:Publish, iot:RetainPublish, iot:Subscribe, iot:Receive",
                  "permissive ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS @ Statement[1]: "
                  "allows iot:Connect on every resource except "
                  "'arn:aws:iot:us-east-1:123456789012:client/admin' (NotResource)"));
}

TEST(PolicyTest, OtherServicesAndDenyStatementsAreNotBroad) {
  EXPECT_THAT(Issues(Policy(absl::StrCat(R"(
    {"Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:s3:::bucket/*"},
    {"Effect": "Deny", "Action": "iot:*", "Resource": "*"},
    {"Effect": "Allow", "Action": "iot:Publish", "Resource": ")",
                                         kArn, R"(topic/sensors/*"})"))),
              IsEmpty());
}

TEST(PolicyTest, MqttWildcardsInDenyAreTakenLiterally) {
  // AWS's example: the Deny of building/control_room/# denies only a filter named so.
  EXPECT_THAT(
      Issues(Policy(absl::StrCat(R"(
    {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": ")",
                                 kArn, R"(topicfilter/building/*"},
    {"Effect": "Deny", "Action": "iot:Subscribe",
     "Resource": ")",
                                 kArn, R"(topicfilter/building/control_room/#"},
    {"Effect": "Deny", "Action": ["iot:Publish", "iot:Connect"],
     "Resource": [")",
                                 kArn, R"(topic/building/+/alarm", ")", kArn, R"(client/#"]})"))),
      ElementsAre("misconfiguration POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT @ "
                  "Statement[1]: denies iot:Subscribe on "
                  "'arn:aws:iot:us-east-1:123456789012:topicfilter/building/"
                  "control_room/#', but policies take the MQTT wildcards '+' and '#' "
                  "literally: only the topic filter named exactly "
                  "'building/control_room/#' is denied",
                  "misconfiguration POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT @ "
                  "Statement[2]: denies iot:Publish on "
                  "'arn:aws:iot:us-east-1:123456789012:topic/building/+/alarm', but "
                  "policies take the MQTT wildcards '+' and '#' literally: only the "
                  "topic named exactly 'building/+/alarm' is denied"));
}

TEST(PolicyTest, DenyWithPolicyWildcardIsBypassedByMqttWildcardFilter) {
  // AWS's second example: Deny building/control_room/* while building/* is allowed lets a
  // device subscribe to building/#, which receives the control room's topics.
  const std::string allow =
      absl::StrCat(R"({"Effect": "Allow", "Action": "iot:Subscribe", "Resource": ")", kArn,
                   R"(topicfilter/building/*"})");
  const std::string deny =
      absl::StrCat(R"({"Effect": "Deny", "Action": "iot:Subscribe", "Resource": ")", kArn,
                   R"(topicfilter/building/control_room/*"})");
  EXPECT_THAT(Issues(Policy(allow + "," + deny)),
              ElementsAre("misconfiguration TOPIC_FILTERS_INTENDED_TO_DENY_ALLOWED_USING_"
                          "WILDCARDS @ Statement[1]: denies iot:Subscribe on "
                          "'arn:aws:iot:us-east-1:123456789012:topicfilter/building/"
                          "control_room/*', but Statement[0] allows subscribing to "
                          "'building/#', an MQTT wildcard filter that receives the denied "
                          "topics"));
  // Also denying the wildcard filters closes the hole.
  const std::string deny_filters =
      absl::StrCat(R"({"Effect": "Deny", "Action": "iot:Subscribe", "Resource": [")", kArn,
                   R"(topicfilter/building/#", ")", kArn, R"(topicfilter/#"]})");
  EXPECT_THAT(Issues(Policy(allow + "," + deny + "," + deny_filters)),
              ElementsAre(HasSubstr("POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT @ "
                                    "Statement[2]"),
                          HasSubstr("POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT @ "
                                    "Statement[2]")));
  // Nothing allowed above the denied level: nothing to bypass with.
  EXPECT_THAT(
      Issues(Policy(absl::StrCat(R"({"Effect": "Allow", "Action": "iot:Subscribe", "Resource": ")",
                                 kArn, R"(topicfilter/building/lobby/*"},)", deny))),
      IsEmpty());
}

TEST(PolicyTest, MalformedDocumentsAreInvalidArgument) {
  EXPECT_EQ(InvalidMessage(R"({"Statement": [)"), "invalid policy document: not json");
  EXPECT_EQ(InvalidMessage("[1, 2]"),
            "invalid policy document: document: expected an object, got array");
  EXPECT_EQ(InvalidMessage(R"({"Version": "2012-10-17"})"),
            "invalid policy document: document: missing \"Statement\"");
  EXPECT_EQ(InvalidMessage(R"({"Statement": "Allow"})"),
            "invalid policy document: Statement: expected a list of statements, got string");
  EXPECT_EQ(InvalidMessage(Policy(R"({"Action": "iot:Connect", "Resource": "*"})")),
            "invalid policy document: Statement[0]: missing \"Effect\"");
  EXPECT_EQ(InvalidMessage(Policy(R"({"Effect": "allow", "Action": "iot:*", "Resource": "*"})")),
            "invalid policy document: Statement[0].Effect: expected \"Allow\" or \"Deny\", got "
            "\"allow\"");
  EXPECT_EQ(InvalidMessage(Policy(R"({"Effect": "Allow", "Resource": "*"})")),
            "invalid policy document: Statement[0]: expected exactly one of \"Action\" and "
            "\"NotAction\"");
  EXPECT_EQ(InvalidMessage(Policy(R"({"Effect": "Allow", "Action": "iot:*",
      "Resource": "*", "NotResource": "*"})")),
            "invalid policy document: Statement[0]: expected exactly one of \"Resource\" and "
            "\"NotResource\"");
  EXPECT_EQ(
      InvalidMessage(Policy(R"({"Effect": "Deny", "Action": ["iot:*", 7], "Resource": "*"})")),
      "invalid policy document: Statement[0].Action[1]: expected a string, got number");
  EXPECT_EQ(InvalidMessage(Policy(R"({"Effect": "Deny", "Action": [], "Resource": "*"})")),
            "invalid policy document: Statement[0].Action: expected a string or a non-empty "
            "list of strings, got an empty list");
  EXPECT_EQ(InvalidMessage(Policy(R"({"Effect": "Allow", "Action": "iot:*", "Resource": "*",
      "Condition": {"Bool": true}})")),
            "invalid policy document: Statement[0].Condition.Bool: expected an object, got "
            "boolean");
}

}  // namespace
}  // namespace warden::audit
