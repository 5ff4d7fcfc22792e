#ifndef WARDEN_AUDIT_KEY_QUALITY_H_
#define WARDEN_AUDIT_KEY_QUALITY_H_

#include <string>
#include <string_view>

#include "audit/model.h"

namespace warden::audit {

// Whether an RSA modulus (big-endian bytes) has the structure of keys from the
// Infineon RSALib generator (ROCA, CVE-2017-15361): the published fingerprint test of
// Nemec et al. (CCS 2017), modulus residues against a fixed set of small primes.
bool IsRocaVulnerable(std::string_view modulus_be);

// Why a key is weak ("" when it is not): RSA under 2048 bits, EC under 256 bits,
// ROCA-vulnerable RSA. The reason names the value, e.g. "RSA key of 1024 bits (at least
// 2048 required)".
std::string WeakKeyReason(const CertificateInfo& info);

}  // namespace warden::audit

#endif  // WARDEN_AUDIT_KEY_QUALITY_H_
