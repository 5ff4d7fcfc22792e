// End-to-end audit through the binaries: certificates made with the openssl command as an
// operator would, `wardenctl registry import` of a fleet directory, `wardenctl audit run`,
// findings, and alerts on transitions only at a real webhook receiver.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "e2e_util.h"
#include "nlohmann/json.hpp"

namespace warden::e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class AuditE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("warden-audit-e2e");
    fleet_ = dir_ / "fleet";
    fs::create_directories(fleet_ / "cas");
    fs::create_directories(fleet_ / "certs");
  }
  void TearDown() override {
    wardend_.reset();
    webhook_.Stop();
    fs::remove_all(dir_);
  }

  void Openssl(const std::string& args) {
    Result r = RunShell("cd " + fleet_.string() + " && openssl " + args);
    ASSERT_EQ(r.exit_code, 0) << "openssl " << args << "\n" << r.output;
  }

  // A root CA, a device certificate expiring in 5 days, one with a 1024-bit RSA key.
  void MakePki() {
    Openssl(
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout root.key "
        "-out cas/root.crt -days 3650 -subj /CN=Fleet-Root "
        "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
    Openssl(
        "req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout cam1.key "
        "-out cam1.csr -subj /CN=cam-0001");
    Openssl(
        "x509 -req -in cam1.csr -CA cas/root.crt -CAkey root.key -set_serial 101 -days 5 "
        "-out certs/cam-0001.crt");
    Openssl("req -newkey rsa:1024 -nodes -keyout cam2.key -out cam2.csr -subj /CN=cam-0002");
    Openssl(
        "x509 -req -in cam2.csr -CA cas/root.crt -CAkey root.key -set_serial 102 -days 300 "
        "-out certs/cam-0002.crt");
    for (const char* f : {"root.key", "cam1.key", "cam2.key", "cam1.csr", "cam2.csr"}) {
      fs::remove(fleet_ / f);
    }
    WriteFile(fleet_ / "fleet.yaml", R"(groups:
  - name: quarantine
devices:
  - name: cam-0001
    attributes: {type: camera}
    firmware_version: 2.4.1
  - name: cam-0002
    attributes: {type: camera}
    firmware_version: 2.4.1
policies:
  - name: everything
    document:
      Version: "2012-10-17"
      Statement:
        - {Effect: Allow, Action: "iot:*", Resource: "*"}
logging:
  broker_logging_enabled: false
  device_logging_enabled: true
)");
  }

  void Start() {
    const int port = FreePort();
    WriteFile(dir_ / "status", "200");
    webhook_.Start(
        {"/usr/bin/python3", std::string(WARDEN_SOURCE_DIR) + "/tests/e2e/webhook_receiver.py",
         (dir_ / "webhook.port").string(), (dir_ / "webhook.log").string(),
         (dir_ / "status").string(), kSecret, "--port", std::to_string(port)},
        dir_ / "webhook.stderr");
    ASSERT_TRUE(Eventually([&] { return fs::exists(dir_ / "webhook.port"); }));
    std::ostringstream config;
    config << "profiles: " << kProfiles << "\n"
           << "data_dir: " << (dir_ / "data").string() << "\n"
           << "alerting:\n  receivers:\n    - name: soc\n      webhook:\n"
           << "        url: http://127.0.0.1:" << port << "/hook\n"
           << "        secrets: [" << kSecret << "]\n"
           << "  routes:\n    - match: {profile: [\"warden:audit\"]}\n      receivers: [soc]\n";
    WriteFile(dir_ / "wardend.yaml", config.str());
    wardend_ = std::make_unique<Wardend>();
    std::string error;
    ASSERT_TRUE(wardend_->Start(dir_, {"--config", (dir_ / "wardend.yaml").string()}, &error))
        << error;
  }

  // Audit alert types the webhook accepted, by resource id.
  std::multiset<std::string> AuditAlerts() {
    std::multiset<std::string> out;
    std::istringstream in(ReadFile(dir_ / "webhook.log"));
    for (std::string line; std::getline(in, line);) {
      Json j = Json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      EXPECT_TRUE(j["valid"].get<bool>()) << line;
      out.insert(j["type"].get<std::string>());
    }
    return out;
  }

  fs::path dir_, fleet_;
  Process webhook_;
  std::unique_ptr<Wardend> wardend_;
};

TEST_F(AuditE2ETest, ImportAuditFindAlertOnceSuppressAndResolve) {
  MakePki();
  Start();
  Result r = wardend_->Ctl("registry import " + fleet_.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;

  r = wardend_->Ctl("audit run --wait");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("completed"));
  r = wardend_->Ctl("-o json audit findings");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::string> found;  // check → resource type
  const Json findings = Json::parse(r.output);
  for (const Json& f : findings["findings"]) {
    found[f["check"].get<std::string>()] = f["resource"]["type"].get<std::string>();
  }
  EXPECT_EQ(found["DEVICE_CERTIFICATE_EXPIRING_CHECK"], "DEVICE_CERTIFICATE");
  EXPECT_EQ(found["DEVICE_CERTIFICATE_KEY_QUALITY_CHECK"], "DEVICE_CERTIFICATE");
  EXPECT_EQ(found["IOT_POLICY_OVERLY_PERMISSIVE_CHECK"], "POLICY");
  EXPECT_EQ(found["LOGGING_DISABLED_CHECK"], "ACCOUNT_SETTINGS");
  EXPECT_EQ(found.count("CA_CERTIFICATE_EXPIRING_CHECK"), 0u) << "the root is healthy";
  const size_t non_compliant = found.size();

  // Quarantine the devices behind the device-certificate findings.
  const std::string task_id = findings["task_id"].get<std::string>();
  r = wardend_->Ctl("audit mitigate --task " + task_id +
                    " --action add-to-group --group quarantine");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("succeeded"));
  r = wardend_->Ctl("-o json registry show device cam-0001");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("quarantine"));

  // One alert per resource that turned non-compliant.
  EXPECT_TRUE(Eventually([&] {
    return AuditAlerts().count("audit.non-compliant") >= non_compliant;
  })) << ReadFile(dir_ / "webhook.log");
  // The same findings tonight: no new alert.
  ASSERT_EQ(wardend_->Ctl("audit run --wait").exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(AuditAlerts().count("audit.non-compliant"), non_compliant);
  EXPECT_EQ(AuditAlerts().count("audit.compliant"), 0u);

  // Suppressed, the logging finding is no longer held against compliance: it resolves.
  r = wardend_->Ctl(
      "audit suppress --check LOGGING_DISABLED_CHECK --resource-type ACCOUNT_SETTINGS "
      "--resource-id logging --description 'broker logs go to syslog'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(wardend_->Ctl("audit run --wait").exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return AuditAlerts().count("audit.compliant") == 1; }))
      << ReadFile(dir_ / "webhook.log");
  r = wardend_->Ctl("-o json audit findings --suppressed only");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(Json::parse(r.output)["findings"].size(), 1u);
  EXPECT_EQ(Json::parse(r.output)["findings"][0]["check"], "LOGGING_DISABLED_CHECK");
}

}  // namespace
}  // namespace warden::e2e
