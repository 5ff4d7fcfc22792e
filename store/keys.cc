#include "store/keys.h"

#include "absl/strings/escaping.h"
#include "common/partition.h"

namespace warden::store {
namespace {

void AppendU16(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>((v >> 8) & 0xff));
  out->push_back(static_cast<char>(v & 0xff));
}

void AppendU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace

std::string DeviceKey(std::string_view device_id) {
  std::string k;
  k.reserve(2 + device_id.size());
  AppendU16(&k, PartitionOf(device_id));
  k.append(device_id);
  return k;
}

std::optional<KeyDevice> DeviceOfKey(std::string_view key) {
  if (key.size() < 3) return std::nullopt;
  const uint32_t partition = (static_cast<uint32_t>(static_cast<unsigned char>(key[0])) << 8) |
                             static_cast<unsigned char>(key[1]);
  std::string_view rest = key.substr(2);
  return KeyDevice{partition, rest.substr(0, rest.find('\0'))};
}

std::string EncodeTimerDue(int64_t due_us) {
  std::string v;
  AppendU64(&v, static_cast<uint64_t>(due_us));
  return v;
}

std::optional<int64_t> DecodeTimerDue(std::string_view value) {
  if (value.size() != 8) return std::nullopt;
  uint64_t v = 0;
  for (char c : value) v = (v << 8) | static_cast<unsigned char>(c);
  return static_cast<int64_t>(v);
}

std::string ViolationDevicePrefix(std::string_view device_id) {
  std::string k = DeviceKey(device_id);
  k.push_back('\0');
  return k;
}

std::string ViolationKey(std::string_view device_id, std::string_view profile,
                         std::string_view behaviour) {
  std::string k = ViolationDevicePrefix(device_id);
  k.append(profile);
  k.push_back('\0');
  k.append(behaviour);
  return k;
}

std::string EventKeyLowerBound(int64_t time_us) {
  std::string k;
  // Times before the epoch sort first.
  AppendU64(&k, time_us < 0 ? 0 : static_cast<uint64_t>(time_us));
  return k;
}

std::string EventKey(int64_t time_us, std::string_view violation_id, int event_type) {
  std::string k = EventKeyLowerBound(time_us);
  k.append(violation_id);
  k.push_back('\0');
  k.push_back(static_cast<char>(event_type));
  return k;
}

std::optional<int64_t> EventKeyTime(std::string_view key) {
  if (key.size() < 8) return std::nullopt;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(key[i]);
  return static_cast<int64_t>(v);
}

std::string OutboxPrefix(std::string_view target) {
  std::string k(target);
  k.push_back('\0');
  return k;
}

std::string OutboxKey(std::string_view target, uint64_t seq) {
  std::string k = OutboxPrefix(target);
  AppendU64(&k, seq);
  return k;
}

std::optional<uint64_t> OutboxKeySeq(std::string_view key) {
  if (key.size() < 9 || key[key.size() - 9] != '\0') return std::nullopt;
  uint64_t v = 0;
  for (size_t i = key.size() - 8; i < key.size(); ++i)
    v = (v << 8) | static_cast<unsigned char>(key[i]);
  return v;
}

std::string EncodePageToken(std::string_view key) {
  return absl::BytesToHexString(absl::string_view(key.data(), key.size()));
}

std::optional<std::string> DecodePageToken(std::string_view token) {
  if (token.size() % 2 != 0) return std::nullopt;
  for (char c : token) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return absl::HexStringToBytes(absl::string_view(token.data(), token.size()));
}

}  // namespace warden::store
