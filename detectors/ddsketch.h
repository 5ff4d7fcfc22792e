#ifndef WARDEN_DETECTORS_DDSKETCH_H_
#define WARDEN_DETECTORS_DDSKETCH_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::detectors {

// A mergeable quantile sketch of a non-negative metric (DDSketch, Masson et al., VLDB 2019):
// the fleet-wide pN of a behaviour's metric for statistical thresholds. Each shard keeps a
// sketch of its devices' values; a coordinator merges the shards' sketches.
//
// Accuracy: with relative accuracy alpha, gamma = (1 + alpha) / (1 - alpha) and a value
// v >= kMinIndexableValue is counted in bucket i = ceil(log_gamma(v)), i.e. gamma^(i-1) < v
// <= gamma^i. Quantile() answers the bucket's 2 * gamma^i / (gamma + 1), clamped to
// [min(), max()], which is within alpha * v of the true value v. Values in [0,
// kMinIndexableValue) are counted together as zeros and answered as min(): absolute error
// below kMinIndexableValue, no relative guarantee for them.
//
// Memory: the buckets are a dense array over the index range of the values added, at most
// kMaxBuckets (8 bytes each: 16 KiB). With the default alpha that covers a ratio of
// gamma^2048 ≈ 6e17 between the largest and the smallest non-zero value. When the values
// span more, the lowest buckets are collapsed: a value whose bucket index is below
// H - kMaxBuckets + 1 (H: the highest index of any value added) is counted in bucket
// H - kMaxBuckets + 1 instead. Only quantiles that fall among those smallest values lose
// their guarantee (they are overestimated, never beyond max()); the higher ones keep it.
//
// Merge is exact, collapsed or not: a bucket's final index is max(i, H - kMaxBuckets + 1),
// which depends only on the multiset of values, not on the order of adds and merges. So
// shard sketches merged in any order have the same buckets, count, min, max, quantiles and
// Serialize() bytes as one sketch fed all the values. (Bucket indices come from std::log:
// sketches built on hosts with different libm builds can disagree on a value within an ulp
// of a bucket boundary. The accuracy guarantee is unaffected.)
//
// A value type; not thread-safe: each shard owns its sketch, and a copy (or Serialize())
// is what crosses threads.
class DDSketch {
 public:
  static constexpr double kDefaultRelativeAccuracy = 0.01;
  // The accepted range of the relative accuracy: much finer ones would take bucket
  // indices beyond int32 (and collapse at once), coarser ones are useless as thresholds.
  static constexpr double kMinRelativeAccuracy = 1e-6;
  static constexpr double kMaxRelativeAccuracy = 0.5;
  // Values below this count as zeros.
  static constexpr double kMinIndexableValue = 1e-9;
  static constexpr int kMaxBuckets = 2048;

  // An empty sketch. `relative_accuracy` must be within [kMinRelativeAccuracy,
  // kMaxRelativeAccuracy] (a programming error otherwise: the process aborts); use
  // ValidRelativeAccuracy() to check a configured value first.
  explicit DDSketch(double relative_accuracy = kDefaultRelativeAccuracy);

  static bool ValidRelativeAccuracy(double relative_accuracy);

  // Counts `v` `count` times. The statistic is only defined for non-negative metrics:
  // a negative, NaN or infinite `v` returns false and changes nothing, as does a count that
  // would take count() beyond UINT64_MAX. `count` 0 changes nothing and returns true.
  bool Add(double v, uint64_t count = 1);

  // Adds the values of `other` (which may be *this). Returns false and changes nothing if
  // `other` has a different relative accuracy or the total count would overflow.
  bool Merge(const DDSketch& other);

  // The value at quantile `q` in [0, 1]: q = 0 is the exact min(), q = 1 the exact max().
  // Otherwise the rank is the lower nearest rank of q * (count() - 1), i.e. the element at
  // 0-based position floor(q * (count() - 1)) of the sorted values, and the answer is its
  // bucket's value (see above). The product is rounded up when it is within 1e-14
  // (relative) below an integer, so that a q which is the double nearest a decimal (0.29)
  // gets the decimal's rank (0.29 * 100 = 29, not 28.999...).
  // nullopt when the sketch is empty or `q` is outside [0, 1] (or NaN).
  std::optional<double> Quantile(double q) const;

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The exact smallest and largest values added; 0 when empty.
  double min() const { return empty() ? 0 : min_; }
  double max() const { return empty() ? 0 : max_; }
  double relative_accuracy() const { return alpha_; }
  // The number of buckets the dense store spans (<= kMaxBuckets), and the bytes the
  // sketch holds (the object plus its bucket array's capacity).
  size_t bucket_count() const { return counts_.size(); }
  size_t MemoryUsage() const { return sizeof(*this) + counts_.capacity() * sizeof(uint64_t); }

  // A compact, canonical byte string: equal sketches give equal bytes (and Parse() accepts
  // only canonical input, so Serialize(Parse(s)) == s). Layout, little-endian:
  //   u8 version (1) | f64 alpha | varint zero count | varint n buckets
  //   | if n > 0: zigzag varint index of the first bucket, n varint counts (first and last
  //     non-zero) | if count > 0: f64 min, f64 max
  // An empty sketch is 11 bytes; a full one at most 42 + 10 * kMaxBuckets bytes, typically
  // 1-3 bytes per bucket.
  std::string Serialize() const;

  // Reads Serialize()'s output. Untrusted input: anything malformed, truncated, with
  // trailing bytes, out of range or internally inconsistent gives nullopt.
  static std::optional<DDSketch> Parse(std::string_view bytes);

 private:
  int32_t Index(double v) const;
  double BucketValue(int32_t index) const;
  // Adds `count` to bucket `index`, growing the store and collapsing its lowest buckets.
  void AddToBucket(int32_t index, uint64_t count);
  // Makes the store span at least [max(lo, floor), hi], floor = hi - kMaxBuckets + 1
  // (hi >= the highest bucket), moving the counts of buckets below the floor into it.
  void Cover(int32_t lo, int32_t hi);

  double alpha_;
  double gamma_;
  double log_gamma_;
  double inv_log_gamma_;
  double value_factor_;  // 2 / (gamma + 1)
  uint64_t count_ = 0;
  uint64_t zero_count_ = 0;
  double min_ = 0;
  double max_ = 0;
  // counts_[k] is the count of bucket offset_ + k; the first and last are non-zero.
  int32_t offset_ = 0;
  std::vector<uint64_t> counts_;
};

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_DDSKETCH_H_
