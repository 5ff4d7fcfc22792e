#include "alerts/signing.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace warden::alerts {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr size_t kMinSecretBytes = 24;
constexpr size_t kMaxSecretBytes = 64;

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Strict standard base64 (RFC 4648 §4, padded). nullopt for anything else, including
// whitespace, which EVP_DecodeBlock would quietly skip.
std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    if (!IsBase64Char(text[i])) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  if (written < 0) return std::nullopt;
  // EVP_DecodeBlock counts the zero bytes the padding stands for.
  out.resize(static_cast<size_t>(written) - padding);
  return out;
}

std::string Base64Encode(const unsigned char* data, size_t size) {
  std::string out((size + 2) / 3 * 4 + 1, '\0');  // EVP_EncodeBlock adds a NUL
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<size_t>(written));
  return out;
}

// The HMAC key of a secret, or nullopt when the secret is malformed.
std::optional<std::string> SecretKey(std::string_view secret) {
  if (secret.substr(0, kSecretPrefix.size()) != kSecretPrefix) return std::nullopt;
  std::optional<std::string> key = Base64Decode(secret.substr(kSecretPrefix.size()));
  if (!key.has_value() || key->size() < kMinSecretBytes || key->size() > kMaxSecretBytes) {
    return std::nullopt;
  }
  return key;
}

}  // namespace

bool IsValidWebhookSecret(std::string_view secret) { return SecretKey(secret).has_value(); }

absl::StatusOr<std::string> SignWebhook(std::string_view secret, std::string_view id,
                                        int64_t timestamp_seconds, std::string_view body) {
  const std::optional<std::string> key = SecretKey(secret);
  if (!key.has_value()) {
    // The secret itself is never part of a message.
    return absl::InvalidArgumentError(
        absl::StrCat("malformed webhook secret: expected 'whsec_' followed by base64 of ",
                     kMinSecretBytes, " to ", kMaxSecretBytes, " bytes"));
  }
  const std::string signed_content =
      absl::StrCat(absl::string_view(id.data(), id.size()), ".", timestamp_seconds, ".",
                   absl::string_view(body.data(), body.size()));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
           reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size(),
           mac, &mac_size) == nullptr) {
    return absl::InternalError("hmac-sha256 failed");
  }
  return absl::StrCat("v1,", Base64Encode(mac, mac_size));
}

absl::StatusOr<std::string> WebhookSignatureHeader(const std::vector<std::string>& secrets,
                                                   std::string_view id, int64_t timestamp_seconds,
                                                   std::string_view body) {
  if (secrets.empty()) return absl::InvalidArgumentError("no webhook secret to sign with");
  std::string header;
  for (size_t i = 0; i < secrets.size(); ++i) {
    absl::StatusOr<std::string> signature = SignWebhook(secrets[i], id, timestamp_seconds, body);
    if (!signature.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("secret ", i + 1, " of ", secrets.size(), ": ",
                                                     signature.status().message()));
    }
    if (!header.empty()) header += ' ';
    header += *signature;
  }
  return header;
}

}  // namespace warden::alerts
