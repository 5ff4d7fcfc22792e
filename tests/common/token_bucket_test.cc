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

double LateMillis(const TokenBucket& b, absl::Time now) {
  return absl::ToDoubleMilliseconds(b.Late(now));
}

// Tokens come due one every 1/rate; Late says how long ago the one the next Take gets
// came due, and takes nothing.
TEST(TokenBucketTest, LateSaysHowLongAgoTheNextTokenCameDue) {
  TokenBucket b(/*rate=*/10, /*burst=*/5, kStart, /*initial=*/1);
  EXPECT_EQ(b.Late(kStart), absl::ZeroDuration());  // the initial token: due now
  EXPECT_EQ(b.Take(kStart), absl::ZeroDuration());
  EXPECT_EQ(b.Late(kStart), absl::ZeroDuration());  // none there: not late
  // 250 ms on, the tokens of +100 and +200 ms are there: the older is 150 ms late.
  const absl::Time t = kStart + absl::Milliseconds(250);
  EXPECT_NEAR(LateMillis(b, t), 150, 1e-6);
  EXPECT_NEAR(LateMillis(b, t), 150, 1e-6);
  EXPECT_EQ(b.Take(t), absl::ZeroDuration());
  EXPECT_NEAR(LateMillis(b, t), 50, 1e-6);
  EXPECT_EQ(b.Take(t), absl::ZeroDuration());
  EXPECT_EQ(b.Late(t), absl::ZeroDuration());
  // Past the burst the schedule is forgotten: the oldest token kept is 400 ms late.
  EXPECT_NEAR(LateMillis(b, t + absl::Hours(1)), 400, 1e-6);
}

}  // namespace
}  // namespace warden
