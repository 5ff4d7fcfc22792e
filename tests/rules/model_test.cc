#include "rules/model.h"

#include "gtest/gtest.h"

namespace warden::rules {
namespace {

TEST(OperatorTest, ParsesAndNamesAllTen) {
  const char* names[] = {"less-than",   "less-than-equals", "greater-than", "greater-than-equals",
                         "in-cidr-set", "not-in-cidr-set",  "in-port-set",  "not-in-port-set",
                         "in-set",      "not-in-set"};
  for (const char* name : names) {
    std::optional<Operator> op = ParseOperator(name);
    ASSERT_TRUE(op.has_value()) << name;
    EXPECT_EQ(OperatorName(*op), name);
  }
  EXPECT_TRUE(IsNumberOperator(*ParseOperator("greater-than-equals")));
  EXPECT_FALSE(IsNumberOperator(*ParseOperator("in-set")));
}

TEST(OperatorTest, RejectsNearMissesAndCase) {
  EXPECT_FALSE(ParseOperator("greater-then").has_value());
  EXPECT_FALSE(ParseOperator("LESS-THAN").has_value());
  EXPECT_FALSE(ParseOperator("").has_value());
}

TEST(SeverityTest, ParsesAndNames) {
  EXPECT_EQ(ParseSeverity("low"), Severity::kLow);
  EXPECT_EQ(ParseSeverity("critical"), Severity::kCritical);
  EXPECT_EQ(SeverityName(Severity::kHigh), "high");
  EXPECT_FALSE(ParseSeverity("High").has_value());
  EXPECT_FALSE(ParseSeverity("severe").has_value());
}

}  // namespace
}  // namespace warden::rules
