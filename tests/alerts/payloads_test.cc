#include "alerts/payloads.h"

#include "gtest/gtest.h"

namespace warden::alerts {
namespace {

using nlohmann::json;

// 2026-11-26T13:00:00Z
constexpr int64_t kStartSeconds = 1795698000;
constexpr int64_t kNowUs = (kStartSeconds + 600) * 1'000'000 + 456'789;

google::protobuf::Timestamp At(int64_t seconds, int32_t nanos) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

v1::Evidence NumberEvidence() {
  v1::Evidence e;
  e.set_number(6'000'000);
  e.set_operator_("less-than");
  e.set_threshold(5'000'000);
  e.set_duration_seconds(300);
  e.set_datapoints(5);
  e.set_report_id(42);
  return e;
}

v1::Evidence ListEvidence() {
  v1::Evidence e;
  e.set_operator_("in-port-set");
  e.set_list("allowed-ports");
  for (const char* port : {"22", "23", "2323"}) e.add_elements(port);
  e.add_offending("23");
  e.add_offending("2323");
  e.set_datapoints(1);
  e.set_report_id(43);
  return e;
}

// A behaviour whose own labels try to override the identifying ones.
void Describe(v1::ViolationEvent* e) {
  e->set_violation_id("00c0ffee00c0ffee");
  e->set_device_id("cam-0001");
  e->set_profile("camera");
  e->set_behaviour("bytes-out-spike");
  e->set_metric("aws:all-bytes-out");
  e->set_severity(v1::HIGH);
  (*e->mutable_labels())["team"] = "video";
  (*e->mutable_labels())["device"] = "spoofed";
  (*e->mutable_labels())["alertname"] = "spoofed";
}

v1::ViolationEvent InAlarm() {
  v1::ViolationEvent e;
  Describe(&e);
  e.set_event_id("00c0ffee00c0ffee-raised");
  e.set_type(v1::IN_ALARM);
  *e.mutable_time() = At(kStartSeconds, 123'000'000);
  *e.mutable_violation_start_time() = e.time();
  *e.mutable_evidence() = NumberEvidence();
  return e;
}

v1::Violation Active() {
  const v1::ViolationEvent e = InAlarm();
  v1::Violation v;
  v.set_violation_id(e.violation_id());
  v.set_device_id(e.device_id());
  v.set_profile(e.profile());
  v.set_behaviour(e.behaviour());
  v.set_metric(e.metric());
  v.set_severity(e.severity());
  *v.mutable_labels() = e.labels();
  *v.mutable_last_evidence() = e.evidence();
  *v.mutable_start_time() = e.time();
  *v.mutable_last_violation_time() = At(kStartSeconds + 500, 0);
  return v;
}

json Labels() {
  return {
      {"alertname", "bytes-out-spike"}, {"profile", "camera"},
      {"device", "cam-0001"},           {"severity", "high"},
      {"metric", "aws:all-bytes-out"},  {"team", "video"},
  };
}

json NumberAnnotations() {
  return {
      {"summary", "bytes-out-spike on device cam-0001 (profile camera)"},
      {"description",
       "aws:all-bytes-out = 6000000 over 300s (5 datapoints), expected less-than 5000000"},
      {"value", "6000000"},
      {"threshold", "5000000"},
      {"window", "300s (5 datapoints)"},
      {"violation_id", "00c0ffee00c0ffee"},
  };
}

TEST(PayloadsTest, FiringAlertForAnActiveViolation) {
  EXPECT_EQ(
      FiringAlert(Active(), kNowUs, /*resend_interval_seconds=*/60, "http://warden.example:8080/"),
      json({
          {"labels", Labels()},
          {"annotations", NumberAnnotations()},
          {"startsAt", "2026-11-26T13:00:00.123Z"},
          // now + 4 resend intervals, to the millisecond.
          {"endsAt", "2026-11-26T13:14:00.456Z"},
          {"generatorURL", "http://warden.example:8080/violations/00c0ffee00c0ffee"},
      }));
}

TEST(PayloadsTest, InAlarmEventFiresLikeTheViolation) {
  EXPECT_EQ(EventAlert(InAlarm(), kNowUs, 60, "http://warden.example:8080"),
            FiringAlert(Active(), kNowUs, 60, "http://warden.example:8080"));
}

TEST(PayloadsTest, GeneratorUrlIsLeftOutWithoutExternalUrl) {
  EXPECT_FALSE(FiringAlert(Active(), kNowUs, 60, "").contains("generatorURL"));
  EXPECT_FALSE(EventAlert(InAlarm(), kNowUs, 60, "").contains("generatorURL"));
}

TEST(PayloadsTest, ClearedAlertIsResolvedAtTheClearTime) {
  v1::ViolationEvent e = InAlarm();
  e.set_event_id("00c0ffee00c0ffee-cleared");
  e.set_type(v1::ALARM_CLEARED);
  *e.mutable_time() = At(kStartSeconds + 900, 7'000'000);
  const json alert = EventAlert(e, kNowUs, 60, "");
  EXPECT_EQ(alert["startsAt"], "2026-11-26T13:00:00.123Z");
  EXPECT_EQ(alert["endsAt"], "2026-11-26T13:15:00.007Z");
  EXPECT_EQ(alert["labels"], Labels());
  EXPECT_FALSE(alert["annotations"].contains("reason"));
}

TEST(PayloadsTest, InvalidatedAlertIsResolvedWithItsReason) {
  v1::ViolationEvent e = InAlarm();
  e.set_type(v1::ALARM_INVALIDATED);
  e.set_reason("device-silent");
  *e.mutable_time() = At(kStartSeconds + 3600, 0);
  const json alert = EventAlert(e, kNowUs, 60, "");
  EXPECT_EQ(alert["endsAt"], "2026-11-26T14:00:00.000Z");
  EXPECT_EQ(alert["annotations"]["reason"], "device-silent");
}

TEST(PayloadsTest, EventWithoutStartTimeStartsAtItsOwnTime) {
  v1::ViolationEvent e = InAlarm();
  e.set_type(v1::ALARM_CLEARED);
  e.clear_violation_start_time();
  *e.mutable_time() = At(kStartSeconds + 60, 0);
  const json alert = EventAlert(e, kNowUs, 60, "");
  EXPECT_EQ(alert["startsAt"], "2026-11-26T13:01:00.000Z");
  EXPECT_EQ(alert["endsAt"], "2026-11-26T13:01:00.000Z");
}

TEST(PayloadsTest, ListBehaviourAnnotations) {
  v1::ViolationEvent e = InAlarm();
  e.set_metric("aws:listening-tcp-ports");
  *e.mutable_evidence() = ListEvidence();
  const json annotations = EventAlert(e, kNowUs, 60, "")["annotations"];
  EXPECT_EQ(annotations, json({
                             {"summary", "bytes-out-spike on device cam-0001 (profile camera)"},
                             {"description",
                              "aws:listening-tcp-ports = [22, 23, 2323], expected in-port-set list "
                              "'allowed-ports'; offending: 23, 2323"},
                             {"value", "22, 23, 2323"},
                             {"list", "allowed-ports"},
                             {"offending", "23, 2323"},
                             {"violation_id", "00c0ffee00c0ffee"},
                         }));
}

TEST(PayloadsTest, WebhookBodyForANumberBehaviour) {
  EXPECT_EQ(
      json::parse(WebhookBody(InAlarm(), "http://warden.example:8080")),
      json({
          {"type", "violation.in-alarm"},
          {"timestamp", "2026-11-26T13:00:00.123Z"},
          {"version", "warden.webhook.v1"},
          {"data",
           {
               {"event_id", "00c0ffee00c0ffee-raised"},
               {"event_type", "in-alarm"},
               {"violation_id", "00c0ffee00c0ffee"},
               {"device_id", "cam-0001"},
               {"profile", "camera"},
               {"behaviour", "bytes-out-spike"},
               {"metric", "aws:all-bytes-out"},
               {"severity", "high"},
               // Webhooks carry the behaviour's labels as they are.
               {"labels", {{"team", "video"}, {"device", "spoofed"}, {"alertname", "spoofed"}}},
               {"evidence",
                {
                    {"value", 6000000.0},
                    {"operator", "less-than"},
                    {"threshold", 5000000.0},
                    {"duration_seconds", 300},
                    {"datapoints", 5},
                    {"report_id", 42},
                }},
               {"violation_start_time", "2026-11-26T13:00:00.123Z"},
               {"event_time", "2026-11-26T13:00:00.123Z"},
               {"link", "http://warden.example:8080/violations/00c0ffee00c0ffee"},
           }},
      }));
}

TEST(PayloadsTest, WebhookBodyForAnInvalidatedListBehaviour) {
  v1::ViolationEvent e = InAlarm();
  e.set_event_id("00c0ffee00c0ffee-invalidated");
  e.set_type(v1::ALARM_INVALIDATED);
  e.set_reason("behaviour-removed");
  e.set_metric("aws:listening-tcp-ports");
  *e.mutable_time() = At(kStartSeconds + 60, 0);
  *e.mutable_evidence() = ListEvidence();
  const json body = json::parse(WebhookBody(e, ""));
  EXPECT_EQ(body["type"], "violation.alarm-invalidated");
  EXPECT_EQ(body["timestamp"], "2026-11-26T13:01:00.000Z");
  const json& data = body["data"];
  EXPECT_EQ(data["reason"], "behaviour-removed");
  EXPECT_FALSE(data.contains("link"));
  EXPECT_EQ(data["evidence"], json({
                                  {"elements", {"22", "23", "2323"}},
                                  {"operator", "in-port-set"},
                                  {"list", "allowed-ports"},
                                  {"offending", {"23", "2323"}},
                                  {"matched_entries", json::array()},
                                  {"duration_seconds", 0},
                                  {"datapoints", 1},
                                  {"report_id", 43},
                              }));
}

TEST(PayloadsTest, WebhookBodyIsTheSameOnEveryCall) {
  // Retries resend the same bytes under the same webhook-id.
  EXPECT_EQ(WebhookBody(InAlarm(), ""), WebhookBody(InAlarm(), ""));
}

}  // namespace
}  // namespace warden::alerts
