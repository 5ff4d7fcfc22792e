#ifndef WARDEN_AUDIT_OPENSSL_INTERNAL_H_
#define WARDEN_AUDIT_OPENSSL_INTERNAL_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

// Owning pointers for the OpenSSL objects audit/ uses, and the two helpers every caller of
// OpenSSL needs: a memory BIO over a string and the error queue as text. Internal to audit/
// (and its tests). Thread-safe: OpenSSL's error queue is per thread.
namespace warden::audit::internal {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};

using AuthorityKeyIdPtr =
    std::unique_ptr<AUTHORITY_KEYID, OpenSslDeleter<AUTHORITY_KEYID, AUTHORITY_KEYID_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BIGNUM, BN_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<X509_CRL, X509_CRL_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;

// A read-only memory BIO over `data` (which must outlive it); null when `data` is larger
// than OpenSSL can address (INT_MAX bytes).
BioPtr MemoryBio(std::string_view data);

// Everything written to a memory BIO so far.
std::string BioContents(BIO* bio);

// The earliest error on this thread's OpenSSL error queue as its reason text (e.g. "wrong
// tag"), or "unknown error" when the queue is empty. Clears the queue.
std::string TakeOpenSslError();

}  // namespace warden::audit::internal

#endif  // WARDEN_AUDIT_OPENSSL_INTERNAL_H_
