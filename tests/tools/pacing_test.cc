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

// Events sent at once (no wait) by a sender at 1,000/s that was stalled for `stall`
// after its first event.
int SentAtOnceAfterStall(absl::Duration catch_up, absl::Duration stall) {
  const absl::Time start = absl::FromUnixSeconds(1'000'000);
  TokenBucket bucket = PacingBucket(1000, catch_up, start);
  EXPECT_EQ(bucket.Take(start), absl::ZeroDuration());
  EXPECT_EQ(bucket.Take(start), absl::Milliseconds(1));  // no burst at the start
  int at_once = 0;
  while (bucket.Take(start + stall) == absl::ZeroDuration()) ++at_once;
  return at_once;
}

// What a stall owes is sent, up to the catch-up: 500 ms at 1,000/s owe 499 events
// (one was promised before the stall), of which a 100 ms catch-up sends 100.
TEST(PacingTest, AStalledSenderCatchesUpToItsAllowance) {
  EXPECT_EQ(SentAtOnceAfterStall(absl::Seconds(1), absl::Milliseconds(500)), 499);
  EXPECT_EQ(SentAtOnceAfterStall(absl::Milliseconds(100), absl::Milliseconds(500)), 100);
  EXPECT_EQ(SentAtOnceAfterStall(absl::ZeroDuration(), absl::Milliseconds(500)), 1);
}

// A sender 100 ms behind its schedule (its bucket started then): the events it owes
// were due at the start and every millisecond after, not when it gets to send them.
TEST(PacingTest, ALateSendersEventsAreDueWhenTheScheduleSaidNotWhenTheyGo) {
  const absl::Time start = absl::Now() - absl::Milliseconds(100);
  TokenBucket bucket = PacingBucket(1000, absl::Seconds(1), start);
  std::atomic<bool> stop{false};
  for (int i = 0; i < 3; ++i) {
    absl::Time due;
    ASSERT_TRUE(PaceUnlessStopped(bucket, stop, absl::Milliseconds(10), &due));
    EXPECT_NEAR(absl::ToDoubleMicroseconds(due - start), 1000.0 * i, 1) << i;
  }
}

// An on-time sender's event is due when its wait ends, or when it goes if that is
// earlier (a wait shorter than a step is not slept): never after it goes.
TEST(PacingTest, AnOnTimeSendersEventsAreNeverDueAfterTheyGo) {
  const absl::Time start = absl::Now();
  TokenBucket bucket = PacingBucket(1000, absl::Seconds(1), start);
  std::atomic<bool> stop{false};
  absl::Time previous = start;
  for (int i = 0; i < 20; ++i) {
    absl::Time due;
    ASSERT_TRUE(PaceUnlessStopped(bucket, stop, absl::Milliseconds(10), &due));
    const absl::Time went = absl::Now();
    EXPECT_LE(due, went) << i;
    EXPECT_GE(due, previous) << i;  // in schedule order
    previous = due;
  }
  // 20 events at 1,000/s: the last was scheduled 19 ms after the first, and went at
  // most a step ahead of that.
  EXPECT_GE(previous - start, absl::Milliseconds(19) - kPacingStep - absl::Microseconds(1));
}

}  // namespace
}  // namespace warden::tools
