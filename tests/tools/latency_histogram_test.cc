#include "tools/latency_histogram.h"

#include <gtest/gtest.h>

namespace warden::tools {
namespace {

// Within 1% above the true value (a quantile is its bucket's upper bound).
void ExpectNear(absl::Duration got, absl::Duration want) {
  EXPECT_GE(got, want);
  EXPECT_LE(got, want * 1.011) << got << " vs " << want;
}

TEST(LatencyHistogramTest, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.Quantile(0.5), absl::ZeroDuration());
  EXPECT_EQ(h.max(), absl::ZeroDuration());
}

TEST(LatencyHistogramTest, QuantilesWithinOnePercent) {
  LatencyHistogram h;
  for (int ms = 1; ms <= 1000; ++ms) h.Record(absl::Milliseconds(ms));
  EXPECT_EQ(h.count(), 1000);
  ExpectNear(h.Quantile(0.5), absl::Milliseconds(500));
  ExpectNear(h.Quantile(0.99), absl::Milliseconds(990));
  EXPECT_EQ(h.Quantile(1.0), absl::Milliseconds(1000));  // capped at the exact max
  EXPECT_EQ(h.max(), absl::Milliseconds(1000));
  ExpectNear(h.Quantile(0), absl::Milliseconds(1));
}

TEST(LatencyHistogramTest, ExtremesLandInTheEndBuckets) {
  LatencyHistogram h;
  h.Record(absl::ZeroDuration());
  h.Record(absl::Hours(2));
  ExpectNear(h.Quantile(0.5), absl::Microseconds(1));
  EXPECT_EQ(h.max(), absl::Hours(2));
  EXPECT_LE(h.Quantile(1.0), absl::Hours(2));
}

TEST(LatencyHistogramTest, MergeAddsCounts) {
  LatencyHistogram a, b;
  for (int i = 0; i < 99; ++i) a.Record(absl::Milliseconds(1));
  b.Record(absl::Milliseconds(50));
  a.Merge(b);
  EXPECT_EQ(a.count(), 100);
  ExpectNear(a.Quantile(0.99), absl::Milliseconds(1));
  EXPECT_EQ(a.Quantile(1.0), absl::Milliseconds(50));
  EXPECT_EQ(a.max(), absl::Milliseconds(50));
}

}  // namespace
}  // namespace warden::tools
