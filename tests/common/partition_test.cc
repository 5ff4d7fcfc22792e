#include "common/partition.h"

#include <gtest/gtest.h>

namespace warden {
namespace {

// Expected values from the Kafka Java client (Utils.murmur2), so a device lands in the
// same partition as a Kafka topic keyed by device id would put it.
TEST(Murmur2Test, MatchesKafkaJavaClient) {
  EXPECT_EQ(Murmur2("21"), -973932308);
  EXPECT_EQ(Murmur2("foobar"), -790332482);
  EXPECT_EQ(Murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(Murmur2(std::string_view("abc", 3)), 479470107);
}

TEST(PartitionTest, IsStableAndInRange) {
  for (const char* id : {"cam-0001", "a", "thermostat:7", ""}) {
    uint32_t p = PartitionOf(id);
    EXPECT_LT(p, kPartitions);
    EXPECT_EQ(p, PartitionOf(id));
  }
  // toPositive(-973932308) % 1024
  EXPECT_EQ(PartitionOf("21"), static_cast<uint32_t>(-973932308 & 0x7fffffff) % 1024);
}

}  // namespace
}  // namespace warden
