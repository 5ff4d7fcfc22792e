#ifndef WARDEN_COMMON_TOKEN_BUCKET_H_
#define WARDEN_COMMON_TOKEN_BUCKET_H_

#include "absl/time/time.h"

namespace warden {

// Paces events at `rate` per second, allowing bursts of up to `burst` events after a
// pause. The caller passes the time, so tests need no clock. Used by warden-loadgen
// for pacing and by the alert dispatcher for per-receiver rate limits. Not thread-safe.
class TokenBucket {
 public:
  // Starts with `initial` tokens (default: full). rate > 0, burst >= 1, initial <= burst.
  TokenBucket(double rate, double burst, absl::Time now);
  TokenBucket(double rate, double burst, absl::Time now, double initial);

  // Takes a token for one event at `now` and returns how long to wait before the event:
  // zero when a token was there. Waiting the returned time keeps the long-run rate at
  // `rate` however late the caller is.
  absl::Duration Take(absl::Time now);

  // How late an event taken at `now` is on the bucket's schedule: how long ago the
  // token it would take came due (tokens come due one every 1/rate; those beyond the
  // burst are forgotten). Zero when no token is there yet. Takes nothing.
  absl::Duration Late(absl::Time now) const;

 private:
  // The tokens there at `now`: those at `last_` plus what accrued since, up to the burst.
  double TokensAt(absl::Time now) const;

  const double rate_;
  const double burst_;
  double tokens_;  // negative: owed, the wait of events already promised
  absl::Time last_;
};

}  // namespace warden

#endif  // WARDEN_COMMON_TOKEN_BUCKET_H_
