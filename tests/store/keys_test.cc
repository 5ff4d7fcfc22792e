#include "store/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/partition.h"

namespace warden::store {
namespace {

// A device whose partition needs both bytes (>= 256), so byte order matters.
std::string DeviceInHighPartition() {
  for (int i = 0; i < 10000; ++i) {
    std::string id = "dev-" + std::to_string(i);
    if (PartitionOf(id) >= 256 && (PartitionOf(id) & 0xff) != 0) return id;
  }
  ADD_FAILURE() << "no device with a partition >= 256";
  return "";
}

TEST(KeysTest, DeviceKeyIsBigEndianPartitionThenDeviceId) {
  const std::string device = DeviceInHighPartition();
  const uint32_t p = PartitionOf(device);
  const std::string key = DeviceKey(device);
  ASSERT_EQ(key.size(), 2 + device.size());
  EXPECT_EQ(static_cast<unsigned char>(key[0]), p >> 8);
  EXPECT_EQ(static_cast<unsigned char>(key[1]), p & 0xff);
  EXPECT_EQ(key.substr(2), device);
}

TEST(KeysTest, KeysOfOnePartitionFormOneContiguousRange) {
  // Keys sort by partition first, whatever the device ids.
  std::vector<std::string> devices;
  for (int i = 0; i < 200; ++i) devices.push_back("thing-" + std::to_string(i));
  std::vector<std::string> keys;
  for (const std::string& d : devices) keys.push_back(DeviceKey(d));
  std::sort(keys.begin(), keys.end());
  uint32_t previous = 0;
  for (const std::string& k : keys) {
    const uint32_t p = (static_cast<uint32_t>(static_cast<unsigned char>(k[0])) << 8) |
                       static_cast<unsigned char>(k[1]);
    EXPECT_GE(p, previous) << "partitions out of order at " << k.substr(2);
    EXPECT_EQ(p, PartitionOf(k.substr(2)));
    previous = p;
  }
}

TEST(KeysTest, ViolationKeyIsDeviceKeyThenProfileAndBehaviourSeparatedByNul) {
  const std::string key = ViolationKey("cam-1", "camera", "bytes-out");
  EXPECT_EQ(key, DeviceKey("cam-1") + std::string("\0camera\0bytes-out", 17));
  EXPECT_EQ(key.rfind(ViolationDevicePrefix("cam-1"), 0), 0u);
}

TEST(KeysTest, DevicePrefixDoesNotMatchADeviceWhoseIdExtendsIt) {
  // "cam-1" and "cam-10" may share a partition; the prefix must still tell them apart.
  const std::string prefix = ViolationDevicePrefix("cam-1");
  const std::string other = ViolationKey("cam-10", "camera", "bytes-out");
  EXPECT_NE(other.rfind(prefix, 0), 0u);
}

TEST(KeysTest, EventKeysSortByTime) {
  const std::vector<int64_t> times = {0,
                                      1,
                                      255,
                                      256,
                                      65535,
                                      65536,
                                      1'700'000'000'000'000,
                                      1'700'000'000'000'001,
                                      1'800'000'000'000'000};
  for (size_t i = 0; i + 1 < times.size(); ++i) {
    // A later event sorts after an earlier one even when its id sorts first.
    EXPECT_LT(EventKey(times[i], "ffffffffffffffff", 3),
              EventKey(times[i + 1], "0000000000000000", 1))
        << times[i] << " vs " << times[i + 1];
    EXPECT_LE(EventKeyLowerBound(times[i]), EventKey(times[i], "", 0));
    EXPECT_LT(EventKey(times[i], "ffffffffffffffff", 3), EventKeyLowerBound(times[i + 1]));
  }
}

TEST(KeysTest, OneViolationsEventsAtTheSameMicrosecondKeepLifecycleOrder) {
  // Raised (1) and cleared (2) or invalidated (3) in the same microsecond: the raise
  // sorts first, whatever the event id text would say.
  const int64_t t = 1'700'000'000'000'000;
  EXPECT_LT(EventKey(t, "0123456789abcdef", 1), EventKey(t, "0123456789abcdef", 2));
  EXPECT_LT(EventKey(t, "0123456789abcdef", 1), EventKey(t, "0123456789abcdef", 3));
  // A violation id that extends another does not interleave with its events.
  EXPECT_LT(EventKey(t, "abc", 3), EventKey(t, "abcd", 1));
}

TEST(KeysTest, EventKeyLayoutAndTimeRoundTrip) {
  const std::string key = EventKey(1'700'000'123'456'789, "0123456789abcdef", 2);
  std::optional<int64_t> t = EventKeyTime(key);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 1'700'000'123'456'789);
  EXPECT_EQ(key.substr(8), std::string("0123456789abcdef\0\x02", 18));
  EXPECT_FALSE(EventKeyTime("short").has_value());
}

TEST(KeysTest, TimesBeforeTheEpochSortFirst) {
  EXPECT_EQ(EventKeyLowerBound(-5), EventKeyLowerBound(0));
  EXPECT_LT(EventKey(-5, "a", 1), EventKey(1, "a", 1));
}

TEST(KeysTest, PageTokensRoundTripBinaryKeys) {
  const std::string key = ViolationKey("cam-1", "camera", "bytes-out");  // has NULs
  const std::string token = EncodePageToken(key);
  EXPECT_EQ(token.find('\0'), std::string::npos);
  std::optional<std::string> decoded = DecodePageToken(token);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, key);
}

TEST(KeysTest, MalformedPageTokensAreRejected) {
  EXPECT_FALSE(DecodePageToken("abc").has_value());   // odd length
  EXPECT_FALSE(DecodePageToken("zz00").has_value());  // not hex
  EXPECT_FALSE(DecodePageToken("00 1").has_value());
}

}  // namespace
}  // namespace warden::store
