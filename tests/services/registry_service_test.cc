// RegistryService over gRPC on 127.0.0.1:0 and a real RocksDB in a temp dir, with real
// certificates and CRLs made by OpenSSL (tests/audit/cert_factory.h); and the registry
// audits load from it.
#include "services/registry_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/certificate.h"
#include "google/protobuf/util/time_util.h"
#include "services/registry_store.h"
#include "store/store.h"
#include "tests/audit/cert_factory.h"

namespace warden::services {
namespace {

namespace fs = std::filesystem;
namespace pki = audit::pki;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1795651200;  // 2026-11-26T00:00:00Z
constexpr int64_t kNotBefore = kNow - kDay;
constexpr int64_t kNotAfter = kNow + 365 * kDay;

// Keys shared by every test: generating them is the slow part.
const pki::KeyPair& RootKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeEcKey("prime256v1"));
  return *key;
}
const pki::KeyPair& IntermediateKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeEcKey("secp384r1"));
  return *key;
}
const pki::KeyPair& DeviceKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeRsaKey(2048));
  return *key;
}
const pki::KeyPair& OtherKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeEcKey("prime256v1"));
  return *key;
}

// Root → intermediate → device certificate (serial 7), and a second device certificate
// (serial 9) from the intermediate.
struct Chain {
  std::string root = pki::MakeSelfSignedCa(RootKey(), "Root", kNotBefore, kNotAfter);
  std::string intermediate = pki::MakeCertificate(IntermediateKey(), "Intermediate", root,
                                                  RootKey(), kNotBefore, kNotAfter, true, 2);
  std::string device = pki::MakeCertificate(DeviceKey(), "cam-0001", intermediate,
                                            IntermediateKey(), kNotBefore, kNotAfter, false, 7);
  std::string device2 = pki::MakeCertificate(DeviceKey(), "cam-0002", intermediate,
                                             IntermediateKey(), kNotBefore, kNotAfter, false, 9);
};

std::string IdOf(const std::string& pem) {
  absl::StatusOr<audit::CertificateInfo> info = audit::ParseCertificatePem(pem);
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? info->id : "";
}

v1::RegisteredDevice Device(const std::string& name) {
  v1::RegisteredDevice d;
  d.set_name(name);
  return d;
}

std::string Policy(const std::string& statements) {
  return absl::StrCat(R"({"Version": "2012-10-17", "Statement": )", statements, "}");
}

constexpr char kGoodStatements[] =
    R"([{"Effect": "Allow", "Action": "iot:Publish",)"
    R"( "Resource": "arn:aws:iot:eu-west-1:123456789012:topic/telemetry/${iot:Connection.Thing.ThingName}"}])";

class RegistryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warden-registry-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    absl::StatusOr<std::unique_ptr<store::Store>> store = store::Store::Open({dir_.string()});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    registry_ = std::make_unique<RegistryStore>(store_.get());
    service_ = std::make_unique<RegistryServiceImpl>(registry_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = v1::RegistryService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    server_.reset();
    service_.reset();
    registry_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  // A fresh context per call, with a deadline so a hung server fails the test.
  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return context;
  }

  v1::CertificateDescription RegisterCa(const std::string& pem,
                                        const std::vector<std::string>& crls = {}) {
    v1::RegisterCaCertificateRequest request;
    request.set_pem(pem);
    for (const std::string& crl : crls) request.add_crl_pems(crl);
    v1::CertificateDescription response;
    grpc::Status s = stub_->RegisterCaCertificate(Context().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  v1::CertificateDescription RegisterDeviceCertificate(const std::string& pem,
                                                       const std::string& device = "") {
    v1::RegisterCertificateRequest request;
    request.set_pem(pem);
    request.set_device(device);
    v1::CertificateDescription response;
    grpc::Status s = stub_->RegisterCertificate(Context().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  v1::CertificateDescription GetCertificate(const std::string& id) {
    v1::GetRegistryItemRequest request;
    request.set_id(id);
    v1::CertificateDescription response;
    grpc::Status s = stub_->GetCertificate(Context().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  v1::RegisteredDevice PutDevice(const v1::RegisteredDevice& device) {
    v1::RegisteredDevice response;
    grpc::Status s = stub_->PutDevice(Context().get(), device, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  std::vector<std::string> DeviceNames() {
    std::vector<std::string> names;
    v1::ListRegistryRequest request;
    v1::ListDevicesResponse response;
    grpc::Status s = stub_->ListDevices(Context().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (const v1::RegisteredDevice& d : response.devices()) names.push_back(d.name());
    return names;
  }

  std::vector<std::string> CertificateIds(const std::string& kind = "") {
    std::vector<std::string> ids;
    v1::ListRegistryRequest request;
    request.set_kind(kind);
    v1::ListCertificatesResponse response;
    grpc::Status s = stub_->ListCertificates(Context().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (const v1::CertificateDescription& c : response.certificates()) ids.push_back(c.id());
    return ids;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<RegistryStore> registry_;
  std::unique_ptr<RegistryServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::RegistryService::Stub> stub_;
};

TEST_F(RegistryServiceTest, DevicePutGetDelete) {
  v1::RegisteredDevice device = Device("cam-0001");
  (*device.mutable_attributes())["site"] = "lyon";
  device.add_groups("cameras");
  device.set_client_id("cam-0001-mqtt");
  device.set_firmware_version("2.4.1");
  device.set_active(false);  // not settable on creation: a new device is active

  v1::RegisteredDevice created = PutDevice(device);
  EXPECT_TRUE(created.active());
  v1::GetRegistryItemRequest get;
  get.set_id("cam-0001");
  v1::RegisteredDevice read;
  ASSERT_TRUE(stub_->GetDevice(Context().get(), get, &read).ok());
  EXPECT_EQ(read.name(), "cam-0001");
  EXPECT_THAT(read.attributes(), UnorderedElementsAre(Pair("site", "lyon")));
  EXPECT_THAT(read.groups(), ElementsAre("cameras"));
  EXPECT_EQ(read.client_id(), "cam-0001-mqtt");
  EXPECT_EQ(read.firmware_version(), "2.4.1");
  EXPECT_TRUE(read.active());

  // Replacing an existing device sets every field, active included.
  EXPECT_FALSE(PutDevice(device).active());
  ASSERT_TRUE(stub_->GetDevice(Context().get(), get, &read).ok());
  EXPECT_FALSE(read.active());

  v1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->DeleteDevice(Context().get(), get, &deleted).ok());
  EXPECT_TRUE(deleted.deleted());
  grpc::Status missing = stub_->GetDevice(Context().get(), get, &read);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.error_message(), "no device 'cam-0001'");
  ASSERT_TRUE(stub_->DeleteDevice(Context().get(), get, &deleted).ok());
  EXPECT_FALSE(deleted.deleted());
}

TEST_F(RegistryServiceTest, ListDevicesPagesInNameOrder) {
  for (const char* name : {"e", "a", "c", "b", "d"}) PutDevice(Device(name));
  std::vector<std::vector<std::string>> pages;
  v1::ListRegistryRequest request;
  request.set_page_size(2);
  do {
    v1::ListDevicesResponse response;
    grpc::Status s = stub_->ListDevices(Context().get(), request, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pages.emplace_back();
    for (const v1::RegisteredDevice& d : response.devices()) pages.back().push_back(d.name());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && pages.size() < 10);
  EXPECT_THAT(pages, ElementsAre(ElementsAre("a", "b"), ElementsAre("c", "d"), ElementsAre("e")));

  // The default page holds them all.
  EXPECT_THAT(DeviceNames(), ElementsAre("a", "b", "c", "d", "e"));
}

TEST_F(RegistryServiceTest, ListRequestsAreValidated) {
  v1::ListDevicesResponse response;
  v1::ListRegistryRequest request;
  request.set_page_size(1001);
  grpc::Status s = stub_->ListDevices(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "page_size: must be 0-1000 (0: the default, 100), got 1001");

  request.set_page_size(0);
  request.set_page_token("zz");
  s = stub_->ListDevices(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "page_token: malformed or from another list");

  v1::ListCertificatesResponse certificates;
  request.set_page_token("");
  request.set_kind("root");
  s = stub_->ListCertificates(Context().get(), request, &certificates);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "kind: 'root' is not a kind (\"device\", \"ca\" or \"\")");
}

TEST_F(RegistryServiceTest, InvalidDevicesNameTheFieldAndStoreNothing) {
  struct Case {
    v1::RegisteredDevice device;
    std::string error;
  };
  std::vector<Case> cases;
  cases.push_back({Device(""), "name: required"});
  cases.push_back({Device("cam 1"),
                   "name: 'cam 1' is not a device name (1-128 characters of [a-zA-Z0-9:_.-])"});
  cases.push_back({Device(std::string(129, 'a')), "name: '" + std::string(64, 'a') +
                                                      "...' is not a device name (1-128 "
                                                      "characters of [a-zA-Z0-9:_.-])"});
  {
    v1::RegisteredDevice d = Device("cam-1");
    d.add_groups("cameras");
    d.add_groups("bad.group");
    cases.push_back(
        {d, "groups[1]: 'bad.group' is not a valid name (1-128 characters of [a-zA-Z0-9_-])"});
  }
  {
    v1::RegisteredDevice d = Device("cam-1");
    d.add_groups("cameras");
    d.add_groups("cameras");
    cases.push_back({d, "groups[1]: duplicate 'cameras'"});
  }
  {
    v1::RegisteredDevice d = Device("cam-1");
    (*d.mutable_attributes())["site"] = std::string(257, 'x');
    cases.push_back({d, "attributes[\"site\"]: is 257 bytes, at most 256"});
  }
  {
    v1::RegisteredDevice d = Device("cam-1");
    for (int i = 0; i < 65; ++i) (*d.mutable_attributes())[absl::StrCat("k", i)] = "v";
    cases.push_back({d, "attributes: 65 entries, at most 64"});
  }
  {
    v1::RegisteredDevice d = Device("cam-1");
    d.add_certificate_ids("ABCDEF");
    cases.push_back({d,
                     "certificate_ids[0]: 'ABCDEF' is not a certificate id (the SHA-256 of the "
                     "DER as 64 lower-case hex digits)"});
  }
  {
    v1::RegisteredDevice d = Device("cam-1");
    d.set_client_id(std::string("a\0b", 3));
    cases.push_back({d, "client_id: contains a NUL byte"});
  }
  for (const Case& c : cases) {
    v1::RegisteredDevice response;
    grpc::Status s = stub_->PutDevice(Context().get(), c.device, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.error;
    EXPECT_EQ(s.error_message(), c.error);
  }
  EXPECT_THAT(DeviceNames(), IsEmpty());

  v1::GetRegistryItemRequest get;
  get.set_id("../etc");
  v1::RegisteredDevice response;
  grpc::Status s = stub_->GetDevice(Context().get(), get, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("id: '../etc' is not a device name"));
}

TEST_F(RegistryServiceTest, GroupsAreValidatedAndListed) {
  v1::DeviceGroup group;
  group.set_name("cameras");
  group.set_description("every camera");
  (*group.mutable_attribute_selector())["type"] = "camera";
  group.set_min_firmware_version("2.4");
  v1::DeviceGroup response;
  ASSERT_TRUE(stub_->PutGroup(Context().get(), group, &response).ok());

  v1::DeviceGroup bad = group;
  bad.set_name("cameras!");
  grpc::Status s = stub_->PutGroup(Context().get(), bad, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "name: 'cameras!' is not a valid name (1-128 characters of [a-zA-Z0-9_-])");
  bad = group;
  bad.set_name("other");
  bad.set_min_firmware_version("2.4-beta");
  s = stub_->PutGroup(Context().get(), bad, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "min_firmware_version: '2.4-beta' is not a dotted numeric version, e.g. 2.4.1");

  v1::ListGroupsResponse groups;
  ASSERT_TRUE(stub_->ListGroups(Context().get(), v1::ListRegistryRequest(), &groups).ok());
  ASSERT_THAT(groups.groups(), SizeIs(1));
  EXPECT_EQ(groups.groups(0).name(), "cameras");
  EXPECT_EQ(groups.groups(0).description(), "every camera");
  EXPECT_THAT(groups.groups(0).attribute_selector(), UnorderedElementsAre(Pair("type", "camera")));
  EXPECT_EQ(groups.groups(0).min_firmware_version(), "2.4");
}

TEST_F(RegistryServiceTest, ChainRegisteredTopDownLinksIssuers) {
  Chain chain;
  PutDevice(Device("cam-0001"));
  v1::CertificateDescription root = RegisterCa(chain.root);
  v1::CertificateDescription intermediate = RegisterCa(chain.intermediate);
  v1::CertificateDescription device = RegisterDeviceCertificate(chain.device, "cam-0001");

  EXPECT_EQ(root.id(), IdOf(chain.root));
  EXPECT_TRUE(root.is_ca());
  EXPECT_EQ(root.issuer_ca_id(), "");  // a root has no issuer
  EXPECT_EQ(intermediate.issuer_ca_id(), root.id());
  EXPECT_EQ(device.issuer_ca_id(), intermediate.id());

  // Everything Warden read out of the device certificate.
  EXPECT_EQ(device.id(), IdOf(chain.device));
  EXPECT_EQ(device.subject(), "CN=cam-0001,O=Warden Test");
  EXPECT_EQ(device.issuer(), "CN=Intermediate,O=Warden Test");
  EXPECT_EQ(device.serial(), "07");
  EXPECT_EQ(TimeUtil::TimestampToSeconds(device.not_before()), kNotBefore);
  EXPECT_EQ(TimeUtil::TimestampToSeconds(device.not_after()), kNotAfter);
  EXPECT_EQ(device.key_type(), "rsa");
  EXPECT_EQ(device.key_bits(), 2048);
  EXPECT_FALSE(device.is_ca());
  EXPECT_EQ(device.status(), v1::ACTIVE);
  EXPECT_EQ(intermediate.key_type(), "ec");
  EXPECT_EQ(intermediate.key_bits(), 384);
  EXPECT_EQ(intermediate.curve(), "secp384r1");

  v1::GetRegistryItemRequest get;
  get.set_id("cam-0001");
  v1::RegisteredDevice attached;
  ASSERT_TRUE(stub_->GetDevice(Context().get(), get, &attached).ok());
  EXPECT_THAT(attached.certificate_ids(), ElementsAre(device.id()));

  EXPECT_THAT(CertificateIds("ca"), UnorderedElementsAre(root.id(), intermediate.id()));
  EXPECT_THAT(CertificateIds("device"), ElementsAre(device.id()));
  EXPECT_THAT(CertificateIds(), UnorderedElementsAre(root.id(), intermediate.id(), device.id()));
}

TEST_F(RegistryServiceTest, CaRegisteredLaterBecomesTheIssuer) {
  Chain chain;
  v1::CertificateDescription device = RegisterDeviceCertificate(chain.device);
  EXPECT_EQ(device.issuer_ca_id(), "");  // no CA known yet

  v1::CertificateDescription intermediate = RegisterCa(chain.intermediate);
  EXPECT_EQ(intermediate.issuer_ca_id(), "");
  EXPECT_EQ(GetCertificate(device.id()).issuer_ca_id(), intermediate.id());

  v1::CertificateDescription root = RegisterCa(chain.root);
  EXPECT_EQ(GetCertificate(intermediate.id()).issuer_ca_id(), root.id());
  EXPECT_EQ(GetCertificate(device.id()).issuer_ca_id(), intermediate.id());
  EXPECT_EQ(GetCertificate(root.id()).issuer_ca_id(), "");
}

TEST_F(RegistryServiceTest, CaWithTheIssuerNameButAnotherKeyIsNotTheIssuer) {
  Chain chain;
  // Same subject as the real root, another key: it did not sign the intermediate, whether
  // registered after the intermediate or before.
  std::string impostor = pki::MakeSelfSignedCa(OtherKey(), "Root", kNotBefore, kNotAfter);
  v1::CertificateDescription intermediate = RegisterCa(chain.intermediate);
  RegisterCa(impostor);
  EXPECT_EQ(GetCertificate(intermediate.id()).issuer_ca_id(), "");
  EXPECT_EQ(RegisterCa(chain.intermediate).issuer_ca_id(), "");

  v1::CertificateDescription root = RegisterCa(chain.root);
  EXPECT_EQ(GetCertificate(intermediate.id()).issuer_ca_id(), root.id());
}

TEST_F(RegistryServiceTest, CaWithCrl) {
  Chain chain;
  std::string crl = pki::MakeCrl(chain.intermediate, IntermediateKey(), {7, 9}, kNow);
  RegisterCa(chain.root);
  v1::CertificateDescription ca = RegisterCa(chain.intermediate, {crl});
  EXPECT_EQ(ca.crls(), 1);
  EXPECT_EQ(ca.revoked_serials(), 2);
  EXPECT_EQ(GetCertificate(ca.id()).revoked_serials(), 2);

  absl::StatusOr<std::optional<v1::StoredCertificate>> stored = registry_->GetCertificate(ca.id());
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_TRUE(stored->has_value());
  EXPECT_THAT((*stored)->crl_pems(), ElementsAre(crl));
}

TEST_F(RegistryServiceTest, CrlSignedByAnotherCaIsAFailedPrecondition) {
  Chain chain;
  std::string root_crl = pki::MakeCrl(chain.root, RootKey(), {7}, kNow);
  v1::RegisterCaCertificateRequest request;
  request.set_pem(chain.intermediate);
  request.add_crl_pems(root_crl);
  v1::CertificateDescription response;
  grpc::Status s = stub_->RegisterCaCertificate(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "crl_pems[0]: CRL issuer 'CN=Root,O=Warden Test' is not CA 'CN=Intermediate,O=Warden "
            "Test'");

  // Same issuer name, another key: the signature does not verify.
  std::string impostor = pki::MakeSelfSignedCa(OtherKey(), "Root", kNotBefore, kNotAfter);
  request.set_pem(impostor);
  s = stub_->RegisterCaCertificate(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "crl_pems[0]: CRL signature does not verify with the key of CA 'CN=Root,O=Warden "
            "Test'");

  request.set_pem(chain.root);
  request.set_crl_pems(0, "-----BEGIN X509 CRL-----\nbm9wZQ==\n-----END X509 CRL-----\n");
  s = stub_->RegisterCaCertificate(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("crl_pems[0]: malformed CRL: "));

  EXPECT_THAT(CertificateIds(), IsEmpty());
}

TEST_F(RegistryServiceTest, CertificatesOfTheWrongKindAreRejected) {
  Chain chain;
  v1::RegisterCaCertificateRequest ca_request;
  ca_request.set_pem(chain.device);
  v1::CertificateDescription response;
  grpc::Status s = stub_->RegisterCaCertificate(Context().get(), ca_request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "pem: certificate 'CN=cam-0001,O=Warden Test' is not a CA (no basicConstraints "
            "CA:TRUE); register it with RegisterCertificate");

  v1::RegisterCertificateRequest request;
  request.set_pem(chain.intermediate);
  s = stub_->RegisterCertificate(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "pem: certificate 'CN=Intermediate,O=Warden Test' is a CA (basicConstraints "
            "CA:TRUE); register it with RegisterCaCertificate");

  request.set_pem(chain.device + chain.device2);
  s = stub_->RegisterCertificate(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "pem: holds 2 certificates; register one per request");

  request.set_pem("hello");
  s = stub_->RegisterCertificate(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "pem: not a PEM certificate (no -----BEGIN CERTIFICATE----- block)");

  request.set_pem(std::string(64 * 1024 + 1, 'x'));
  s = stub_->RegisterCertificate(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "pem: is 65537 bytes, at most 65536");

  request.set_pem(chain.device);
  request.set_device("cam-9999");
  s = stub_->RegisterCertificate(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "device: 'cam-9999' is not registered");

  EXPECT_THAT(CertificateIds(), IsEmpty());
}

TEST_F(RegistryServiceTest, CertificateStatusChanges) {
  Chain chain;
  v1::CertificateDescription device = RegisterDeviceCertificate(chain.device);
  EXPECT_EQ(device.status(), v1::ACTIVE);  // the default

  v1::SetCertificateStatusRequest request;
  request.set_id(device.id());
  request.set_status(v1::REVOKED);
  v1::CertificateDescription response;
  ASSERT_TRUE(stub_->SetCertificateStatus(Context().get(), request, &response).ok());
  EXPECT_EQ(response.status(), v1::REVOKED);
  EXPECT_EQ(GetCertificate(device.id()).status(), v1::REVOKED);

  // Registering it again without a status keeps the status it has.
  EXPECT_EQ(RegisterDeviceCertificate(chain.device).status(), v1::REVOKED);

  request.set_status(v1::CERTIFICATE_STATUS_UNSPECIFIED);
  grpc::Status s = stub_->SetCertificateStatus(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "status: required (ACTIVE, INACTIVE or REVOKED)");
  request.set_status(static_cast<v1::CertificateStatus>(42));
  s = stub_->SetCertificateStatus(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "status: unknown certificate status 42");

  const std::string unknown(64, 'a');
  request.set_id(unknown);
  request.set_status(v1::INACTIVE);
  s = stub_->SetCertificateStatus(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "no certificate with id '" + unknown + "'");
  EXPECT_EQ(GetCertificate(device.id()).status(), v1::REVOKED);

  v1::RegisterCertificateRequest inactive;
  inactive.set_pem(chain.device2);
  inactive.set_status(v1::INACTIVE);
  ASSERT_TRUE(stub_->RegisterCertificate(Context().get(), inactive, &response).ok());
  EXPECT_EQ(response.status(), v1::INACTIVE);
}

TEST_F(RegistryServiceTest, PoliciesMustBeAwsShapedJson) {
  v1::Policy policy;
  policy.set_name("telemetry");
  policy.set_document(Policy(kGoodStatements));
  policy.add_attached_certificate_ids(std::string(64, 'b'));
  v1::Policy response;
  ASSERT_TRUE(stub_->PutPolicy(Context().get(), policy, &response).ok());

  struct Case {
    std::string document;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"", "document: required"},
      {"{not json", "document: not json"},
      {R"({"Version": "2012-10-17"})", "document: missing \"Statement\""},
      {Policy(R"("everything")"), "document: Statement: expected a list of statements, got string"},
      {Policy(R"([{"Action": "iot:*", "Resource": "*"}])"),
       "document: Statement[0]: missing \"Effect\""},
  };
  for (const Case& c : cases) {
    v1::Policy bad = policy;
    bad.set_name("bad");
    bad.set_document(c.document);
    grpc::Status s = stub_->PutPolicy(Context().get(), bad, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.error;
    EXPECT_EQ(s.error_message(), c.error);
  }

  v1::ListPoliciesResponse policies;
  ASSERT_TRUE(stub_->ListPolicies(Context().get(), v1::ListRegistryRequest(), &policies).ok());
  ASSERT_THAT(policies.policies(), SizeIs(1));
  EXPECT_EQ(policies.policies(0).name(), "telemetry");
  EXPECT_EQ(policies.policies(0).document(), Policy(kGoodStatements));
}

TEST_F(RegistryServiceTest, LoggingSettingsDefaultToEnabled) {
  v1::LoggingSettings settings;
  ASSERT_TRUE(
      stub_->GetLoggingSettings(Context().get(), v1::GetLoggingSettingsRequest(), &settings).ok());
  EXPECT_TRUE(settings.broker_logging_enabled());
  EXPECT_TRUE(settings.device_logging_enabled());

  v1::LoggingSettings off;
  off.set_device_logging_enabled(true);
  ASSERT_TRUE(stub_->SetLoggingSettings(Context().get(), off, &settings).ok());
  ASSERT_TRUE(
      stub_->GetLoggingSettings(Context().get(), v1::GetLoggingSettingsRequest(), &settings).ok());
  EXPECT_FALSE(settings.broker_logging_enabled());
  EXPECT_TRUE(settings.device_logging_enabled());
}

TEST_F(RegistryServiceTest, ConnectionsNeedAClientIdAndAConnectTime) {
  v1::ConnectionObservation connection;
  connection.set_device("cam-0001");
  connection.set_source_ip("192.0.2.10");
  v1::ConnectionObservation response;
  grpc::Status s = stub_->RecordConnection(Context().get(), connection, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "client_id: required");

  connection.set_client_id("cam-0001");
  s = stub_->RecordConnection(Context().get(), connection, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "connected_at: required");

  *connection.mutable_connected_at() = TimeUtil::SecondsToTimestamp(kNow);
  *connection.mutable_disconnected_at() = TimeUtil::SecondsToTimestamp(kNow - 1);
  s = stub_->RecordConnection(Context().get(), connection, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "disconnected_at: 2026-11-25T23:59:59Z is before connected_at 2026-11-26T00:00:00Z");

  connection.clear_disconnected_at();
  connection.set_source_ip("192.0.2.300");
  s = stub_->RecordConnection(Context().get(), connection, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "source_ip: '192.0.2.300' is not an IPv4 or IPv6 address");

  connection.set_source_ip("2001:db8::1");
  ASSERT_TRUE(stub_->RecordConnection(Context().get(), connection, &response).ok());
  // Recording it again with its disconnect time completes the same observation.
  *connection.mutable_disconnected_at() = TimeUtil::SecondsToTimestamp(kNow + 60);
  ASSERT_TRUE(stub_->RecordConnection(Context().get(), connection, &response).ok());

  absl::StatusOr<store::Page<v1::ConnectionObservation>> page = registry_->ListConnections("", 0);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->items, SizeIs(1));
  EXPECT_EQ(TimeUtil::TimestampToSeconds(page->items[0].disconnected_at()), kNow + 60);
}

TEST_F(RegistryServiceTest, LoadAuditRegistryRoundTrip) {
  Chain chain;
  const std::string crl = pki::MakeCrl(chain.intermediate, IntermediateKey(), {7, 9}, kNow);

  v1::DeviceGroup group;
  group.set_name("cameras");
  group.set_description("every camera");
  (*group.mutable_attribute_selector())["type"] = "camera";
  group.set_min_firmware_version("2.4");
  v1::DeviceGroup group_response;
  ASSERT_TRUE(stub_->PutGroup(Context().get(), group, &group_response).ok());

  v1::RegisteredDevice device = Device("cam-0001");
  (*device.mutable_attributes())["type"] = "camera";
  device.add_groups("cameras");
  device.set_client_id("cam-0001-mqtt");
  device.set_firmware_version("2.3.9");
  PutDevice(device);
  v1::CertificateDescription root = RegisterCa(chain.root);
  v1::CertificateDescription intermediate = RegisterCa(chain.intermediate, {crl});
  v1::CertificateDescription cert = RegisterDeviceCertificate(chain.device, "cam-0001");

  v1::Policy policy;
  policy.set_name("telemetry");
  policy.set_document(Policy(kGoodStatements));
  policy.add_attached_certificate_ids(cert.id());
  v1::Policy policy_response;
  ASSERT_TRUE(stub_->PutPolicy(Context().get(), policy, &policy_response).ok());

  v1::LoggingSettings logging;
  logging.set_broker_logging_enabled(true);
  v1::LoggingSettings logging_response;
  ASSERT_TRUE(stub_->SetLoggingSettings(Context().get(), logging, &logging_response).ok());

  v1::ConnectionObservation connection;
  connection.set_client_id("cam-0001-mqtt");
  connection.set_device("cam-0001");
  connection.set_certificate_id(cert.id());
  connection.set_source_ip("192.0.2.10");
  *connection.mutable_connected_at() = TimeUtil::SecondsToTimestamp(kNow - 3600);
  *connection.mutable_disconnected_at() = TimeUtil::SecondsToTimestamp(kNow - 60);
  v1::ConnectionObservation connection_response;
  ASSERT_TRUE(stub_->RecordConnection(Context().get(), connection, &connection_response).ok());

  std::vector<std::string> errors;
  absl::StatusOr<audit::Registry> registry =
      registry_->LoadAuditRegistry(&errors, [](audit::Device* d) {
        d->last_seen = kNow - 10;
        d->listening_tcp_ports = {22, 23};
      });
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_THAT(errors, IsEmpty());

  ASSERT_THAT(registry->devices, SizeIs(1));
  const audit::Device& d = registry->devices.at("cam-0001");
  EXPECT_EQ(d.name, "cam-0001");
  EXPECT_THAT(d.attributes, ElementsAre(Pair("type", "camera")));
  EXPECT_THAT(d.groups, ElementsAre("cameras"));
  EXPECT_EQ(d.client_id, "cam-0001-mqtt");
  EXPECT_EQ(d.firmware_version, "2.3.9");
  EXPECT_THAT(d.certificate_ids, ElementsAre(cert.id()));
  EXPECT_TRUE(d.active);
  EXPECT_EQ(d.last_seen, kNow - 10);
  EXPECT_THAT(d.listening_tcp_ports, ElementsAre(22u, 23u));

  ASSERT_THAT(registry->groups, SizeIs(1));
  const audit::Group& g = registry->groups.at("cameras");
  EXPECT_EQ(g.name, "cameras");
  EXPECT_EQ(g.description, "every camera");
  EXPECT_THAT(g.attribute_selector, ElementsAre(Pair("type", "camera")));
  EXPECT_EQ(g.min_firmware_version, "2.4");

  ASSERT_THAT(registry->certificates, SizeIs(1));
  const audit::DeviceCertificate& c = registry->certificates.at(cert.id());
  EXPECT_EQ(c.info.id, cert.id());
  EXPECT_EQ(c.info.subject, "CN=cam-0001,O=Warden Test");
  EXPECT_EQ(c.info.issuer, "CN=Intermediate,O=Warden Test");
  EXPECT_EQ(c.info.serial, "07");
  EXPECT_EQ(c.info.not_before, kNotBefore);
  EXPECT_EQ(c.info.not_after, kNotAfter);
  EXPECT_EQ(c.info.key_type, audit::KeyType::kRsa);
  EXPECT_EQ(c.info.key_bits, 2048);
  EXPECT_FALSE(c.info.rsa_modulus.empty());
  EXPECT_FALSE(c.info.authority_key_id.empty());
  EXPECT_EQ(c.status, audit::CertificateStatus::kActive);
  EXPECT_EQ(c.ca_id, intermediate.id());
  EXPECT_EQ(c.pem, chain.device);

  ASSERT_THAT(registry->cas, SizeIs(2));
  const audit::CaCertificate& r = registry->cas.at(root.id());
  EXPECT_TRUE(r.info.is_ca);
  EXPECT_EQ(r.issuer_ca_id, "");
  EXPECT_THAT(r.crls, IsEmpty());
  const audit::CaCertificate& i = registry->cas.at(intermediate.id());
  EXPECT_TRUE(i.info.is_ca);
  EXPECT_EQ(i.info.subject, "CN=Intermediate,O=Warden Test");
  EXPECT_EQ(i.info.key_type, audit::KeyType::kEc);
  EXPECT_EQ(i.info.curve, "secp384r1");
  EXPECT_EQ(i.info.subject_key_id, c.info.authority_key_id);
  EXPECT_EQ(i.status, audit::CertificateStatus::kActive);
  EXPECT_EQ(i.issuer_ca_id, root.id());
  EXPECT_EQ(i.pem, chain.intermediate);
  ASSERT_THAT(i.crls, SizeIs(1));
  EXPECT_EQ(i.crls[0].issuer, "CN=Intermediate,O=Warden Test");
  EXPECT_EQ(i.crls[0].this_update, kNow);
  EXPECT_THAT(i.crls[0].revoked_serials, UnorderedElementsAre("07", "09"));

  ASSERT_THAT(registry->policies, SizeIs(1));
  const audit::Policy& p = registry->policies.at("telemetry");
  EXPECT_EQ(p.name, "telemetry");
  EXPECT_EQ(p.document, Policy(kGoodStatements));
  EXPECT_THAT(p.attached_certificate_ids, ElementsAre(cert.id()));

  EXPECT_TRUE(registry->logging.broker_logging_enabled);
  EXPECT_FALSE(registry->logging.device_logging_enabled);

  ASSERT_THAT(registry->connections, SizeIs(1));
  const audit::ConnectionObservation& o = registry->connections[0];
  EXPECT_EQ(o.client_id, "cam-0001-mqtt");
  EXPECT_EQ(o.device, "cam-0001");
  EXPECT_EQ(o.certificate_id, cert.id());
  EXPECT_EQ(o.source_ip, "192.0.2.10");
  EXPECT_EQ(o.connected_at, kNow - 3600);
  EXPECT_EQ(o.disconnected_at, kNow - 60);
}

TEST_F(RegistryServiceTest, LoadAuditRegistrySkipsWhatNoLongerParses) {
  Chain chain;
  v1::CertificateDescription root = RegisterCa(chain.root);
  v1::CertificateDescription device = RegisterDeviceCertificate(chain.device);

  // A certificate whose PEM was damaged on disk, and a CA with a damaged CRL.
  absl::StatusOr<std::optional<v1::StoredCertificate>> stored =
      registry_->GetCertificate(device.id());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  (*stored)->mutable_description()->set_pem("garbage");
  store::WriteGroup group;
  group.Put(store::Family::kRegistry, std::string("c\0", 2) + device.id(),
            (*stored)->SerializeAsString());
  stored = registry_->GetCertificate(root.id());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  (*stored)->add_crl_pems("garbage");
  group.Put(store::Family::kRegistry, std::string("c\0", 2) + root.id(),
            (*stored)->SerializeAsString());
  ASSERT_TRUE(store_->Write(group).ok());

  std::vector<std::string> errors;
  absl::StatusOr<audit::Registry> registry = registry_->LoadAuditRegistry(&errors);
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_THAT(errors,
              UnorderedElementsAre(HasSubstr("CA " + root.id() + ": CRL 1: not a PEM CRL"),
                                   "certificate " + device.id() +
                                       ": not a PEM certificate (no -----BEGIN CERTIFICATE----- "
                                       "block)"));
  EXPECT_THAT(registry->certificates, IsEmpty());
  ASSERT_THAT(registry->cas, SizeIs(1));
  EXPECT_THAT(registry->cas.at(root.id()).crls, IsEmpty());
}

TEST_F(RegistryServiceTest, DeletingACaUnlinksWhatItIssued) {
  Chain chain;
  PutDevice(Device("cam-0001"));
  RegisterCa(chain.root);
  v1::CertificateDescription intermediate = RegisterCa(chain.intermediate);
  v1::CertificateDescription device = RegisterDeviceCertificate(chain.device, "cam-0001");
  v1::Policy policy;
  policy.set_name("telemetry");
  policy.set_document(Policy(kGoodStatements));
  policy.add_attached_certificate_ids(device.id());
  v1::Policy response;
  ASSERT_TRUE(stub_->PutPolicy(Context().get(), policy, &response).ok());

  absl::StatusOr<bool> deleted = registry_->DeleteCertificate(intermediate.id());
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_TRUE(*deleted);
  EXPECT_EQ(GetCertificate(device.id()).issuer_ca_id(), "");
  EXPECT_THAT(CertificateIds("ca"), ElementsAre(IdOf(chain.root)));

  deleted = registry_->DeleteCertificate(device.id());
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  absl::StatusOr<std::optional<v1::RegisteredDevice>> cam = registry_->GetDevice("cam-0001");
  ASSERT_TRUE(cam.ok() && cam->has_value());
  EXPECT_THAT((*cam)->certificate_ids(), IsEmpty());
  absl::StatusOr<std::optional<v1::Policy>> telemetry = registry_->GetPolicy("telemetry");
  ASSERT_TRUE(telemetry.ok() && telemetry->has_value());
  EXPECT_THAT((*telemetry)->attached_certificate_ids(), IsEmpty());
}

}  // namespace
}  // namespace warden::services
