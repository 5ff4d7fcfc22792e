// Reading a registry import directory: which file is what, documents in YAML and JSON,
// certificates attached to devices, CRLs matched to CAs, CAs ordered issuers first, and
// every problem reported at its file, line and column.

#include "tools/registry_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "rules/loader.h"
#include "tests/tools/test_pki.h"

namespace warden::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RegistryFilesTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::path(testing::TempDir()) / "registry_files" /
            testing::UnitTest::GetInstance()->current_test_info()->name())
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }

  void Write(const std::string& name, const std::string& content) {
    const std::filesystem::path path = std::filesystem::path(dir_) / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }

  // Every diagnostic, rendered, one after the other.
  static std::string Rendered(ImportPlan& plan) {
    return rules::FormatDiagnostics(plan.diagnostics.TakeSorted());
  }

  // A CRL signed by a CA that is not the test PKI's root.
  static std::string MakeCrlOfAnotherCa() {
    const audit::pki::KeyPair key = audit::pki::MakeEcKey("prime256v1");
    const std::string other = audit::pki::MakeSelfSignedCa(key, "Other", TestPki::kNow - 1,
                                                           TestPki::kNow + TestPki::kYear);
    return audit::pki::MakeCrl(other, key, {1}, TestPki::kNow);
  }

  static const TestPki& Pki() {
    static const TestPki* pki = new TestPki();
    return *pki;
  }

  std::string dir_;
};

TEST_F(RegistryFilesTest, ReadsDocumentsInYamlAndJson) {
  Write("fleet.yaml", R"(groups:
  - name: cameras
    description: door cameras
    attribute_selector: {type: camera}
    min_firmware_version: 2.4.0
devices:
  - name: cam-0001
    attributes: {type: camera, site: berlin}
    groups: [cameras]
    firmware_version: 2.3.9
  - name: cam-0002
    client_id: mqtt-cam-2
    active: false
    certificate_ids: [ab12]
---
logging:
  broker_logging_enabled: true
  device_logging_enabled: false
)");
  Write("policies/cameras.json", R"({
  "policies": [
    {"name": "cameras",
     "document": {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": "iot:Connect",
                                 "Resource": "arn:aws:iot:*:*:client/${iot:ClientId}"}]},
     "attached_certificate_ids": ["ab12"]}
  ]
})");
  Write("policies/legacy.yaml", R"(policies:
  - name: legacy
    document: '{"Version": "2012-10-17", "Statement": []}'
)");
  Write("README.md", "not read");

  absl::StatusOr<ImportPlan> plan = ReadImportDirectory(dir_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Rendered(*plan), "");
  EXPECT_THAT(plan->files, ElementsAre(dir_ + "/fleet.yaml", dir_ + "/policies/cameras.json",
                                       dir_ + "/policies/legacy.yaml"));

  ASSERT_EQ(plan->groups.size(), 1u);
  const v1::DeviceGroup& group = plan->groups[0].item;
  EXPECT_EQ(group.name(), "cameras");
  EXPECT_EQ(group.description(), "door cameras");
  EXPECT_EQ(group.attribute_selector().at("type"), "camera");
  EXPECT_EQ(group.min_firmware_version(), "2.4.0");

  ASSERT_EQ(plan->devices.size(), 2u);
  const v1::RegisteredDevice& cam1 = plan->devices[0].item;
  EXPECT_EQ(plan->devices[0].at.line, 7);
  EXPECT_EQ(plan->devices[0].at.column, 5);
  EXPECT_EQ(cam1.attributes().at("site"), "berlin");
  EXPECT_THAT(cam1.groups(), ElementsAre("cameras"));
  EXPECT_EQ(cam1.firmware_version(), "2.3.9");
  EXPECT_TRUE(cam1.active());  // the default
  const v1::RegisteredDevice& cam2 = plan->devices[1].item;
  EXPECT_EQ(cam2.client_id(), "mqtt-cam-2");
  EXPECT_FALSE(cam2.active());
  EXPECT_THAT(cam2.certificate_ids(), ElementsAre("ab12"));

  ASSERT_TRUE(plan->logging.has_value());
  EXPECT_TRUE(plan->logging->item.broker_logging_enabled());
  EXPECT_FALSE(plan->logging->item.device_logging_enabled());

  ASSERT_EQ(plan->policies.size(), 2u);
  // A document given as an object is sent as JSON text, keys in the order written.
  EXPECT_EQ(plan->policies[0].item.document(),
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect",)"
            R"("Resource":"arn:aws:iot:*:*:client/${iot:ClientId}"}]})");
  EXPECT_THAT(plan->policies[0].item.attached_certificate_ids(), ElementsAre("ab12"));
  EXPECT_EQ(plan->policies[1].item.document(), R"({"Version": "2012-10-17", "Statement": []})");
}

TEST_F(RegistryFilesTest, PolicyDocumentScalarsKeepTheirJsonTypes) {
  Write("p.yaml", R"(policies:
  - name: typed
    document:
      Version: "2012-10-17"
      Count: 3
      Ratio: 0.5
      Flag: true
      Quoted: "true"
      Nothing: ~
)");
  absl::StatusOr<ImportPlan> plan = ReadImportDirectory(dir_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->policies.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(plan->policies[0].item.document()),
            nlohmann::json::parse(R"({"Version": "2012-10-17", "Count": 3, "Ratio": 0.5,
                                      "Flag": true, "Quoted": "true", "Nothing": null})"));
}

TEST_F(RegistryFilesTest, AFileWithAnErrorContributesNothingAndEveryErrorIsReported) {
  Write("1-good.yaml", "devices:\n  - name: cam-0001\n");
  Write("2-bad.yaml", R"(devices:
  - name: cam-0002
    firmware: 2.4.1
  - name: cam-0003
    groups: cameras
  - name: cam-0001
)");
  Write("3-broken.yaml", "devices:\n  - name: cam-0004\n   groups: [a\n");

  absl::StatusOr<ImportPlan> plan = ReadImportDirectory(dir_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->devices.size(), 1u);
  EXPECT_EQ(plan->devices[0].item.name(), "cam-0001");
  EXPECT_THAT(plan->failed_files, ElementsAre(dir_ + "/2-bad.yaml", dir_ + "/3-broken.yaml"));
  const std::string report = Rendered(*plan);
  EXPECT_THAT(report, HasSubstr(dir_ +
                                "/2-bad.yaml:3:5: error: unknown key 'firmware' (expected one of: "
                                "name, attributes, groups, client_id, firmware_version, "
                                "certificate_ids, active) [E_UNKNOWN_KEY]\n"
                                "        firmware: 2.4.1\n"
                                "        ^\n"
                                "  in device 'cam-0002' (" +
                                dir_ + "/2-bad.yaml:2:5)\n"));
  EXPECT_THAT(report, HasSubstr(dir_ + "/2-bad.yaml:5:13: error: expected a list, got a string "
                                       "'cameras' [E_TYPE]"));
  EXPECT_THAT(report, HasSubstr(dir_ + "/2-bad.yaml:6:11: error: device 'cam-0001' is defined "
                                       "twice [E_DUPLICATE]"));
  EXPECT_THAT(report, HasSubstr("first defined at " + dir_ + "/1-good.yaml:2:5"));
  EXPECT_THAT(report, HasSubstr(dir_ + "/3-broken.yaml:3:4: error: yaml syntax error: end of "
                                       "sequence not found [E_YAML]"));
}

TEST_F(RegistryFilesTest, UnknownDocumentKindsAndMissingNamesAreErrors) {
  Write("a.yaml", "device:\n  - name: x\npolicies:\n  - document: '{}'\n");
  absl::StatusOr<ImportPlan> plan = ReadImportDirectory(dir_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::string report = Rendered(*plan);
  EXPECT_THAT(report, HasSubstr(dir_ + "/a.yaml:1:1: error: unknown key 'device'; did you mean "
                                       "'devices'? [E_UNKNOWN_KEY]"));
  EXPECT_THAT(report,
              HasSubstr(dir_ + "/a.yaml:4:5: error: missing required key 'name' [E_MISSING_KEY]"));
}

TEST_F(RegistryFilesTest, ClassifiesCertificatesAndMatchesCrlsByName) {
  const TestPki& pki = Pki();
  Write("cas/root.crt", pki.root);
  Write("cas/root.crl", pki.root_crl);
  Write("cas/intermediate.pem", pki.intermediate);
  Write("cas/intermediate.key.pem", pki.intermediate_key.PrivateKeyPem());  // skipped
  Write("devices.yaml", "devices:\n  - name: cam-0001\n");
  Write("certs/cam-0001.crt", pki.cam1);             // named like a declared device
  Write("devices/cam-0002/cert.pem", pki.cam2);      // in the device's folder
  Write("certs/spare.crt", pki.cam2);                // attached to nothing
  Write("certs/cam-0001.key", "not a certificate");  // other extensions are not read

  absl::StatusOr<ImportPlan> plan = ReadImportDirectory(dir_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Rendered(*plan), "");
  ASSERT_EQ(plan->cas.size(), 2u);
  EXPECT_EQ(plan->cas[0].subject, "CN=Root,O=Warden Test");
  EXPECT_THAT(plan->cas[0].request.crl_pems(), ElementsAre(pki.root_crl));
  EXPECT_THAT(plan->cas[0].crl_files, ElementsAre(std::make_pair(dir_ + "/cas/root.crl", 1)));
  EXPECT_EQ(plan->cas[0].request.status(), v1::ACTIVE);
  EXPECT_EQ(plan->cas[1].subject, "CN=Intermediate,O=Warden Test");
  EXPECT_EQ(plan->cas[1].issuer, "CN=Root,O=Warden Test");
  EXPECT_THAT(plan->cas[1].request.crl_pems(), IsEmpty());

  ASSERT_EQ(plan->certificates.size(), 3u);
  EXPECT_EQ(plan->certificates[0].at.file, dir_ + "/certs/cam-0001.crt");
  EXPECT_EQ(plan->certificates[0].item.device(), "cam-0001");
  EXPECT_EQ(plan->certificates[1].at.file, dir_ + "/certs/spare.crt");
  EXPECT_EQ(plan->certificates[1].item.device(), "");
  EXPECT_EQ(plan->certificates[2].at.file, dir_ + "/devices/cam-0002/cert.pem");
  EXPECT_EQ(plan->certificates[2].item.device(), "cam-0002");
  EXPECT_EQ(plan->certificates[2].item.pem(), pki.cam2);
  EXPECT_EQ(plan->files.size(), 7u);
}

TEST_F(RegistryFilesTest, CertificateProblemsAreFileErrors) {
  const TestPki& pki = Pki();
  Write("cas/device.crt", pki.cam1);  // not a CA
  Write("cas/root.crt", pki.root);
  Write("cas/root.crl", MakeCrlOfAnotherCa());
  Write("cas/orphan.crl", pki.root_crl);
  Write("old.crl", pki.root_crl);
  Write("certs/binary.crt", std::string("\x30\x82\x01\x0a", 4));

  absl::StatusOr<ImportPlan> plan = ReadImportDirectory(dir_);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->cas, IsEmpty());  // root.crt is out with its bad CRL
  EXPECT_THAT(plan->certificates, IsEmpty());
  const std::string report = Rendered(*plan);
  EXPECT_THAT(report, HasSubstr(dir_ + "/cas/device.crt: error: 'CN=cam-0001,O=Warden Test' is "
                                       "not a CA certificate (no basicConstraints CA:TRUE); "
                                       "device certificates go outside cas/ [E_CERTIFICATE]"));
  EXPECT_THAT(report, HasSubstr(dir_ + "/cas/root.crl: error: not a CRL of 'CN=Root,O=Warden "
                                       "Test': "));
  EXPECT_THAT(report, HasSubstr(dir_ + "/cas/root.crt: error: not imported: its CRL '" + dir_ +
                                "/cas/root.crl' has an error [E_CRL]"));
  EXPECT_THAT(report, HasSubstr(dir_ + "/cas/orphan.crl: error: no CA certificate 'orphan.crt' "
                                       "or 'orphan.pem' next to this CRL"));
  EXPECT_THAT(report, HasSubstr(dir_ + "/old.crl: error: a CRL belongs next to its CA "
                                       "certificate under cas/ [E_CRL]"));
  EXPECT_THAT(report, HasSubstr(dir_ + "/certs/binary.crt: error: no PEM certificate"));
  EXPECT_EQ(plan->failed_files.size(), 6u);
}

TEST_F(RegistryFilesTest, NotADirectory) {
  EXPECT_EQ(ReadImportDirectory(dir_ + "/missing").status(),
            absl::NotFoundError("no directory '" + dir_ + "/missing'"));
  Write("file.yaml", "");
  EXPECT_EQ(ReadImportDirectory(dir_ + "/file.yaml").status(),
            absl::InvalidArgumentError("'" + dir_ + "/file.yaml' is not a directory"));
}

CaFile Ca(const std::string& file, const std::string& subject, const std::string& issuer) {
  CaFile ca;
  ca.at.file = file;
  ca.subject = subject;
  ca.issuer = issuer;
  return ca;
}

std::vector<std::string> Files(const std::vector<CaFile>& cas) {
  std::vector<std::string> files;
  for (const CaFile& ca : cas) files.push_back(ca.at.file);
  return files;
}

TEST(OrderCasByIssuerTest, IssuersComeFirst) {
  // A chain root → a → b given leaf first, a CA issued by someone outside the import,
  // and a second root.
  EXPECT_THAT(Files(OrderCasByIssuer({Ca("b", "B", "A"), Ca("a", "A", "Root"),
                                      Ca("outside", "O", "Elsewhere"), Ca("root", "Root", "Root"),
                                      Ca("root2", "Root2", "Root2")})),
              ElementsAre("outside", "root", "root2", "a", "b"));
}

TEST(OrderCasByIssuerTest, ACycleKeepsTheFileOrder) {
  EXPECT_THAT(Files(OrderCasByIssuer({Ca("x", "X", "Y"), Ca("y", "Y", "X"), Ca("r", "R", "R")})),
              ElementsAre("r", "x", "y"));
}

}  // namespace
}  // namespace warden::tools
