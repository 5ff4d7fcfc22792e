#ifndef WARDEN_ALERTS_SIGNING_H_
#define WARDEN_ALERTS_SIGNING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace warden::alerts {

// Whether `secret` is a Standard Webhooks secret: "whsec_" + base64 of 24–64 bytes.
bool IsValidWebhookSecret(std::string_view secret);

// Standard Webhooks signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp +
// "." + body)), key = the base64-decoded part of `secret` after "whsec_".
// InvalidArgument for a malformed secret.
absl::StatusOr<std::string> SignWebhook(std::string_view secret, std::string_view id,
                                        int64_t timestamp_seconds, std::string_view body);

// The webhook-signature header: every secret's signature, space-separated, in the
// order given. InvalidArgument when `secrets` is empty or one of them is malformed.
absl::StatusOr<std::string> WebhookSignatureHeader(const std::vector<std::string>& secrets,
                                                   std::string_view id, int64_t timestamp_seconds,
                                                   std::string_view body);

}  // namespace warden::alerts

#endif  // WARDEN_ALERTS_SIGNING_H_
