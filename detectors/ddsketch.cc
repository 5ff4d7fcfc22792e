#include "detectors/ddsketch.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace warden::detectors {
namespace {

constexpr uint8_t kFormatVersion = 1;
// Relative slack when flooring q * (count - 1): q itself is a decimal rounded to a double.
constexpr double kRankTolerance = 1e-14;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutDouble(double v, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

uint32_t ZigZag(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}

int32_t UnZigZag(uint32_t v) { return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1)); }

// Reads Serialize()'s encodings, accepting only their canonical (shortest) forms.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return false;
      const uint8_t b = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      if (shift == 63 && b > 1) return false;  // beyond 64 bits
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) return false;  // a redundant trailing zero group
        *v = result;
        return true;
      }
    }
    return false;
  }

  bool Double(double* v) {
    if (in_.size() < 8) return false;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
      bits |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(8);
    std::memcpy(v, &bits, sizeof(bits));
    return true;
  }

  bool Byte(uint8_t* v) {
    if (in_.empty()) return false;
    *v = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return true;
  }

  bool Done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

bool DDSketch::ValidRelativeAccuracy(double relative_accuracy) {
  return relative_accuracy >= kMinRelativeAccuracy && relative_accuracy <= kMaxRelativeAccuracy;
}

DDSketch::DDSketch(double relative_accuracy) : alpha_(relative_accuracy) {
  if (!ValidRelativeAccuracy(relative_accuracy)) std::abort();
  gamma_ = (1 + alpha_) / (1 - alpha_);
  log_gamma_ = std::log(gamma_);
  inv_log_gamma_ = 1 / log_gamma_;
  value_factor_ = 2 / (gamma_ + 1);
}

int32_t DDSketch::Index(double v) const {
  // v in [kMinIndexableValue, DBL_MAX]: |index| <= 710 / log(gamma) < 2^31 for the
  // accepted relative accuracies.
  return static_cast<int32_t>(std::ceil(std::log(v) * inv_log_gamma_));
}

double DDSketch::BucketValue(int32_t index) const {
  // gamma^index overflows to infinity only for the top bucket of values near DBL_MAX;
  // the caller's clamp to max() handles it.
  return std::exp(index * log_gamma_) * value_factor_;
}

void DDSketch::Cover(int32_t lo, int32_t hi) {
  const int32_t floor = hi - (kMaxBuckets - 1);
  lo = std::max(lo, floor);
  // Grow the capacity geometrically but never beyond kMaxBuckets (std::vector would double).
  const size_t needed = static_cast<size_t>(int64_t{hi} - std::min(lo, offset_) + 1);
  if (needed > counts_.capacity()) {
    counts_.reserve(std::min<size_t>(kMaxBuckets, std::max(needed, 2 * counts_.capacity())));
  }
  const int32_t top = offset_ + static_cast<int32_t>(counts_.size()) - 1;
  if (offset_ < lo) {
    // Collapse: the buckets below the floor move into it.
    const ptrdiff_t below = std::min(lo, top + 1) - offset_;
    uint64_t folded = 0;
    for (ptrdiff_t k = 0; k < below; ++k) folded += counts_[static_cast<size_t>(k)];
    counts_.erase(counts_.begin(), counts_.begin() + below);
    if (counts_.empty()) counts_.push_back(0);
    counts_[0] += folded;
    offset_ = lo;
  } else if (lo < offset_) {
    counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - lo), 0);
    offset_ = lo;
  }
  const size_t size = static_cast<size_t>(int64_t{hi} - offset_ + 1);
  if (size > counts_.size()) counts_.resize(size, 0);
}

void DDSketch::AddToBucket(int32_t index, uint64_t count) {
  if (counts_.empty()) {
    offset_ = index;
    counts_.assign(1, count);
    return;
  }
  const int32_t top = offset_ + static_cast<int32_t>(counts_.size()) - 1;
  if (index >= offset_ && index <= top) {
    counts_[static_cast<size_t>(index - offset_)] += count;
    return;
  }
  const int32_t new_top = std::max(top, index);
  index = std::max(index, new_top - (kMaxBuckets - 1));
  Cover(std::min(offset_, index), new_top);
  counts_[static_cast<size_t>(index - offset_)] += count;
}

bool DDSketch::Add(double v, uint64_t count) {
  if (!(v >= 0) || !std::isfinite(v)) return false;
  if (count == 0) return true;
  if (count > std::numeric_limits<uint64_t>::max() - count_) return false;
  if (v == 0) v = 0;  // not -0.0
  if (v < kMinIndexableValue) {
    zero_count_ += count;
  } else {
    AddToBucket(Index(v), count);
  }
  if (count_ == 0) {
    min_ = max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  count_ += count;
  return true;
}

bool DDSketch::Merge(const DDSketch& other) {
  if (&other == this) {
    if (count_ > std::numeric_limits<uint64_t>::max() - count_) return false;
    for (uint64_t& c : counts_) c *= 2;
    zero_count_ *= 2;
    count_ *= 2;
    return true;
  }
  if (other.alpha_ != alpha_) return false;
  if (other.count_ > std::numeric_limits<uint64_t>::max() - count_) return false;
  if (other.count_ == 0) return true;
  if (count_ == 0) {
    *this = other;
    return true;
  }
  if (!other.counts_.empty()) {
    if (counts_.empty()) {
      offset_ = other.offset_;
      counts_ = other.counts_;
    } else {
      const int32_t top = offset_ + static_cast<int32_t>(counts_.size()) - 1;
      const int32_t other_top = other.offset_ + static_cast<int32_t>(other.counts_.size()) - 1;
      const int32_t new_top = std::max(top, other_top);
      const int32_t floor = new_top - (kMaxBuckets - 1);
      Cover(std::min(offset_, std::max(other.offset_, floor)), new_top);
      for (size_t k = 0; k < other.counts_.size(); ++k) {
        const int32_t index = std::max(other.offset_ + static_cast<int32_t>(k), floor);
        counts_[static_cast<size_t>(index - offset_)] += other.counts_[k];
      }
    }
  }
  zero_count_ += other.zero_count_;
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  return true;
}

std::optional<double> DDSketch::Quantile(double q) const {
  if (!(q >= 0 && q <= 1) || count_ == 0) return std::nullopt;
  if (q == 0) return min_;
  if (q == 1) return max_;
  const uint64_t last = count_ - 1;
  const double r = q * static_cast<double>(last) * (1 + kRankTolerance);
  const uint64_t rank = r >= static_cast<double>(last) ? last : static_cast<uint64_t>(r);
  // The zero bucket holds values in [0, kMinIndexableValue); min() is one of them.
  if (rank < zero_count_) return min_;
  uint64_t seen = zero_count_;
  for (size_t k = 0; k < counts_.size(); ++k) {
    seen += counts_[k];
    if (seen > rank) {
      return std::clamp(BucketValue(offset_ + static_cast<int32_t>(k)), min_, max_);
    }
  }
  return max_;  // not reached: the counts sum to count_
}

std::string DDSketch::Serialize() const {
  std::string out;
  out.reserve(27 + 3 * counts_.size());
  out.push_back(static_cast<char>(kFormatVersion));
  PutDouble(alpha_, &out);
  PutVarint(zero_count_, &out);
  PutVarint(counts_.size(), &out);
  if (!counts_.empty()) {
    PutVarint(ZigZag(offset_), &out);
    for (uint64_t c : counts_) PutVarint(c, &out);
  }
  if (count_ > 0) {
    PutDouble(min_, &out);
    PutDouble(max_, &out);
  }
  return out;
}

std::optional<DDSketch> DDSketch::Parse(std::string_view bytes) {
  Reader in(bytes);
  uint8_t version;
  double alpha;
  if (!in.Byte(&version) || version != kFormatVersion) return std::nullopt;
  if (!in.Double(&alpha) || !ValidRelativeAccuracy(alpha)) return std::nullopt;
  DDSketch s(alpha);
  uint64_t n;
  if (!in.Varint(&s.zero_count_) || !in.Varint(&n) || n > kMaxBuckets) return std::nullopt;
  uint64_t total = s.zero_count_;
  if (n > 0) {
    uint64_t zigzag;
    if (!in.Varint(&zigzag) || zigzag > std::numeric_limits<uint32_t>::max()) return std::nullopt;
    const int64_t first = UnZigZag(static_cast<uint32_t>(zigzag));
    const int64_t last = first + static_cast<int64_t>(n) - 1;
    if (first < s.Index(kMinIndexableValue) || last > s.Index(std::numeric_limits<double>::max())) {
      return std::nullopt;
    }
    s.offset_ = static_cast<int32_t>(first);
    s.counts_.resize(n);
    for (uint64_t& c : s.counts_) {
      if (!in.Varint(&c) || c > std::numeric_limits<uint64_t>::max() - total) return std::nullopt;
      total += c;
    }
    if (s.counts_.front() == 0 || s.counts_.back() == 0) return std::nullopt;
  }
  s.count_ = total;
  if (total > 0) {
    if (!in.Double(&s.min_) || !in.Double(&s.max_)) return std::nullopt;
    if (!std::isfinite(s.min_) || !std::isfinite(s.max_) || std::signbit(s.min_) ||
        s.min_ > s.max_) {
      return std::nullopt;
    }
    // min and max must be values the buckets could hold (within a bucket, allowing for
    // another host's libm).
    if ((s.zero_count_ > 0) != (s.min_ < kMinIndexableValue) ||
        (n > 0) != (s.max_ >= kMinIndexableValue)) {
      return std::nullopt;
    }
    if (n > 0) {
      const int32_t first = s.offset_;
      const int32_t last = first + static_cast<int32_t>(n) - 1;
      const int32_t max_index = s.Index(s.max_);
      if (max_index < last - 1 || max_index > last + 1) return std::nullopt;
      if (s.zero_count_ == 0) {
        const int32_t min_index = s.Index(s.min_);
        // Below the first bucket only if collapsed (which leaves the store full).
        if (min_index > first + 1 || (n < kMaxBuckets && min_index < first - 1)) {
          return std::nullopt;
        }
      }
    }
  }
  if (!in.Done()) return std::nullopt;
  return s;
}

}  // namespace warden::detectors
