#ifndef WARDEN_TESTS_TOOLS_WARDENCTL_FIXTURE_H_
#define WARDEN_TESTS_TOOLS_WARDENCTL_FIXTURE_H_

// What the wardenctl tests share: a fake WardenApi that records every request and
// answers what the test set, and a fixture that runs wardenctl's command line against
// it with a fake clock and captured output.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "audit/certificate.h"
#include "common/clock.h"
#include "tools/warden_api.h"
#include "tools/wardenctl_cli.h"

namespace warden::tools {

// What the fake server answers, and every request it got.
struct FakeServer {
  absl::Status status;  // when set, the listing, show and reload calls fail with it
  v1::ReportAck ack;
  std::map<std::string, v1::ListActiveViolationsResponse> violation_pages;  // by page token
  v1::ListViolationEventsResponse events;
  v1::Violation violation;
  v1::DeviceState device;
  v1::ListProfilesResponse profiles;
  v1::ReloadProfilesResponse reload;

  std::vector<v1::ReportRequest> reports;
  std::vector<v1::ListActiveViolationsRequest> violation_requests;
  std::vector<v1::ListViolationEventsRequest> event_requests;
  std::vector<v1::SetVerificationStateRequest> verify_requests;
  v1::ListDeadLettersResponse dead_letters;
  std::vector<v1::ListDeadLettersRequest> dead_letter_requests;
  std::vector<v1::ReplayDeadLettersRequest> replay_requests;
  v1::GetAlertingStatusResponse alerting_status;

  // Registry. Each registering call is logged in order, as "PutDevice cam-0001",
  // "RegisterCaCertificate CN=Root,O=Warden Test", "RegisterCertificate cam-0001" (the
  // device it attaches to) and so on; an entry whose log line is in `reject` fails with
  // that status.
  std::vector<std::string> registry_calls;
  std::map<std::string, absl::Status> reject;
  std::vector<v1::RegisteredDevice> put_devices;
  std::vector<v1::DeviceGroup> put_groups;
  std::vector<v1::RegisterCaCertificateRequest> ca_requests;
  std::vector<v1::RegisterCertificateRequest> certificate_requests;
  std::vector<v1::Policy> put_policies;
  std::vector<v1::LoggingSettings> logging_settings;
  std::vector<v1::ListRegistryRequest> registry_list_requests;
  std::vector<v1::GetRegistryItemRequest> registry_get_requests;
  v1::ListDevicesResponse devices;
  v1::ListGroupsResponse groups;
  v1::ListCertificatesResponse certificates;
  v1::ListPoliciesResponse policies;
  v1::RegisteredDevice registered_device;
  v1::CertificateDescription certificate;

  // Audit. GetAuditTask answers `task_polls` in turn, then the last one again.
  std::vector<v1::StartAuditRequest> start_requests;
  v1::AuditTask started;
  std::vector<v1::AuditTask> task_polls;
  std::vector<v1::GetAuditTaskRequest> task_requests;
  v1::ListAuditTasksResponse tasks;
  std::vector<v1::ListAuditTasksRequest> tasks_requests;
  v1::ListFindingsResponse findings;
  std::vector<v1::ListFindingsRequest> findings_requests;
  std::vector<v1::Suppression> created_suppressions;
  std::vector<v1::DeleteSuppressionRequest> deleted_suppressions;
  v1::ListSuppressionsResponse suppressions;
  std::vector<v1::StartMitigationRequest> mitigations;
  v1::StartMitigationResponse mitigation_response;
};

class FakeWardenApi : public WardenApi {
 public:
  explicit FakeWardenApi(FakeServer* server) : s_(*server) {}

  absl::StatusOr<v1::ReportAck> Report(const v1::ReportRequest& r) override {
    s_.reports.push_back(r);
    return s_.ack;
  }
  absl::StatusOr<v1::ListActiveViolationsResponse> ListActiveViolations(
      const v1::ListActiveViolationsRequest& r) override {
    s_.violation_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    const auto it = s_.violation_pages.find(r.page_token());
    return it == s_.violation_pages.end() ? v1::ListActiveViolationsResponse() : it->second;
  }
  absl::StatusOr<v1::ListViolationEventsResponse> ListViolationEvents(
      const v1::ListViolationEventsRequest& r) override {
    s_.event_requests.push_back(r);
    return s_.events;
  }
  absl::StatusOr<v1::Violation> SetVerificationState(
      const v1::SetVerificationStateRequest& r) override {
    s_.verify_requests.push_back(r);
    v1::Violation v = s_.violation;
    v.set_verification_state(r.state());
    v.set_verification_description(r.description());
    return v;
  }
  absl::StatusOr<v1::DeviceState> GetDeviceState(const v1::GetDeviceStateRequest&) override {
    if (!s_.status.ok()) return s_.status;
    return s_.device;
  }
  absl::StatusOr<v1::ListProfilesResponse> ListProfiles(const v1::ListProfilesRequest&) override {
    return s_.profiles;
  }
  absl::StatusOr<v1::ReloadProfilesResponse> ReloadProfiles(
      const v1::ReloadProfilesRequest&) override {
    if (!s_.status.ok()) return s_.status;
    return s_.reload;
  }
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const v1::ListDeadLettersRequest& r) override {
    s_.dead_letter_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.dead_letters;
  }
  absl::StatusOr<v1::ReplayDeadLettersResponse> ReplayDeadLetters(
      const v1::ReplayDeadLettersRequest& r) override {
    s_.replay_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    v1::ReplayDeadLettersResponse resp;
    resp.set_replayed(r.event_ids_size() > 0 ? r.event_ids_size()
                                             : s_.dead_letters.dead_letters_size());
    return resp;
  }
  absl::StatusOr<v1::GetAlertingStatusResponse> GetAlertingStatus(
      const v1::GetAlertingStatusRequest&) override {
    if (!s_.status.ok()) return s_.status;
    return s_.alerting_status;
  }

  absl::StatusOr<v1::RegisteredDevice> PutDevice(const v1::RegisteredDevice& r) override {
    if (absl::Status s = Log("PutDevice " + r.name()); !s.ok()) return s;
    s_.put_devices.push_back(r);
    return r;
  }
  absl::StatusOr<v1::RegisteredDevice> GetDevice(const v1::GetRegistryItemRequest& r) override {
    s_.registry_get_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.registered_device;
  }
  absl::StatusOr<v1::ListDevicesResponse> ListDevices(const v1::ListRegistryRequest& r) override {
    s_.registry_list_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.devices;
  }
  absl::StatusOr<v1::DeviceGroup> PutGroup(const v1::DeviceGroup& r) override {
    if (absl::Status s = Log("PutGroup " + r.name()); !s.ok()) return s;
    s_.put_groups.push_back(r);
    return r;
  }
  absl::StatusOr<v1::ListGroupsResponse> ListGroups(const v1::ListRegistryRequest& r) override {
    s_.registry_list_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.groups;
  }
  absl::StatusOr<v1::CertificateDescription> RegisterCertificate(
      const v1::RegisterCertificateRequest& r) override {
    if (absl::Status s = Log("RegisterCertificate " + r.device()); !s.ok()) return s;
    s_.certificate_requests.push_back(r);
    return Describe(r.pem());
  }
  absl::StatusOr<v1::CertificateDescription> RegisterCaCertificate(
      const v1::RegisterCaCertificateRequest& r) override {
    v1::CertificateDescription d = Describe(r.pem());
    if (absl::Status s = Log("RegisterCaCertificate " + d.subject()); !s.ok()) return s;
    s_.ca_requests.push_back(r);
    d.set_crls(r.crl_pems_size());
    return d;
  }
  absl::StatusOr<v1::CertificateDescription> GetCertificate(
      const v1::GetRegistryItemRequest& r) override {
    s_.registry_get_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.certificate;
  }
  absl::StatusOr<v1::ListCertificatesResponse> ListCertificates(
      const v1::ListRegistryRequest& r) override {
    s_.registry_list_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.certificates;
  }
  absl::StatusOr<v1::Policy> PutPolicy(const v1::Policy& r) override {
    if (absl::Status s = Log("PutPolicy " + r.name()); !s.ok()) return s;
    s_.put_policies.push_back(r);
    return r;
  }
  absl::StatusOr<v1::ListPoliciesResponse> ListPolicies(const v1::ListRegistryRequest& r) override {
    s_.registry_list_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.policies;
  }
  absl::StatusOr<v1::LoggingSettings> SetLoggingSettings(const v1::LoggingSettings& r) override {
    if (absl::Status s = Log("SetLoggingSettings"); !s.ok()) return s;
    s_.logging_settings.push_back(r);
    return r;
  }

  absl::StatusOr<v1::AuditTask> StartAudit(const v1::StartAuditRequest& r) override {
    s_.start_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.started;
  }
  absl::StatusOr<v1::AuditTask> GetAuditTask(const v1::GetAuditTaskRequest& r) override {
    s_.task_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    const size_t i = std::min(s_.task_requests.size(), s_.task_polls.size()) - 1;
    return s_.task_polls[i];
  }
  absl::StatusOr<v1::ListAuditTasksResponse> ListAuditTasks(
      const v1::ListAuditTasksRequest& r) override {
    s_.tasks_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.tasks;
  }
  absl::StatusOr<v1::ListFindingsResponse> ListFindings(const v1::ListFindingsRequest& r) override {
    s_.findings_requests.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.findings;
  }
  absl::StatusOr<v1::Suppression> CreateSuppression(const v1::Suppression& r) override {
    s_.created_suppressions.push_back(r);
    if (!s_.status.ok()) return s_.status;
    v1::Suppression created = r;
    created.mutable_created_at()->set_seconds(1'795'000'000);
    return created;
  }
  absl::StatusOr<v1::DeleteSuppressionResponse> DeleteSuppression(
      const v1::DeleteSuppressionRequest& r) override {
    s_.deleted_suppressions.push_back(r);
    if (!s_.status.ok()) return s_.status;
    v1::DeleteSuppressionResponse response;
    response.set_deleted(true);
    return response;
  }
  absl::StatusOr<v1::ListSuppressionsResponse> ListSuppressions(
      const v1::ListSuppressionsRequest&) override {
    if (!s_.status.ok()) return s_.status;
    return s_.suppressions;
  }
  absl::StatusOr<v1::StartMitigationResponse> StartMitigation(
      const v1::StartMitigationRequest& r) override {
    s_.mitigations.push_back(r);
    if (!s_.status.ok()) return s_.status;
    return s_.mitigation_response;
  }
  absl::StatusOr<v1::ListMitigationExecutionsResponse> ListMitigationExecutions(
      const v1::ListMitigationExecutionsRequest&) override {
    if (!s_.status.ok()) return s_.status;
    v1::ListMitigationExecutionsResponse r;
    *r.mutable_executions() = s_.mitigation_response.executions();
    return r;
  }

 private:
  absl::Status Log(const std::string& call) {
    s_.registry_calls.push_back(call);
    const auto it = s_.reject.find(call);
    return it == s_.reject.end() ? absl::OkStatus() : it->second;
  }

  // What the registry reads out of a certificate, as far as the tests look.
  static v1::CertificateDescription Describe(const std::string& pem) {
    v1::CertificateDescription d;
    absl::StatusOr<audit::CertificateInfo> info = audit::ParseCertificatePem(pem);
    if (!info.ok()) return d;
    d.set_id(info->id);
    d.set_subject(info->subject);
    d.set_issuer(info->issuer);
    d.set_is_ca(info->is_ca);
    return d;
  }

  FakeServer& s_;
};

class WardenctlTest : public testing::Test {
 protected:
  void SetUp() override { std::filesystem::remove_all(TestDir()); }

  // Runs wardenctl with `args` (without the program name).
  int Run(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), "wardenctl");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    std::istringstream in(stdin_text);
    out_.str("");
    err_.str("");
    CliEnvironment env;
    env.api_factory = [this](const std::string& server, absl::Duration timeout) {
      server_ = server;
      timeout_ = timeout;
      return std::make_unique<FakeWardenApi>(&api_);
    };
    env.clock = &clock_;
    env.in = &in;
    env.out = &out_;
    env.err = &err_;
    env.sleep = [this](absl::Duration d) {
      sleeps_.push_back(d);
      clock_.Set(clock_.NowMicros() + absl::ToInt64Microseconds(d));
    };
    env.err_is_terminal = terminal_;
    return RunWardenctl(static_cast<int>(argv.size()), argv.data(), env);
  }

  // This test's temporary directory.
  static std::string TestDir() {
    return (std::filesystem::path(testing::TempDir()) /
            testing::UnitTest::GetInstance()->current_test_info()->name())
        .string();
  }

  // A file under this test's temporary directory; `name` may have folders.
  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::filesystem::path path = std::filesystem::path(TestDir()) / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << content;
    return path.string();
  }

  FakeServer api_;
  FakeClock clock_{1'795'000'000'000'000};  // 2026-11-18T11:06:40Z
  std::ostringstream out_, err_;
  std::string server_;
  absl::Duration timeout_;
  bool terminal_ = false;               // what wardenctl is told stderr is
  std::vector<absl::Duration> sleeps_;  // each advanced clock_
};

}  // namespace warden::tools

#endif  // WARDEN_TESTS_TOOLS_WARDENCTL_FIXTURE_H_
