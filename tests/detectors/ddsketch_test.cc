#include "detectors/ddsketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rules/model.h"

namespace warden::detectors {
namespace {

// The percentiles a statistical threshold uses, as Device Defender statistic names and in
// tenths of a percent (for the exact rank in integer arithmetic).
struct Percentile {
  const char* name;
  uint64_t tenths;
};
constexpr Percentile kPercentiles[] = {{"p1", 10},   {"p10", 100}, {"p50", 500},
                                       {"p90", 900}, {"p99", 990}, {"p99.9", 999}};

// The exact percentile with the sketch's rank convention: the lower nearest rank of
// q * (n - 1), i.e. sorted[floor(q * (n - 1))], here computed without rounding.
double ExactPercentile(const std::vector<double>& sorted, uint64_t tenths) {
  return sorted[tenths * (sorted.size() - 1) / 1000];
}

// |estimate - exact| <= alpha * exact, with room for one rounding of log/exp at a bucket
// boundary (1e-9 relative). An exact zero must be answered as zero.
void ExpectWithinRelativeError(double estimate, double exact, double alpha) {
  if (exact == 0) {
    EXPECT_EQ(estimate, 0);
    return;
  }
  EXPECT_LE(std::abs(estimate - exact), alpha * exact * (1 + 1e-9))
      << "estimate " << estimate << " exact " << exact << " relative error "
      << std::abs(estimate - exact) / exact;
}

DDSketch SketchOf(const std::vector<double>& values, double alpha = 0.01) {
  DDSketch s(alpha);
  for (double v : values) EXPECT_TRUE(s.Add(v));
  return s;
}

// ---- accuracy on several distributions --------------------------------------------

struct Distribution {
  std::string name;
  std::function<double(std::mt19937_64&)> draw;
};

std::vector<Distribution> Distributions() {
  return {
      {"Uniform",
       [](std::mt19937_64& rng) { return std::uniform_real_distribution<>(0, 1000)(rng); }},
      {"LogNormal", [](std::mt19937_64& rng) { return std::lognormal_distribution<>(0, 2)(rng); }},
      // Pareto with x_m = 1 and shape 1.16 (the 80/20 rule): a heavy tail.
      {"Pareto",
       [](std::mt19937_64& rng) {
         const double u = 1 - std::uniform_real_distribution<>(0, 1)(rng);  // (0, 1]
         return std::pow(u, -1 / 1.16);
       }},
      {"Constant", [](std::mt19937_64&) { return 42.0; }},
      // A fleet where 30 % of the devices report 0 (idle), the rest log-normal bytes.
      {"ZerosMixedIn",
       [](std::mt19937_64& rng) {
         if (std::uniform_real_distribution<>(0, 1)(rng) < 0.3) return 0.0;
         return std::lognormal_distribution<>(8, 1.5)(rng);
       }},
      // Small integer counts with many ties (connections, listening ports), zero included.
      {"SmallIntegersWithTies",
       [](std::mt19937_64& rng) {
         return static_cast<double>(std::uniform_int_distribution<>(0, 20)(rng));
       }},
  };
}

class DDSketchAccuracyTest : public testing::TestWithParam<std::tuple<Distribution, double>> {};

TEST_P(DDSketchAccuracyTest, EveryThresholdPercentileIsWithinAlphaOfTheExactOne) {
  const auto& [dist, alpha] = GetParam();
  // n - 1 = 100000 makes every percentile's rank an integer, where a rounding error in
  // q * (n - 1) would show as an off-by-one rank; 12345 makes them fractional.
  for (size_t n : {size_t{100001}, size_t{12345}}) {
    SCOPED_TRACE(absl::StrCat(dist.name, " n=", n, " alpha=", alpha));
    std::mt19937_64 rng(n);
    std::vector<double> values(n);
    for (double& v : values) v = dist.draw(rng);
    const DDSketch sketch = SketchOf(values, alpha);
    std::sort(values.begin(), values.end());
    ASSERT_EQ(sketch.count(), n);
    EXPECT_EQ(sketch.min(), values.front());
    EXPECT_EQ(sketch.max(), values.back());
    for (const Percentile& p : kPercentiles) {
      SCOPED_TRACE(p.name);
      const std::optional<double> q = rules::ParseStatistic(p.name);
      ASSERT_TRUE(q.has_value());
      const std::optional<double> estimate = sketch.Quantile(*q);
      ASSERT_TRUE(estimate.has_value());
      ExpectWithinRelativeError(*estimate, ExactPercentile(values, p.tenths), alpha);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Distributions, DDSketchAccuracyTest,
                         testing::Combine(testing::ValuesIn(Distributions()),
                                          testing::Values(0.01, 0.05)),
                         [](const testing::TestParamInfo<DDSketchAccuracyTest::ParamType>& info) {
                           return absl::StrCat(std::get<0>(info.param).name, "_alpha",
                                               std::get<1>(info.param) == 0.01 ? "1pct" : "5pct");
                         });

TEST(DDSketchTest, ConstantMetricGivesTheExactValueAtEveryPercentile) {
  DDSketch s;
  ASSERT_TRUE(s.Add(1234.5678, 1000));
  for (double q : {0.0, 0.001, 0.01, 0.5, 0.99, 0.999, 1.0}) EXPECT_EQ(s.Quantile(q), 1234.5678);
}

TEST(DDSketchTest, DecimalPercentileGetsItsExactRankNotTheOneBelow) {
  // 101 values 10 % apart (each in its own bucket): pK is exactly the K-th smallest.
  // 0.29 * 100 is 28.999999999999996 in doubles; a plain floor would answer 1.1^28.
  std::vector<double> values;
  for (int k = 0; k <= 100; ++k) values.push_back(std::pow(1.1, k));
  std::shuffle(values.begin(), values.end(), std::mt19937_64(7));
  const DDSketch s = SketchOf(values);
  for (int k = 0; k <= 100; ++k) {
    SCOPED_TRACE(k);
    const std::optional<double> q = rules::ParseStatistic(absl::StrCat("p", k));
    ASSERT_TRUE(q.has_value());
    EXPECT_EQ(*q, k / 100.0);
    ExpectWithinRelativeError(*s.Quantile(*q), std::pow(1.1, k), 0.01);
  }
}

TEST(DDSketchTest, MinAndMaxAreExact) {
  DDSketch s;
  for (double v : {3.14159265358979, 2.718281828e6, 1e-3, 12345.678}) ASSERT_TRUE(s.Add(v));
  EXPECT_EQ(s.min(), 1e-3);
  EXPECT_EQ(s.max(), 2.718281828e6);
  EXPECT_EQ(s.Quantile(0), 1e-3);
  EXPECT_EQ(s.Quantile(1), 2.718281828e6);
  // Interior answers never leave [min, max] either.
  for (double q = 0; q <= 1; q += 0.01) {
    EXPECT_GE(*s.Quantile(q), s.min());
    EXPECT_LE(*s.Quantile(q), s.max());
  }
}

TEST(DDSketchTest, EmptySketchHasNoQuantile) {
  DDSketch s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.Quantile(0), std::nullopt);
  EXPECT_EQ(s.Quantile(0.5), std::nullopt);
  EXPECT_EQ(s.Quantile(1), std::nullopt);
  EXPECT_EQ(s.min(), 0);
  EXPECT_EQ(s.max(), 0);
}

TEST(DDSketchTest, QuantileOutsideZeroToOneIsRefused) {
  DDSketch s;
  ASSERT_TRUE(s.Add(5));
  EXPECT_EQ(s.Quantile(-0.01), std::nullopt);
  EXPECT_EQ(s.Quantile(1.01), std::nullopt);
  EXPECT_EQ(s.Quantile(std::nan("")), std::nullopt);
}

TEST(DDSketchTest, NegativeAndNonFiniteValuesAreRefusedAndChangeNothing) {
  DDSketch s;
  ASSERT_TRUE(s.Add(10));
  const std::string before = s.Serialize();
  EXPECT_FALSE(s.Add(-1));
  EXPECT_FALSE(s.Add(-1e-300));
  EXPECT_FALSE(s.Add(-std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(s.Add(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(s.Add(std::nan("")));
  EXPECT_FALSE(s.Add(-5, 0));
  EXPECT_EQ(s.Serialize(), before);
  EXPECT_EQ(s.count(), 1u);
  EXPECT_EQ(s.min(), 10);
}

TEST(DDSketchTest, ZerosAndValuesBelowTheIndexableMinimumAreCountedAsZeros) {
  DDSketch s;
  ASSERT_TRUE(s.Add(-0.0));  // a zero, recorded as +0
  ASSERT_TRUE(s.Add(1e-12));
  ASSERT_TRUE(s.Add(100, 2));
  EXPECT_EQ(s.count(), 4u);
  EXPECT_EQ(s.min(), 0);
  EXPECT_FALSE(std::signbit(s.min()));
  EXPECT_EQ(s.bucket_count(), 1u);
  EXPECT_EQ(s.Quantile(0.2), 0);  // rank 0: a zero
  EXPECT_EQ(s.Quantile(0.5), 0);  // rank 1: 1e-12, answered as min() = 0
  ExpectWithinRelativeError(*s.Quantile(0.7), 100, 0.01);

  DDSketch tiny;
  ASSERT_TRUE(tiny.Add(5e-10, 3));
  EXPECT_EQ(tiny.Quantile(0.5), 5e-10);  // the zero bucket answers min()
}

TEST(DDSketchTest, AddWithACountEqualsRepeatedAdds) {
  DDSketch once, repeated;
  ASSERT_TRUE(once.Add(3.5, 5));
  ASSERT_TRUE(once.Add(0, 2));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(repeated.Add(3.5));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(repeated.Add(0));
  EXPECT_EQ(once.Serialize(), repeated.Serialize());
  // A zero count changes nothing.
  ASSERT_TRUE(once.Add(1e6, 0));
  EXPECT_EQ(once.Serialize(), repeated.Serialize());
}

TEST(DDSketchTest, CountOverflowIsRefused) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  DDSketch s;
  ASSERT_TRUE(s.Add(1, kMax - 1));
  const std::string before = s.Serialize();
  EXPECT_FALSE(s.Add(2, 2));
  DDSketch other;
  ASSERT_TRUE(other.Add(2, 2));
  EXPECT_FALSE(s.Merge(other));
  EXPECT_EQ(s.Serialize(), before);
  EXPECT_TRUE(s.Add(2, 1));
  EXPECT_EQ(s.count(), kMax);
}

// ---- merge ------------------------------------------------------------------------

// A fleet-like dataset: idle devices, a log-normal body and a Pareto tail.
std::vector<double> FleetValues(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> values(n);
  for (double& v : values) {
    const double kind = std::uniform_real_distribution<>(0, 1)(rng);
    if (kind < 0.1) {
      v = 0;
    } else if (kind < 0.9) {
      v = std::lognormal_distribution<>(6, 2)(rng);
    } else {
      v = 1e4 * std::pow(1 - std::uniform_real_distribution<>(0, 1)(rng), -1 / 1.1);
    }
  }
  return values;
}

// Values spread log-uniformly over 1e-9 .. 1e300: far more than kMaxBuckets buckets.
std::vector<double> VeryWideValues(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> values(n);
  for (double& v : values) v = std::pow(10, std::uniform_real_distribution<>(-9, 300)(rng));
  return values;
}

// Splits `values` into `shards` sketches by a random shard per value.
std::vector<DDSketch> Shard(const std::vector<double>& values, int shards, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<DDSketch> sketches(shards);
  for (double v : values) {
    EXPECT_TRUE(sketches[std::uniform_int_distribution<>(0, shards - 1)(rng)].Add(v));
  }
  return sketches;
}

// The merge orders a coordinator might use: in shard order, reversed, shuffled, and as a
// pairwise tree (shards merged in pairs, then the pairs...).
std::vector<std::pair<std::string, DDSketch>> MergeInSeveralOrders(
    const std::vector<DDSketch>& shards) {
  std::vector<std::pair<std::string, DDSketch>> out;
  const auto merge_all = [](const std::vector<DDSketch>& parts) {
    DDSketch all;
    for (const DDSketch& s : parts) EXPECT_TRUE(all.Merge(s));
    return all;
  };
  out.emplace_back("forward", merge_all(shards));
  out.emplace_back("reverse", merge_all({shards.rbegin(), shards.rend()}));
  std::vector<DDSketch> shuffled = shards;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(99));
  out.emplace_back("shuffled", merge_all(shuffled));
  std::vector<DDSketch> level = shards;
  while (level.size() > 1) {
    std::vector<DDSketch> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(level[i + 1]);
      EXPECT_TRUE(next.back().Merge(level[i]));
    }
    if (level.size() % 2 == 1) next.push_back(level.back());
    level = std::move(next);
  }
  out.emplace_back("tree", level.front());
  return out;
}

void ExpectSameSketch(const DDSketch& merged, const DDSketch& single) {
  EXPECT_EQ(merged.Serialize(), single.Serialize());
  EXPECT_EQ(merged.count(), single.count());
  EXPECT_EQ(merged.min(), single.min());
  EXPECT_EQ(merged.max(), single.max());
  EXPECT_EQ(merged.bucket_count(), single.bucket_count());
  for (int k = 0; k <= 1000; ++k) {
    const double q = k / 1000.0;
    ASSERT_EQ(merged.Quantile(q), single.Quantile(q)) << "q=" << q;
  }
}

TEST(DDSketchMergeTest, MergedShardsEqualOneSketchOfAllTheData) {
  const std::vector<double> values = FleetValues(200'000, 1);
  const DDSketch single = SketchOf(values);
  for (int shards : {2, 7, 16}) {
    for (auto& [order, merged] : MergeInSeveralOrders(Shard(values, shards, shards))) {
      SCOPED_TRACE(absl::StrCat(shards, " shards merged ", order));
      ExpectSameSketch(merged, single);
    }
  }
}

TEST(DDSketchMergeTest, MergeStaysExactWhenTheLowestBucketsCollapse) {
  const std::vector<double> values = VeryWideValues(100'000, 2);
  const DDSketch single = SketchOf(values);
  ASSERT_EQ(single.bucket_count(), static_cast<size_t>(DDSketch::kMaxBuckets));  // collapsed
  for (int shards : {2, 7, 16}) {
    for (auto& [order, merged] : MergeInSeveralOrders(Shard(values, shards, shards + 100))) {
      SCOPED_TRACE(absl::StrCat(shards, " shards merged ", order));
      ExpectSameSketch(merged, single);
    }
  }
}

TEST(DDSketchMergeTest, CollapseDoesNotDependOnInsertionOrderOrOnHowShardsSplitTheRange) {
  std::vector<double> values = VeryWideValues(50'000, 12);
  const DDSketch shuffled = SketchOf(values);
  std::sort(values.begin(), values.end());
  const DDSketch ascending = SketchOf(values);
  const DDSketch descending = SketchOf({values.rbegin(), values.rend()});
  ExpectSameSketch(ascending, shuffled);
  ExpectSameSketch(descending, shuffled);
  // Shards that each see one band of magnitudes (small devices on one shard, large on
  // another), most of them entirely below the collapse floor of the merged sketch.
  std::vector<DDSketch> bands(16);
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_TRUE(bands[i * bands.size() / values.size()].Add(values[i]));
  }
  for (auto& [order, merged] : MergeInSeveralOrders(bands)) {
    SCOPED_TRACE(absl::StrCat("magnitude bands merged ", order));
    ExpectSameSketch(merged, shuffled);
  }
}

TEST(DDSketchMergeTest, SparseValuesCollapseIntoTheSameBucketInEveryOrder) {
  // 1e300 puts the collapse floor near 1e282; 1e290 sits between, so adding it before the
  // small values leaves the store's lowest bucket above the floor: the small values must
  // still land in the floor's bucket, as they do when added first and collapsed later.
  std::vector<double> values = {0, 1e-5, 1, 1e5, 1e290, 1e300};
  const DDSketch reference = SketchOf(values);
  ASSERT_EQ(reference.bucket_count(), static_cast<size_t>(DDSketch::kMaxBuckets));
  std::vector<DDSketch> singletons;
  do {
    SCOPED_TRACE(absl::StrCat(values[0], " ", values[1], " ", values[2], " ", values[3], " ",
                              values[4], " ", values[5]));
    ExpectSameSketch(SketchOf(values), reference);
    DDSketch merged;
    for (double v : values) ASSERT_TRUE(merged.Merge(SketchOf({v})));
    ExpectSameSketch(merged, reference);
  } while (std::next_permutation(values.begin(), values.end()));
  EXPECT_EQ(reference.Quantile(0), 0);
  EXPECT_EQ(reference.Quantile(1), 1e300);
}

TEST(DDSketchMergeTest, CollapseOnlyAffectsTheLowestQuantiles) {
  // 309 decades of values: the 2048 buckets kept cover the top ~17.8 decades, about the
  // top 5.7 % of the values.
  std::vector<double> values = VeryWideValues(100'000, 3);
  const DDSketch s = SketchOf(values);
  std::sort(values.begin(), values.end());
  for (uint64_t tenths : {990, 999}) {
    SCOPED_TRACE(tenths);
    ExpectWithinRelativeError(*s.Quantile(static_cast<double>(tenths) / 1000),
                              ExactPercentile(values, tenths), 0.01);
  }
  // Lower quantiles are overestimated, but never beyond max().
  for (uint64_t tenths : {10, 100, 500}) {
    SCOPED_TRACE(tenths);
    const double estimate = *s.Quantile(static_cast<double>(tenths) / 1000);
    EXPECT_GE(estimate, ExactPercentile(values, tenths));
    EXPECT_LE(estimate, s.max());
  }
  EXPECT_EQ(s.Quantile(0), values.front());
}

TEST(DDSketchMergeTest, MismatchedRelativeAccuracyIsRefusedAndChangesNothing) {
  DDSketch a(0.01), b(0.02);
  ASSERT_TRUE(a.Add(10));
  ASSERT_TRUE(b.Add(20));
  const std::string before = a.Serialize();
  EXPECT_FALSE(a.Merge(b));
  EXPECT_EQ(a.Serialize(), before);
  EXPECT_FALSE(a.Merge(DDSketch(0.02)));  // even an empty one
  EXPECT_EQ(a.Serialize(), before);
}

TEST(DDSketchMergeTest, MergingEmptySketches) {
  DDSketch a, empty;
  ASSERT_TRUE(a.Merge(empty));
  EXPECT_TRUE(a.empty());
  ASSERT_TRUE(a.Add(7));
  const std::string before = a.Serialize();
  ASSERT_TRUE(a.Merge(empty));
  EXPECT_EQ(a.Serialize(), before);
  ASSERT_TRUE(empty.Merge(a));
  EXPECT_EQ(empty.Serialize(), before);
}

TEST(DDSketchMergeTest, MergingASketchIntoItselfDoublesEveryCount) {
  const std::vector<double> values = FleetValues(1000, 4);
  DDSketch s = SketchOf(values);
  ASSERT_TRUE(s.Merge(s));
  DDSketch doubled;
  for (double v : values) ASSERT_TRUE(doubled.Add(v, 2));
  EXPECT_EQ(s.Serialize(), doubled.Serialize());
}

// ---- size -------------------------------------------------------------------------

TEST(DDSketchSizeTest, AMillionValuesStayUnderTheDocumentedSize) {
  // kMaxBuckets counts of 8 bytes: the sketch never holds more than 16 KiB of counts.
  const size_t max_memory = sizeof(DDSketch) + DDSketch::kMaxBuckets * sizeof(uint64_t);
  {
    std::mt19937_64 rng(5);
    DDSketch s;
    for (int i = 0; i < 1'000'000; ++i)
      ASSERT_TRUE(s.Add(std::lognormal_distribution<>(8, 2)(rng)));
    // A realistic metric (e^8 bytes, sigma 2) spans ~10 e-folds each side: ~1000 buckets.
    EXPECT_LT(s.bucket_count(), 1100u);
    EXPECT_LE(s.MemoryUsage(), max_memory);
    EXPECT_LT(s.Serialize().size(), 2500u);
  }
  {
    DDSketch s;
    for (double v : VeryWideValues(1'000'000, 6)) ASSERT_TRUE(s.Add(v));
    EXPECT_EQ(s.bucket_count(), static_cast<size_t>(DDSketch::kMaxBuckets));
    EXPECT_LE(s.MemoryUsage(), max_memory);
    EXPECT_LE(s.Serialize().size(), 42u + 10 * DDSketch::kMaxBuckets);
  }
}

// ---- serialization ----------------------------------------------------------------

std::vector<DDSketch> SampleSketches() {
  std::vector<DDSketch> out;
  out.emplace_back();  // empty
  out.emplace_back();
  EXPECT_TRUE(out.back().Add(0, 3));  // zeros only
  out.emplace_back(0.05);
  EXPECT_TRUE(out.back().Add(42));  // one value
  out.push_back(SketchOf(FleetValues(10'000, 7)));
  out.push_back(SketchOf(VeryWideValues(10'000, 8)));  // collapsed
  out.emplace_back(DDSketch::kMinRelativeAccuracy);
  EXPECT_TRUE(out.back().Add(std::numeric_limits<double>::max()));
  EXPECT_TRUE(out.back().Add(DDSketch::kMinIndexableValue));
  return out;
}

TEST(DDSketchSerializeTest, RoundTripKeepsEverything) {
  for (const DDSketch& s : SampleSketches()) {
    const std::string bytes = s.Serialize();
    const std::optional<DDSketch> parsed = DDSketch::Parse(bytes);
    ASSERT_TRUE(parsed.has_value()) << s.count();
    EXPECT_EQ(parsed->Serialize(), bytes);
    EXPECT_EQ(parsed->relative_accuracy(), s.relative_accuracy());
    ExpectSameSketch(*parsed, s);
  }
}

TEST(DDSketchSerializeTest, EmptySketchIsElevenBytes) {
  EXPECT_EQ(DDSketch().Serialize().size(), 11u);
}

TEST(DDSketchSerializeTest, ParsedSketchKeepsMergingExactly) {
  const std::vector<double> values = FleetValues(20'000, 9);
  std::vector<DDSketch> shards = Shard(values, 4, 9);
  DDSketch merged;
  for (const DDSketch& s : shards) ASSERT_TRUE(merged.Merge(*DDSketch::Parse(s.Serialize())));
  EXPECT_EQ(merged.Serialize(), SketchOf(values).Serialize());
}

TEST(DDSketchSerializeTest, MalformedInputIsRefused) {
  const std::string valid = SketchOf(FleetValues(1000, 10)).Serialize();
  ASSERT_TRUE(DDSketch::Parse(valid).has_value());
  EXPECT_FALSE(DDSketch::Parse("").has_value());
  EXPECT_FALSE(DDSketch::Parse("garbage").has_value());
  for (size_t len = 0; len < valid.size(); ++len) {
    EXPECT_FALSE(DDSketch::Parse(valid.substr(0, len)).has_value()) << "truncated to " << len;
  }
  EXPECT_FALSE(DDSketch::Parse(valid + '\0').has_value());  // trailing byte

  std::string wrong_version = valid;
  wrong_version[0] = 2;
  EXPECT_FALSE(DDSketch::Parse(wrong_version).has_value());

  // Hand-built sketches: version, alpha, then the rest.
  const auto build = [](double alpha, const std::string& rest) {
    std::string out(1, '\x01');
    uint64_t bits;
    std::memcpy(&bits, &alpha, sizeof(bits));
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
    return out + rest;
  };
  const auto f64 = [](double v) {
    std::string out;
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
    return out;
  };
  // One value 1.0 (bucket 0): zero count 0, 1 bucket at zigzag(0) with count 1, min, max.
  const std::string one = std::string("\x00\x01\x00\x01", 4) + f64(1) + f64(1);
  ASSERT_TRUE(DDSketch::Parse(build(0.01, one)).has_value());
  EXPECT_EQ(DDSketch::Parse(build(0.01, one))->Quantile(0.5), 1.0);
  EXPECT_FALSE(DDSketch::Parse(build(0, one)).has_value());
  EXPECT_FALSE(DDSketch::Parse(build(0.9, one)).has_value());
  EXPECT_FALSE(DDSketch::Parse(build(std::nan(""), one)).has_value());
  // Non-canonical varint for the zero count (0 as 0x80 0x00).
  EXPECT_FALSE(
      DDSketch::Parse(build(0.01, std::string("\x80\x00\x01\x00\x01", 5) + f64(1) + f64(1)))
          .has_value());
  // A zero count in an edge bucket.
  EXPECT_FALSE(
      DDSketch::Parse(build(0.01, std::string("\x00\x02\x00\x01\x00", 5) + f64(1) + f64(1)))
          .has_value());
  // More buckets than kMaxBuckets.
  EXPECT_FALSE(DDSketch::Parse(build(0.01, std::string("\x00\x81\x10", 3))).has_value());
  // min > max, a negative min, an infinite max, a max far from the top bucket.
  EXPECT_FALSE(DDSketch::Parse(build(0.01, std::string("\x00\x01\x00\x01", 4) + f64(2) + f64(1)))
                   .has_value());
  EXPECT_FALSE(DDSketch::Parse(build(0.01, std::string("\x00\x01\x00\x01", 4) + f64(-1) + f64(1)))
                   .has_value());
  EXPECT_FALSE(DDSketch::Parse(build(0.01, std::string("\x00\x01\x00\x01", 4) + f64(1) +
                                               f64(std::numeric_limits<double>::infinity())))
                   .has_value());
  EXPECT_FALSE(DDSketch::Parse(build(0.01, std::string("\x00\x01\x00\x01", 4) + f64(1) + f64(1e6)))
                   .has_value());
  // Zeros counted but a min that is not one.
  EXPECT_FALSE(DDSketch::Parse(build(0.01, std::string("\x01\x01\x00\x01", 4) + f64(1) + f64(1)))
                   .has_value());
  // A count but no min/max; min/max without a count.
  EXPECT_FALSE(DDSketch::Parse(build(0.01, std::string("\x00\x01\x00\x01", 4))).has_value());
  EXPECT_FALSE(
      DDSketch::Parse(build(0.01, std::string("\x00\x00", 2) + f64(1) + f64(1))).has_value());
  // A bucket index beyond what any double maps to.
  EXPECT_FALSE(DDSketch::Parse(build(0.01, std::string("\x00\x01\xfe\xff\xff\xff\x0f\x01", 8) +
                                               f64(1) + f64(1)))
                   .has_value());
}

TEST(DDSketchSerializeTest, RandomBytesAndMutationsNeverCrash) {
  std::mt19937_64 rng(11);
  const auto check = [](const std::string& bytes) {
    const std::optional<DDSketch> s = DDSketch::Parse(bytes);
    if (!s) return;
    // Whatever parses is canonical, answers within [min, max] and can be merged and added to.
    EXPECT_EQ(s->Serialize(), bytes);
    for (double q : {0.0, 0.01, 0.5, 0.99, 1.0}) {
      const std::optional<double> v = s->Quantile(q);
      if (s->empty()) {
        EXPECT_FALSE(v.has_value());
      } else {
        ASSERT_TRUE(v.has_value());
        EXPECT_GE(*v, s->min());
        EXPECT_LE(*v, s->max());
      }
    }
    DDSketch copy = *s;
    (void)copy.Merge(*s);
    (void)copy.Add(1e300);
    (void)copy.Add(1e-8);
  };
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes(std::uniform_int_distribution<>(0, 64)(rng), '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (i % 2 == 0 && !bytes.empty()) bytes[0] = 1;  // get past the version check
    check(bytes);
  }
  for (const DDSketch& sample : SampleSketches()) {
    const std::string valid = sample.Serialize();
    for (int i = 0; i < 2'000; ++i) {
      std::string bytes = valid;
      for (int flips = std::uniform_int_distribution<>(1, 3)(rng); flips > 0; --flips) {
        char& c = bytes[std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng)];
        c = static_cast<char>(c ^ (1 << std::uniform_int_distribution<>(0, 7)(rng)));
      }
      check(bytes);
    }
  }
}

// ---- rules::ParseStatistic --------------------------------------------------------------

TEST(ParseStatisticTest, AcceptsDeviceDefenderStatisticsAndAnyPercentile) {
  constexpr std::pair<const char*, double> kCases[] = {
      {"p0", 0},
      {"p0.1", 0.001},
      {"p0.01", 0.0001},
      {"p1", 0.01},
      {"p10", 0.1},
      {"p50", 0.5},
      {"p90", 0.9},
      {"p99", 0.99},
      {"p99.9", 0.999},
      {"p99.99", 0.9999},
      {"p100", 1},
      {"p25", 0.25},
      {"p12.5", 0.125},
      {"p50.0", 0.5},
      {"p100.0", 1},
      {"p0.0", 0},
      {"p29", 0.29},
      {"p33.333", 0.33333},
      {"p99.999999999999", 0.99999999999999},
  };
  for (const auto& [statistic, q] : kCases) {
    EXPECT_EQ(rules::ParseStatistic(statistic), q) << statistic;
  }
}

TEST(ParseStatisticTest, RefusesMalformedStatistics) {
  for (const char* statistic :
       {"",      "p",      "p101",    "99",     "p-1",   "p1e2",   "P50",  "p+50",
        " p50",  "p50 ",   "p100.01", "p100.5", "p.5",   "p5.",    "p05",  "p00",
        "p1000", "pinf",   "pnan",    "p50%",   "p0x10", "p99..9", "p1,5", "p9.9999999999999",
        "avg",   "p99.9.9"}) {
    EXPECT_EQ(rules::ParseStatistic(statistic), std::nullopt) << statistic;
  }
}

}  // namespace
}  // namespace warden::detectors
