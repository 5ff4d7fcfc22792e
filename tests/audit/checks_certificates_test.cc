// Certificate checks over real certificates and CRLs (tests/audit/cert_factory.h), parsed
// with the production parser.

#include <cstdint>
#include <string>
#include <vector>

#include "audit/certificate.h"
#include "audit/checks.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audit/cert_factory.h"

namespace warden::audit {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1795651200;         // 2026-11-26T00:00:00Z
constexpr int64_t kOct1 = kNow - 56 * kDay;  // 2026-10-01T00:00:00Z

// Keys shared by every test: generating them is the slow part.
const pki::KeyPair& RootKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeEcKey("prime256v1"));
  return *key;
}
const pki::KeyPair& IntermediateKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeEcKey("prime256v1"));
  return *key;
}
const pki::KeyPair& DeviceKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeEcKey("prime256v1"));
  return *key;
}

CertificateInfo Parse(const std::string& pem) {
  absl::StatusOr<CertificateInfo> info = ParseCertificatePem(pem);
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? *info : CertificateInfo{};
}

CrlInfo ParseCrl(const std::string& crl_pem, const std::string& ca_pem) {
  absl::StatusOr<CrlInfo> crl = ParseCrlPem(crl_pem, ca_pem);
  EXPECT_TRUE(crl.ok()) << crl.status();
  return crl.ok() ? *crl : CrlInfo{};
}

// Registers a CA certificate; returns its id.
std::string AddCa(Registry* registry, const std::string& pem, const std::string& issuer_ca_id = "",
                  CertificateStatus status = CertificateStatus::kActive) {
  CaCertificate ca;
  ca.info = Parse(pem);
  ca.status = status;
  ca.issuer_ca_id = issuer_ca_id;
  ca.pem = pem;
  const std::string id = ca.info.id;
  registry->cas[id] = ca;
  return id;
}

// Registers a device certificate issued by `ca_id`; returns its id.
std::string AddDeviceCert(Registry* registry, const std::string& pem, const std::string& ca_id,
                          CertificateStatus status = CertificateStatus::kActive) {
  DeviceCertificate cert;
  cert.info = Parse(pem);
  cert.status = status;
  cert.ca_id = ca_id;
  cert.pem = pem;
  const std::string id = cert.info.id;
  registry->certificates[id] = cert;
  return id;
}

std::string Root(int64_t not_before = kNow - 1000 * kDay, int64_t not_after = kNow + 3000 * kDay,
                 const std::string& cn = "Root") {
  return pki::MakeSelfSignedCa(RootKey(), cn, not_before, not_after);
}

std::string Leaf(const std::string& cn, const std::string& issuer_pem,
                 const pki::KeyPair& issuer_key, uint64_t serial,
                 int64_t not_before = kNow - 10 * kDay, int64_t not_after = kNow + 300 * kDay,
                 const pki::KeyPair& key = DeviceKey()) {
  return pki::MakeCertificate(key, cn, issuer_pem, issuer_key, not_before, not_after,
                              /*is_ca=*/false, serial);
}

CheckResult Audit(const std::string& check, const Registry& registry,
                  const AuditSettings& settings = {}) {
  absl::StatusOr<CheckResult> result = RunCheck(check, registry, settings, kNow);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : CheckResult{};
}

std::vector<std::string> ResourceIds(const CheckResult& result) {
  std::vector<std::string> ids;
  for (const Finding& f : result.findings) ids.push_back(f.resource.id);
  return ids;
}

TEST(CaCertificateExpiringCheckTest, FlagsExpiredAndExpiringActiveCas) {
  Registry registry;
  const std::string valid = AddCa(&registry, Root());
  const std::string expired = AddCa(&registry, Root(kNow - 800 * kDay, kOct1, "Old Root"));
  const std::string expiring =
      AddCa(&registry, Root(kNow - 800 * kDay, kNow + 10 * kDay, "Ending Root"));
  AddCa(&registry, Root(kNow - 800 * kDay, kOct1, "Retired Root"), "",
        CertificateStatus::kInactive);

  const CheckResult result = Audit("CA_CERTIFICATE_EXPIRING_CHECK", registry);
  EXPECT_EQ(result.resources_evaluated, 3);
  EXPECT_THAT(result.errors, IsEmpty());
  ASSERT_THAT(result.findings, SizeIs(2));
  for (const Finding& f : result.findings) {
    EXPECT_EQ(f.check, "CA_CERTIFICATE_EXPIRING_CHECK");
    EXPECT_EQ(f.severity, Severity::kMedium);
    EXPECT_EQ(f.resource.type, "CA_CERTIFICATE");
    EXPECT_NE(f.resource.id, valid);
    if (f.resource.id == expired) {
      EXPECT_EQ(f.reason_code, "CERTIFICATE_PAST_EXPIRATION");
      EXPECT_EQ(f.reason,
                "certificate CN=Old Root,O=Warden Test expired 2026-10-01T00:00:00Z (56 days ago)");
    } else {
      EXPECT_EQ(f.resource.id, expiring);
      EXPECT_EQ(f.reason_code, "CERTIFICATE_APPROACHING_EXPIRATION");
      EXPECT_EQ(f.reason,
                "certificate CN=Ending Root,O=Warden Test expires 2026-12-06T00:00:00Z (in 10 "
                "days; threshold 30 days)");
    }
  }
}

TEST(DeviceCertificateExpiringCheckTest, ThresholdIsConfigurableAndDevicesAreRelated) {
  Registry registry;
  const std::string root_pem = Root();
  const std::string root = AddCa(&registry, root_pem);
  const std::string soon = AddDeviceCert(
      &registry, Leaf("cam-0001", root_pem, RootKey(), 11, kNow - 10 * kDay, kNow + 10 * kDay),
      root);
  AddDeviceCert(&registry, Leaf("cam-0002", root_pem, RootKey(), 12), root);
  registry.devices["cam-0001"].name = "cam-0001";
  registry.devices["cam-0001"].certificate_ids = {soon};

  const CheckResult result = Audit("DEVICE_CERTIFICATE_EXPIRING_CHECK", registry);
  EXPECT_EQ(result.resources_evaluated, 2);
  ASSERT_THAT(result.findings, SizeIs(1));
  const Finding& f = result.findings[0];
  EXPECT_EQ(f.resource, (ResourceRef{"DEVICE_CERTIFICATE", soon}));
  EXPECT_THAT(f.related, ElementsAre(ResourceRef{"DEVICE", "cam-0001"}));
  EXPECT_EQ(f.reason_code, "CERTIFICATE_APPROACHING_EXPIRATION");

  AuditSettings settings;
  settings.expiring_threshold_days = 5;
  EXPECT_THAT(Audit("DEVICE_CERTIFICATE_EXPIRING_CHECK", registry, settings).findings, IsEmpty());
}

TEST(DeviceCertificateExpiringCheckTest, InactiveCertificatesAreNotEvaluated) {
  Registry registry;
  const std::string root_pem = Root();
  const std::string root = AddCa(&registry, root_pem);
  AddDeviceCert(&registry, Leaf("cam-0001", root_pem, RootKey(), 11, kNow - 400 * kDay, kOct1),
                root, CertificateStatus::kInactive);
  AddDeviceCert(&registry, Leaf("cam-0002", root_pem, RootKey(), 12, kNow - 400 * kDay, kOct1),
                root, CertificateStatus::kRevoked);
  const CheckResult result = Audit("DEVICE_CERTIFICATE_EXPIRING_CHECK", registry);
  EXPECT_EQ(result.resources_evaluated, 0);
  EXPECT_THAT(result.findings, IsEmpty());
}

TEST(DeviceCertificateAgeCheckTest, FlagsCertificatesActiveLongerThanTheThreshold) {
  Registry registry;
  const std::string root_pem = Root();
  const std::string root = AddCa(&registry, root_pem);
  const std::string old =
      AddDeviceCert(&registry, Leaf("cam-0001", root_pem, RootKey(), 11, kNow - 400 * kDay), root);
  const std::string young =
      AddDeviceCert(&registry, Leaf("cam-0002", root_pem, RootKey(), 12, kNow - 100 * kDay), root);

  CheckResult result = Audit("DEVICE_CERTIFICATE_AGE_CHECK", registry);
  EXPECT_EQ(result.resources_evaluated, 2);
  ASSERT_THAT(result.findings, SizeIs(1));
  EXPECT_EQ(result.findings[0].resource.id, old);
  EXPECT_EQ(result.findings[0].severity, Severity::kLow);
  EXPECT_EQ(result.findings[0].reason_code, "CERTIFICATE_PAST_AGE_THRESHOLD");
  EXPECT_EQ(result.findings[0].reason,
            "certificate CN=cam-0001,O=Warden Test valid since 2025-10-22T00:00:00Z (400 days; "
            "threshold 365 days)");

  AuditSettings settings;
  settings.certificate_age_days = 90;
  result = Audit("DEVICE_CERTIFICATE_AGE_CHECK", registry, settings);
  EXPECT_THAT(result.findings, SizeIs(2));
}

TEST(KeyQualityCheckTest, FlagsSmallRsaAndEcKeys) {
  Registry registry;
  const pki::KeyPair weak_ca_key = pki::MakeEcKey("prime192v1");
  const std::string weak_ca = AddCa(
      &registry, pki::MakeSelfSignedCa(weak_ca_key, "Weak Root", kNow - kDay, kNow + 300 * kDay));
  const std::string root_pem = Root();
  const std::string root = AddCa(&registry, root_pem);

  const pki::KeyPair rsa_1024 = pki::MakeRsaKey(1024);
  const pki::KeyPair rsa_2048 = pki::MakeRsaKey(2048);
  const std::string weak = AddDeviceCert(
      &registry, Leaf("cam-0001", root_pem, RootKey(), 11, kNow - kDay, kNow + kDay, rsa_1024),
      root);
  AddDeviceCert(&registry,
                Leaf("cam-0002", root_pem, RootKey(), 12, kNow - kDay, kNow + kDay, rsa_2048),
                root);
  AddDeviceCert(&registry, Leaf("cam-0003", root_pem, RootKey(), 13), root);

  const CheckResult cas = Audit("CA_CERTIFICATE_KEY_QUALITY_CHECK", registry);
  EXPECT_EQ(cas.resources_evaluated, 2);
  EXPECT_THAT(ResourceIds(cas), ElementsAre(weak_ca));
  EXPECT_EQ(cas.findings[0].severity, Severity::kCritical);
  EXPECT_EQ(cas.findings[0].reason_code, "CERTIFICATE_KEY_SIZE_BELOW_MINIMUM");
  EXPECT_THAT(cas.findings[0].reason, HasSubstr("CN=Weak Root,O=Warden Test: "));
  EXPECT_THAT(cas.findings[0].reason, HasSubstr("192"));

  const CheckResult devices = Audit("DEVICE_CERTIFICATE_KEY_QUALITY_CHECK", registry);
  EXPECT_EQ(devices.resources_evaluated, 3);
  EXPECT_THAT(ResourceIds(devices), ElementsAre(weak));
  EXPECT_EQ(devices.findings[0].reason_code, "CERTIFICATE_KEY_SIZE_BELOW_MINIMUM");
  EXPECT_THAT(devices.findings[0].reason, HasSubstr("1024"));
}

// root -> intermediate (serial 2, on the root's CRL) -> cam-0001 (serial 7)
// root -> cam-0002 (serial 8)
// intermediate -> cam-0003 (serial 9, on the intermediate's CRL)
class ChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_pem_ = Root();
    intermediate_pem_ = pki::MakeCertificate(IntermediateKey(), "Intermediate", root_pem_,
                                             RootKey(), kNow - 500 * kDay, kNow + 1000 * kDay,
                                             /*is_ca=*/true, 2);
    root_ = AddCa(&registry_, root_pem_);
    intermediate_ = AddCa(&registry_, intermediate_pem_, root_);
    registry_.cas[root_].crls = {
        ParseCrl(pki::MakeCrl(root_pem_, RootKey(), {2}, kNow - 5 * kDay), root_pem_)};
    registry_.cas[intermediate_].crls = {
        ParseCrl(pki::MakeCrl(intermediate_pem_, IntermediateKey(), {9}, kNow - 5 * kDay),
                 intermediate_pem_)};
    under_intermediate_ = AddDeviceCert(
        &registry_, Leaf("cam-0001", intermediate_pem_, IntermediateKey(), 7), intermediate_);
    under_root_ = AddDeviceCert(&registry_, Leaf("cam-0002", root_pem_, RootKey(), 8), root_);
    revoked_ = AddDeviceCert(&registry_, Leaf("cam-0003", intermediate_pem_, IntermediateKey(), 9),
                             intermediate_);
    registry_.devices["cam-0001"].name = "cam-0001";
    registry_.devices["cam-0001"].certificate_ids = {under_intermediate_};
  }

  Registry registry_;
  std::string root_pem_, intermediate_pem_;
  std::string root_, intermediate_, under_intermediate_, under_root_, revoked_;
};

TEST_F(ChainTest, RevokedCaStillActiveFlagsTheIntermediate) {
  CheckResult result = Audit("REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK", registry_);
  EXPECT_EQ(result.resources_evaluated, 2);
  EXPECT_THAT(result.errors, IsEmpty());
  ASSERT_THAT(result.findings, SizeIs(1));
  const Finding& f = result.findings[0];
  EXPECT_EQ(f.resource, (ResourceRef{"CA_CERTIFICATE", intermediate_}));
  EXPECT_THAT(f.related, ElementsAre(ResourceRef{"CA_CERTIFICATE", root_}));
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.reason_code, "CERTIFICATE_REVOKED_BY_ISSUER");
  EXPECT_EQ(f.reason,
            "serial 02 of CN=Intermediate,O=Warden Test is on the crl of its issuer "
            "CN=Root,O=Warden Test but the ca certificate is ACTIVE");

  // Deactivated in the registry: compliant, and not evaluated.
  registry_.cas[intermediate_].status = CertificateStatus::kInactive;
  result = Audit("REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK", registry_);
  EXPECT_EQ(result.resources_evaluated, 1);
  EXPECT_THAT(result.findings, IsEmpty());
}

TEST_F(ChainTest, RevokedDeviceCertificateStillActive) {
  CheckResult result = Audit("REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK", registry_);
  EXPECT_EQ(result.resources_evaluated, 3);
  ASSERT_THAT(result.findings, SizeIs(1));
  const Finding& f = result.findings[0];
  EXPECT_EQ(f.resource, (ResourceRef{"DEVICE_CERTIFICATE", revoked_}));
  EXPECT_THAT(f.related, ElementsAre(ResourceRef{"CA_CERTIFICATE", intermediate_}));
  EXPECT_EQ(f.severity, Severity::kMedium);
  EXPECT_EQ(f.reason_code, "CERTIFICATE_REVOKED_BY_ISSUER");
  EXPECT_EQ(f.reason,
            "serial 09 of CN=cam-0003,O=Warden Test is on the crl of its ca "
            "CN=Intermediate,O=Warden Test but the certificate is ACTIVE");

  registry_.certificates[revoked_].status = CertificateStatus::kRevoked;
  EXPECT_THAT(Audit("REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK", registry_).findings,
              IsEmpty());
}

TEST_F(ChainTest, IntermediateRevokedFlagsTheActiveCertificatesBelowIt) {
  const CheckResult result =
      Audit("INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK", registry_);
  EXPECT_EQ(result.resources_evaluated, 3);
  EXPECT_THAT(result.errors, IsEmpty());
  // cam-0001 and cam-0003 chain to the revoked intermediate; cam-0002 only to the root.
  ASSERT_THAT(result.findings, SizeIs(2));
  for (const Finding& f : result.findings) {
    EXPECT_NE(f.resource.id, under_root_);
    EXPECT_EQ(f.severity, Severity::kCritical);
    EXPECT_EQ(f.reason_code, "INTERMEDIATE_CA_REVOKED_BY_ISSUER");
    if (f.resource.id == under_intermediate_) {
      EXPECT_THAT(f.related, ElementsAre(ResourceRef{"CA_CERTIFICATE", intermediate_},
                                         ResourceRef{"DEVICE", "cam-0001"}));
      EXPECT_EQ(f.reason,
                "ca CN=Intermediate,O=Warden Test (serial 02) in the chain of "
                "CN=cam-0001,O=Warden Test is on the crl of its issuer CN=Root,O=Warden Test");
    }
  }
}

TEST_F(ChainTest, IntermediateMarkedRevokedCountsToo) {
  registry_.cas[root_].crls.clear();
  EXPECT_THAT(
      Audit("INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK", registry_).findings,
      IsEmpty());
  registry_.cas[intermediate_].status = CertificateStatus::kRevoked;
  const CheckResult result =
      Audit("INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK", registry_);
  ASSERT_THAT(result.findings, SizeIs(2));
  EXPECT_EQ(result.findings[0].reason_code, "CA_STATUS_REVOKED");
  EXPECT_THAT(result.findings[0].reason, HasSubstr("CN=Intermediate,O=Warden Test (serial 02)"));
  EXPECT_THAT(result.findings[0].reason, HasSubstr(" is REVOKED"));
}

TEST_F(ChainTest, BrokenChainsAreErrorsAndTheCheckGoesOn) {
  // cam-0002's CA is not registered; the intermediate and a new CA name each other as issuer.
  registry_.certificates[under_root_].ca_id = "feed";
  const std::string loop_pem =
      pki::MakeSelfSignedCa(IntermediateKey(), "Loop", kNow - kDay, kNow + 100 * kDay);
  const std::string loop = AddCa(&registry_, loop_pem, intermediate_);
  registry_.cas[intermediate_].issuer_ca_id = loop;
  registry_.cas[intermediate_].crls.clear();
  const std::string fine =
      AddDeviceCert(&registry_, Leaf("cam-0004", root_pem_, RootKey(), 10), root_);

  const CheckResult result =
      Audit("INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK", registry_);
  EXPECT_EQ(result.resources_evaluated, 4);
  EXPECT_THAT(result.findings, IsEmpty());
  EXPECT_THAT(result.errors,
              UnorderedElementsAre(
                  "certificate " + under_intermediate_ + ": ca chain loops at ca " + intermediate_,
                  "certificate " + under_root_ + ": ca feed is not registered",
                  "certificate " + revoked_ + ": ca chain loops at ca " + intermediate_));
  EXPECT_THAT(result.errors, Each(Not(HasSubstr(fine))));
}

}  // namespace
}  // namespace warden::audit
