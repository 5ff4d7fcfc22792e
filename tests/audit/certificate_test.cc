// X.509 and CRL parsing over real certificates made with OpenSSL (tests/audit/cert_factory.h).

#include "audit/certificate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "audit/openssl_internal.h"
#include "tests/audit/cert_factory.h"

namespace warden::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kDay = int64_t{24} * 3600;
constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

// Keys are slow to make: one of each for the whole file.
const pki::KeyPair& RootKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeRsaKey(2048));
  return *key;
}
const pki::KeyPair& IntermediateKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeEcKey("secp384r1"));
  return *key;
}
const pki::KeyPair& DeviceKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeEcKey("prime256v1"));
  return *key;
}

const std::string& Root() {
  static const auto* const pem = new std::string(
      pki::MakeSelfSignedCa(RootKey(), "Warden Root", kNow - kDay, kNow + 3650 * kDay));
  return *pem;
}
const std::string& Intermediate() {
  static const auto* const pem =
      new std::string(pki::MakeCertificate(IntermediateKey(), "Warden Intermediate", Root(),
                                           RootKey(), kNow - kDay, kNow + 1825 * kDay, true, 2));
  return *pem;
}
std::string DeviceCert(const std::string& cn, uint64_t serial) {
  return pki::MakeCertificate(DeviceKey(), cn, Intermediate(), IntermediateKey(), kNow - kDay,
                              kNow + 365 * kDay, false, serial);
}

// The error message of a result, as a std::string so that failures print it readably.
template <typename T>
std::string ErrorOf(const absl::StatusOr<T>& result) {
  return std::string(result.status().message());
}

CertificateInfo Parse(const std::string& pem) {
  absl::StatusOr<CertificateInfo> info = ParseCertificatePem(pem);
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? *info : CertificateInfo{};
}

// The DER of a PEM certificate.
std::string Der(const std::string& pem) {
  internal::BioPtr bio = internal::MemoryBio(pem);
  internal::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  unsigned char* der = nullptr;
  int size = i2d_X509(cert.get(), &der);
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  return bytes;
}

// A PEM block of `label` around arbitrary bytes.
std::string Pem(const char* label, const std::string& bytes) {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio(bio.get(), label, "", reinterpret_cast<const unsigned char*>(bytes.data()),
                static_cast<long>(bytes.size()));
  return internal::BioContents(bio.get());
}

// SHA-256 of the DER, computed apart from the parser.
std::string Sha256OfDer(const std::string& pem) {
  const std::string der = Der(pem);
  unsigned char digest[32];
  EVP_Digest(der.data(), der.size(), digest, nullptr, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), 32));
}

std::string RsaModulus(const pki::KeyPair& key) {
  BIGNUM* n = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n), 1);
  internal::BignumPtr owner(n);
  std::string bytes(static_cast<size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(bytes.data()));
  return bytes;
}

TEST(ParseCertificatePemTest, DeviceCertificateFieldByField) {
  const std::string pem = DeviceCert("cam-0001", 0x1A2B);
  CertificateInfo info = Parse(pem);
  EXPECT_EQ(info.id, Sha256OfDer(pem));
  EXPECT_EQ(info.subject, "CN=cam-0001,O=Warden Test");
  EXPECT_EQ(info.issuer, "CN=Warden Intermediate,O=Warden Test");
  EXPECT_EQ(info.serial, "1A2B");
  EXPECT_EQ(info.not_before, kNow - kDay);
  EXPECT_EQ(info.not_after, kNow + 365 * kDay);
  EXPECT_EQ(info.key_type, KeyType::kEc);
  EXPECT_EQ(info.key_bits, 256);
  EXPECT_EQ(info.curve, "prime256v1");
  EXPECT_FALSE(info.is_ca);
  EXPECT_EQ(info.subject_key_id.size(), 40u);  // SHA-1 of the public key, in hex
  EXPECT_EQ(info.authority_key_id, Parse(Intermediate()).subject_key_id);
  EXPECT_EQ(info.rsa_modulus, "");
}

TEST(ParseCertificatePemTest, IdIsLowerCaseSha256Hex) {
  CertificateInfo info = Parse(Root());
  EXPECT_EQ(info.id.size(), 64u);
  EXPECT_EQ(info.id.find_first_not_of("0123456789abcdef"), std::string::npos) << info.id;
  EXPECT_NE(info.id, Parse(Intermediate()).id);
}

TEST(ParseCertificatePemTest, SelfSignedRsaRootCa) {
  CertificateInfo info = Parse(Root());
  EXPECT_EQ(info.subject, "CN=Warden Root,O=Warden Test");
  EXPECT_EQ(info.issuer, info.subject);
  EXPECT_EQ(info.serial, "01");  // byte-aligned, as `openssl x509 -serial` prints it
  EXPECT_EQ(info.key_type, KeyType::kRsa);
  EXPECT_EQ(info.key_bits, 2048);
  EXPECT_EQ(info.curve, "");
  EXPECT_TRUE(info.is_ca);
  EXPECT_EQ(info.rsa_modulus.size(), 256u);
  EXPECT_EQ(info.rsa_modulus, RsaModulus(RootKey()));
  EXPECT_EQ(info.subject_key_id.size(), 40u);
  EXPECT_EQ(info.authority_key_id, "");
}

TEST(ParseCertificatePemTest, IntermediateCaChainsByKeyIdentifiers) {
  CertificateInfo root = Parse(Root());
  CertificateInfo intermediate = Parse(Intermediate());
  CertificateInfo device = Parse(DeviceCert("cam-0002", 3));
  EXPECT_TRUE(intermediate.is_ca);
  EXPECT_EQ(intermediate.key_bits, 384);
  EXPECT_EQ(intermediate.curve, "secp384r1");
  EXPECT_EQ(intermediate.authority_key_id, root.subject_key_id);
  EXPECT_EQ(device.authority_key_id, intermediate.subject_key_id);
  EXPECT_NE(device.subject_key_id, intermediate.subject_key_id);
}

TEST(ParseCertificatePemTest, OtherKeyTypes) {
  pki::KeyPair ed25519 = pki::MakeEd25519Key();
  CertificateInfo ed =
      Parse(pki::MakeCertificate(ed25519, "ed", Root(), RootKey(), kNow, kNow + kDay, false, 4));
  EXPECT_EQ(ed.key_type, KeyType::kEd25519);
  EXPECT_EQ(ed.key_bits, 255);

  pki::KeyPair rsa_3072 = pki::MakeRsaKey(3072);
  CertificateInfo rsa =
      Parse(pki::MakeCertificate(rsa_3072, "rsa", Root(), RootKey(), kNow, kNow + kDay, false, 5));
  EXPECT_EQ(rsa.key_type, KeyType::kRsa);
  EXPECT_EQ(rsa.key_bits, 3072);
  EXPECT_EQ(rsa.rsa_modulus, RsaModulus(rsa_3072));
}

TEST(ParseCertificatePemTest, ValidityAcrossUtcTimeAndGeneralizedTime) {
  // X.509 switches from UTCTime to GeneralizedTime in 2050.
  const int64_t not_before = 946684799;  // 1999-12-31T23:59:59Z
  const int64_t not_after = 2556143999;  // 2050-12-31T23:59:59Z
  CertificateInfo info = Parse(pki::MakeCertificate(DeviceKey(), "long", Root(), RootKey(),
                                                    not_before, not_after, false, 6));
  EXPECT_EQ(info.not_before, not_before);
  EXPECT_EQ(info.not_after, not_after);
}

TEST(ParseCertificatePemTest, SerialsAreUpperCaseHex) {
  EXPECT_EQ(Parse(DeviceCert("a", 0xABCDEF)).serial, "ABCDEF");
  EXPECT_EQ(Parse(DeviceCert("b", UINT64_MAX)).serial, "FFFFFFFFFFFFFFFF");
}

TEST(ParseCertificatePemTest, Utf8NamesReadAsUtf8AndSpecialCharactersAreEscaped) {
  EXPECT_EQ(Parse(DeviceCert("caméra-01", 8)).subject, "CN=caméra-01,O=Warden Test");
  EXPECT_EQ(Parse(DeviceCert("a,b+c", 9)).subject, "CN=a\\,b\\+c,O=Warden Test");
}

TEST(ParseCertificatePemTest, ReadsTheFirstCertificateOfABundle) {
  EXPECT_EQ(Parse(Intermediate() + Root()).subject, "CN=Warden Intermediate,O=Warden Test");
}

TEST(ParseCertificatePemTest, SkipsOtherBlocksAndText) {
  const std::string pem =
      "subject=CN=cam\n" + DeviceKey().PrivateKeyPem() + DeviceCert("cam-0003", 10);
  EXPECT_EQ(Parse(pem).subject, "CN=cam-0003,O=Warden Test");
}

TEST(ParseCertificatePemTest, RejectsWhatIsNotACertificate) {
  const std::string not_pem = "not a PEM certificate (no -----BEGIN CERTIFICATE----- block)";
  EXPECT_EQ(ErrorOf(ParseCertificatePem("")), not_pem);
  EXPECT_EQ(ErrorOf(ParseCertificatePem("hello")), not_pem);
  EXPECT_EQ(ErrorOf(ParseCertificatePem(DeviceKey().PublicKeyPem())), not_pem);
  EXPECT_EQ(ErrorOf(ParseCertificatePem(pki::MakeCrl(Root(), RootKey(), {}, kNow))), not_pem);
  EXPECT_EQ(ParseCertificatePem(Root()).status().code(), absl::StatusCode::kOk);
}

TEST(ParseCertificatePemTest, MalformedDerInACertificateBlock) {
  absl::Status status = ParseCertificatePem(Pem("CERTIFICATE", "\x30\x03\x02\x01")).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("malformed certificate: "));
}

TEST(ParseCertificatePemTest, TrailingDataAfterTheCertificate) {
  EXPECT_EQ(ErrorOf(ParseCertificatePem(Pem("CERTIFICATE", Der(Root()) + "x"))),
            "malformed certificate: 1 bytes of trailing data after the certificate");
}

TEST(ParseCertificatePemTest, UnreadablePublicKeyNamesItsAlgorithm) {
  // The root's rsaEncryption (1.2.840.113549.1.1.1) made an unknown 1.2.840.113549.1.1.127.
  const std::string rsa_encryption = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01";
  std::string der = Der(Root());
  ASSERT_NE(der.find(rsa_encryption), std::string::npos);
  der[der.find(rsa_encryption) + rsa_encryption.size() - 1] = '\x7f';
  // What follows is OpenSSL's reason, which varies between versions.
  EXPECT_THAT(ErrorOf(ParseCertificatePem(Pem("CERTIFICATE", der))),
              StartsWith("certificate: unreadable public key of algorithm "
                         "1.2.840.113549.1.1.127: "));
}

TEST(ParseCertificatePemTest, GarbageNeverCrashes) {
  std::mt19937 random(42);
  for (int size : {1, 2, 16, 100, 1000, 5000}) {
    std::string bytes(static_cast<size_t>(size), '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    EXPECT_EQ(ParseCertificatePem(bytes).status().code(), absl::StatusCode::kInvalidArgument);
    // The same bytes inside a certificate block.
    EXPECT_EQ(ParseCertificatePem(Pem("CERTIFICATE", bytes)).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(ParseCertificatePemTest, EveryTruncationIsAnErrorOrTheWholeCertificate) {
  const std::string pem = DeviceCert("cam-0004", 11);
  const std::string end = "-----END CERTIFICATE-----";
  const size_t complete = pem.find(end) + end.size();
  for (size_t length = 0; length < pem.size(); ++length) {
    absl::StatusOr<CertificateInfo> info = ParseCertificatePem(pem.substr(0, length));
    if (length >= complete) {
      EXPECT_TRUE(info.ok()) << length << ": " << info.status();
    } else {
      EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << length;
    }
  }
}

TEST(ParseCertificatePemTest, FlippedBytesNeverCrash) {
  const std::string pem = DeviceCert("cam-0005", 12);
  std::mt19937 random(7);
  for (int i = 0; i < 300; ++i) {
    std::string corrupt = pem;
    corrupt[random() % corrupt.size()] = static_cast<char>(random());
    absl::StatusOr<CertificateInfo> info = ParseCertificatePem(corrupt);
    EXPECT_TRUE(info.ok() || info.status().code() == absl::StatusCode::kInvalidArgument)
        << info.status();
  }
}

TEST(SplitPemCertificatesTest, SplitsABundleInOrder) {
  const std::string device = DeviceCert("cam-0006", 13);
  const std::string bundle =
      "# device\n" + device + "\n# chain\n" + Intermediate() + DeviceKey().PrivateKeyPem() + Root();
  absl::StatusOr<std::vector<std::string>> pems = SplitPemCertificates(bundle);
  ASSERT_TRUE(pems.ok()) << pems.status();
  ASSERT_EQ(pems->size(), 3u);
  EXPECT_EQ((*pems)[0], device);
  EXPECT_EQ((*pems)[1], Intermediate());
  EXPECT_EQ((*pems)[2], Root());
}

TEST(SplitPemCertificatesTest, KeepsTheDerSoIdsDoNotChange) {
  std::string crlf = Root();
  for (size_t at = crlf.find('\n'); at != std::string::npos; at = crlf.find('\n', at + 2)) {
    crlf.replace(at, 1, "\r\n");
  }
  absl::StatusOr<std::vector<std::string>> pems = SplitPemCertificates(crlf);
  ASSERT_TRUE(pems.ok()) << pems.status();
  ASSERT_EQ(pems->size(), 1u);
  EXPECT_EQ(Parse((*pems)[0]).id, Parse(Root()).id);
}

TEST(SplitPemCertificatesTest, NamesTheMalformedCertificate) {
  std::string second = Intermediate();
  second.replace(second.find('\n') + 1, 4, "!!!!");  // not base64
  absl::Status status = SplitPemCertificates(Root() + second + Root()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("certificate 2 of the bundle is malformed: "));

  const std::string truncated = Root() + Intermediate().substr(0, 200);
  EXPECT_THAT(ErrorOf(SplitPemCertificates(truncated)),
              StartsWith("certificate 2 of the bundle is malformed: "));
}

TEST(SplitPemCertificatesTest, RejectsABundleWithoutCertificates) {
  EXPECT_EQ(ErrorOf(SplitPemCertificates("")),
            "not a PEM certificate (no -----BEGIN CERTIFICATE----- block)");
  EXPECT_EQ(SplitPemCertificates(DeviceKey().PrivateKeyPem()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(IsIssuedByTest, FollowsTheChain) {
  const std::string device = DeviceCert("cam-0007", 14);
  EXPECT_EQ(IsIssuedBy(device, Intermediate()).value_or(false), true);
  EXPECT_EQ(IsIssuedBy(Intermediate(), Root()).value_or(false), true);
  EXPECT_EQ(IsIssuedBy(Root(), Root()).value_or(false), true);  // self-signed
}

TEST(IsIssuedByTest, WrongIssuer) {
  const std::string device = DeviceCert("cam-0008", 15);
  EXPECT_EQ(IsIssuedBy(device, Root()).value_or(true), false);
  EXPECT_EQ(IsIssuedBy(Root(), Intermediate()).value_or(true), false);
  EXPECT_EQ(IsIssuedBy(device, device).value_or(true), false);
}

TEST(IsIssuedByTest, SameNameButAnotherKeyIsNotTheIssuer) {
  pki::KeyPair impostor_key = pki::MakeEcKey("secp384r1");  // even the same algorithm
  const std::string impostor =
      pki::MakeSelfSignedCa(impostor_key, "Warden Intermediate", kNow - kDay, kNow + kDay);
  ASSERT_EQ(Parse(impostor).subject, Parse(Intermediate()).subject);
  EXPECT_EQ(IsIssuedBy(DeviceCert("cam-0009", 16), impostor).value_or(true), false);

  pki::KeyPair rsa_impostor_key = pki::MakeRsaKey(2048);
  const std::string rsa_impostor =
      pki::MakeSelfSignedCa(rsa_impostor_key, "Warden Intermediate", kNow - kDay, kNow + kDay);
  EXPECT_EQ(IsIssuedBy(DeviceCert("cam-0010", 17), rsa_impostor).value_or(true), false);
}

TEST(IsIssuedByTest, SaysWhichInputIsBad) {
  EXPECT_EQ(ErrorOf(IsIssuedBy("junk", Root())),
            "certificate: not a PEM certificate (no -----BEGIN CERTIFICATE----- block)");
  EXPECT_EQ(ErrorOf(IsIssuedBy(Root(), "")),
            "issuer: not a PEM certificate (no -----BEGIN CERTIFICATE----- block)");
}

TEST(ParseCrlPemTest, RevokedSerialsAndFields) {
  const std::string crl = pki::MakeCrl(Intermediate(), IntermediateKey(), {0x1A2B, 7}, kNow);
  absl::StatusOr<CrlInfo> info = ParseCrlPem(crl, Intermediate());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->issuer, "CN=Warden Intermediate,O=Warden Test");
  EXPECT_EQ(info->authority_key_id, Parse(Intermediate()).subject_key_id);
  EXPECT_EQ(info->this_update, kNow);
  EXPECT_EQ(info->next_update, kNow + 30 * kDay);
  EXPECT_THAT(info->revoked_serials, ElementsAre("07", "1A2B"));
}

TEST(ParseCrlPemTest, RevokedSerialsMatchCertificateSerials) {
  const std::string device = DeviceCert("cam-0011", 0xC0FFEE);
  absl::StatusOr<CrlInfo> info = ParseCrlPem(
      pki::MakeCrl(Intermediate(), IntermediateKey(), {0xC0FFEE}, kNow), Intermediate());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_THAT(info->revoked_serials, ElementsAre(Parse(device).serial));
}

TEST(ParseCrlPemTest, EmptyCrl) {
  absl::StatusOr<CrlInfo> info = ParseCrlPem(pki::MakeCrl(Root(), RootKey(), {}, kNow), Root());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->revoked_serials.empty());
}

TEST(ParseCrlPemTest, CrlSignedByAnotherKeyOfTheSameNameIsRejected) {
  pki::KeyPair impostor_key = pki::MakeRsaKey(2048);
  const std::string impostor =
      pki::MakeSelfSignedCa(impostor_key, "Warden Root", kNow - kDay, kNow + kDay);
  const std::string crl = pki::MakeCrl(impostor, impostor_key, {2}, kNow);
  absl::Status status = ParseCrlPem(crl, Root()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(status.message()),
            "CRL signature does not verify with the key of CA 'CN=Warden Root,O=Warden Test'");
}

TEST(ParseCrlPemTest, CrlOfAnotherCaIsRejected) {
  const std::string crl = pki::MakeCrl(Intermediate(), IntermediateKey(), {2}, kNow);
  absl::Status status = ParseCrlPem(crl, Root()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(status.message()),
            "CRL issuer 'CN=Warden Intermediate,O=Warden Test' is not CA 'CN=Warden "
            "Root,O=Warden Test'");
}

TEST(ParseCrlPemTest, RejectsWhatIsNotACrl) {
  EXPECT_EQ(ErrorOf(ParseCrlPem("", Root())), "not a PEM CRL (no -----BEGIN X509 CRL----- block)");
  EXPECT_EQ(ErrorOf(ParseCrlPem(Root(), Root())),
            "not a PEM CRL (no -----BEGIN X509 CRL----- block)");
  absl::Status status = ParseCrlPem(Pem("X509 CRL", "\x30\x03\x02\x01"), Root()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("malformed CRL: "));
  EXPECT_EQ(ErrorOf(ParseCrlPem(pki::MakeCrl(Root(), RootKey(), {}, kNow), "junk")),
            "issuer CA: not a PEM certificate (no -----BEGIN CERTIFICATE----- block)");
}

TEST(ParseCrlPemTest, TruncatedAndFlippedCrlsNeverCrash) {
  const std::string crl = pki::MakeCrl(Root(), RootKey(), {1, 2, 3}, kNow);
  for (size_t length = 0; length + 1 < crl.size(); length += 3) {
    absl::StatusOr<CrlInfo> info = ParseCrlPem(crl.substr(0, length), Root());
    EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << length;
  }
  std::mt19937 random(3);
  for (int i = 0; i < 300; ++i) {
    std::string corrupt = crl;
    corrupt[random() % corrupt.size()] = static_cast<char>(random());
    absl::StatusCode code = ParseCrlPem(corrupt, Root()).status().code();
    EXPECT_THAT(code, ::testing::AnyOf(absl::StatusCode::kOk, absl::StatusCode::kInvalidArgument,
                                       absl::StatusCode::kFailedPrecondition));
  }
}

}  // namespace
}  // namespace warden::audit
