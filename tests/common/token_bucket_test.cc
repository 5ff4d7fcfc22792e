#include "common/token_bucket.h"

#include <gtest/gtest.h>

namespace warden {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'000'000);

TEST(TokenBucketTest, BurstThenPacedAtTheRate) {
  TokenBucket b(/*rate=*/10, /*burst=*/2, kStart);
  EXPECT_EQ(b.Take(kStart), absl::ZeroDuration());
  EXPECT_EQ(b.Take(kStart), absl::ZeroDuration());
  EXPECT_EQ(b.Take(kStart), absl::Milliseconds(100));
  EXPECT_EQ(b.Take(kStart), absl::Milliseconds(200));  // promised waits add up
}

TEST(TokenBucketTest, KeepsTheLongRunRateWhenTheCallerWaitsAsTold) {
  TokenBucket b(/*rate=*/1000, /*burst=*/1, kStart);
  absl::Time now = kStart;
  int sent = 0;
  while (now < kStart + absl::Seconds(1)) {
    now += b.Take(now);
    if (now < kStart + absl::Seconds(1)) ++sent;
  }
  EXPECT_NEAR(sent, 1000, 1);
}

TEST(TokenBucketTest, APauseRefillsOnlyUpToTheBurst) {
  TokenBucket b(/*rate=*/10, /*burst=*/3, kStart);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.Take(kStart), absl::ZeroDuration());
  const absl::Time later = kStart + absl::Hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.Take(later), absl::ZeroDuration());
  EXPECT_EQ(b.Take(later), absl::Milliseconds(100));
}

TEST(TokenBucketTest, StartsWithTheInitialTokens) {
  TokenBucket b(/*rate=*/10, /*burst=*/5, kStart, /*initial=*/1);
  EXPECT_EQ(b.Take(kStart), absl::ZeroDuration());
  EXPECT_EQ(b.Take(kStart), absl::Milliseconds(100));
  // The burst still bounds what a pause refills.
  const absl::Time later = kStart + absl::Hours(1);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b.Take(later), absl::ZeroDuration());
  EXPECT_EQ(b.Take(later), absl::Milliseconds(100));
}

}  // namespace
}  // namespace warden
