#include "common/token_bucket.h"

#include <algorithm>

namespace warden {

TokenBucket::TokenBucket(double rate, double burst, absl::Time now)
    : TokenBucket(rate, burst, now, burst) {}

TokenBucket::TokenBucket(double rate, double burst, absl::Time now, double initial)
    : rate_(rate), burst_(burst), tokens_(std::min(initial, burst)), last_(now) {}

double TokenBucket::TokensAt(absl::Time now) const {
  return now > last_ ? std::min(burst_, tokens_ + absl::ToDoubleSeconds(now - last_) * rate_)
                     : tokens_;
}

absl::Duration TokenBucket::Take(absl::Time now) {
  tokens_ = TokensAt(now);
  last_ = std::max(last_, now);
  tokens_ -= 1;
  if (tokens_ >= 0) return absl::ZeroDuration();
  return absl::Seconds(-tokens_ / rate_);
}

absl::Duration TokenBucket::Late(absl::Time now) const {
  const double tokens = TokensAt(now);
  // With n >= 1 tokens, the oldest came due (n - 1) / rate ago.
  return tokens > 1 ? absl::Seconds((tokens - 1) / rate_) : absl::ZeroDuration();
}

}  // namespace warden
