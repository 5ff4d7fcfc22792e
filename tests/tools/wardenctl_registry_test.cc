// wardenctl registry import|list|show against the fake WardenApi: what is sent in
// which order, progress, the per-file error report, summaries, tables and exit codes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/tools/test_pki.h"
#include "tests/tools/wardenctl_fixture.h"
#include "tools/time_args.h"

namespace warden::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kGroups[] = R"(groups:
  - name: cameras
    attribute_selector: {type: camera}
    min_firmware_version: 2.4.0
)";

constexpr char kDevicesJson[] = R"({"devices": [
  {"name": "cam-0001", "groups": ["cameras"], "firmware_version": "2.4.1"},
  {"name": "cam-0002", "attributes": {"type": "camera"}}
]})";

constexpr char kPolicies[] = R"(policies:
  - name: cameras
    document:
      Version: "2012-10-17"
      Statement:
        - {Effect: Allow, Action: "iot:Connect", Resource: "*"}
logging:
  broker_logging_enabled: true
  device_logging_enabled: true
)";

class RegistryImportTest : public WardenctlTest {
 protected:
  static const TestPki& Pki() {
    static const TestPki* pki = new TestPki();
    return *pki;
  }

  // A fleet directory with every kind of file; returns its path.
  std::string WriteFleet() {
    const TestPki& pki = Pki();
    // "intermediate" sorts before "root": the import still registers the root first.
    WriteFile("fleet/cas/intermediate.crt", pki.intermediate);
    WriteFile("fleet/cas/root.crt", pki.root);
    WriteFile("fleet/cas/root.crl", pki.root_crl);
    WriteFile("fleet/groups.yaml", kGroups);
    WriteFile("fleet/devices.json", kDevicesJson);
    WriteFile("fleet/certs/cam-0001.crt", pki.cam1);
    WriteFile("fleet/devices/cam-0002/cert.pem", pki.cam2);
    WriteFile("fleet/policies.yaml", kPolicies);
    return TestDir() + "/fleet";
  }
};

TEST_F(RegistryImportTest, RegistersEverythingInDependencyOrder) {
  const std::string fleet = WriteFleet();
  ASSERT_EQ(Run({"registry", "import", fleet}), 0) << err_.str();
  EXPECT_THAT(
      api_.registry_calls,
      ElementsAre("RegisterCaCertificate CN=Root,O=Warden Test",
                  "RegisterCaCertificate CN=Intermediate,O=Warden Test", "PutGroup cameras",
                  "PutDevice cam-0001", "PutDevice cam-0002", "RegisterCertificate cam-0001",
                  "RegisterCertificate cam-0002", "PutPolicy cameras", "SetLoggingSettings"));
  ASSERT_EQ(api_.ca_requests.size(), 2u);
  EXPECT_THAT(api_.ca_requests[0].crl_pems(), ElementsAre(Pki().root_crl));
  EXPECT_EQ(api_.ca_requests[1].pem(), Pki().intermediate);
  EXPECT_EQ(api_.certificate_requests[0].pem(), Pki().cam1);
  EXPECT_EQ(api_.certificate_requests[0].status(), v1::ACTIVE);
  EXPECT_EQ(api_.put_devices[0].firmware_version(), "2.4.1");
  EXPECT_TRUE(api_.put_devices[1].active());
  EXPECT_EQ(nlohmann::json::parse(api_.put_policies[0].document())["Statement"][0]["Action"],
            "iot:Connect");

  EXPECT_EQ(out_.str(),
            "imported: 2 devices, 1 group, 4 certificates (2 CAs, 1 CRL), 1 policy, logging "
            "settings\n");
  // Not a terminal: a line per file as it is finished.
  EXPECT_EQ(err_.str(), "[1/8] " + fleet + "/cas/root.crt: 1 CA\n" + "[2/8] " + fleet +
                            "/cas/root.crl: 1 CRL\n" + "[3/8] " + fleet +
                            "/cas/intermediate.crt: 1 CA\n" + "[4/8] " + fleet +
                            "/groups.yaml: 1 group\n" + "[5/8] " + fleet +
                            "/devices.json: 2 devices\n" + "[6/8] " + fleet +
                            "/certs/cam-0001.crt: 1 certificate\n" + "[7/8] " + fleet +
                            "/devices/cam-0002/cert.pem: 1 certificate\n" + "[8/8] " + fleet +
                            "/policies.yaml: 1 policy, logging settings\n");
}

TEST_F(RegistryImportTest, AMalformedYamlFileIsReportedAndTheOthersImport) {
  const std::string fleet = WriteFleet();
  WriteFile("fleet/more-devices.yaml",
            "devices:\n"
            "  - name: cam-0003\n"
            "    groups: [cameras\n"
            "  - name: cam-0004\n");
  EXPECT_EQ(Run({"registry", "import", fleet}), 1);
  EXPECT_EQ(api_.put_devices.size(), 2u);
  EXPECT_EQ(api_.registry_calls.size(), 9u);
  EXPECT_THAT(err_.str(), HasSubstr("[1/9] " + fleet + "/more-devices.yaml: failed\n"));
  EXPECT_THAT(err_.str(),
              EndsWith(fleet + "/more-devices.yaml:4:9: error: yaml syntax error: end of "
                               "sequence flow not found [E_YAML]\n"
                               "      - name: cam-0004\n"
                               "            ^\n"
                               "1 error\n"));
  EXPECT_EQ(out_.str(),
            "imported: 2 devices, 1 group, 4 certificates (2 CAs, 1 CRL), 1 policy, logging "
            "settings; 1 file failed\n");
}

TEST_F(RegistryImportTest, ServerRejectionsNameTheEntryAndTheFieldAndTheImportGoesOn) {
  WriteFile("fleet/devices.yaml",
            "devices:\n"
            "  - name: cam-0001\n"
            "    firmware_version: 2.4.1\n"
            "  - name: cam-0002\n"
            "    firmware_version: 2.x\n"
            "  - name: cam-0003\n");
  WriteFile("fleet/cam-0002.crt", Pki().cam2);
  api_.reject["PutDevice cam-0002"] =
      absl::InvalidArgumentError("firmware_version: '2.x' is not a dotted version");
  api_.reject["RegisterCertificate cam-0002"] =
      absl::NotFoundError("no registered device 'cam-0002'");
  const std::string fleet = TestDir() + "/fleet";

  EXPECT_EQ(Run({"registry", "import", fleet}), 1);
  EXPECT_THAT(api_.registry_calls,
              ElementsAre("PutDevice cam-0001", "PutDevice cam-0002", "PutDevice cam-0003",
                          "RegisterCertificate cam-0002"));
  EXPECT_THAT(err_.str(), HasSubstr("[1/2] " + fleet + "/devices.yaml: failed\n"));
  EXPECT_THAT(err_.str(), HasSubstr("[2/2] " + fleet + "/cam-0002.crt: failed\n"));
  EXPECT_THAT(err_.str(), EndsWith(fleet +
                                   "/cam-0002.crt: error: certificate of device 'cam-0002': no "
                                   "registered device 'cam-0002' [NOT_FOUND]\n" +
                                   fleet +
                                   "/devices.yaml:4:5: error: device 'cam-0002': "
                                   "firmware_version: '2.x' is not a dotted version "
                                   "[INVALID_ARGUMENT]\n"
                                   "      - name: cam-0002\n"
                                   "        ^\n"
                                   "2 errors\n"));
  EXPECT_EQ(out_.str(),
            "imported: 2 devices, 0 groups, 0 certificates (0 CAs), 0 policies; 2 files failed\n");
}

TEST_F(RegistryImportTest, AnUnreachableServerStopsTheImport) {
  const std::string fleet = WriteFleet();
  api_.reject["RegisterCaCertificate CN=Root,O=Warden Test"] =
      absl::UnavailableError("cannot reach wardend at 127.0.0.1:7600: connection refused");
  EXPECT_EQ(Run({"registry", "import", fleet}), 1);
  EXPECT_EQ(api_.registry_calls.size(), 1u);
  EXPECT_EQ(out_.str(), "");
  EXPECT_THAT(err_.str(), EndsWith("wardenctl: registry import: UNAVAILABLE: cannot reach "
                                   "wardend at 127.0.0.1:7600: connection refused\n"));
}

TEST_F(RegistryImportTest, OnATerminalProgressIsOneBarRedrawnInPlace) {
  terminal_ = true;
  ASSERT_EQ(Run({"registry", "import", WriteFleet()}), 0) << err_.str();
  EXPECT_THAT(err_.str(),
              StartsWith("\rimporting [###...........................] 1/8 files\033[K\r"));
  EXPECT_THAT(err_.str(),
              EndsWith("\rimporting [##############################] 8/8 files\033[K\n"));
}

TEST_F(RegistryImportTest, JsonOutputHasTheRegistryAnswersAndTheErrors) {
  const std::string fleet = WriteFleet();
  WriteFile("fleet/bad.yaml", "groups: [{name: x, colour: red}]\n");
  EXPECT_EQ(Run({"-o", "json", "registry", "import", fleet}), 1);
  const nlohmann::json doc = nlohmann::json::parse(out_.str());
  ASSERT_EQ(doc["cas"].size(), 2u);
  EXPECT_EQ(doc["cas"][0]["subject"], "CN=Root,O=Warden Test");
  EXPECT_EQ(doc["cas"][0]["crls"], 1);
  EXPECT_EQ(doc["devices"][1]["name"], "cam-0002");
  EXPECT_EQ(doc["groups"].size(), 1u);
  EXPECT_EQ(doc["certificates"].size(), 2u);
  EXPECT_EQ(doc["policies"][0]["name"], "cameras");
  EXPECT_EQ(doc["logging"]["broker_logging_enabled"], true);
  ASSERT_EQ(doc["diagnostics"].size(), 1u);
  EXPECT_EQ(doc["diagnostics"][0]["file"], fleet + "/bad.yaml");
  EXPECT_EQ(doc["diagnostics"][0]["line"], 1);
  EXPECT_EQ(doc["diagnostics"][0]["column"], 20);
  EXPECT_EQ(doc["diagnostics"][0]["code"], "E_UNKNOWN_KEY");
  EXPECT_EQ(doc["failed_files"], 1);
}

TEST_F(RegistryImportTest, NothingToImport) {
  EXPECT_EQ(Run({"registry", "import", TestDir() + "/missing"}), 1);
  EXPECT_EQ(err_.str(), "wardenctl: registry import: no directory '" + TestDir() + "/missing'\n");

  WriteFile("empty/README.md", "nothing to import here");
  EXPECT_EQ(Run({"registry", "import", TestDir() + "/empty"}), 1);
  EXPECT_EQ(err_.str(),
            "wardenctl: registry import: no registry files (*.yaml, *.yml, *.json, *.crt, "
            "*.pem, *.crl) under '" +
                TestDir() + "/empty'\n");
  EXPECT_TRUE(api_.registry_calls.empty());
  EXPECT_EQ(Run({"registry", "import"}), 2);
}

v1::CertificateDescription MakeCa() {
  v1::CertificateDescription c;
  c.set_id("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  c.set_subject("CN=Root,O=Example");
  c.set_issuer("CN=Root,O=Example");
  c.set_serial("01");
  *c.mutable_not_before() = ToTimestamp(absl::FromUnixSeconds(1'700'000'000));
  *c.mutable_not_after() = ToTimestamp(absl::FromUnixSeconds(2'000'000'000));
  c.set_key_type("ec");
  c.set_key_bits(256);
  c.set_curve("prime256v1");
  c.set_is_ca(true);
  c.set_status(v1::ACTIVE);
  c.set_crls(1);
  c.set_revoked_serials(3);
  return c;
}

TEST_F(WardenctlTest, RegistryListDevicesAndGroups) {
  v1::RegisteredDevice* d = api_.devices.add_devices();
  d->set_name("cam-0001");
  d->set_active(true);
  d->add_groups("cameras");
  d->add_groups("berlin");
  d->set_firmware_version("2.4.1");
  d->add_certificate_ids("ab12");
  (*d->mutable_attributes())["type"] = "camera";
  (*d->mutable_attributes())["site"] = "berlin";
  v1::RegisteredDevice* bare = api_.devices.add_devices();
  bare->set_name("sensor-7");
  bare->set_client_id("mqtt-7");

  ASSERT_EQ(Run({"registry", "list", "devices", "--limit", "5"}), 0) << err_.str();
  ASSERT_EQ(api_.registry_list_requests.size(), 1u);
  EXPECT_EQ(api_.registry_list_requests[0].page_size(), 5);
  EXPECT_EQ(out_.str(),
            "DEVICE    ACTIVE  GROUPS          CLIENT ID  FIRMWARE  CERTIFICATES  ATTRIBUTES\n"
            "cam-0001  yes     cameras,berlin  -          2.4.1     1             "
            "site=berlin,type=camera\n"
            "sensor-7  no      -               mqtt-7     -         0             -\n");

  v1::DeviceGroup* g = api_.groups.add_groups();
  g->set_name("cameras");
  (*g->mutable_attribute_selector())["type"] = "camera";
  g->set_min_firmware_version("2.4.0");
  ASSERT_EQ(Run({"registry", "list", "groups"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "GROUP    ATTRIBUTE SELECTOR  MIN FIRMWARE  DESCRIPTION\n"
            "cameras  type=camera         2.4.0         -\n");

  api_.devices.Clear();
  ASSERT_EQ(Run({"registry", "list", "devices"}), 0);
  EXPECT_EQ(out_.str(), "no devices\n");
  EXPECT_EQ(Run({"registry", "list", "widgets"}), 2);
}

TEST_F(WardenctlTest, RegistryListCertificatesAsksForTheKind) {
  *api_.certificates.add_certificates() = MakeCa();
  ASSERT_EQ(Run({"registry", "list", "cas"}), 0) << err_.str();
  EXPECT_EQ(api_.registry_list_requests[0].kind(), "ca");
  EXPECT_EQ(out_.str(),
            "ID                                                                SUBJECT            "
            "STATUS  NOT AFTER             KEY                ISSUER CA  CRLS  REVOKED SERIALS\n"
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  CN=Root,O=Example"
            "  active  2033-05-18T03:33:20Z  ec 256 prime256v1  -          1     3\n");

  ASSERT_EQ(Run({"registry", "list", "certificates"}), 0) << err_.str();
  EXPECT_EQ(api_.registry_list_requests[1].kind(), "device");
  EXPECT_THAT(out_.str(), StartsWith("ID  "));
  EXPECT_THAT(out_.str(), Not(HasSubstr("CRLS")));

  v1::Policy* p = api_.policies.add_policies();
  p->set_name("cameras");
  p->add_attached_certificate_ids("ab12");
  p->set_document(
      "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", "
      "\"Action\": \"iot:*\", \"Resource\": \"*\"}]\n}");
  ASSERT_EQ(Run({"registry", "list", "policies"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "POLICY   CERTIFICATES  DOCUMENT\n"
            "cameras  1             { \"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": "
            "\"Allo...\n");
}

TEST_F(WardenctlTest, RegistryShowDeviceAndCertificate) {
  api_.registered_device.set_name("cam-0001");
  api_.registered_device.set_active(true);
  api_.registered_device.add_groups("cameras");
  (*api_.registered_device.mutable_attributes())["type"] = "camera";
  api_.registered_device.add_certificate_ids("ab12");
  ASSERT_EQ(Run({"registry", "show", "device", "cam-0001"}), 0) << err_.str();
  EXPECT_EQ(api_.registry_get_requests[0].id(), "cam-0001");
  EXPECT_EQ(out_.str(),
            "device:     cam-0001\n"
            "active:     yes\n"
            "client id:  cam-0001 (the device name)\n"
            "firmware:   -\n"
            "groups:     cameras\n"
            "\n"
            "attributes:\n"
            "type:  camera\n"
            "\n"
            "certificates:\n"
            "ab12\n");

  api_.certificate = MakeCa();
  ASSERT_EQ(Run({"registry", "show", "certificate", MakeCa().id()}), 0) << err_.str();
  EXPECT_EQ(api_.registry_get_requests[1].id(), MakeCa().id());
  EXPECT_EQ(out_.str(),
            "certificate:      9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
            "kind:             CA\n"
            "status:           active\n"
            "subject:          CN=Root,O=Example\n"
            "issuer:           CN=Root,O=Example\n"
            "issuer ca:        -\n"
            "serial:           01\n"
            "not before:       2023-11-14T22:13:20Z\n"
            "not after:        2033-05-18T03:33:20Z\n"
            "key:              ec 256 prime256v1\n"
            "crls:             1\n"
            "revoked serials:  3\n");

  ASSERT_EQ(Run({"-o", "json", "registry", "show", "certificate", MakeCa().id()}), 0);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["key_bits"], 256);

  api_.status = absl::NotFoundError("no certificate 'ffff'");
  EXPECT_EQ(Run({"registry", "show", "certificate", "ffff"}), 1);
  EXPECT_EQ(err_.str(), "wardenctl: registry show certificate: NOT_FOUND: no certificate 'ffff'\n");
  EXPECT_EQ(Run({"registry", "show", "policy", "x"}), 2);
}

}  // namespace
}  // namespace warden::tools
