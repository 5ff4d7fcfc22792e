#include "tools/pacing.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/token_bucket.h"

namespace warden::tools {
namespace {

// The waits shorter than a step are not slept one by one, but they are not forgiven:
// 200 events at 20,000/s after a burst of 1 still take at least the 10 ms they are owed.
// (A lower bound only: a busy machine can only make it longer.)
TEST(PacingTest, SmallWaitsAddUpSoTheLongRunRateIsKept) {
  const absl::Time start = absl::Now();
  TokenBucket bucket(20000, 1, start);
  std::atomic<bool> stop{false};
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(PaceUnlessStopped(bucket, stop, absl::Milliseconds(100)));
  }
  EXPECT_GE(absl::Now() - start, absl::Microseconds(9950));
}

TEST(PacingTest, ReturnsFalseOnceToldToStop) {
  TokenBucket bucket(1, 1, absl::Now());
  std::atomic<bool> stop{false};
  EXPECT_TRUE(PaceUnlessStopped(bucket, stop, absl::Milliseconds(10)));
  stop.store(true);
  EXPECT_FALSE(PaceUnlessStopped(bucket, stop, absl::Milliseconds(10)));
}

}  // namespace
}  // namespace warden::tools
