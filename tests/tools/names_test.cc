#include "tools/names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::tools {
namespace {

TEST(KebabNameTest, LowerCaseWithDashesAndDashForUnspecified) {
  EXPECT_EQ(KebabName(v1::VerificationState_Name(v1::TRUE_POSITIVE)), "true-positive");
  EXPECT_EQ(KebabName(v1::ViolationEventType_Name(v1::ALARM_INVALIDATED)), "alarm-invalidated");
  EXPECT_EQ(KebabName(v1::Severity_Name(v1::CRITICAL)), "critical");
  EXPECT_EQ(KebabName(v1::Severity_Name(v1::SEVERITY_UNSPECIFIED)), "-");
}

TEST(VerificationStateTest, NamesParseBack) {
  EXPECT_THAT(VerificationStateNames(), testing::ElementsAre("unknown", "true-positive",
                                                             "benign-positive", "false-positive"));
  for (const std::string& name : VerificationStateNames()) {
    std::optional<v1::VerificationState> s = ParseVerificationState(name);
    ASSERT_TRUE(s.has_value()) << name;
    EXPECT_EQ(KebabName(v1::VerificationState_Name(*s)), name);
  }
  EXPECT_FALSE(ParseVerificationState("TRUE_POSITIVE").has_value());
  EXPECT_FALSE(ParseVerificationState("").has_value());
}

}  // namespace
}  // namespace warden::tools
