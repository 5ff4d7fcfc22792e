#ifndef WARDEN_STORE_KEYS_H_
#define WARDEN_STORE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::store {

// Key encodings (store/README.md). Device-scoped keys start with the device's
// partition as 2 big-endian bytes, then the device id, so one partition is one
// contiguous key range. Names never contain NUL (ingest and the rules loader reject
// it), so NUL separates the parts.

// device_state: [partition u16][device]
std::string DeviceKey(std::string_view device_id);
// The partition and device id a device-scoped key (device_state, violations, timers)
// starts with; nullopt when the key is too short.
struct KeyDevice {
  uint32_t partition;
  std::string_view device_id;
};
std::optional<KeyDevice> DeviceOfKey(std::string_view key);
// timers: [partition u16][device] (DeviceKey) → the due time, µs u64 big-endian.
std::string EncodeTimerDue(int64_t due_us);
std::optional<int64_t> DecodeTimerDue(std::string_view value);
// violations: [partition u16][device] 0x00 [profile] 0x00 [behaviour]
std::string ViolationKey(std::string_view device_id, std::string_view profile,
                         std::string_view behaviour);
// The prefix every violation key of one device starts with.
std::string ViolationDevicePrefix(std::string_view device_id);
// violation_events: [time_us u64 big-endian][violation id] 0x00 [event type u8];
// time-ordered, so a time range is a key range, and events of one violation at the
// same microsecond keep their lifecycle order (raised before cleared/invalidated).
std::string EventKey(int64_t time_us, std::string_view violation_id, int event_type);
std::string EventKeyLowerBound(int64_t time_us);
// The time of an event key (nullopt when too short).
std::optional<int64_t> EventKeyTime(std::string_view key);

// outbox and dead_letters: [target] 0x00 [seq u64 big-endian]; a target's rows are
// one key range, in delivery order.
std::string OutboxKey(std::string_view target, uint64_t seq);
std::string OutboxPrefix(std::string_view target);
// The seq of an outbox key (nullopt when malformed).
std::optional<uint64_t> OutboxKeySeq(std::string_view key);

// Opaque page tokens: the key of the last row returned, hex-encoded.
std::string EncodePageToken(std::string_view key);
std::optional<std::string> DecodePageToken(std::string_view token);

}  // namespace warden::store

#endif  // WARDEN_STORE_KEYS_H_
