#include "rules/suggest.h"

#include "gtest/gtest.h"

namespace warden::rules {
namespace {

constexpr std::string_view kKeys[] = {"name", "metric",   "operator",  "value",
                                      "list", "severity", "behaviours"};

TEST(ClosestMatchTest, SuggestsLikelyTypos) {
  EXPECT_EQ(ClosestMatch("opertor", kKeys), "operator");      // deletion
  EXPECT_EQ(ClosestMatch("behaviors", kKeys), "behaviours");  // US spelling
  EXPECT_EQ(ClosestMatch("lsit", kKeys), "list");             // swapped neighbours
  EXPECT_EQ(ClosestMatch("severty", kKeys), "severity");
}

TEST(ClosestMatchTest, StaysQuietWhenNothingIsClose) {
  EXPECT_EQ(ClosestMatch("statistic", kKeys), "");
  EXPECT_EQ(ClosestMatch("x", kKeys), "");
  EXPECT_EQ(ClosestMatch("metric", kKeys), "");  // an exact match is no suggestion
}

TEST(DidYouMeanTest, Phrase) {
  EXPECT_EQ(DidYouMean("vaule", kKeys), "; did you mean 'value'?");
  EXPECT_EQ(DidYouMean("zzzzzz", kKeys), "");
  EXPECT_EQ(JoinNames({"a", "b", "c"}), "a, b, c");
}

}  // namespace
}  // namespace warden::rules
