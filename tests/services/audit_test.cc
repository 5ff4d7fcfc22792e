// Integration: registry and audits over gRPC on a real in-process Server, with real
// X.509 certificates and CRLs made by OpenSSL.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/clock.h"
#include "services/server.h"
#include "tests/audit/cert_factory.h"
#include "warden/v1/alert.grpc.pb.h"
#include "warden/v1/audit.grpc.pb.h"
#include "warden/v1/registry.grpc.pb.h"

namespace warden::services {
namespace {

namespace fs = std::filesystem;
namespace pki = audit::pki;
using ::testing::HasSubstr;

constexpr int64_t kDay = 86400;

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warden-audit-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ / "profiles");
    std::ofstream(dir_ / "profiles" / "p.yaml")
        << "profile: p\ntargets: all\nbehaviours:\n  - name: b\n    metric: aws:all-bytes-out\n"
           "    operator: less-than\n    value: 1\n";
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.metrics_listen = "";
    o.data_dir = (dir_ / "data").string();
    o.profiles_dir = (dir_ / "profiles").string();
    // A webhook receiver that is never up: alert rows stay queued, so the test can count
    // the alerts an audit produced.
    alerts::Receiver hook;
    hook.name = "soc";
    hook.kind = alerts::Receiver::Kind::kWebhook;
    hook.webhook.url = "http://127.0.0.1:1/never";
    hook.retry.initial_backoff_seconds = 3600;
    hook.retry.max_backoff_seconds = 3600;
    o.alerting.receivers = {hook};
    auto s = Server::Start(o, &clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    auto channel = grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials());
    registry_ = v1::RegistryService::NewStub(channel);
    audit_ = v1::AuditService::NewStub(channel);
    alerts_ = v1::AlertService::NewStub(channel);
  }

  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  int64_t Now() const { return clock_.NowMicros() / kMicrosPerSecond; }

  v1::CertificateDescription RegisterCa(const std::string& pem,
                                        std::vector<std::string> crls = {}) {
    grpc::ClientContext ctx;
    v1::RegisterCaCertificateRequest req;
    req.set_pem(pem);
    for (const std::string& c : crls) req.add_crl_pems(c);
    v1::CertificateDescription out;
    grpc::Status s = registry_->RegisterCaCertificate(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::CertificateDescription RegisterDeviceCert(const std::string& pem) {
    grpc::ClientContext ctx;
    v1::RegisterCertificateRequest req;
    req.set_pem(pem);
    v1::CertificateDescription out;
    grpc::Status s = registry_->RegisterCertificate(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // A root CA and a device certificate it issued that expires in a day.
  v1::CertificateDescription RegisterExpiringDeviceCert() {
    const int64_t now = Now();
    pki::KeyPair key = pki::MakeEcKey("prime256v1");
    const std::string root = pki::MakeSelfSignedCa(key, "Root", now - 10 * kDay, now + 3650 * kDay);
    RegisterCa(root);
    return RegisterDeviceCert(
        pki::MakeCertificate(key, "cam", root, key, now - 10 * kDay, now + kDay, false, 5));
  }

  // Runs an audit of `checks` and waits for it to finish.
  v1::AuditTask RunAudit(const std::vector<std::string>& checks) {
    grpc::ClientContext ctx;
    v1::StartAuditRequest req;
    for (const std::string& c : checks) req.add_checks(c);
    v1::AuditTask task;
    grpc::Status s = audit_->StartAudit(&ctx, req, &task);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (int i = 0; i < 200 && task.status() == v1::IN_PROGRESS; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      grpc::ClientContext c2;
      v1::GetAuditTaskRequest get;
      get.set_task_id(task.task_id());
      EXPECT_TRUE(audit_->GetAuditTask(&c2, get, &task).ok());
    }
    EXPECT_EQ(task.status(), v1::COMPLETED) << task.error();
    return task;
  }

  std::vector<v1::AuditFinding> Findings(
      const std::string& task_id,
      v1::ListFindingsRequest::Suppressed suppressed = v1::ListFindingsRequest::EXCLUDE) {
    grpc::ClientContext ctx;
    v1::ListFindingsRequest req;
    req.set_task_id(task_id);
    req.set_suppressed(suppressed);
    v1::ListFindingsResponse resp;
    grpc::Status s = audit_->ListFindings(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.findings().begin(), resp.findings().end()};
  }

  fs::path dir_;
  FakeClock clock_{1'790'000'000LL * 1'000'000};
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::RegistryService::Stub> registry_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::AlertService::Stub> alerts_;

  // Alerts queued for the (unreachable) webhook.
  int64_t QueuedAlerts() {
    int64_t queued = -1;
    for (int i = 0; i < 100; ++i) {  // until the dispatcher has published its targets
      grpc::ClientContext ctx;
      v1::GetAlertingStatusResponse resp;
      EXPECT_TRUE(alerts_->GetAlertingStatus(&ctx, v1::GetAlertingStatusRequest(), &resp).ok());
      if (resp.targets_size() == 1) queued = resp.targets(0).queued();
      if (queued >= 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return queued;
  }
};

TEST_F(AuditTest, FindsExpiringWeakAndRevokedCertificatesThroughTheChain) {
  const int64_t now = Now();
  pki::KeyPair root_key = pki::MakeEcKey("prime256v1");
  const std::string root =
      pki::MakeSelfSignedCa(root_key, "Root", now - 400 * kDay, now + 3650 * kDay);
  pki::KeyPair mid_key = pki::MakeEcKey("prime256v1");
  const std::string mid = pki::MakeCertificate(mid_key, "Intermediate", root, root_key,
                                               now - 300 * kDay, now + 1000 * kDay, true, 7);
  // The root revoked the intermediate (serial 7).
  RegisterCa(root, {pki::MakeCrl(root, root_key, {7}, now - kDay)});
  RegisterCa(mid);
  pki::KeyPair dev_key = pki::MakeEcKey("prime256v1");
  const auto expiring = RegisterDeviceCert(pki::MakeCertificate(
      dev_key, "cam-expiring", mid, mid_key, now - 10 * kDay, now + 5 * kDay, false, 100));
  const auto healthy = RegisterDeviceCert(pki::MakeCertificate(
      dev_key, "cam-ok", root, root_key, now - 10 * kDay, now + 300 * kDay, false, 101));
  const auto weak = RegisterDeviceCert(pki::MakeCertificate(
      pki::MakeRsaKey(1024), "cam-weak", root, root_key, now - kDay, now + 300 * kDay, false, 102));
  EXPECT_EQ(healthy.issuer_ca_id(), RegisterCa(root).id());

  v1::AuditTask task =
      RunAudit({"DEVICE_CERTIFICATE_EXPIRING_CHECK", "DEVICE_CERTIFICATE_KEY_QUALITY_CHECK",
                "INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK"});
  ASSERT_EQ(task.checks_size(), 3);
  for (const v1::CheckSummary& c : task.checks()) {
    EXPECT_EQ(c.status(), v1::COMPLETED_NON_COMPLIANT) << c.check();
    EXPECT_EQ(c.resources_evaluated(), 3) << c.check();
  }
  std::map<std::string, std::string> by_check;  // check → certificate id
  for (const v1::AuditFinding& f : Findings(task.task_id())) {
    EXPECT_EQ(f.resource().type(), "DEVICE_CERTIFICATE");
    by_check[f.check()] = f.resource().id();
  }
  EXPECT_EQ(by_check["DEVICE_CERTIFICATE_EXPIRING_CHECK"], expiring.id());
  EXPECT_EQ(by_check["DEVICE_CERTIFICATE_KEY_QUALITY_CHECK"], weak.id());
  EXPECT_EQ(by_check["INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK"],
            expiring.id());
}

TEST_F(AuditTest, SuppressedFindingsAreListedApartAndDoNotCountAgainstCompliance) {
  const auto cert = RegisterExpiringDeviceCert();

  grpc::ClientContext ctx;
  v1::Suppression sup;
  sup.set_check("DEVICE_CERTIFICATE_EXPIRING_CHECK");
  sup.mutable_resource()->set_type("DEVICE_CERTIFICATE");
  sup.mutable_resource()->set_id(cert.id());
  sup.set_description("renewal scheduled");
  v1::Suppression created;
  ASSERT_TRUE(audit_->CreateSuppression(&ctx, sup, &created).ok());

  v1::AuditTask task = RunAudit({"DEVICE_CERTIFICATE_EXPIRING_CHECK"});
  ASSERT_EQ(task.checks_size(), 1);
  EXPECT_EQ(task.checks(0).status(), v1::COMPLETED_COMPLIANT);
  EXPECT_EQ(task.checks(0).suppressed(), 1);
  EXPECT_TRUE(Findings(task.task_id()).empty());
  std::vector<v1::AuditFinding> only = Findings(task.task_id(), v1::ListFindingsRequest::ONLY);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_TRUE(only[0].suppressed());

  // An expired suppression no longer applies.
  grpc::ClientContext c2;
  v1::DeleteSuppressionRequest del;
  del.set_check(sup.check());
  *del.mutable_resource() = sup.resource();
  v1::DeleteSuppressionResponse deleted;
  ASSERT_TRUE(audit_->DeleteSuppression(&c2, del, &deleted).ok());
  task = RunAudit({"DEVICE_CERTIFICATE_EXPIRING_CHECK"});
  EXPECT_EQ(task.checks(0).status(), v1::COMPLETED_NON_COMPLIANT);
}

TEST_F(AuditTest, AlertsOnlyWhenAResourceTurnsNonCompliantAndWhenItRecovers) {
  const auto cert = RegisterExpiringDeviceCert();
  const std::vector<std::string> check = {"DEVICE_CERTIFICATE_EXPIRING_CHECK"};

  RunAudit(check);
  EXPECT_EQ(QueuedAlerts(), 1) << "the certificate turned non-compliant";
  RunAudit(check);
  RunAudit(check);
  EXPECT_EQ(QueuedAlerts(), 1) << "a finding that persists must not alert again";
  // Other checks' audits do not resolve it either.
  RunAudit({"LOGGING_DISABLED_CHECK"});
  EXPECT_EQ(QueuedAlerts(), 1);

  // Deactivated, the certificate is compliant again: one resolving alert.
  grpc::ClientContext ctx;
  v1::SetCertificateStatusRequest req;
  req.set_id(cert.id());
  req.set_status(v1::INACTIVE);
  v1::CertificateDescription out;
  ASSERT_TRUE(registry_->SetCertificateStatus(&ctx, req, &out).ok());
  RunAudit(check);
  EXPECT_EQ(QueuedAlerts(), 2);
  RunAudit(check);
  EXPECT_EQ(QueuedAlerts(), 2);
}

TEST_F(AuditTest, MitigationsQuarantineDeactivateAndPublishAndAreRecorded) {
  const auto cert = RegisterExpiringDeviceCert();
  {
    grpc::ClientContext ctx;
    v1::DeviceGroup g;
    g.set_name("quarantine");
    ASSERT_TRUE(registry_->PutGroup(&ctx, g, &g).ok());
    grpc::ClientContext c2;
    v1::RegisteredDevice d;
    d.set_name("cam-1");
    d.add_certificate_ids(cert.id());
    ASSERT_TRUE(registry_->PutDevice(&c2, d, &d).ok());
  }
  const v1::AuditTask task = RunAudit({"DEVICE_CERTIFICATE_EXPIRING_CHECK"});
  const int64_t queued = QueuedAlerts();

  auto mitigate = [&](v1::MitigationActionType action, const std::string& group,
                      const std::string& receiver) {
    grpc::ClientContext ctx;
    v1::StartMitigationRequest req;
    req.set_task_id(task.task_id());
    req.set_action(action);
    req.set_group(group);
    req.set_receiver(receiver);
    v1::StartMitigationResponse resp;
    grpc::Status s = audit_->StartMitigation(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.executions_size(), 1);
    return resp.executions_size() == 1 ? resp.executions(0) : v1::MitigationExecution();
  };
  EXPECT_EQ(mitigate(v1::ADD_THINGS_TO_THING_GROUP, "quarantine", "").status(),
            v1::MitigationExecution::SUCCEEDED);
  {
    grpc::ClientContext ctx;
    v1::GetRegistryItemRequest get;
    get.set_id("cam-1");
    v1::RegisteredDevice d;
    ASSERT_TRUE(registry_->GetDevice(&ctx, get, &d).ok());
    EXPECT_THAT(d.groups(), ::testing::Contains("quarantine"));
  }
  EXPECT_EQ(mitigate(v1::DEACTIVATE_CA_CERTIFICATE, "", "").status(),
            v1::MitigationExecution::SKIPPED);
  EXPECT_EQ(mitigate(v1::DEACTIVATE_DEVICE_CERTIFICATE, "", "").status(),
            v1::MitigationExecution::SUCCEEDED);
  {
    grpc::ClientContext ctx;
    v1::GetRegistryItemRequest get;
    get.set_id(cert.id());
    v1::CertificateDescription c;
    ASSERT_TRUE(registry_->GetCertificate(&ctx, get, &c).ok());
    EXPECT_EQ(c.status(), v1::INACTIVE);
  }
  EXPECT_EQ(mitigate(v1::PUBLISH_FINDING_TO_WEBHOOK, "", "soc").status(),
            v1::MitigationExecution::SUCCEEDED);
  EXPECT_EQ(QueuedAlerts(), queued + 1);

  grpc::ClientContext ctx;
  v1::ListMitigationExecutionsRequest list;
  list.set_task_id(task.task_id());
  v1::ListMitigationExecutionsResponse executions;
  ASSERT_TRUE(audit_->ListMitigationExecutions(&ctx, list, &executions).ok());
  EXPECT_EQ(executions.executions_size(), 4);

  grpc::ClientContext bad;
  v1::StartMitigationRequest req;
  req.set_task_id(task.task_id());
  req.set_action(v1::ADD_THINGS_TO_THING_GROUP);
  req.set_group("no-such-group");
  v1::StartMitigationResponse resp;
  grpc::Status s = audit_->StartMitigation(&bad, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("group: no group 'no-such-group'"));
}

TEST_F(AuditTest, BadRequestsNameTheField) {
  grpc::ClientContext ctx;
  v1::StartAuditRequest req;
  req.add_checks("DEVICE_CERTIFICATE_EXPIRING_CHECK");
  req.add_checks("NO_SUCH_CHECK");
  v1::AuditTask task;
  grpc::Status s = audit_->StartAudit(&ctx, req, &task);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("checks[1]: unknown check 'NO_SUCH_CHECK'"));

  grpc::ClientContext c2;
  v1::Suppression sup;
  sup.set_check("LOGGING_DISABLED_CHECK");
  sup.mutable_resource()->set_type("THING");
  sup.mutable_resource()->set_id("x");
  v1::Suppression out;
  s = audit_->CreateSuppression(&c2, sup, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("resource.type: unknown resource type 'THING'"));

  grpc::ClientContext c3;
  v1::ListFindingsRequest lf;
  v1::ListFindingsResponse resp;
  EXPECT_EQ(audit_->ListFindings(&c3, lf, &resp).error_code(), grpc::StatusCode::NOT_FOUND)
      << "no audit has completed yet";
}

}  // namespace
}  // namespace warden::services
