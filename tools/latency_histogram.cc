#include "tools/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace warden::tools {
namespace {

constexpr double kLogGrowth = 0.009950330853168092;  // ln(1.01)

}  // namespace

int LatencyHistogram::BucketOf(int64_t us) {
  const double i = std::log(static_cast<double>(std::max<int64_t>(us, 1))) / kLogGrowth;
  return std::min(static_cast<int>(i), kBuckets - 1);
}

void LatencyHistogram::Record(absl::Duration latency) {
  const int64_t us = std::max<int64_t>(absl::ToInt64Microseconds(latency), 1);
  ++buckets_[BucketOf(us)];
  ++count_;
  max_us_ = std::max(max_us_, us);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_us_ = std::max(max_us_, other.max_us_);
}

absl::Duration LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return absl::ZeroDuration();
  // The rank of the wanted latency, 1-based: at least one, at most count_.
  const auto rank = std::clamp<int64_t>(
      static_cast<int64_t>(std::ceil(q * static_cast<double>(count_))), 1, count_);
  int64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const double upper_us = std::exp(kLogGrowth * (i + 1));
      return std::min(absl::Microseconds(upper_us), max());
    }
  }
  return max();
}

}  // namespace warden::tools
