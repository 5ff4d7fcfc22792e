#ifndef WARDEN_TOOLS_PACING_H_
#define WARDEN_TOOLS_PACING_H_

#include <algorithm>
#include <atomic>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/token_bucket.h"

namespace warden::tools {

// Sleeps `d` in slices of at most `poll`, returning early once `stop` is set: the load
// generator's senders wait out their pacing this way. False when told to stop.
inline bool SleepUnlessStopped(absl::Duration d, const std::atomic<bool>& stop,
                               absl::Duration poll) {
  while (d > absl::ZeroDuration()) {
    if (stop.load()) return false;
    const absl::Duration slice = std::min(d, poll);
    absl::SleepFor(slice);
    d -= slice;
  }
  return !stop.load();
}

// The bucket of a sender paced at `rate` events a second that may fall up to `catch_up`
// behind its schedule and still send what it owes. After a stall (a full window, slow
// acks) it sends up to that much of the missed schedule as fast as it can; what it owes
// beyond that is dropped from the schedule, so the run's rate falls short of `rate`.
// It starts with one token: no burst at the start, so a run's rate is `rate` from the
// first event on.
inline TokenBucket PacingBucket(double rate, absl::Duration catch_up, absl::Time now) {
  return TokenBucket(rate, std::max(1.0, rate * absl::ToDoubleSeconds(catch_up)), now, 1);
}

// Waits of a paced sender shorter than this are not slept one by one: they add up in
// the bucket and are slept together once they reach it.
inline constexpr absl::Duration kPacingStep = absl::Milliseconds(1);

// Takes `bucket`'s token for one event and waits as it says, in steps of kPacingStep: a
// sender at tens of thousands of events a second sleeps at most ~1,000 times a second
// instead of before every event (each sleep is a context switch, which at such rates
// costs the sender more CPU than the events), sends in bursts of at most one step's
// worth, and keeps the bucket's long-run rate. False once `stop` is set.
//
// `due` (may be null) gets the time the event was due on the sender's schedule: in the
// past when the sender is late (it waited for room in its window, or for a CPU, or its
// sleep overran), never after the time it returns (an event sent within kPacingStep
// ahead of its time is due when it goes). A latency counted from there includes the
// time a late sender held the event back, which one counted from the send would omit
// ("coordinated omission").
inline bool PaceUnlessStopped(TokenBucket& bucket, const std::atomic<bool>& stop,
                              absl::Duration poll, absl::Time* due = nullptr) {
  const absl::Time now = absl::Now();
  const absl::Duration late = bucket.Late(now);
  const absl::Duration wait = bucket.Take(now);
  if (!SleepUnlessStopped(wait >= kPacingStep ? wait : absl::ZeroDuration(), stop, poll)) {
    return false;
  }
  if (due != nullptr) *due = std::min(now + wait - late, absl::Now());
  return true;
}

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_PACING_H_
