#include "alerts/signing.h"

#include "gtest/gtest.h"

namespace warden::alerts {
namespace {

// The Standard Webhooks reference test vector (checked independently with Python's
// hmac and base64 modules).
constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr char kBody[] = R"({"test": 2432232314})";
constexpr char kSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(SigningTest, StandardWebhooksTestVector) {
  absl::StatusOr<std::string> signature = SignWebhook(kSecret, kId, kTimestamp, kBody);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(*signature, kSignature);
}

TEST(SigningTest, EveryPartIsSigned) {
  EXPECT_NE(*SignWebhook(kSecret, "msg_other", kTimestamp, kBody), kSignature);
  EXPECT_NE(*SignWebhook(kSecret, kId, kTimestamp + 1, kBody), kSignature);
  EXPECT_NE(*SignWebhook(kSecret, kId, kTimestamp, R"({"test": 2432232315})"), kSignature);
}

TEST(SigningTest, HeaderCarriesOneSignaturePerSecretInOrder) {
  // 32 bytes, base64 with one padding character.
  const std::string other = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  ASSERT_TRUE(IsValidWebhookSecret(other));
  absl::StatusOr<std::string> header =
      WebhookSignatureHeader({kSecret, other}, kId, kTimestamp, kBody);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(*header, std::string(kSignature) + " " + *SignWebhook(other, kId, kTimestamp, kBody));
}

TEST(SigningTest, HeaderNeedsASecret) {
  EXPECT_EQ(WebhookSignatureHeader({}, kId, kTimestamp, kBody).status().message(),
            "no webhook secret to sign with");
}

TEST(SigningTest, MalformedSecretsAreRejectedWithoutShowingThem) {
  for (const char* secret : {
           "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",         // no prefix
           "whsec_",                                   // nothing after it
           "whsec_dG9vIHNob3J0",                       // "too short": 10 bytes
           "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",    // not a multiple of 4
           "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La Lasw",  // a space
           "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa=w",   // padding in the middle
           "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS-",   // URL-safe alphabet
       }) {
    SCOPED_TRACE(secret);
    EXPECT_FALSE(IsValidWebhookSecret(secret));
    absl::StatusOr<std::string> signature = SignWebhook(secret, kId, kTimestamp, kBody);
    EXPECT_EQ(signature.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(signature.status().message(),
              "malformed webhook secret: expected 'whsec_' followed by base64 of 24 to 64 bytes");
  }
  EXPECT_EQ(WebhookSignatureHeader({kSecret, "whsec_x"}, kId, kTimestamp, kBody).status().message(),
            "secret 2 of 2: malformed webhook secret: expected 'whsec_' followed by base64 of 24 "
            "to 64 bytes");
}

TEST(SigningTest, SecretLengthBounds) {
  // Base64 of 24 and 64 zero bytes pass; 23 and 65 do not.
  EXPECT_TRUE(IsValidWebhookSecret("whsec_" + std::string(32, 'A')));
  EXPECT_TRUE(IsValidWebhookSecret("whsec_" + std::string(84, 'A') + "AA=="));
  EXPECT_FALSE(IsValidWebhookSecret("whsec_" + std::string(28, 'A') + "AAA="));
  EXPECT_FALSE(IsValidWebhookSecret("whsec_" + std::string(84, 'A') + "AAA="));
}

}  // namespace
}  // namespace warden::alerts
