// Key quality: size limits and the ROCA fingerprint, against published vulnerable keys and
// fresh OpenSSL keys.

#include "audit/key_quality.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>

#include <cstdint>
#include <string>

#include "audit/certificate.h"
#include "audit/openssl_internal.h"
#include "tests/audit/cert_factory.h"

namespace warden::audit {
namespace {

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
constexpr int64_t kYear = int64_t{365} * 24 * 3600;

// Moduli from the ROCA authors' detector tests (github.com/crocs-muni/roca).
// roca/tests/data/mod03.txt: a 2048-bit modulus with the fingerprint.
constexpr char kRocaMod03[] =
    "9dcd7420e420c270a68060eb8b5aa7457a9f6648f86fafed2775cc1f79ae962f1e63f1b9e51c55f9ea6fdc7332e9"
    "b0058c9ff2eb1fc89855029cf6aafe21e689feb38ac9ffb12f1ce371bb5d0e9aae64161abce74b4244bf68f1edb4"
    "411f756a097c8929c14740245ea355f8332d1aa36bb50c7dcb4505da8de02e4e53d38f8df06097da7524df0df93d"
    "b48eac8cc4af2d3a16257eb2b2adca6ba464e5974fa92550d31b1babf161e7692d00b86e3dd886ecab4abfbe1a8f"
    "8cc263ff4af55cdb45f4249a5193925f5e983d762f0b6800943eb0267b08f42ed311ce1f5c86eacbc8ce4d3cb7a2"
    "fee1ef5641423a1cf4114e5ecf50034a60a412523af9e6f4aa11";
// roca/tests/data/mod06.txt: the same modulus with its first digit changed (9 → 8), which
// the detector's tests list as not fingerprinted.
constexpr char kCleanMod06[] =
    "8dcd7420e420c270a68060eb8b5aa7457a9f6648f86fafed2775cc1f79ae962f1e63f1b9e51c55f9ea6fdc7332e9"
    "b0058c9ff2eb1fc89855029cf6aafe21e689feb38ac9ffb12f1ce371bb5d0e9aae64161abce74b4244bf68f1edb4"
    "411f756a097c8929c14740245ea355f8332d1aa36bb50c7dcb4505da8de02e4e53d38f8df06097da7524df0df93d"
    "b48eac8cc4af2d3a16257eb2b2adca6ba464e5974fa92550d31b1babf161e7692d00b86e3dd886ecab4abfbe1a8f"
    "8cc263ff4af55cdb45f4249a5193925f5e983d762f0b6800943eb0267b08f42ed311ce1f5c86eacbc8ce4d3cb7a2"
    "fee1ef5641423a1cf4114e5ecf50034a60a412523af9e6f4aa11";
// roca/tests/data/mod04.txt and mod05.txt: not fingerprinted.
constexpr char kCleanMod04[] =
    "af659676197f1db06da7ac111a0a0ec175b8b7ef07192ffcd1f6b854c327785f1a7fd3db7da45cd4a31b2b2e5ce0"
    "d823a68e28c8adf1747316becce1fe5768064039ad2062260c8d1a34e0586dce9bc13090fcc9fb8b8b2c08ed3ae8"
    "d61b29818a669689a7d9c1dab053b557fb8d3f9c44faad3e18c55e739b00d3c9126558bc8e980cd2af377126ef5b"
    "1374136774b8bd370e3c1c149db395c8f99696b628b105946fea20106fe24d103ac062661a9248e8c3f628e00b30"
    "8d33953aabe555132e218e74ef4b578716b4fe7cf340e8e604a319bf6e9951e1942601d34291032db54999d09e5d"
    "036dde3544ad35256bbb97d5e3fffd38166c21eae9199548853b";
constexpr char kCleanMod05[] =
    "ba68fc5fbb606c4d428ab98b355d66214db4f7e475b5f7ffddc349c73f7d659965121ab16a4014e6c465c111d850"
    "205853d113f712127e4a230aa97f481eed6410f6c345f48e25fb81c42ec6815dc35cdd839e0de91fb2bec848d091"
    "0fa77e2c31f99ec9bcc7ed167812bd724318b0adf492d6b47c5ce050184e877ea64045f9501bf70569cffd102db7"
    "299f49e9c00222af9115d0aada967dfe759b7e4576e85c3a4ff594039231b90b448b90c3236083bcf819bc318d53"
    "a2018ec9b401f102ba9ee13dde592a42b032df136689d9c5619db55d519853a422d3100624d2d9e478218375f460"
    "c26930eda8cd0d947e58ffe9b7be2445356deaed988223e3ed1d";
// fingerprint/tests/data/mod01.txt: a 512-bit modulus with the fingerprint.
constexpr char kRocaMod01[] =
    "944e13208a280c37efc31c3114485e590192adbb8e11c87cad60cdef0037ce99278330d3f471a2538fa667802ed2"
    "a3c44a8b7dea826e888d0aa341fd664f7fa7";

// From the Go detector's tests (github.com/titanous/rocacheck, rocacheck_test.go): the first
// vulnerable and the first good 2048-bit public key.
constexpr char kRocaPublicKeyPem[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAlze9c7qGdjDLVR/ntk+4
ZkfMcYsAnmfTFHfe3Xv7jRQqPCXCULtr0y0jG3aRJmEenoXO9uDveqr43gFB9yvA
dLEhu0aJqpB7lNZ+yXsvfVp/96dkSN8oWYL/dd9Z7GQOvVniHUY3Xsd7zdw2eYOy
HSXhhA2Ttwnj3c1jEYfC0y9q1cU99aL0ogGDqolcOvlkJu+mGb+6+WyboFa1gwRu
kYxBHZWKiHCt/eihvXsPTzTlXmTXWdGJtA1xZDnCBWuZ90b5R0agXVIESTl0cCyH
aQM/tLZmktJIU+Eu7ALBXemPg9kh3SCnYd3/YvDGCtYSXOWthHwlP5CImRBcQaNn
cQIDAQAB
-----END PUBLIC KEY-----
)";
constexpr char kGoodPublicKeyPem[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtA+5PaMwafUZVIU0kXo+
u3EbF45Sw+11yOuYReWxp5dGLCmqk6Ukq+PvZ9Ygq7xrOQzuUx/dY1rFqB0tz3Z4
KurqpK/aVwj+nEhRckEAtbls9qeGcMxdTgPvf8KJbjR6gw0jXdQKeLTIojXNtUSF
PpOm0tsAT0SAqGHZF9jFzBOHlpyyhiWvtZpZaUQMXRQwoptaHug7tPBjZHm3n+ba
JH8TVua9Kx8zVsrGBzZnGh7Ybap9ZxvNg2m0BMi/jMhoNr7c3eQBrrkcxqrb0GId
Hbg94w9W7Ds3v01FPb6qjKbW8Z2ZAm1lGM/3imodT8z3hLXYDUGWXUTGuaRWWKr8
+QIDAQAB
-----END PUBLIC KEY-----
)";

// Big-endian bytes of a hex number.
std::string Modulus(const char* hex) {
  BIGNUM* number = nullptr;
  EXPECT_GT(BN_hex2bn(&number, hex), 0);
  internal::BignumPtr owner(number);
  std::string bytes(static_cast<size_t>(BN_num_bytes(number)), '\0');
  BN_bn2bin(number, reinterpret_cast<unsigned char*>(bytes.data()));
  return bytes;
}

const pki::KeyPair& CaKey() {
  static const auto* const key = new pki::KeyPair(pki::MakeEcKey("prime256v1"));
  return *key;
}
const std::string& Ca() {
  static const auto* const pem =
      new std::string(pki::MakeSelfSignedCa(CaKey(), "Key Quality CA", kNow, kNow + kYear));
  return *pem;
}

// A device certificate for `key` (which may be public only), parsed.
CertificateInfo DeviceWith(const pki::KeyPair& key) {
  absl::StatusOr<CertificateInfo> info = ParseCertificatePem(
      pki::MakeCertificate(key, "device", Ca(), CaKey(), kNow, kNow + kYear, false, 2));
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? *info : CertificateInfo{};
}

TEST(IsRocaVulnerableTest, PublishedVulnerableModuli) {
  EXPECT_TRUE(IsRocaVulnerable(Modulus(kRocaMod03)));
  EXPECT_TRUE(IsRocaVulnerable(Modulus(kRocaMod01)));
}

TEST(IsRocaVulnerableTest, PublishedCleanModuli) {
  EXPECT_FALSE(IsRocaVulnerable(Modulus(kCleanMod06)));
  EXPECT_FALSE(IsRocaVulnerable(Modulus(kCleanMod04)));
  EXPECT_FALSE(IsRocaVulnerable(Modulus(kCleanMod05)));
}

TEST(IsRocaVulnerableTest, FreshOpenSslKeysAreClean) {
  for (int i = 0; i < 4; ++i) {
    pki::KeyPair key = pki::MakeRsaKey(2048);
    CertificateInfo info = DeviceWith(key);
    ASSERT_EQ(info.rsa_modulus.size(), 256u);
    EXPECT_FALSE(IsRocaVulnerable(info.rsa_modulus)) << key.PublicKeyPem();
  }
}

TEST(IsRocaVulnerableTest, NotAModulus) {
  EXPECT_FALSE(IsRocaVulnerable(""));
  EXPECT_FALSE(IsRocaVulnerable(std::string(8, '\0')));
}

TEST(WeakKeyReasonTest, RocaKeyInACertificate) {
  CertificateInfo info = DeviceWith(pki::PublicKeyFromPem(kRocaPublicKeyPem));
  EXPECT_EQ(info.key_bits, 2048);
  EXPECT_EQ(WeakKeyReason(info),
            "RSA key of 2048 bits has the ROCA fingerprint of Infineon RSALib "
            "(CVE-2017-15361): its private key can be computed");
}

TEST(WeakKeyReasonTest, PublishedGoodKeyInACertificate) {
  EXPECT_EQ(WeakKeyReason(DeviceWith(pki::PublicKeyFromPem(kGoodPublicKeyPem))), "");
}

TEST(WeakKeyReasonTest, SmallRsaKey) {
  EXPECT_EQ(WeakKeyReason(DeviceWith(pki::MakeRsaKey(1024))),
            "RSA key of 1024 bits (at least 2048 required)");
}

TEST(WeakKeyReasonTest, SmallRocaKeyGivesBothReasons) {
  CertificateInfo info;
  info.key_type = KeyType::kRsa;
  info.key_bits = 512;
  info.rsa_modulus = Modulus(kRocaMod01);
  EXPECT_EQ(WeakKeyReason(info),
            "RSA key of 512 bits (at least 2048 required); RSA key of 512 bits has the ROCA "
            "fingerprint of Infineon RSALib (CVE-2017-15361): its private key can be computed");
}

TEST(WeakKeyReasonTest, SmallEcKey) {
  EXPECT_EQ(WeakKeyReason(DeviceWith(pki::MakeEcKey("prime192v1"))),
            "EC key of 192 bits on curve 'prime192v1' (at least 256 required)");
  EXPECT_EQ(WeakKeyReason(DeviceWith(pki::MakeEcKey("secp224r1"))),
            "EC key of 224 bits on curve 'secp224r1' (at least 256 required)");
}

TEST(WeakKeyReasonTest, StrongKeys) {
  EXPECT_EQ(WeakKeyReason(DeviceWith(pki::MakeRsaKey(2048))), "");
  EXPECT_EQ(WeakKeyReason(DeviceWith(pki::MakeEcKey("prime256v1"))), "");
  EXPECT_EQ(WeakKeyReason(DeviceWith(pki::MakeEcKey("secp384r1"))), "");
  EXPECT_EQ(WeakKeyReason(DeviceWith(pki::MakeEd25519Key())), "");
}

}  // namespace
}  // namespace warden::audit
