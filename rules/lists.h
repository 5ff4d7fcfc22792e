#ifndef WARDEN_RULES_LISTS_H_
#define WARDEN_RULES_LISTS_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "absl/status/status.h"

namespace warden::rules {

// An IPv4 or IPv6 address. IPv4 is held as an IPv4-mapped IPv6 address
// (::ffff:a.b.c.d) so one ordering covers both families.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool is_v4 = false;

  bool operator<(const IpAddress& o) const { return bytes < o.bytes; }
  bool operator==(const IpAddress& o) const { return bytes == o.bytes; }
};

// Parses "10.0.0.1" or "2001:db8::1" (no brackets, no port). nullopt when malformed.
std::optional<IpAddress> ParseIp(std::string_view text);
// "10.0.0.1" or "2001:db8::1".
std::string FormatIp(const IpAddress& ip);

// Splits a Device Defender remote_addr: "ip:port" or "[ipv6]:port". Returns the IP,
// or nullopt when the address or port is malformed.
std::optional<IpAddress> ParseRemoteAddr(std::string_view remote_addr);

// A set of CIDR blocks (IPv4 and IPv6 mixed). Lookups are O(log n) on sorted,
// disjoint ranges; each range remembers the CIDR it came from, so a match can be
// reported as evidence. Immutable after Finalize(); then thread-safe to read.
class CidrSet {
 public:
  // Adds "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128).
  // Error: InvalidArgument naming the entry (bad address, prefix too long, host bits set).
  absl::Status Add(std::string_view cidr);
  // Sorts and drops blocks contained in another block. Call once after the last Add.
  void Finalize();
  // The CIDR (as written) of the block containing ip, or nullptr.
  const std::string* Find(const IpAddress& ip) const;
  size_t size() const { return ranges_.size(); }

 private:
  struct Range {
    IpAddress lo, hi;
    std::string text;
  };
  std::vector<Range> ranges_;
};

// A set of TCP/UDP ports (0–65535). Thread-safe to read.
class PortSet {
 public:
  void AddRange(uint32_t lo, uint32_t hi);  // inclusive; hi <= 65535
  bool Contains(uint32_t port) const { return port <= 65535 && bits_.test(port); }
  size_t size() const { return bits_.count(); }

 private:
  std::bitset<65536> bits_;
};

enum class ListType { kCidr, kPort, kNumber, kString };
std::string_view ListTypeName(ListType t);  // "cidr", "port", "number", "string"

// A named (or inline, name "") allow/deny list, compiled for lookups.
// Immutable once built; thread-safe to read.
struct NamedList {
  std::string name;
  ListType type = ListType::kString;
  std::string file;                         // where it was defined
  size_t entries = 0;                       // entries as written
  CidrSet cidrs;                            // kCidr
  PortSet ports;                            // kPort
  std::vector<double> numbers;              // kNumber, sorted
  std::unordered_set<std::string> strings;  // kString

  bool ContainsNumber(double v) const;
  bool ContainsString(const std::string& s) const { return strings.count(s) > 0; }
};

}  // namespace warden::rules

#endif  // WARDEN_RULES_LISTS_H_
