#ifndef WARDEN_TESTS_AUDIT_CERT_FACTORY_H_
#define WARDEN_TESTS_AUDIT_CERT_FACTORY_H_

#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "audit/openssl_internal.h"

// Real keys, X.509 certificates and CRLs for the audit tests, made with the OpenSSL C API
// and returned as PEM, so tests exercise the same parser production uses.
//
//   pki::KeyPair root_key = pki::MakeRsaKey(2048);
//   std::string root = pki::MakeSelfSignedCa(root_key, "Root", now - kDay, now + kYear);
//   pki::KeyPair device_key = pki::MakeEcKey("prime256v1");
//   std::string device = pki::MakeCertificate(device_key, "cam-0001", root, root_key,
//                                             now - kDay, now + kYear, /*is_ca=*/false, 7);
//   std::string crl = pki::MakeCrl(root, root_key, {7}, now);
//
// Names: every subject is "CN=<cn>,O=Warden Test" (RFC 2253 order). Certificates are v3
// with basicConstraints (critical; CA:TRUE for CAs), keyUsage, a subject key identifier
// (SHA-1 of the public key) and, when issued by a CA, an authority key identifier; self-signed
// CAs carry no authority key identifier. Signatures use SHA-256 (none for Ed25519 keys).
//
// Failures are bugs in the test (an unknown curve, a malformed issuer PEM): they print the
// OpenSSL error and abort. Key generation is slow for large RSA keys (2048 bits: tens of
// milliseconds; 4096: seconds), so share keys between test cases where it does not matter.
// Thread-safe: no shared state.
namespace warden::audit::pki {

// A private key (and so its public half), or only a public key (PublicKeyFromPem). Movable,
// not copyable.
class KeyPair {
 public:
  explicit KeyPair(EVP_PKEY* key) : key_(key) {}

  // The key, owned by this KeyPair; pass it to OpenSSL functions that take EVP_PKEY*.
  EVP_PKEY* get() const { return key_.get(); }
  // "-----BEGIN PRIVATE KEY-----" (PKCS #8, unencrypted).
  std::string PrivateKeyPem() const;
  // "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo).
  std::string PublicKeyPem() const;

 private:
  internal::EvpPkeyPtr key_;
};

// An RSA key of `bits` bits (public exponent 65537); 512 and up.
KeyPair MakeRsaKey(int bits);

// An EC key on the named curve, e.g. "prime256v1", "secp384r1", "prime192v1".
KeyPair MakeEcKey(const char* curve);

// An Ed25519 key.
KeyPair MakeEd25519Key();

// The public key of a "-----BEGIN PUBLIC KEY-----" PEM, e.g. a published ROCA-vulnerable
// key: usable as a certificate's subject key, not to sign or for PrivateKeyPem.
KeyPair PublicKeyFromPem(const std::string& pem);

// A self-signed CA certificate for `key`: subject = issuer = CN=`cn`, serial 1, validity
// [not_before, not_after] in Unix seconds.
std::string MakeSelfSignedCa(const KeyPair& key, const std::string& cn, int64_t not_before,
                             int64_t not_after);

// A certificate for `subject_key` named CN=`cn`, issued and signed by `issuer_cert_pem`
// (whose private key is `issuer_key`). `is_ca` makes an intermediate CA, otherwise a device
// (end-entity) certificate. The issuer does not have to be a CA, and nothing checks that the
// validity nests in the issuer's: tests may build broken chains on purpose.
std::string MakeCertificate(const KeyPair& subject_key, const std::string& cn,
                            const std::string& issuer_cert_pem, const KeyPair& issuer_key,
                            int64_t not_before, int64_t not_after, bool is_ca, uint64_t serial);

// A v2 CRL issued by `ca_pem` (signed with `ca_key`) revoking `revoked_serials` (revocation
// date `this_update`), with lastUpdate `this_update`, nextUpdate `this_update` + 30 days and
// an authority key identifier.
std::string MakeCrl(const std::string& ca_pem, const KeyPair& ca_key,
                    const std::vector<uint64_t>& revoked_serials, int64_t this_update);

}  // namespace warden::audit::pki

#endif  // WARDEN_TESTS_AUDIT_CERT_FACTORY_H_
