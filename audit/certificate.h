#ifndef WARDEN_AUDIT_CERTIFICATE_H_
#define WARDEN_AUDIT_CERTIFICATE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/model.h"

namespace warden::audit {

// X.509 certificates and CRLs in PEM, read with OpenSSL. Pure and thread-safe.

// The certificates of a PEM bundle, each as its own PEM text, in order.
// InvalidArgument when there is none or a block is malformed.
absl::StatusOr<std::vector<std::string>> SplitPemCertificates(std::string_view pem);

// Parses the first certificate of `pem`. InvalidArgument naming what is wrong.
absl::StatusOr<CertificateInfo> ParseCertificatePem(std::string_view pem);

// Whether `issuer_pem` issued `cert_pem`: the certificate's issuer name is the issuer's
// subject and its signature verifies with the issuer's public key.
absl::StatusOr<bool> IsIssuedBy(std::string_view cert_pem, std::string_view issuer_pem);

// Parses a PEM CRL and checks it was signed by `issuer_ca_pem`. InvalidArgument when
// malformed; FailedPrecondition when the signature does not verify.
absl::StatusOr<CrlInfo> ParseCrlPem(std::string_view crl_pem, std::string_view issuer_ca_pem);

}  // namespace warden::audit

#endif  // WARDEN_AUDIT_CERTIFICATE_H_
