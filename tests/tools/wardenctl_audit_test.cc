// wardenctl audit run|tasks|task|findings|suppress|unsuppress|suppressions against the
// fake WardenApi: request fields, polling with the fake clock, tables and exit codes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/tools/wardenctl_fixture.h"
#include "tools/time_args.h"

namespace warden::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kNow = 1'795'000'000;  // the fixture's clock: 2026-11-18T11:06:40Z

v1::AuditTask MakeTask(v1::AuditTaskStatus status) {
  v1::AuditTask t;
  t.set_task_id("t-42");
  t.set_status(status);
  t.set_trigger("on-demand");
  *t.mutable_started_at() = ToTimestamp(absl::FromUnixSeconds(kNow));
  if (status == v1::IN_PROGRESS) return t;
  *t.mutable_finished_at() = ToTimestamp(absl::FromUnixSeconds(kNow + 2));
  v1::CheckSummary* expiring = t.add_checks();
  expiring->set_check("DEVICE_CERTIFICATE_EXPIRING_CHECK");
  expiring->set_status(v1::COMPLETED_NON_COMPLIANT);
  expiring->set_resources_evaluated(14);
  expiring->set_non_compliant(2);
  expiring->set_suppressed(1);
  v1::CheckSummary* logging = t.add_checks();
  logging->set_check("LOGGING_DISABLED_CHECK");
  logging->set_status(v1::COMPLETED_COMPLIANT);
  logging->set_resources_evaluated(1);
  v1::CheckSummary* keys = t.add_checks();
  keys->set_check("DEVICE_CERTIFICATE_KEY_QUALITY_CHECK");
  keys->set_status(v1::CHECK_FAILED);
  keys->add_errors("ab12: cannot read the public key");
  return t;
}

constexpr char kTaskTable[] =
    "task:      t-42\n"
    "status:    completed\n"
    "trigger:   on-demand\n"
    "started:   2026-11-18T11:06:40Z\n"
    "finished:  2026-11-18T11:06:42Z\n"
    "\n"
    "CHECK                                 STATUS                   EVALUATED  NON-COMPLIANT  "
    "SUPPRESSED  ERRORS\n"
    "DEVICE_CERTIFICATE_EXPIRING_CHECK     completed-non-compliant  14         2              "
    "1           0\n"
    "LOGGING_DISABLED_CHECK                completed-compliant      1          0              "
    "0           0\n"
    "DEVICE_CERTIFICATE_KEY_QUALITY_CHECK  check-failed             0          0              "
    "0           1\n"
    "\n"
    "errors:\n"
    "DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: ab12: cannot read the public key\n";

TEST_F(WardenctlTest, AuditRunStartsTheChecksAndNamesTheTask) {
  api_.started = MakeTask(v1::IN_PROGRESS);
  ASSERT_EQ(Run({"audit", "run", "--check", "LOGGING_DISABLED_CHECK", "--check",
                 "DEVICE_CERTIFICATE_EXPIRING_CHECK"}),
            0)
      << err_.str();
  ASSERT_EQ(api_.start_requests.size(), 1u);
  EXPECT_THAT(api_.start_requests[0].checks(),
              ElementsAre("LOGGING_DISABLED_CHECK", "DEVICE_CERTIFICATE_EXPIRING_CHECK"));
  EXPECT_TRUE(api_.task_requests.empty());
  EXPECT_EQ(out_.str(), "started: audit task t-42; follow it with 'wardenctl audit task t-42'\n");

  ASSERT_EQ(Run({"-o", "json", "audit", "run"}), 0);
  EXPECT_THAT(api_.start_requests[1].checks(), IsEmpty());
  EXPECT_EQ(nlohmann::json::parse(out_.str())["status"], "IN_PROGRESS");
}

TEST_F(WardenctlTest, AuditRunWaitPollsUntilTheTaskIsDone) {
  api_.started = MakeTask(v1::IN_PROGRESS);
  api_.task_polls = {MakeTask(v1::IN_PROGRESS), MakeTask(v1::COMPLETED)};
  ASSERT_EQ(Run({"audit", "run", "--wait"}), 0) << err_.str();
  EXPECT_THAT(sleeps_, ElementsAre(absl::Milliseconds(200), absl::Milliseconds(200)));
  ASSERT_EQ(api_.task_requests.size(), 2u);
  EXPECT_EQ(api_.task_requests[0].task_id(), "t-42");
  EXPECT_EQ(out_.str(), kTaskTable);

  // A task that failed is an exit code of 1, after its summary.
  v1::AuditTask failed = MakeTask(v1::FAILED);
  failed.set_error("the registry cannot be read");
  api_.task_polls = {failed};
  api_.task_requests.clear();
  EXPECT_EQ(Run({"audit", "run", "--wait"}), 1);
  EXPECT_THAT(out_.str(), testing::HasSubstr("error:     the registry cannot be read\n"));
}

TEST_F(WardenctlTest, AuditRunWaitGivesUpAfterWaitSeconds) {
  api_.started = MakeTask(v1::IN_PROGRESS);
  api_.task_polls = {MakeTask(v1::IN_PROGRESS)};
  EXPECT_EQ(Run({"audit", "run", "--wait", "--wait-seconds", "1"}), 1);
  EXPECT_EQ(sleeps_.size(), 5u);  // 1 s in 200 ms steps
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(),
            "wardenctl: audit run: audit task t-42 is still in progress after 1s; follow it "
            "with 'wardenctl audit task t-42'\n");

  EXPECT_EQ(Run({"audit", "run", "--wait-seconds", "5"}), 2);  // needs --wait
}

TEST_F(WardenctlTest, AuditTasksAndTask) {
  *api_.tasks.add_tasks() = MakeTask(v1::COMPLETED);
  *api_.tasks.add_tasks() = MakeTask(v1::IN_PROGRESS);
  api_.tasks.mutable_tasks(1)->set_task_id("t-43");
  api_.tasks.mutable_tasks(1)->set_trigger("nightly");
  ASSERT_EQ(Run({"audit", "tasks", "--limit", "10"}), 0) << err_.str();
  EXPECT_EQ(api_.tasks_requests[0].page_size(), 10);
  EXPECT_EQ(out_.str(),
            "TASK ID  STATUS       TRIGGER    STARTED               FINISHED              CHECKS  "
            "NON-COMPLIANT\n"
            "t-42     completed    on-demand  2026-11-18T11:06:40Z  2026-11-18T11:06:42Z  3       "
            "2\n"
            "t-43     in-progress  nightly    2026-11-18T11:06:40Z  -                     0       "
            "0\n");

  api_.task_polls = {MakeTask(v1::COMPLETED)};
  ASSERT_EQ(Run({"audit", "task", "t-42"}), 0) << err_.str();
  EXPECT_EQ(api_.task_requests[0].task_id(), "t-42");
  EXPECT_EQ(out_.str(), kTaskTable);

  api_.status = absl::NotFoundError("no audit task 't-9'");
  EXPECT_EQ(Run({"audit", "task", "t-9"}), 1);
  EXPECT_EQ(err_.str(), "wardenctl: audit task: NOT_FOUND: no audit task 't-9'\n");
}

v1::AuditFinding MakeFinding(const std::string& id, bool suppressed) {
  v1::AuditFinding f;
  f.set_finding_id(id);
  f.set_task_id("t-42");
  f.set_check("DEVICE_CERTIFICATE_EXPIRING_CHECK");
  f.set_severity(v1::MEDIUM);
  f.mutable_resource()->set_type("DEVICE_CERTIFICATE");
  f.mutable_resource()->set_id("ab12");
  f.set_reason_code("CERTIFICATE_EXPIRING");
  f.set_reason("expires in 12 days (2026-11-30T11:06:40Z)");
  f.set_suppressed(suppressed);
  return f;
}

TEST_F(WardenctlTest, AuditFindingsFiltersAndTable) {
  api_.findings.set_task_id("t-42");
  *api_.findings.add_findings() = MakeFinding("f-1", false);
  ASSERT_EQ(
      Run({"audit", "findings", "--task", "t-42", "--check", "DEVICE_CERTIFICATE_EXPIRING_CHECK",
           "--resource-type", "device_certificate", "--resource-id", "ab12", "--limit", "20"}),
      0)
      << err_.str();
  ASSERT_EQ(api_.findings_requests.size(), 1u);
  const v1::ListFindingsRequest& r = api_.findings_requests[0];
  EXPECT_EQ(r.task_id(), "t-42");
  EXPECT_EQ(r.check(), "DEVICE_CERTIFICATE_EXPIRING_CHECK");
  EXPECT_EQ(r.resource().type(), "DEVICE_CERTIFICATE");  // any case on the command line
  EXPECT_EQ(r.resource().id(), "ab12");
  EXPECT_EQ(r.suppressed(), v1::ListFindingsRequest::EXCLUDE);
  EXPECT_EQ(r.page_size(), 20);
  EXPECT_EQ(out_.str(),
            "audit task t-42: 1 finding\n"
            "\n"
            "CHECK                              SEVERITY  RESOURCE                   REASON CODE   "
            "        REASON\n"
            "DEVICE_CERTIFICATE_EXPIRING_CHECK  medium    DEVICE_CERTIFICATE 'ab12'  "
            "CERTIFICATE_EXPIRING  expires in 12 days (2026-11-30T11:06:40Z)\n");

  *api_.findings.add_findings() = MakeFinding("f-2", true);
  ASSERT_EQ(Run({"audit", "findings", "--suppressed", "include"}), 0) << err_.str();
  EXPECT_EQ(api_.findings_requests[1].suppressed(), v1::ListFindingsRequest::INCLUDE);
  EXPECT_FALSE(api_.findings_requests[1].has_resource());
  EXPECT_EQ(out_.str(),
            "audit task t-42: 2 findings\n"
            "\n"
            "CHECK                              SEVERITY  RESOURCE                   SUPPRESSED  "
            "REASON CODE           REASON\n"
            "DEVICE_CERTIFICATE_EXPIRING_CHECK  medium    DEVICE_CERTIFICATE 'ab12'  no          "
            "CERTIFICATE_EXPIRING  expires in 12 days (2026-11-30T11:06:40Z)\n"
            "DEVICE_CERTIFICATE_EXPIRING_CHECK  medium    DEVICE_CERTIFICATE 'ab12'  yes         "
            "CERTIFICATE_EXPIRING  expires in 12 days (2026-11-30T11:06:40Z)\n");

  ASSERT_EQ(Run({"-o", "json", "audit", "findings", "--suppressed", "only"}), 0);
  EXPECT_EQ(api_.findings_requests[2].suppressed(), v1::ListFindingsRequest::ONLY);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["task_id"], "t-42");

  api_.findings.clear_findings();
  ASSERT_EQ(Run({"audit", "findings"}), 0);
  EXPECT_EQ(out_.str(), "audit task t-42: 0 findings\n");
}

TEST_F(WardenctlTest, AuditFindingsUsageErrors) {
  EXPECT_EQ(Run({"audit", "findings", "--resource-type", "DEVICE"}), 2);  // needs --resource-id
  EXPECT_EQ(Run({"audit", "findings", "--resource-id", "cam-1"}), 2);
  EXPECT_EQ(Run({"audit", "findings", "--resource-type", "THING", "--resource-id", "x"}), 2);
  EXPECT_EQ(Run({"audit", "findings", "--suppressed", "maybe"}), 2);
  EXPECT_TRUE(api_.findings_requests.empty());
}

TEST_F(WardenctlTest, AuditSuppressUntilADurationOrATime) {
  ASSERT_EQ(Run({"audit", "suppress", "--check", "DEVICE_CERTIFICATE_EXPIRING_CHECK",
                 "--resource-type", "DEVICE_CERTIFICATE", "--resource-id", "ab12", "--until", "30d",
                 "--description", "replacement ordered"}),
            0)
      << err_.str();
  ASSERT_EQ(api_.created_suppressions.size(), 1u);
  const v1::Suppression& s = api_.created_suppressions[0];
  EXPECT_EQ(s.check(), "DEVICE_CERTIFICATE_EXPIRING_CHECK");
  EXPECT_EQ(s.resource().type(), "DEVICE_CERTIFICATE");
  EXPECT_EQ(s.resource().id(), "ab12");
  EXPECT_EQ(s.expires_at().seconds(), kNow + 30 * 24 * 3600);
  EXPECT_EQ(s.description(), "replacement ordered");
  EXPECT_EQ(out_.str(),
            "suppressed: DEVICE_CERTIFICATE_EXPIRING_CHECK for DEVICE_CERTIFICATE 'ab12' until "
            "2026-12-18T11:06:40Z\n");

  ASSERT_EQ(
      Run({"audit", "suppress", "--check", "LOGGING_DISABLED_CHECK", "--resource-type",
           "ACCOUNT_SETTINGS", "--resource-id", "logging", "--until", "2027-01-01T00:00:00+01:00"}),
      0)
      << err_.str();
  EXPECT_EQ(FormatTimestamp(api_.created_suppressions[1].expires_at()), "2026-12-31T23:00:00Z");

  ASSERT_EQ(Run({"audit", "suppress", "--check", "LOGGING_DISABLED_CHECK", "--resource-type",
                 "ACCOUNT_SETTINGS", "--resource-id", "logging"}),
            0);
  EXPECT_FALSE(api_.created_suppressions[2].has_expires_at());
  EXPECT_EQ(out_.str(),
            "suppressed: LOGGING_DISABLED_CHECK for ACCOUNT_SETTINGS 'logging' indefinitely\n");
}

TEST_F(WardenctlTest, AuditSuppressRejectsABadUntilLocally) {
  EXPECT_EQ(Run({"audit", "suppress", "--check", "C", "--resource-type", "DEVICE", "--resource-id",
                 "cam-1", "--until", "next week"}),
            2);
  EXPECT_EQ(err_.str(),
            "wardenctl: audit suppress: --until: invalid time 'next week': expected a duration "
            "from now (12h, 30d, 1d12h) or an RFC3339 time (2026-12-31T00:00:00Z)\n");
  EXPECT_EQ(Run({"audit", "suppress", "--check", "C", "--resource-type", "DEVICE"}), 2);
  EXPECT_TRUE(api_.created_suppressions.empty());

  api_.status = absl::InvalidArgumentError("expires_at: is in the past");
  EXPECT_EQ(Run({"audit", "suppress", "--check", "C", "--resource-type", "DEVICE", "--resource-id",
                 "cam-1", "--until", "2020-01-01T00:00:00Z"}),
            1);
  EXPECT_EQ(err_.str(),
            "wardenctl: audit suppress: INVALID_ARGUMENT: expires_at: is in the past\n");
}

TEST_F(WardenctlTest, AuditUnsuppressAndSuppressions) {
  ASSERT_EQ(Run({"audit", "unsuppress", "--check", "LOGGING_DISABLED_CHECK", "--resource-type",
                 "account_settings", "--resource-id", "logging"}),
            0)
      << err_.str();
  ASSERT_EQ(api_.deleted_suppressions.size(), 1u);
  EXPECT_EQ(api_.deleted_suppressions[0].check(), "LOGGING_DISABLED_CHECK");
  EXPECT_EQ(api_.deleted_suppressions[0].resource().type(), "ACCOUNT_SETTINGS");
  EXPECT_EQ(out_.str(), "unsuppressed: LOGGING_DISABLED_CHECK for ACCOUNT_SETTINGS 'logging'\n");

  v1::Suppression* s = api_.suppressions.add_suppressions();
  s->set_check("DEVICE_CERTIFICATE_EXPIRING_CHECK");
  s->mutable_resource()->set_type("DEVICE_CERTIFICATE");
  s->mutable_resource()->set_id("ab12");
  *s->mutable_expires_at() = ToTimestamp(absl::FromUnixSeconds(kNow + 86400));
  *s->mutable_created_at() = ToTimestamp(absl::FromUnixSeconds(kNow));
  s->set_description("replacement ordered");
  v1::Suppression* forever = api_.suppressions.add_suppressions();
  forever->set_check("LOGGING_DISABLED_CHECK");
  forever->mutable_resource()->set_type("ACCOUNT_SETTINGS");
  forever->mutable_resource()->set_id("logging");
  *forever->mutable_created_at() = ToTimestamp(absl::FromUnixSeconds(kNow));
  ASSERT_EQ(Run({"audit", "suppressions"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "CHECK                              RESOURCE                    UNTIL                 "
            "CREATED               DESCRIPTION\n"
            "DEVICE_CERTIFICATE_EXPIRING_CHECK  DEVICE_CERTIFICATE 'ab12'   2026-11-19T11:06:40Z  "
            "2026-11-18T11:06:40Z  replacement ordered\n"
            "LOGGING_DISABLED_CHECK             ACCOUNT_SETTINGS 'logging'  indefinitely          "
            "2026-11-18T11:06:40Z  -\n");

  api_.status = absl::NotFoundError(
      "no suppression of LOGGING_DISABLED_CHECK for ACCOUNT_SETTINGS 'logging'");
  EXPECT_EQ(Run({"audit", "unsuppress", "--check", "LOGGING_DISABLED_CHECK", "--resource-type",
                 "ACCOUNT_SETTINGS", "--resource-id", "logging"}),
            1);
  EXPECT_EQ(err_.str(),
            "wardenctl: audit unsuppress: NOT_FOUND: no suppression of LOGGING_DISABLED_CHECK for "
            "ACCOUNT_SETTINGS 'logging'\n");
}

TEST_F(WardenctlTest, AuditMitigateSendsTheActionAndFailsWhenAnExecutionFailed) {
  v1::MitigationExecution* ok = api_.mitigation_response.add_executions();
  ok->set_finding_id("t-42-0");
  ok->set_action(v1::ADD_THINGS_TO_THING_GROUP);
  ok->set_status(v1::MitigationExecution::SUCCEEDED);
  ok->set_message("added 1 device(s) to group 'quarantine'");
  ASSERT_EQ(Run({"audit", "mitigate", "--task", "t-42", "--action", "add-to-group", "--group",
                 "quarantine"}),
            0)
      << err_.str();
  ASSERT_EQ(api_.mitigations.size(), 1u);
  EXPECT_EQ(api_.mitigations[0].task_id(), "t-42");
  EXPECT_EQ(api_.mitigations[0].action(), v1::ADD_THINGS_TO_THING_GROUP);
  EXPECT_EQ(api_.mitigations[0].group(), "quarantine");
  EXPECT_THAT(out_.str(), testing::HasSubstr("add-things-to-thing-group"));
  EXPECT_THAT(out_.str(), testing::HasSubstr("added 1 device(s) to group 'quarantine'"));

  v1::MitigationExecution* bad = api_.mitigation_response.add_executions();
  bad->set_finding_id("t-42-1");
  bad->set_status(v1::MitigationExecution::FAILED);
  bad->set_message("device 'cam-7' is not registered");
  EXPECT_EQ(Run({"audit", "mitigate", "--task", "t-42", "--finding", "t-42-1", "--action",
                 "deactivate-device-certificate"}),
            1);
  EXPECT_THAT(api_.mitigations[1].finding_ids(), testing::ElementsAre("t-42-1"));
  EXPECT_EQ(api_.mitigations[1].action(), v1::DEACTIVATE_DEVICE_CERTIFICATE);

  // An unknown action is a usage error.
  EXPECT_EQ(Run({"audit", "mitigate", "--task", "t-42", "--action", "reboot"}), 2);
}

}  // namespace
}  // namespace warden::tools
