#include "rules/lists.h"

#include <arpa/inet.h>

#include <algorithm>
#include <bitset>
#include <string_view>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "rules/geoip.h"

namespace warden::rules {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool IsV4Mapped(const std::array<uint8_t, 16>& bytes) {
  return std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), bytes.begin());
}

// Renders bytes in IPv6 notation, even when they hold a v4-mapped address.
std::string FormatV6(const std::array<uint8_t, 16>& bytes) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, bytes.data(), buf, sizeof(buf)) == nullptr) return "?";
  return buf;
}

// Parses "0".."max" with no sign, spaces or leading "+".
std::optional<uint32_t> ParseSmallUint(std::string_view text, uint32_t max) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

// The ordering CidrSet keeps its ranges in: IPv6 blocks first, then IPv4 blocks, each
// by address. Keeping the families apart means ::/0 never matches an IPv4 address.
auto FamilyKey(const IpAddress& ip) { return std::tie(ip.is_v4, ip.bytes); }

// Search keys: an IPv4 address as a number, an IPv6 address as a 128-bit number.
uint32_t V4Key(const IpAddress& ip) {
  return static_cast<uint32_t>(ip.bytes[12]) << 24 | static_cast<uint32_t>(ip.bytes[13]) << 16 |
         static_cast<uint32_t>(ip.bytes[14]) << 8 | ip.bytes[15];
}
unsigned __int128 V6Key(const IpAddress& ip) {
  unsigned __int128 key = 0;
  for (uint8_t b : ip.bytes) key = key << 8 | b;
  return key;
}

// "a.b.c.d" into out[0..3], as inet_pton(AF_INET) reads it (and glibc's does): four
// decimal octets of at most 255, no leading zeros, nothing else. Without inet_pton's
// copy into a NUL-terminated string: every report's addresses pass through here twice
// (validation, then evaluation), and inet_pton with its copy was ~3 % of wardend's CPU.
bool ParseDottedQuad(std::string_view text, uint8_t out[4]) {
  int octets = 0;
  bool digit = false;  // in an octet
  uint32_t value = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (digit && value == 0) return false;  // leading zero
      value = value * 10 + static_cast<uint32_t>(c - '0');
      if (value > 255) return false;
      if (!digit) {
        if (++octets > 4) return false;
        digit = true;
      }
    } else if (c == '.' && digit) {
      if (octets == 4) return false;
      out[octets - 1] = static_cast<uint8_t>(value);
      value = 0;
      digit = false;
    } else {
      return false;
    }
  }
  if (octets < 4 || !digit) return false;
  out[3] = static_cast<uint8_t>(value);
  return true;
}

constexpr int kCountryCodes = 26 * 26;

// This abseil has its own string_view.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// 0..675 for "AA".."ZZ", -1 for anything else.
int CountryCodeIndex(std::string_view code) {
  if (code.size() != 2 || !IsUpper(code[0]) || !IsUpper(code[1])) return -1;
  return (code[0] - 'A') * 26 + (code[1] - 'A');
}

// The ISO 3166-1 alpha-2 codes in use (Debian's iso-codes 4.15), and XK, which geoip
// databases give Kosovo.
constexpr std::string_view kAssignedCountryCodes =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ "
    "BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR "
    "CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR "
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU "
    "ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ "
    "LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF "
    "PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI "
    "SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR "
    "TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

bool IsAssignedCountry(int index) {
  static const std::bitset<kCountryCodes> assigned = [] {
    std::bitset<kCountryCodes> set;
    for (size_t i = 0; i + 2 <= kAssignedCountryCodes.size(); i += 3) {
      set.set(CountryCodeIndex(kAssignedCountryCodes.substr(i, 2)));
    }
    return set;
  }();
  return assigned.test(index);
}

}  // namespace

std::optional<IpAddress> ParseIp(std::string_view text) {
  // inet_pton needs a NUL-terminated string; addresses are short, and a NUL inside
  // (a list file line) would hide what follows it.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN ||
      text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  IpAddress ip;
  uint8_t v4[4];
  if (ParseDottedQuad(text, v4)) {
    std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), ip.bytes.begin());
    std::copy(v4, v4 + 4, ip.bytes.begin() + 12);
    ip.is_v4 = true;
    return ip;
  }
  if (text.find(':') == std::string_view::npos) return std::nullopt;  // IPv6 has colons
  const std::string s(text);
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    // ::ffff:a.b.c.d is the IPv4 address it carries.
    ip.is_v4 = IsV4Mapped(ip.bytes);
    return ip;
  }
  return std::nullopt;
}

std::string FormatIp(const IpAddress& ip) {
  if (!ip.is_v4) return FormatV6(ip.bytes);
  char buf[INET_ADDRSTRLEN];
  if (inet_ntop(AF_INET, ip.bytes.data() + 12, buf, sizeof(buf)) == nullptr) return "?";
  return buf;
}

std::optional<IpAddress> ParseRemoteAddr(std::string_view remote_addr) {
  std::string_view host;
  std::string_view port;
  if (!remote_addr.empty() && remote_addr.front() == '[') {
    size_t close = remote_addr.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    host = remote_addr.substr(1, close - 1);
    port = remote_addr.substr(close + 2);
    // Brackets are for IPv6 only.
    if (host.find(':') == std::string_view::npos) return std::nullopt;
  } else {
    size_t colon = remote_addr.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = remote_addr.substr(0, colon);
    port = remote_addr.substr(colon + 1);
    // An unbracketed IPv6 address is ambiguous ("::1:22").
    if (host.find(':') != std::string_view::npos) return std::nullopt;
  }
  if (!ParseSmallUint(port, 65535).has_value()) return std::nullopt;
  return ParseIp(host);
}

absl::Status CidrSet::Add(std::string_view cidr_view) {
  const std::string cidr(cidr_view);
  if (cidr.empty()) return absl::InvalidArgumentError("cidr '' is empty");
  const size_t slash = cidr.find('/');
  const std::string address = cidr.substr(0, slash);
  std::optional<IpAddress> base = ParseIp(address);
  if (!base.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cidr '", cidr, "' has an invalid address '", address, "'"));
  }
  // Dotted IPv4 prefixes count 0–32 and sit after the 96-bit v4-mapped prefix.
  const bool dotted = address.find(':') == std::string::npos;
  const uint32_t max_prefix = dotted ? 32 : 128;
  uint32_t prefix = max_prefix;
  if (slash != std::string::npos) {
    const std::string prefix_text = cidr.substr(slash + 1);
    std::optional<uint32_t> parsed = ParseSmallUint(prefix_text, 999);
    if (!parsed.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cidr '", cidr, "' has an invalid prefix length '", prefix_text, "'"));
    }
    if (*parsed > max_prefix) {
      return absl::InvalidArgumentError(absl::StrCat("cidr '", cidr, "' has a prefix length ",
                                                     *parsed, ", longer than ", max_prefix));
    }
    prefix = *parsed;
  }
  const uint32_t bits = dotted ? prefix + 96 : prefix;

  IpAddress lo = *base;
  IpAddress hi = *base;
  for (uint32_t i = 0; i < 16; ++i) {
    const uint32_t byte_start = i * 8;
    uint8_t host_mask = 0xff;  // the host bits of this byte
    if (bits >= byte_start + 8) {
      host_mask = 0;
    } else if (bits > byte_start) {
      host_mask = static_cast<uint8_t>(0xff >> (bits - byte_start));
    }
    lo.bytes[i] = base->bytes[i] & static_cast<uint8_t>(~host_mask);
    hi.bytes[i] = base->bytes[i] | host_mask;
  }
  if (!(lo == *base)) {
    std::string network = dotted ? FormatIp(lo) : FormatV6(lo.bytes);
    return absl::InvalidArgumentError(absl::StrCat(
        "cidr '", cidr, "' has host bits set (did you mean ", network, "/", prefix, "?)"));
  }
  pending_.push_back(Range{lo, hi, cidr});
  return absl::OkStatus();
}

absl::Status CidrSet::AddCountry(std::string_view entry) {
  if (!IsCountryEntry(entry)) {
    return absl::InvalidArgumentError(absl::StrCat("'", Absl(entry), "' is not a country entry"));
  }
  const std::string_view code = entry.substr(kCountryPrefix.size());
  const int index = CountryCodeIndex(code);
  if (index < 0) {
    std::string upper(code);
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    const bool case_only = CountryCodeIndex(upper) >= 0;
    return absl::InvalidArgumentError(absl::StrCat(
        "country entry '", Absl(entry), "' needs a two-letter upper-case ISO 3166-1 code",
        case_only ? absl::StrCat(" (did you mean ", Absl(kCountryPrefix), upper, "?)")
                  : std::string(" such as country:CN")));
  }
  if (!IsAssignedCountry(index)) {
    return absl::InvalidArgumentError(
        absl::StrCat("country entry '", Absl(entry), "' is not an ISO 3166-1 country code",
                     code == "UK" ? " (the United Kingdom is country:GB)" : ""));
  }
  if (country_index_.empty()) country_index_.assign(kCountryCodes, -1);
  if (country_index_[index] < 0) {
    country_index_[index] = static_cast<int16_t>(countries_.size());
    countries_.push_back(std::string(entry));
  }
  return absl::OkStatus();
}

void CidrSet::Finalize() {
  // Within a family, CIDR blocks are either nested or disjoint. Sorting by start, the
  // larger block first on a tie, puts every block right after the block containing it
  // (or one of its nested blocks), so one pass leaves disjoint ranges. The sort is
  // stable so that of equal blocks ("10.0.0.1" and "10.0.0.1/32") the first written is
  // the one reported.
  std::stable_sort(pending_.begin(), pending_.end(), [](const Range& a, const Range& b) {
    if (FamilyKey(a.lo) != FamilyKey(b.lo)) return FamilyKey(a.lo) < FamilyKey(b.lo);
    return b.hi.bytes < a.hi.bytes;
  });
  const Range* last = nullptr;  // the last block kept
  for (Range& r : pending_) {
    if (last != nullptr && last->lo.is_v4 == r.lo.is_v4 && !(last->hi.bytes < r.hi.bytes)) {
      continue;  // inside the previous block
    }
    last = &r;
    if (r.lo.is_v4) {
      v4_.lo.push_back(V4Key(r.lo));
      v4_.hi.push_back(V4Key(r.hi));
      v4_.text.push_back(std::move(r.text));
    } else {
      v6_.lo.push_back(V6Key(r.lo));
      v6_.hi.push_back(V6Key(r.hi));
      v6_.text.push_back(std::move(r.text));
    }
  }
  pending_.clear();
  pending_.shrink_to_fit();
}

template <typename Key>
const std::string* CidrSet::Family<Key>::Find(Key key) const {
  // The last block starting at or before `key` is the only one that can hold it.
  auto it = std::upper_bound(lo.begin(), lo.end(), key);
  if (it == lo.begin()) return nullptr;
  const size_t i = static_cast<size_t>(it - lo.begin()) - 1;
  return key <= hi[i] ? &text[i] : nullptr;
}

const std::string* CidrSet::Find(const IpAddress& ip) const {
  const std::string* block = ip.is_v4 ? v4_.Find(V4Key(ip)) : v6_.Find(V6Key(ip));
  if (block != nullptr) return block;
  return countries_.empty() ? nullptr : FindCountry(ip);
}

const std::string* CidrSet::FindCountry(const IpAddress& ip) const {
  if (geoip_ == nullptr) return nullptr;
  const int index = CountryCodeIndex(geoip_->Country(ip));
  if (index < 0 || country_index_[index] < 0) return nullptr;
  return &countries_[country_index_[index]];
}

void PortSet::AddRange(uint32_t lo, uint32_t hi) {
  hi = std::min<uint32_t>(hi, 65535);
  for (uint32_t port = lo; port <= hi; ++port) bits_.set(port);
}

std::string_view ListTypeName(ListType t) {
  switch (t) {
    case ListType::kCidr:
      return "cidr";
    case ListType::kPort:
      return "port";
    case ListType::kNumber:
      return "number";
    case ListType::kString:
      return "string";
  }
  return "?";
}

bool NamedList::ContainsNumber(double v) const {
  return std::binary_search(numbers.begin(), numbers.end(), v);
}

}  // namespace warden::rules
