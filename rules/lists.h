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
#include <utility>
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

class GeoIpDatabase;

// "country:" followed by an ISO 3166-1 alpha-2 code: a cidr list entry matching the
// addresses a geoip database places in that country.
inline constexpr std::string_view kCountryPrefix = "country:";
inline bool IsCountryEntry(std::string_view entry) {
  return entry.substr(0, kCountryPrefix.size()) == kCountryPrefix;
}

// A set of CIDR blocks (IPv4 and IPv6 mixed) and countries. Block lookups are O(log n)
// on sorted, disjoint ranges; each range remembers the CIDR it came from, so a match can
// be reported as evidence. Country entries are looked up in a geoip database only when
// no block matches. Immutable after Finalize() and SetGeoIp(); then thread-safe to read.
//
// IPv4 and IPv6 are kept apart: an IPv4 block ("10.0.0.0/8", "0.0.0.0/0", or one written
// v4-mapped, "::ffff:10.0.0.0/104") matches IPv4 addresses, v4-mapped ones
// (::ffff:10.1.2.3) included, and no other IPv6 address; an IPv6 block (even "::/0")
// matches no IPv4 address.
class CidrSet {
 public:
  // Adds "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128).
  // Error: InvalidArgument naming the entry (bad address, prefix too long, host bits set).
  absl::Status Add(std::string_view cidr);
  // Adds "country:CN" (an upper-case ISO 3166-1 alpha-2 code). It matches nothing until
  // SetGeoIp() gives the database. Error: InvalidArgument naming the entry.
  absl::Status AddCountry(std::string_view entry);
  // The database the country entries are looked up in; shared, read-only.
  void SetGeoIp(std::shared_ptr<const GeoIpDatabase> geoip) { geoip_ = std::move(geoip); }
  const std::shared_ptr<const GeoIpDatabase>& geoip() const { return geoip_; }
  // Sorts and drops blocks contained in another block (of two equal blocks, the one
  // added first stays). Adjacent blocks stay apart, each reported as written. Call once
  // after the last Add.
  void Finalize();
  // What `ip` matched, as written: the CIDR of the block containing it, else its
  // country entry ("country:CN"); nullptr when nothing matches.
  const std::string* Find(const IpAddress& ip) const;
  // Blocks: as added before Finalize(), the disjoint ones kept after it.
  size_t size() const { return pending_.size() + v4_.size() + v6_.size(); }
  size_t country_count() const { return countries_.size(); }

 private:
  struct Range {
    IpAddress lo, hi;
    std::string text;
  };
  // The disjoint blocks of one family, sorted: keys apart from texts, so that a binary
  // search over a million blocks touches 4 MB (IPv4) rather than 70.
  template <typename Key>
  struct Family {
    std::vector<Key> lo, hi;
    std::vector<std::string> text;
    size_t size() const { return lo.size(); }
    const std::string* Find(Key key) const;
  };
  using Key128 = unsigned __int128;
  const std::string* FindCountry(const IpAddress& ip) const;

  std::vector<Range> pending_;  // added, until Finalize()
  Family<uint32_t> v4_;         // the IPv4 address (the low 32 bits of the v4-mapped form)
  Family<Key128> v6_;
  std::vector<std::string> countries_;  // "country:CN", in the order added
  // For each of the 26*26 two-letter codes, its index in countries_ or -1; empty
  // while there is no country entry.
  std::vector<int16_t> country_index_;
  std::shared_ptr<const GeoIpDatabase> geoip_;
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
  std::string values_file;                  // the list file its values came from, or ""
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
