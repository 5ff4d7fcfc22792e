#include "tools/time_args.h"

#include <gtest/gtest.h>

namespace warden::tools {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);  // 2026-11-18T11:06:40Z

TEST(ParseTimeArgTest, DurationsCountBackFromNow) {
  struct Case {
    const char* text;
    absl::Duration back;
  };
  for (const Case& c :
       {Case{"90s", absl::Seconds(90)}, Case{"30m", absl::Minutes(30)}, Case{"1h", absl::Hours(1)},
        Case{"1h30m", absl::Minutes(90)}, Case{"2d", absl::Hours(48)},
        Case{"1d12h", absl::Hours(36)}, Case{"0", absl::ZeroDuration()}}) {
    absl::StatusOr<absl::Time> t = ParseTimeArg(c.text, kNow);
    ASSERT_TRUE(t.ok()) << c.text << ": " << t.status();
    EXPECT_EQ(*t, kNow - c.back) << c.text;
  }
}

TEST(ParseTimeArgTest, Rfc3339TimesAreAbsolute) {
  absl::StatusOr<absl::Time> t = ParseTimeArg("2026-11-26T10:00:00Z", kNow);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(FormatUtcTime(*t), "2026-11-26T10:00:00Z");

  t = ParseTimeArg("2026-11-26T11:30:00.5+01:00", kNow);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(FormatUtcTime(*t), "2026-11-26T10:30:00Z");
}

TEST(ParseTimeArgTest, RejectsAnythingElseNamingTheText) {
  for (const char* bad : {"", "1x", "-1h", "d", "h1", "yesterday", "2026-11-26", "1h2d"}) {
    absl::StatusOr<absl::Time> t = ParseTimeArg(bad, kNow);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().message(),
              std::string("invalid time '") + bad +
                  "': expected a duration back from now (90s, 30m, 1h, 2d) or an RFC3339 time "
                  "(2026-11-26T10:00:00Z)");
  }
}

TEST(FormatTimestampTest, RendersUtcToTheSecondAndDashWhenUnset) {
  google::protobuf::Timestamp ts;
  EXPECT_EQ(FormatTimestamp(ts), "-");
  ts.set_seconds(1'795'000'000);
  ts.set_nanos(999'000'000);
  EXPECT_EQ(FormatTimestamp(ts), "2026-11-18T11:06:40Z");
}

TEST(ToTimestampTest, RoundTripsBeforeAndAfterTheEpoch) {
  for (absl::Time t :
       {kNow + absl::Milliseconds(250), absl::UnixEpoch() - absl::Milliseconds(250)}) {
    google::protobuf::Timestamp ts = ToTimestamp(t);
    EXPECT_GE(ts.nanos(), 0);
    EXPECT_LT(ts.nanos(), 1'000'000'000);
    EXPECT_EQ(absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos()), t);
  }
}

}  // namespace
}  // namespace warden::tools
