#include "tests/audit/cert_factory.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace warden::audit::pki {
namespace {

constexpr int64_t kCrlLifetimeSeconds = int64_t{30} * 24 * 3600;

using internal::BioContents;
using internal::BioPtr;
using internal::MemoryBio;
using internal::OpenSslDeleter;
using internal::X509CrlPtr;
using internal::X509Ptr;
using X509RevokedPtr =
    std::unique_ptr<X509_REVOKED, OpenSslDeleter<X509_REVOKED, X509_REVOKED_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME, X509_NAME_free>>;
using X509ExtensionPtr =
    std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OpenSslDeleter<ASN1_TIME, ASN1_TIME_free>>;
using Asn1IntegerPtr =
    std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER, ASN1_INTEGER_free>>;

// A failed OpenSSL call here is a bug in the test: say which and stop.
void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "cert_factory: %s failed\n", what);
  ERR_print_errors_fp(stderr);
  std::abort();
}

X509Ptr ReadCertificate(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  Check(bio != nullptr, "BIO_new_mem_buf");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  Check(cert != nullptr, "reading the issuer certificate PEM");
  return cert;
}

X509NamePtr MakeName(const std::string& cn) {
  X509NamePtr name(X509_NAME_new());
  Check(name != nullptr, "X509_NAME_new");
  const auto* organization = reinterpret_cast<const unsigned char*>("Warden Test");
  const auto* common_name = reinterpret_cast<const unsigned char*>(cn.c_str());
  Check(X509_NAME_add_entry_by_txt(name.get(), "O", MBSTRING_UTF8, organization, -1, -1, 0) == 1,
        "adding O");
  Check(X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8, common_name, -1, -1, 0) == 1,
        "adding CN");
  return name;
}

Asn1TimePtr MakeTime(int64_t unix_seconds) {
  Asn1TimePtr time(ASN1_TIME_set(nullptr, static_cast<time_t>(unix_seconds)));
  Check(time != nullptr, "ASN1_TIME_set");
  return time;
}

Asn1IntegerPtr MakeSerial(uint64_t serial) {
  Asn1IntegerPtr integer(ASN1_INTEGER_new());
  Check(integer != nullptr && ASN1_INTEGER_set_uint64(integer.get(), serial) == 1,
        "ASN1_INTEGER_set_uint64");
  return integer;
}

// EdDSA signs the message itself; everything else here signs a SHA-256 digest.
const EVP_MD* DigestFor(EVP_PKEY* key) {
  return EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448") ? nullptr : EVP_sha256();
}

void AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  Check(extension != nullptr, value);
  Check(X509_add_ext(cert, extension.get(), -1) == 1, "X509_add_ext");
}

std::string ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(bio != nullptr && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  return BioContents(bio.get());
}

// Signs a certificate for `subject_key`; `issuer` == nullptr makes it self-signed.
std::string Issue(const KeyPair& subject_key, const std::string& cn, X509* issuer,
                  const KeyPair& issuer_key, int64_t not_before, int64_t not_after, bool is_ca,
                  uint64_t serial) {
  X509Ptr cert(X509_new());
  Check(cert != nullptr, "X509_new");
  Check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
  Check(X509_set_serialNumber(cert.get(), MakeSerial(serial).get()) == 1, "setting the serial");
  X509NamePtr subject = MakeName(cn);
  Check(X509_set_subject_name(cert.get(), subject.get()) == 1, "X509_set_subject_name");
  Check(X509_set_issuer_name(
            cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : subject.get()) == 1,
        "X509_set_issuer_name");
  Check(X509_set1_notBefore(cert.get(), MakeTime(not_before).get()) == 1, "setting notBefore");
  Check(X509_set1_notAfter(cert.get(), MakeTime(not_after).get()) == 1, "setting notAfter");
  Check(X509_set_pubkey(cert.get(), subject_key.get()) == 1, "X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  AddExtension(cert.get(), &ctx, NID_basic_constraints,
               is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExtension(cert.get(), &ctx, NID_key_usage,
               is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) {
    AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  }

  Check(X509_sign(cert.get(), issuer_key.get(), DigestFor(issuer_key.get())) > 0, "X509_sign");
  return ToPem(cert.get());
}

}  // namespace

std::string KeyPair::PrivateKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(bio != nullptr && PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0,
                                                   nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  return BioContents(bio.get());
}

std::string KeyPair::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(bio != nullptr && PEM_write_bio_PUBKEY(bio.get(), key_.get()) == 1, "PEM_write_bio_PUBKEY");
  return BioContents(bio.get());
}

KeyPair MakeRsaKey(int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
  Check(key != nullptr, "EVP_RSA_gen");
  return KeyPair(key);
}

KeyPair MakeEcKey(const char* curve) {
  EVP_PKEY* key = EVP_EC_gen(curve);
  Check(key != nullptr, curve);
  return KeyPair(key);
}

KeyPair MakeEd25519Key() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  Check(key != nullptr, "generating an Ed25519 key");
  return KeyPair(key);
}

KeyPair PublicKeyFromPem(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  Check(bio != nullptr, "BIO_new_mem_buf");
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  Check(key != nullptr, "reading the public key PEM");
  return KeyPair(key);
}

std::string MakeSelfSignedCa(const KeyPair& key, const std::string& cn, int64_t not_before,
                             int64_t not_after) {
  return Issue(key, cn, /*issuer=*/nullptr, key, not_before, not_after, /*is_ca=*/true,
               /*serial=*/1);
}

std::string MakeCertificate(const KeyPair& subject_key, const std::string& cn,
                            const std::string& issuer_cert_pem, const KeyPair& issuer_key,
                            int64_t not_before, int64_t not_after, bool is_ca, uint64_t serial) {
  X509Ptr issuer = ReadCertificate(issuer_cert_pem);
  return Issue(subject_key, cn, issuer.get(), issuer_key, not_before, not_after, is_ca, serial);
}

std::string MakeCrl(const std::string& ca_pem, const KeyPair& ca_key,
                    const std::vector<uint64_t>& revoked_serials, int64_t this_update) {
  X509Ptr ca = ReadCertificate(ca_pem);
  X509CrlPtr crl(X509_CRL_new());
  Check(crl != nullptr, "X509_CRL_new");
  Check(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1, "X509_CRL_set_version");
  Check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.get())) == 1,
        "X509_CRL_set_issuer_name");
  Asn1TimePtr last_update = MakeTime(this_update);
  Check(X509_CRL_set1_lastUpdate(crl.get(), last_update.get()) == 1, "setting lastUpdate");
  Check(X509_CRL_set1_nextUpdate(crl.get(), MakeTime(this_update + kCrlLifetimeSeconds).get()) == 1,
        "setting nextUpdate");
  for (uint64_t serial : revoked_serials) {
    X509RevokedPtr revoked(X509_REVOKED_new());
    Check(revoked != nullptr, "X509_REVOKED_new");
    Check(X509_REVOKED_set_serialNumber(revoked.get(), MakeSerial(serial).get()) == 1,
          "X509_REVOKED_set_serialNumber");
    Check(X509_REVOKED_set_revocationDate(revoked.get(), last_update.get()) == 1,
          "X509_REVOKED_set_revocationDate");
    // On success the CRL owns the entry.
    Check(X509_CRL_add0_revoked(crl.get(), revoked.get()) == 1, "X509_CRL_add0_revoked");
    static_cast<void>(revoked.release());
  }
  Check(X509_CRL_sort(crl.get()) == 1, "X509_CRL_sort");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.get(), nullptr, nullptr, crl.get(), 0);
  X509ExtensionPtr aki(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  Check(aki != nullptr, "making the CRL authority key identifier");
  Check(X509_CRL_add_ext(crl.get(), aki.get(), -1) == 1, "X509_CRL_add_ext");

  Check(X509_CRL_sign(crl.get(), ca_key.get(), DigestFor(ca_key.get())) > 0, "X509_CRL_sign");
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(bio != nullptr && PEM_write_bio_X509_CRL(bio.get(), crl.get()) == 1,
        "PEM_write_bio_X509_CRL");
  return BioContents(bio.get());
}

}  // namespace warden::audit::pki
