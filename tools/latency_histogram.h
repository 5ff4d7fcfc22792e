#ifndef WARDEN_TOOLS_LATENCY_HISTOGRAM_H_
#define WARDEN_TOOLS_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>

#include "absl/time/time.h"

namespace warden::tools {

// Latencies in log-spaced buckets (each 1% wider than the one before, from 1 µs to
// about 20 minutes), so quantiles are within 1% whatever the count, in fixed memory.
// Not thread-safe.
class LatencyHistogram {
 public:
  // Below 1 µs counts as 1 µs; beyond the last bucket, as the last bucket.
  void Record(absl::Duration latency);
  void Merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }
  absl::Duration max() const { return absl::Microseconds(max_us_); }
  // The smallest recorded latency at or above the q-quantile (0 ≤ q ≤ 1), rounded up to
  // its bucket's upper bound (never above max()). Zero when nothing was recorded.
  absl::Duration Quantile(double q) const;

 private:
  static constexpr int kBuckets = 2100;  // 1.01^2100 µs ≈ 21 minutes
  // Bucket i holds [1.01^i, 1.01^(i+1)) µs.
  static int BucketOf(int64_t us);

  std::array<int64_t, kBuckets> buckets_{};
  int64_t count_ = 0;
  int64_t max_us_ = 0;
};

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_LATENCY_HISTOGRAM_H_
