#ifndef WARDEN_TESTS_TOOLS_TEST_PKI_H_
#define WARDEN_TESTS_TOOLS_TEST_PKI_H_

// Real PEM certificates and a CRL for the registry import tests: a root CA, an
// intermediate CA it issued, two device certificates from the intermediate and the
// root's CRL revoking serial 9. EC P-256 keys, so making them is fast.

#include <cstdint>
#include <string>

#include "tests/audit/cert_factory.h"

namespace warden::tools {

struct TestPki {
  static constexpr int64_t kNow = 1'795'000'000;  // 2026-11-18T11:06:40Z
  static constexpr int64_t kYear = 365 * 24 * 3600;

  audit::pki::KeyPair root_key = audit::pki::MakeEcKey("prime256v1");
  audit::pki::KeyPair intermediate_key = audit::pki::MakeEcKey("prime256v1");
  audit::pki::KeyPair device_key = audit::pki::MakeEcKey("prime256v1");
  std::string root =
      audit::pki::MakeSelfSignedCa(root_key, "Root", kNow - kYear, kNow + 10 * kYear);
  std::string intermediate =
      audit::pki::MakeCertificate(intermediate_key, "Intermediate", root, root_key, kNow - kYear,
                                  kNow + 5 * kYear, /*is_ca=*/true, 2);
  std::string cam1 = audit::pki::MakeCertificate(device_key, "cam-0001", intermediate,
                                                 intermediate_key, kNow - kYear, kNow + kYear,
                                                 /*is_ca=*/false, 10);
  std::string cam2 = audit::pki::MakeCertificate(device_key, "cam-0002", intermediate,
                                                 intermediate_key, kNow - kYear, kNow + kYear,
                                                 /*is_ca=*/false, 11);
  std::string root_crl = audit::pki::MakeCrl(root, root_key, {9}, kNow);
};

}  // namespace warden::tools

#endif  // WARDEN_TESTS_TOOLS_TEST_PKI_H_
