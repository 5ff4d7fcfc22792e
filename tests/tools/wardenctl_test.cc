// wardenctl end to end from the command line to the API seam: argument parsing, paging,
// rendering, JSON output, exit codes and error lines, against a fake WardenApi.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "tests/rules/test_mmdb.h"
#include "tests/tools/wardenctl_fixture.h"
#include "tools/time_args.h"

namespace warden::tools {
namespace {

using ::testing::HasSubstr;

v1::Violation MakeViolation(const std::string& id, const std::string& device) {
  v1::Violation v;
  v.set_violation_id(id);
  v.set_device_id(device);
  v.set_profile("cameras");
  v.set_behaviour("upload");
  v.set_metric("aws:all-bytes-out");
  v.set_severity(v1::HIGH);
  v.mutable_last_evidence()->set_number(20971520);
  v.mutable_last_evidence()->set_operator_("less-than");
  v.mutable_last_evidence()->set_threshold(1e6);
  *v.mutable_start_time() = ToTimestamp(absl::FromUnixSeconds(1'795'000'000));
  *v.mutable_last_violation_time() = ToTimestamp(absl::FromUnixSeconds(1'795'000'300));
  return v;
}

TEST_F(WardenctlTest, GlobalOptionsReachTheClient) {
  unsetenv("WARDEN_SERVER");
  ASSERT_EQ(Run({"profiles", "list"}), 0) << err_.str();
  EXPECT_EQ(server_, "127.0.0.1:7600");
  EXPECT_EQ(timeout_, absl::Seconds(10));

  setenv("WARDEN_SERVER", "10.0.0.9:7600", 1);
  ASSERT_EQ(Run({"profiles", "list"}), 0) << err_.str();
  EXPECT_EQ(server_, "10.0.0.9:7600");
  // Options may also follow the command.
  ASSERT_EQ(Run({"profiles", "list", "--server", "warden:1", "--timeout", "2.5"}), 0);
  EXPECT_EQ(server_, "warden:1");
  EXPECT_EQ(timeout_, absl::Milliseconds(2500));
  unsetenv("WARDEN_SERVER");
}

TEST_F(WardenctlTest, UsageErrorsExitTwoWithoutCallingTheServer) {
  api_.ack.set_status(v1::ReportAck::ACCEPTED);
  EXPECT_EQ(Run({}), 2);
  EXPECT_EQ(Run({"frobnicate"}), 2);
  EXPECT_EQ(Run({"violations"}), 2);
  EXPECT_EQ(Run({"violations", "verify", "v-1", "--state", "guilty"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("guilty"));
  EXPECT_EQ(Run({"--output", "yaml", "profiles", "list"}), 2);
  EXPECT_EQ(Run({"push", "report.json"}), 2);  // --device is required
  EXPECT_TRUE(api_.reports.empty());
  EXPECT_TRUE(api_.verify_requests.empty());
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("violations"));
}

TEST_F(WardenctlTest, ViolationsListPagesThroughEverything) {
  v1::ListActiveViolationsResponse& first = api_.violation_pages[""];
  *first.add_violations() = MakeViolation("v-1", "dev-00001");
  *first.add_violations() = MakeViolation("v-2", "dev-00002");
  first.set_next_page_token("p2");
  *api_.violation_pages["p2"].add_violations() = MakeViolation("v-3", "dev-00003");

  ASSERT_EQ(Run({"violations", "list", "--profile", "cameras", "--state", "unknown", "--state",
                 "true-positive"}),
            0)
      << err_.str();
  ASSERT_EQ(api_.violation_requests.size(), 2u);
  EXPECT_EQ(api_.violation_requests[1].page_token(), "p2");
  EXPECT_EQ(api_.violation_requests[0].profile(), "cameras");
  EXPECT_EQ(api_.violation_requests[0].page_size(), 1000);
  EXPECT_THAT(api_.violation_requests[0].verification_states(),
              testing::ElementsAre(v1::UNKNOWN, v1::TRUE_POSITIVE));
  EXPECT_EQ(out_.str(),
            "VIOLATION ID  DEVICE     PROFILE  BEHAVIOUR  SEVERITY  VALUE     STARTED             "
            "  LAST VIOLATION        STATE\n"
            "v-1           dev-00001  cameras  upload     high      20971520  2026-11-18T11:06:40Z"
            "  2026-11-18T11:11:40Z  unknown\n"
            "v-2           dev-00002  cameras  upload     high      20971520  2026-11-18T11:06:40Z"
            "  2026-11-18T11:11:40Z  unknown\n"
            "v-3           dev-00003  cameras  upload     high      20971520  2026-11-18T11:06:40Z"
            "  2026-11-18T11:11:40Z  unknown\n");
}

TEST_F(WardenctlTest, ViolationsListStopsAtTheLimit) {
  v1::ListActiveViolationsResponse& first = api_.violation_pages[""];
  *first.add_violations() = MakeViolation("v-1", "dev-00001");
  *first.add_violations() = MakeViolation("v-2", "dev-00002");
  first.set_next_page_token("p2");
  ASSERT_EQ(Run({"violations", "list", "--limit", "1", "-o", "json"}), 0) << err_.str();
  ASSERT_EQ(api_.violation_requests.size(), 1u);
  EXPECT_EQ(api_.violation_requests[0].page_size(), 1);
  const nlohmann::json doc = nlohmann::json::parse(out_.str());
  ASSERT_EQ(doc["violations"].size(), 1u);
  EXPECT_EQ(doc["violations"][0]["violation_id"], "v-1");
  EXPECT_EQ(doc["violations"][0]["verification_state"], "UNKNOWN");
  EXPECT_EQ(doc["next_page_token"], "");
}

TEST_F(WardenctlTest, EmptyListSaysSo) {
  ASSERT_EQ(Run({"violations", "list"}), 0);
  EXPECT_EQ(out_.str(), "no active violations\n");
}

TEST_F(WardenctlTest, RpcErrorsAreOneLineWithTheStatusName) {
  api_.status = absl::UnavailableError(
      "cannot reach wardend at 127.0.0.1:7600: failed to connect to all addresses");
  EXPECT_EQ(Run({"violations", "list"}), 1);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(),
            "wardenctl: violations list: UNAVAILABLE: cannot reach wardend at 127.0.0.1:7600: "
            "failed to connect to all addresses\n");

  api_.status = absl::NotFoundError("device 'dev-9' has never reported");
  EXPECT_EQ(Run({"device", "show", "dev-9"}), 1);
  EXPECT_EQ(err_.str(), "wardenctl: device show: NOT_FOUND: device 'dev-9' has never reported\n");
}

TEST_F(WardenctlTest, ViolationsEventsTurnDurationsIntoATimeRange) {
  v1::ViolationEvent* e = api_.events.add_events();
  e->set_type(v1::ALARM_INVALIDATED);
  e->set_reason("device-silent");
  e->set_device_id("dev-00007");
  e->set_profile("cameras");
  e->set_behaviour("no-telnet");
  e->set_severity(v1::CRITICAL);
  e->mutable_evidence()->add_elements("22");
  e->mutable_evidence()->add_elements("23");
  e->mutable_evidence()->add_offending("23");
  e->set_violation_id("v-7");
  *e->mutable_time() = ToTimestamp(absl::FromUnixSeconds(1'795'000'000));

  ASSERT_EQ(Run({"violations", "events", "--since", "1h", "--until", "2026-11-18T11:00:00Z",
                 "--device", "dev-00007"}),
            0)
      << err_.str();
  ASSERT_EQ(api_.event_requests.size(), 1u);
  const v1::ListViolationEventsRequest& r = api_.event_requests[0];
  EXPECT_EQ(r.start_time().seconds(), 1'795'000'000 - 3600);
  EXPECT_EQ(FormatTimestamp(r.end_time()), "2026-11-18T11:00:00Z");
  EXPECT_EQ(r.device_id(), "dev-00007");
  EXPECT_EQ(out_.str(),
            "TIME                  EVENT                              DEVICE     PROFILE  "
            "BEHAVIOUR  SEVERITY  VALUE  VIOLATION ID\n"
            "2026-11-18T11:06:40Z  alarm-invalidated (device-silent)  dev-00007  cameras  "
            "no-telnet  critical  23     v-7\n");

  // Without --since/--until the range is left to the server.
  ASSERT_EQ(Run({"violations", "events"}), 0);
  EXPECT_FALSE(api_.event_requests[1].has_start_time());
  EXPECT_FALSE(api_.event_requests[1].has_end_time());
}

TEST_F(WardenctlTest, ViolationsEventsRejectsBadTimes) {
  EXPECT_EQ(Run({"violations", "events", "--since", "yesterday"}), 2);
  EXPECT_EQ(err_.str(),
            "wardenctl: violations events: --since: invalid time 'yesterday': expected a "
            "duration back from now (90s, 30m, 1h, 2d) or an RFC3339 time "
            "(2026-11-26T10:00:00Z)\n");
  EXPECT_EQ(Run({"violations", "events", "--since", "1h", "--until", "2h"}), 2);
  EXPECT_EQ(err_.str(),
            "wardenctl: violations events: --since 2026-11-18T10:06:40Z is not before --until "
            "2026-11-18T09:06:40Z\n");
  EXPECT_TRUE(api_.event_requests.empty());
}

TEST_F(WardenctlTest, VerifySendsTheStateAndShowsTheViolation) {
  api_.violation = MakeViolation("v-1", "dev-00001");
  ASSERT_EQ(Run({"violations", "verify", "v-1", "--state", "benign-positive", "--description",
                 "firmware update"}),
            0)
      << err_.str();
  ASSERT_EQ(api_.verify_requests.size(), 1u);
  EXPECT_EQ(api_.verify_requests[0].violation_id(), "v-1");
  EXPECT_EQ(api_.verify_requests[0].state(), v1::BENIGN_POSITIVE);
  EXPECT_EQ(out_.str(),
            "violation:       v-1\n"
            "device:          dev-00001\n"
            "profile:         cameras\n"
            "behaviour:       upload\n"
            "metric:          aws:all-bytes-out\n"
            "severity:        high\n"
            "value:           20971520\n"
            "rule:            less-than 1000000\n"
            "started:         2026-11-18T11:06:40Z\n"
            "last violation:  2026-11-18T11:11:40Z\n"
            "state:           benign-positive\n"
            "description:     firmware update\n");
}

constexpr char kReport[] =
    R"({"hed": {"rid": 1795000000, "v": "1.0"}, "met": {"ns": {"bo": 20971520}},
        "cmet": {"temperature": [{"number": 21.5}]}})";

TEST_F(WardenctlTest, PushParsesTheFileAndPrintsTheAck) {
  api_.ack.set_device_id("dev-00001");
  api_.ack.set_report_id(1795000000);
  api_.ack.set_status(v1::ReportAck::ACCEPTED);
  ASSERT_EQ(Run({"push", "--device", "dev-00001", WriteFile("r.json", kReport)}), 0) << err_.str();
  ASSERT_EQ(api_.reports.size(), 1u);
  EXPECT_EQ(api_.reports[0].device_id(), "dev-00001");
  EXPECT_EQ(api_.reports[0].report().metrics().network_stats().bytes_out(), 20971520u);
  EXPECT_EQ(api_.reports[0].report().custom_metrics().at("temperature").number(), 21.5);
  EXPECT_EQ(out_.str(), "accepted: report 1795000000 of device 'dev-00001'\n");

  api_.ack.set_status(v1::ReportAck::DUPLICATE);
  EXPECT_EQ(Run({"push", "--device", "dev-00001", "-"}, kReport), 0);
  EXPECT_EQ(api_.reports.size(), 2u);
  EXPECT_THAT(out_.str(), HasSubstr("duplicate: report 1795000000"));
}

TEST_F(WardenctlTest, PushExitsOneOnARejectedAck) {
  api_.ack.set_device_id("dev-00001");
  api_.ack.set_report_id(5);
  api_.ack.set_status(v1::ReportAck::REJECTED);
  api_.ack.set_error_code("InvalidPayload");
  api_.ack.set_field_path(
      "report.metrics.tcp_connections.established_connections.connections[0]"
      ".remote_addr");
  api_.ack.set_message("'nowhere' is not ip:port");
  EXPECT_EQ(Run({"push", "--device", "dev-00001", "-"}, kReport), 1);
  EXPECT_EQ(out_.str(),
            "rejected: report 5 of device 'dev-00001': InvalidPayload at "
            "report.metrics.tcp_connections.established_connections.connections[0].remote_addr: "
            "'nowhere' is not ip:port\n");

  ASSERT_EQ(Run({"-o", "json", "push", "--device", "dev-00001", "-"}, kReport), 1);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["error_code"], "InvalidPayload");
}

TEST_F(WardenctlTest, PushRefusesAMalformedReportLocally) {
  EXPECT_EQ(Run({"push", "--device", "d", "-"},
                R"({"hed": {"rid": 1}, "cmet": {"temperature": {"number": 5}}})"),
            1);
  EXPECT_EQ(err_.str(),
            "wardenctl: push: <stdin>: custom_metrics.temperature: expected an array of one "
            "object, got an object\n");
  EXPECT_EQ(Run({"push", "--device", "d", "/nonexistent/r.json"}), 1);
  EXPECT_EQ(err_.str(),
            "wardenctl: push: cannot read '/nonexistent/r.json': no such file or directory\n");
  EXPECT_TRUE(api_.reports.empty());
}

TEST_F(WardenctlTest, DeviceShowRendersWindowsAndAlarms) {
  api_.device.set_device_id("dev-00001");
  api_.device.set_last_report_id(1795000000);
  *api_.device.mutable_last_seen() = ToTimestamp(absl::FromUnixSeconds(1'795'000'000));
  v1::MetricWindow* w = api_.device.add_windows();
  w->set_metric("aws:all-bytes-out");
  for (int i = 0; i < 3; ++i) {
    v1::WindowPoint* p = w->add_points();
    p->set_time_us((1'795'000'000 + 300LL * i) * 1'000'000);
    p->set_value(1000 * (i + 1));
  }
  v1::AlarmState* calm = api_.device.add_alarms();
  calm->set_profile("cameras");
  calm->set_behaviour("no-telnet");
  calm->set_consecutive_conforming(4);
  v1::AlarmState* raised = api_.device.add_alarms();
  raised->set_profile("cameras");
  raised->set_behaviour("upload");
  raised->set_consecutive_violating(3);
  *raised->mutable_violation() = MakeViolation("v-1", "dev-00001");

  ASSERT_EQ(Run({"device", "show", "dev-00001"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "device:          dev-00001\n"
            "last report id:  1795000000\n"
            "last seen:       2026-11-18T11:06:40Z\n"
            "\n"
            "windows:\n"
            "METRIC             POINTS  FROM                  TO                    SUM   LAST\n"
            "aws:all-bytes-out  3       2026-11-18T11:06:40Z  2026-11-18T11:16:40Z  6000  3000\n"
            "\n"
            "alarms:\n"
            "PROFILE  BEHAVIOUR  STATE     VIOLATING  CONFORMING  VIOLATION ID  SINCE\n"
            "cameras  no-telnet  ok        0          4           -             -\n"
            "cameras  upload     in-alarm  3          0           v-1           "
            "2026-11-18T11:06:40Z\n");
}

TEST_F(WardenctlTest, ProfilesListShowsProfilesBehavioursAndLists) {
  v1::ListProfilesResponse& r = api_.profiles;
  r.set_generation(3);
  *r.mutable_loaded_at() = ToTimestamp(absl::FromUnixSeconds(1'795'000'000));
  r.set_directory("/etc/warden/profiles");
  r.set_devices_in_inventory(2);
  v1::ProfileSummary* p = r.add_profiles();
  p->set_name("cameras");
  p->set_file("cameras.yaml");
  p->set_targets("groups: cameras");
  v1::BehaviourSummary* b = p->add_behaviours();
  b->set_name("upload");
  b->set_metric("aws:all-bytes-out");
  b->set_operator_("less-than");
  b->set_severity("high");
  v1::ListSummary* l = r.add_lists();
  l->set_name("trusted");
  l->set_type("cidr");
  l->set_entries(2);
  l->set_file("lists/trusted.yaml");

  ASSERT_EQ(Run({"profiles", "list"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "generation 3, loaded 2026-11-18T11:06:40Z from /etc/warden/profiles, 2 devices in "
            "inventory\n"
            "\n"
            "PROFILE  TARGETS          BEHAVIOURS  FILE\n"
            "cameras  groups: cameras  1           cameras.yaml\n"
            "\n"
            "PROFILE  BEHAVIOUR  METRIC             OPERATOR   SEVERITY\n"
            "cameras  upload     aws:all-bytes-out  less-than  high\n"
            "\n"
            "LIST     TYPE  ENTRIES  FILE\n"
            "trusted  cidr  2        lists/trusted.yaml\n");
}

TEST_F(WardenctlTest, ProfilesReloadPrintsTheDiagnosticsOfARejectedSet) {
  api_.reload.set_generation(4);
  api_.reload.set_profiles(3);
  api_.reload.set_lists(2);
  ASSERT_EQ(Run({"profiles", "reload"}), 0);
  EXPECT_EQ(out_.str(), "reloaded: generation 4, 3 profiles, 2 lists\n");

  api_.status = absl::InvalidArgumentError(
      "profiles/camera.yaml:12:15: error: unknown operator 'greater-then' [E_OPERATOR]\n"
      "      operator: greater-then\n"
      "                ^\n");
  EXPECT_EQ(Run({"profiles", "reload"}), 1);
  EXPECT_EQ(err_.str(),
            "wardenctl: profiles reload: INVALID_ARGUMENT:\n"
            "profiles/camera.yaml:12:15: error: unknown operator 'greater-then' [E_OPERATOR]\n"
            "      operator: greater-then\n"
            "                ^\n");
}

constexpr char kProfiles[] = R"(list: trusted
type: cidr
values: [52.94.0.0/16]
---
profile: cameras
targets: all
behaviours:
  - name: trusted-only
    metric: aws:destination-ip-addresses
    operator: in-cidr-set
    list: trusted
)";

TEST_F(WardenctlTest, ValidateIsLocalAndSummarises) {
  const std::string file = WriteFile("fleet.yaml", kProfiles);
  ASSERT_EQ(Run({"validate", file}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "ok: 1 profiles, 1 lists\n");
  EXPECT_TRUE(server_.empty());  // no client was made

  ASSERT_EQ(Run({"-o", "json", "validate", file}), 0);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["ok"], true);
}

// Country entries are checked against the MaxMind DB wardend would use: without one they
// are an error, as in wardend; with one they validate.
TEST_F(WardenctlTest, ValidateTakesTheGeoipDatabaseForCountryEntries) {
  std::string with_country = kProfiles;
  with_country.replace(with_country.find("[52.94.0.0/16]"), 14, "[52.94.0.0/16, country:CN]");
  const std::string file = WriteFile("countries.yaml", with_country);
  EXPECT_EQ(Run({"validate", file}), 1);
  EXPECT_THAT(err_.str(), HasSubstr(file + ":3:24: error:"));
  EXPECT_THAT(err_.str(), HasSubstr("country entries need a geoip database"));

  const std::string& mmdb = rules::TestMmdbPath();
  ASSERT_FALSE(mmdb.empty());
  ASSERT_EQ(Run({"validate", "--geoip-database", mmdb, file}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "ok: 1 profiles, 1 lists\n");

  EXPECT_EQ(Run({"validate", "--geoip-database", mmdb + ".missing", file}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("cannot open geoip database '" + mmdb + ".missing'"));
}

TEST_F(WardenctlTest, ValidateReportsErrorsWithFileAndLine) {
  std::string bad = kProfiles;
  bad.replace(bad.find("in-cidr-set"), 11, "greater-then");
  const std::string file = WriteFile("bad.yaml", bad);
  EXPECT_EQ(Run({"validate", file}), 1);
  EXPECT_EQ(out_.str(), "");
  EXPECT_THAT(err_.str(), HasSubstr(file + ":10:15: error:"));
  EXPECT_THAT(err_.str(), HasSubstr("greater-then"));

  EXPECT_EQ(Run({"-o", "json", "validate", file}), 1);
  const nlohmann::json doc = nlohmann::json::parse(out_.str());
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["diagnostics"][0]["line"], 10);
}

}  // namespace
}  // namespace warden::tools

namespace warden::tools {
namespace {

TEST_F(WardenctlTest, DeadLetterListShowsWhyAndReplayNamesTheReceiver) {
  v1::DeadLetter* d = api_.dead_letters.add_dead_letters();
  d->set_reason("permanent-failure");
  d->mutable_row()->set_receiver("soc");
  d->mutable_row()->set_target("soc");
  d->mutable_row()->set_attempts(1);
  d->mutable_row()->set_last_error("HTTP 400: bad request");
  d->mutable_row()->mutable_event()->set_event_id("00ff-raised");
  d->mutable_row()->mutable_event()->set_device_id("cam-1");

  ASSERT_EQ(Run({"alerts", "dead-letter", "list", "--receiver", "soc"}), 0) << err_.str();
  ASSERT_EQ(api_.dead_letter_requests.size(), 1u);
  EXPECT_EQ(api_.dead_letter_requests[0].receiver(), "soc");
  EXPECT_THAT(out_.str(), testing::HasSubstr("permanent-failure"));
  EXPECT_THAT(out_.str(), testing::HasSubstr("HTTP 400: bad request"));
  EXPECT_THAT(out_.str(), testing::HasSubstr("00ff-raised"));

  ASSERT_EQ(Run({"alerts", "dead-letter", "replay", "--receiver", "soc", "--event", "00ff-raised"}),
            0)
      << err_.str();
  ASSERT_EQ(api_.replay_requests.size(), 1u);
  EXPECT_EQ(api_.replay_requests[0].receiver(), "soc");
  EXPECT_THAT(api_.replay_requests[0].event_ids(), testing::ElementsAre("00ff-raised"));
  EXPECT_EQ(out_.str(), "replayed: 1 dead letter(s) of receiver 'soc' queued again\n");

  // The receiver is required.
  EXPECT_EQ(Run({"alerts", "dead-letter", "replay"}), 2);
}

TEST_F(WardenctlTest, AlertsStatusFailsClearlyWhenAlertingIsOff) {
  api_.status = absl::FailedPreconditionError("alerting is not configured");
  EXPECT_EQ(Run({"alerts", "status"}), 1);
  EXPECT_EQ(err_.str(),
            "wardenctl: alerts status: FAILED_PRECONDITION: alerting is not configured\n");
}

}  // namespace
}  // namespace warden::tools
