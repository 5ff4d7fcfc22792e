#include "audit/certificate.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <cstring>
#include <ctime>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "audit/openssl_internal.h"

namespace warden::audit {
namespace {

using internal::AuthorityKeyIdPtr;
using internal::BignumPtr;
using internal::BioContents;
using internal::BioPtr;
using internal::MemoryBio;
using internal::TakeOpenSslError;
using internal::X509CrlPtr;
using internal::X509Ptr;

constexpr char kCertificateLabel[] = "CERTIFICATE";

// RFC 2253, except that UTF-8 stays as is instead of \XX escapes per byte: "CN=café".
constexpr unsigned long kNameFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;

struct OpenSslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};

enum class PemInput { kOneCertificate, kBundle };

absl::Status WithContext(std::string_view context, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(std::string(context), ": ", status.message()));
}

absl::Status TooLarge(std::string_view what, size_t size) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(what), " of ", size, " bytes is too large"));
}

// Whether the last OpenSSL failure was a PEM reader finding no (further) block it wanted.
bool NoPemBlock() {
  unsigned long error = ERR_peek_last_error();
  return ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE;
}

std::string Hex(const ASN1_OCTET_STRING* bytes) {
  if (bytes == nullptr) return "";
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(bytes)),
                        static_cast<size_t>(ASN1_STRING_length(bytes))));
}

absl::StatusOr<std::string> SerialHex(const ASN1_INTEGER* serial) {
  BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
  if (number == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed serial number: ", TakeOpenSslError()));
  }
  std::unique_ptr<char, OpenSslFree> hex(BN_bn2hex(number.get()));
  if (hex == nullptr) return absl::ResourceExhaustedError("out of memory printing a serial number");
  return std::string(hex.get());
}

absl::StatusOr<std::string> NameRfc2253(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || X509_NAME_print_ex(bio.get(), name, 0, kNameFlags) < 0) {
    return absl::InvalidArgumentError(absl::StrCat("unprintable name: ", TakeOpenSslError()));
  }
  return BioContents(bio.get());
}

// Unix seconds of an ASN.1 time; `field` names it in the error.
absl::StatusOr<int64_t> UnixSeconds(const ASN1_TIME* time, std::string_view field) {
  std::tm tm{};
  // ASN1_TIME_to_tm reads the current time when given none, so absence is checked first.
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("malformed ", std::string(field), " time"));
  }
  return static_cast<int64_t>(timegm(&tm));
}

// Decodes one DER certificate, which must fill its PEM block exactly.
absl::StatusOr<X509Ptr> DecodeCertificate(const unsigned char* der, long size) {
  const unsigned char* cursor = der;
  X509Ptr cert(d2i_X509(nullptr, &cursor, size));
  if (cert == nullptr) return absl::InvalidArgumentError(TakeOpenSslError());
  if (cursor != der + size) {
    return absl::InvalidArgumentError(
        absl::StrCat(size - (cursor - der), " bytes of trailing data after the certificate"));
  }
  return cert;
}

// A certificate as read from a PEM block: the DER and its decoding.
struct PemCertificate {
  std::string der;
  X509Ptr cert;
};

// The "CERTIFICATE" blocks of `pem`, in order: one (the first) or all of them. Text between
// blocks and blocks of other types (keys, CRLs) are skipped.
absl::StatusOr<std::vector<PemCertificate>> ReadCertificates(std::string_view pem, PemInput input) {
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return TooLarge("PEM input", pem.size());
  auto malformed = [input](size_t index, const std::string& reason) {
    return absl::InvalidArgumentError(
        input == PemInput::kBundle
            ? absl::StrCat("certificate ", index, " of the bundle is malformed: ", reason)
            : absl::StrCat("malformed certificate: ", reason));
  };
  ERR_clear_error();
  std::vector<PemCertificate> certs;
  while (input == PemInput::kBundle || certs.empty()) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long size = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &size) != 1) {
      if (NoPemBlock()) break;
      return malformed(certs.size() + 1, TakeOpenSslError());
    }
    std::unique_ptr<char, OpenSslFree> name_owner(name);
    std::unique_ptr<char, OpenSslFree> header_owner(header);
    std::unique_ptr<unsigned char, OpenSslFree> data_owner(data);
    if (std::strcmp(name, kCertificateLabel) != 0) continue;
    absl::StatusOr<X509Ptr> cert = DecodeCertificate(data, size);
    if (!cert.ok()) return malformed(certs.size() + 1, std::string(cert.status().message()));
    certs.push_back({std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size)),
                     *std::move(cert)});
  }
  ERR_clear_error();
  if (certs.empty()) {
    return absl::InvalidArgumentError(
        "not a PEM certificate (no -----BEGIN CERTIFICATE----- block)");
  }
  return certs;
}

absl::StatusOr<X509Ptr> ReadFirstCertificate(std::string_view pem) {
  absl::StatusOr<std::vector<PemCertificate>> certs =
      ReadCertificates(pem, PemInput::kOneCertificate);
  if (!certs.ok()) return certs.status();
  return std::move(certs->front().cert);
}

// The public key of `cert`; InvalidArgument naming the algorithm when OpenSSL cannot read it.
absl::StatusOr<EVP_PKEY*> PublicKey(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key != nullptr) return key;
  ASN1_OBJECT* algorithm = nullptr;
  X509_PUBKEY_get0_param(&algorithm, nullptr, nullptr, nullptr, X509_get_X509_PUBKEY(cert));
  char oid[80] = "unknown";
  if (algorithm != nullptr) OBJ_obj2txt(oid, sizeof(oid), algorithm, 0);
  return absl::InvalidArgumentError(
      absl::StrCat("unreadable public key of algorithm ", oid, ": ", TakeOpenSslError()));
}

absl::Status ReadKey(X509* cert, CertificateInfo& info) {
  absl::StatusOr<EVP_PKEY*> key = PublicKey(cert);
  if (!key.ok()) return key.status();
  switch (EVP_PKEY_get_base_id(*key)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS: {
      info.key_type = KeyType::kRsa;
      info.key_bits = EVP_PKEY_get_bits(*key);
      BIGNUM* modulus = nullptr;
      if (EVP_PKEY_get_bn_param(*key, OSSL_PKEY_PARAM_RSA_N, &modulus) != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("unreadable RSA modulus: ", TakeOpenSslError()));
      }
      BignumPtr modulus_owner(modulus);
      info.rsa_modulus.resize(static_cast<size_t>(BN_num_bytes(modulus)));
      BN_bn2bin(modulus, reinterpret_cast<unsigned char*>(info.rsa_modulus.data()));
      break;
    }
    case EVP_PKEY_EC: {
      info.key_type = KeyType::kEc;
      info.key_bits = EVP_PKEY_get_bits(*key);
      char curve[80];
      size_t length = 0;
      // Explicit curve parameters have no name: the curve stays "".
      if (EVP_PKEY_get_utf8_string_param(*key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve),
                                         &length) == 1) {
        info.curve.assign(curve, length);
      }
      ERR_clear_error();
      break;
    }
    case EVP_PKEY_ED25519:
      info.key_type = KeyType::kEd25519;
      info.key_bits = 255;
      break;
    case EVP_PKEY_ED448:
      info.key_bits = 448;
      break;
    default:
      info.key_bits = EVP_PKEY_get_bits(*key);
      break;
  }
  return absl::OkStatus();
}

absl::StatusOr<CertificateInfo> Describe(X509* cert) {
  CertificateInfo info;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &digest_size) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("cannot hash: ", TakeOpenSslError()));
  }
  info.id =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), digest_size));

  absl::StatusOr<std::string> subject = NameRfc2253(X509_get_subject_name(cert));
  if (!subject.ok()) return WithContext("subject", subject.status());
  info.subject = *std::move(subject);
  absl::StatusOr<std::string> issuer = NameRfc2253(X509_get_issuer_name(cert));
  if (!issuer.ok()) return WithContext("issuer", issuer.status());
  info.issuer = *std::move(issuer);
  absl::StatusOr<std::string> serial = SerialHex(X509_get0_serialNumber(cert));
  if (!serial.ok()) return serial.status();
  info.serial = *std::move(serial);

  absl::StatusOr<int64_t> not_before = UnixSeconds(X509_get0_notBefore(cert), "notBefore");
  if (!not_before.ok()) return not_before.status();
  info.not_before = *not_before;
  absl::StatusOr<int64_t> not_after = UnixSeconds(X509_get0_notAfter(cert), "notAfter");
  if (!not_after.ok()) return not_after.status();
  info.not_after = *not_after;

  if (absl::Status status = ReadKey(cert, info); !status.ok()) return status;

  // Reading the flags decodes the v3 extensions; EXFLAG_CA is basicConstraints cA = TRUE.
  uint32_t flags = X509_get_extension_flags(cert);
  if ((flags & EXFLAG_INVALID) != 0) {
    ERR_clear_error();
    return absl::InvalidArgumentError("malformed or duplicate X.509v3 extensions");
  }
  info.is_ca = (flags & EXFLAG_CA) != 0;
  info.subject_key_id = Hex(X509_get0_subject_key_id(cert));
  info.authority_key_id = Hex(X509_get0_authority_key_id(cert));
  return info;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SplitPemCertificates(std::string_view pem) {
  absl::StatusOr<std::vector<PemCertificate>> certs = ReadCertificates(pem, PemInput::kBundle);
  if (!certs.ok()) return certs.status();
  std::vector<std::string> pems;
  for (const PemCertificate& cert : *certs) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (bio == nullptr || PEM_write_bio(bio.get(), kCertificateLabel, "",
                                        reinterpret_cast<const unsigned char*>(cert.der.data()),
                                        static_cast<long>(cert.der.size())) <= 0) {
      return absl::ResourceExhaustedError(absl::StrCat("cannot write PEM: ", TakeOpenSslError()));
    }
    pems.push_back(BioContents(bio.get()));
  }
  return pems;
}

absl::StatusOr<CertificateInfo> ParseCertificatePem(std::string_view pem) {
  absl::StatusOr<X509Ptr> cert = ReadFirstCertificate(pem);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<CertificateInfo> info = Describe(cert->get());
  if (!info.ok()) return WithContext("certificate", info.status());
  return info;
}

absl::StatusOr<bool> IsIssuedBy(std::string_view cert_pem, std::string_view issuer_pem) {
  absl::StatusOr<X509Ptr> cert = ReadFirstCertificate(cert_pem);
  if (!cert.ok()) return WithContext("certificate", cert.status());
  absl::StatusOr<X509Ptr> issuer = ReadFirstCertificate(issuer_pem);
  if (!issuer.ok()) return WithContext("issuer", issuer.status());
  if (X509_NAME_cmp(X509_get_issuer_name(cert->get()), X509_get_subject_name(issuer->get())) != 0) {
    return false;
  }
  absl::StatusOr<EVP_PKEY*> key = PublicKey(issuer->get());
  if (!key.ok()) return WithContext("issuer", key.status());
  // 0 is a bad signature, -1 one that cannot be checked with this key (another algorithm):
  // either way the issuer did not sign it.
  bool verified = X509_verify(cert->get(), *key) == 1;
  ERR_clear_error();
  return verified;
}

absl::StatusOr<CrlInfo> ParseCrlPem(std::string_view crl_pem, std::string_view issuer_ca_pem) {
  BioPtr bio = MemoryBio(crl_pem);
  if (bio == nullptr) return TooLarge("CRL", crl_pem.size());
  ERR_clear_error();
  X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  if (crl == nullptr) {
    if (NoPemBlock()) {
      ERR_clear_error();
      return absl::InvalidArgumentError("not a PEM CRL (no -----BEGIN X509 CRL----- block)");
    }
    return absl::InvalidArgumentError(absl::StrCat("malformed CRL: ", TakeOpenSslError()));
  }
  absl::StatusOr<X509Ptr> ca = ReadFirstCertificate(issuer_ca_pem);
  if (!ca.ok()) return WithContext("issuer CA", ca.status());

  CrlInfo info;
  absl::StatusOr<std::string> issuer = NameRfc2253(X509_CRL_get_issuer(crl.get()));
  if (!issuer.ok()) return WithContext("CRL issuer", issuer.status());
  info.issuer = *std::move(issuer);
  absl::StatusOr<std::string> ca_name = NameRfc2253(X509_get_subject_name(ca->get()));
  if (!ca_name.ok()) return WithContext("issuer CA subject", ca_name.status());
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca->get())) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("CRL issuer '", info.issuer, "' is not CA '", *ca_name, "'"));
  }
  absl::StatusOr<EVP_PKEY*> key = PublicKey(ca->get());
  if (!key.ok()) return WithContext("issuer CA", key.status());
  if (X509_CRL_verify(crl.get(), *key) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat("CRL signature does not verify with the key of CA '", *ca_name, "'"));
  }

  int critical = 0;
  AuthorityKeyIdPtr authority_key_id(static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, &critical, nullptr)));
  if (authority_key_id == nullptr && critical != -1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("malformed or duplicate CRL authority key identifier");
  }
  if (authority_key_id != nullptr) info.authority_key_id = Hex(authority_key_id->keyid);

  absl::StatusOr<int64_t> this_update =
      UnixSeconds(X509_CRL_get0_lastUpdate(crl.get()), "CRL thisUpdate");
  if (!this_update.ok()) return this_update.status();
  info.this_update = *this_update;
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get()); next != nullptr) {
    absl::StatusOr<int64_t> next_update = UnixSeconds(next, "CRL nextUpdate");
    if (!next_update.ok()) return next_update.status();
    info.next_update = *next_update;
  }

  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    absl::StatusOr<std::string> serial =
        SerialHex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i)));
    if (!serial.ok()) return WithContext(absl::StrCat("revoked entry ", i + 1), serial.status());
    info.revoked_serials.push_back(*std::move(serial));
  }
  return info;
}

}  // namespace warden::audit
