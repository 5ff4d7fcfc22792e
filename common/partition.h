#ifndef WARDEN_COMMON_PARTITION_H_
#define WARDEN_COMMON_PARTITION_H_

#include <cstdint>
#include <string_view>

namespace warden {

// Number of storage partitions. Fixed: it is part of every key on disk.
inline constexpr uint32_t kPartitions = 1024;

// Kafka's murmur2 (the Java client's Utils.murmur2, seed 0x9747b28c).
int32_t Murmur2(std::string_view data);

// Kafka's default partitioner: toPositive(murmur2(key)) % partitions. A device's
// partition is the first part of each of its keys, so a later scale-out can move
// whole partitions between nodes that consume a Kafka topic keyed by device id.
uint32_t PartitionOf(std::string_view device_id, uint32_t partitions = kPartitions);

}  // namespace warden

#endif  // WARDEN_COMMON_PARTITION_H_
