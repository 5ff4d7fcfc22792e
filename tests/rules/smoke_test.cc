#include "gtest/gtest.h"
#include "rules/loader.h"
TEST(Smoke, Builds) { EXPECT_TRUE(warden::rules::LoadRules({}).ok()); }
