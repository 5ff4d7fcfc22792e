#include "alerts/delivery_policy.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace warden::alerts {
namespace {

TEST(DeliveryPolicyTest, ClassifiesHttpStatuses) {
  constexpr struct {
    long status;
    Outcome outcome;
    const char* reason;
  } kCases[] = {
      {200, Outcome::kDelivered, "http_2xx"},  {204, Outcome::kDelivered, "http_2xx"},
      {301, Outcome::kPermanent, "http_3xx"},  {400, Outcome::kPermanent, "http_400"},
      {404, Outcome::kPermanent, "http_404"},  {408, Outcome::kRetry, "http_408"},
      {410, Outcome::kGone, "http_410"},       {422, Outcome::kPermanent, "http_4xx"},
      {425, Outcome::kRetry, "http_425"},      {429, Outcome::kRetry, "http_429"},
      {500, Outcome::kRetry, "http_500"},      {503, Outcome::kRetry, "http_503"},
      {507, Outcome::kRetry, "http_5xx"},      {0, Outcome::kRetry, "transport"},
      {99, Outcome::kPermanent, "http_other"}, {600, Outcome::kPermanent, "http_other"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.status);
    EXPECT_EQ(Classify(c.status), c.outcome);
    EXPECT_EQ(ReasonLabel(c.status), c.reason);
  }
}

TEST(DeliveryPolicyTest, BackoffDoublesFromTheInitialDelayUpToTheCap) {
  RetryPolicy policy;
  policy.initial_backoff_seconds = 1;
  policy.max_backoff_seconds = 300;
  // With unit_random just below 1 the delay is (nearly) the cap of the attempt.
  constexpr double kTop = 0.999999;
  const double expected_caps[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300};
  for (int attempt = 1; attempt <= 11; ++attempt) {
    SCOPED_TRACE(attempt);
    const double cap = expected_caps[attempt - 1];
    EXPECT_NEAR(BackoffSeconds(policy, attempt, kTop), cap, cap * 1e-6);
    EXPECT_EQ(BackoffSeconds(policy, attempt, 0), cap / 2);
  }
  EXPECT_EQ(BackoffSeconds(policy, 1'000'000, 0.5), 225);  // no overflow far out
  EXPECT_EQ(BackoffSeconds(policy, 0, 0), 0.5);            // counts as the first
}

TEST(DeliveryPolicyTest, JitterStaysInTheUpperHalfOfTheCap) {
  RetryPolicy policy;
  policy.initial_backoff_seconds = 2;
  policy.max_backoff_seconds = 60;
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const double cap = std::min(60.0, 2.0 * (1 << (attempt - 1)));
    for (double u = 0; u < 1; u += 0.125) {
      SCOPED_TRACE(testing::Message() << "attempt " << attempt << ", u " << u);
      const double delay = BackoffSeconds(policy, attempt, u);
      EXPECT_GE(delay, cap / 2);
      EXPECT_LE(delay, cap);
      EXPECT_DOUBLE_EQ(delay, cap / 2 + u * cap / 2);
    }
  }
}

}  // namespace
}  // namespace warden::alerts
