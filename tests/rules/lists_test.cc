#include "rules/lists.h"

#include <arpa/inet.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace warden::rules {
namespace {

IpAddress Ip(const char* text) {
  std::optional<IpAddress> ip = ParseIp(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpAddress{});
}

// The CIDR matching `ip`, or "" when none does.
std::string Match(const CidrSet& set, const char* ip) {
  const std::string* cidr = set.Find(Ip(ip));
  return cidr == nullptr ? "" : *cidr;
}

CidrSet Cidrs(std::initializer_list<const char*> cidrs) {
  CidrSet set;
  for (const char* cidr : cidrs) EXPECT_TRUE(set.Add(cidr).ok()) << cidr;
  set.Finalize();
  return set;
}

TEST(ParseIpTest, Ipv4IsHeldV4Mapped) {
  IpAddress ip = Ip("10.1.2.3");
  EXPECT_TRUE(ip.is_v4);
  EXPECT_EQ(ip.bytes[10], 0xff);
  EXPECT_EQ(ip.bytes[11], 0xff);
  EXPECT_EQ(ip.bytes[12], 10);
  EXPECT_EQ(ip.bytes[15], 3);
  EXPECT_EQ(FormatIp(ip), "10.1.2.3");
}

TEST(ParseIpTest, Ipv6) {
  IpAddress ip = Ip("2001:DB8::1");
  EXPECT_FALSE(ip.is_v4);
  EXPECT_EQ(ip.bytes[0], 0x20);
  EXPECT_EQ(ip.bytes[15], 1);
  EXPECT_EQ(FormatIp(ip), "2001:db8::1");
  EXPECT_EQ(FormatIp(Ip("::1")), "::1");
  EXPECT_EQ(FormatIp(Ip("::")), "::");
}

TEST(ParseIpTest, V4MappedIpv6IsTheIpv4Address) {
  IpAddress mapped = Ip("::ffff:192.0.2.1");
  EXPECT_TRUE(mapped.is_v4);
  EXPECT_EQ(mapped, Ip("192.0.2.1"));
  EXPECT_EQ(FormatIp(mapped), "192.0.2.1");
}

TEST(ParseIpTest, RejectsGarbage) {
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "::g", "1:2:3:4:5:6:7:8:9",
        "[::1]", "fe80::1%eth0", "10.0.0.0/8", "localhost"}) {
    EXPECT_FALSE(ParseIp(bad).has_value()) << "'" << bad << "'";
  }
  EXPECT_FALSE(ParseIp(std::string_view("1.2.3.4\0junk", 12)).has_value());
  CidrSet set;
  EXPECT_FALSE(set.Add(std::string_view("10.0.0.0\0/8", 11)).ok());
}

// ParseIp reads dotted IPv4 itself; it must accept exactly what inet_pton(AF_INET)
// accepts, with the same bytes. Edge cases, then strings drawn from digits and dots.
TEST(ParseIpTest, ReadsIpv4AsInetPtonDoes) {
  std::vector<std::string> texts = {"0.0.0.0",   "255.255.255.255", "1.2.3.4",      "01.2.3.4",
                                    "1.2.3.04",  "0.0.0.00",        "00.0.0.0",     "1.2.3.",
                                    ".1.2.3",    "1..2.3",          "1.2.3.4.",     "1.2.3.256",
                                    "1.2.3.999", "1.2.3.1000",      "1.2.3.4a",     "1.2.3.-4",
                                    "1.2.3.+4",  "1.2.3.4.5",       "10.200.30.40", "9.99.199.249"};
  // Drawn: 3-5 numbers of 0-299 joined by dots, some with a leading zero, some with
  // one character replaced by a digit, a dot or a letter.
  std::mt19937 rng(7);
  auto draw = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int i = 0; i < 20000; ++i) {
    std::string t;
    const int parts = draw(3, 5);
    for (int p = 0; p < parts; ++p) {
      if (p > 0) t += '.';
      if (draw(0, 9) == 0) t += '0';
      t += std::to_string(draw(0, 299));
    }
    if (draw(0, 4) == 0) t[draw(0, static_cast<int>(t.size()) - 1)] = "7.x"[draw(0, 2)];
    texts.push_back(t);
  }
  int accepted = 0;
  for (const std::string& t : texts) {
    uint8_t want[4];
    const bool ok = inet_pton(AF_INET, t.c_str(), want) == 1;
    std::optional<IpAddress> got = ParseIp(t);
    ASSERT_EQ(got.has_value(), ok) << "'" << t << "'";
    if (!ok) continue;
    ++accepted;
    EXPECT_TRUE(got->is_v4) << t;
    EXPECT_TRUE(std::equal(want, want + 4, got->bytes.begin() + 12)) << t;
  }
  EXPECT_GT(accepted, 1000);  // the drawn strings reach the accepting paths too
}

TEST(ParseRemoteAddrTest, Ipv4AndBracketedIpv6) {
  std::optional<IpAddress> v4 = ParseRemoteAddr("52.94.1.2:443");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(FormatIp(*v4), "52.94.1.2");
  std::optional<IpAddress> v6 = ParseRemoteAddr("[2001:db8::1]:8883");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(FormatIp(*v6), "2001:db8::1");
  std::optional<IpAddress> loopback = ParseRemoteAddr("[::1]:22");
  ASSERT_TRUE(loopback.has_value());
  EXPECT_EQ(FormatIp(*loopback), "::1");
}

TEST(ParseRemoteAddrTest, PortBoundaries) {
  EXPECT_TRUE(ParseRemoteAddr("1.2.3.4:0").has_value());
  EXPECT_TRUE(ParseRemoteAddr("1.2.3.4:65535").has_value());
  EXPECT_FALSE(ParseRemoteAddr("1.2.3.4:65536").has_value());
  EXPECT_FALSE(ParseRemoteAddr("1.2.3.4:99999").has_value());
  EXPECT_FALSE(ParseRemoteAddr("[::1]:70000").has_value());
}

TEST(ParseRemoteAddrTest, RejectsGarbage) {
  for (const char* bad : {"", "1.2.3.4", "1.2.3.4:", ":443", "1.2.3.4:-1", "1.2.3.4:+1",
                          "1.2.3.4:44 3", "1.2.3.4:0x1bb", "::1:22", "[::1]", "[::1]22", "[::1:22",
                          "[1.2.3.4]:80", "host:443", "[]:443"}) {
    EXPECT_FALSE(ParseRemoteAddr(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(CidrSetTest, BlockBoundaries) {
  CidrSet set = Cidrs({"10.0.0.0/8", "192.168.1.0/24"});
  EXPECT_EQ(Match(set, "10.0.0.0"), "10.0.0.0/8");        // first address
  EXPECT_EQ(Match(set, "10.255.255.255"), "10.0.0.0/8");  // last address
  EXPECT_EQ(Match(set, "11.0.0.0"), "");                  // one past
  EXPECT_EQ(Match(set, "9.255.255.255"), "");             // one before
  EXPECT_EQ(Match(set, "192.168.1.255"), "192.168.1.0/24");
  EXPECT_EQ(Match(set, "192.168.2.0"), "");
  EXPECT_EQ(set.size(), 2u);
}

TEST(CidrSetTest, SlashZeroAndHostRoutes) {
  CidrSet everything_v4 = Cidrs({"0.0.0.0/0"});
  EXPECT_EQ(Match(everything_v4, "0.0.0.0"), "0.0.0.0/0");
  EXPECT_EQ(Match(everything_v4, "255.255.255.255"), "0.0.0.0/0");

  CidrSet hosts = Cidrs({"203.0.113.66/32", "2001:db8::1/128", "198.51.100.7"});
  EXPECT_EQ(Match(hosts, "203.0.113.66"), "203.0.113.66/32");
  EXPECT_EQ(Match(hosts, "203.0.113.65"), "");
  EXPECT_EQ(Match(hosts, "203.0.113.67"), "");
  EXPECT_EQ(Match(hosts, "2001:db8::1"), "2001:db8::1/128");
  EXPECT_EQ(Match(hosts, "2001:db8::2"), "");
  EXPECT_EQ(Match(hosts, "198.51.100.7"), "198.51.100.7");  // a bare address is a /32
}

TEST(CidrSetTest, Ipv6Blocks) {
  CidrSet set = Cidrs({"2001:db8:bad::/48", "::/0"});
  EXPECT_EQ(Match(set, "2001:db8:bad::"), "::/0");  // the /48 is inside ::/0
  EXPECT_EQ(set.size(), 1u);
  CidrSet narrow = Cidrs({"2001:db8:bad::/48"});
  EXPECT_EQ(Match(narrow, "2001:db8:bad:ffff:ffff:ffff:ffff:ffff"), "2001:db8:bad::/48");
  EXPECT_EQ(Match(narrow, "2001:db8:bae::"), "");
}

TEST(CidrSetTest, NestedBlocksCollapseToTheOuterOne) {
  CidrSet set = Cidrs({"10.1.2.0/24", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "10.0.0.0/8"});
  EXPECT_EQ(set.size(), 1u);
  EXPECT_EQ(Match(set, "10.1.2.3"), "10.0.0.0/8");
}

TEST(CidrSetTest, Ipv4AndIpv6DoNotMix) {
  CidrSet v6_everything = Cidrs({"::/0"});
  EXPECT_EQ(Match(v6_everything, "2001:db8::1"), "::/0");
  EXPECT_EQ(Match(v6_everything, "10.0.0.1"), "");  // ::/0 covers IPv6 only

  CidrSet v4_everything = Cidrs({"0.0.0.0/0"});
  EXPECT_EQ(Match(v4_everything, "::1"), "");
  EXPECT_EQ(Match(v4_everything, "::ffff:10.0.0.1"), "0.0.0.0/0");  // v4-mapped is IPv4

  CidrSet both = Cidrs({"::/0", "10.0.0.0/8"});
  EXPECT_EQ(both.size(), 2u);
  EXPECT_EQ(Match(both, "10.2.3.4"), "10.0.0.0/8");
  EXPECT_EQ(Match(both, "11.2.3.4"), "");
  EXPECT_EQ(Match(both, "fe80::1"), "::/0");
}

TEST(CidrSetTest, EmptySetMatchesNothing) {
  CidrSet set;
  set.Finalize();
  EXPECT_EQ(Match(set, "10.0.0.1"), "");
}

TEST(CidrSetTest, RejectsBadBlocksNamingThem) {
  CidrSet set;
  EXPECT_EQ(set.Add("10.0.0.1/8").message(),
            "cidr '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)");
  EXPECT_EQ(set.Add("2001:db8::1/32").message(),
            "cidr '2001:db8::1/32' has host bits set (did you mean 2001:db8::/32?)");
  EXPECT_EQ(set.Add("10.0.0.0/33").message(),
            "cidr '10.0.0.0/33' has a prefix length 33, longer than 32");
  EXPECT_EQ(set.Add("::/129").message(), "cidr '::/129' has a prefix length 129, longer than 128");
  EXPECT_EQ(set.Add("10.0.0.300/24").message(),
            "cidr '10.0.0.300/24' has an invalid address '10.0.0.300'");
  EXPECT_EQ(set.Add("10.0.0.0/").message(), "cidr '10.0.0.0/' has an invalid prefix length ''");
  EXPECT_EQ(set.Add("10.0.0.0/-1").message(),
            "cidr '10.0.0.0/-1' has an invalid prefix length '-1'");
  EXPECT_EQ(set.Add("").message(), "cidr '' is empty");
  EXPECT_EQ(set.size(), 0u);
}

TEST(CidrSetTest, PartlyNestedAndAdjacentBlocksAreAllKept) {
  // 10.1.0.0/16 is inside 10.0.0.0/8; 11.0.0.0/8 starts right after it.
  for (const auto& order :
       std::vector<std::vector<const char*>>{{"10.0.0.0/8", "10.1.0.0/16", "11.0.0.0/8"},
                                             {"11.0.0.0/8", "10.1.0.0/16", "10.0.0.0/8"},
                                             {"10.1.0.0/16", "11.0.0.0/8", "10.0.0.0/8"}}) {
    CidrSet set;
    for (const char* cidr : order) ASSERT_TRUE(set.Add(cidr).ok()) << cidr;
    set.Finalize();
    EXPECT_EQ(set.size(), 2u);
    EXPECT_EQ(Match(set, "9.255.255.255"), "");
    EXPECT_EQ(Match(set, "10.0.0.0"), "10.0.0.0/8");
    EXPECT_EQ(Match(set, "10.1.2.3"), "10.0.0.0/8");  // the outer block is reported
    EXPECT_EQ(Match(set, "10.255.255.255"), "10.0.0.0/8");
    EXPECT_EQ(Match(set, "11.0.0.0"), "11.0.0.0/8");  // adjacent, not lost
    EXPECT_EQ(Match(set, "11.255.255.255"), "11.0.0.0/8");
    EXPECT_EQ(Match(set, "12.0.0.0"), "");
  }
}

TEST(CidrSetTest, NestedBlockAfterADisjointOneIsDropped) {
  CidrSet set = Cidrs({"10.0.0.0/8", "12.0.0.0/8", "10.200.0.0/16", "11.0.0.0/8", "12.3.4.0/24"});
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(Match(set, "10.200.1.1"), "10.0.0.0/8");
  EXPECT_EQ(Match(set, "11.1.1.1"), "11.0.0.0/8");
  EXPECT_EQ(Match(set, "12.3.4.5"), "12.0.0.0/8");
}

TEST(CidrSetTest, AdjacentHalvesStayApartEachReportedAsWritten) {
  CidrSet set = Cidrs({"192.0.2.128/25", "192.0.2.0/25"});
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(Match(set, "192.0.2.127"), "192.0.2.0/25");
  EXPECT_EQ(Match(set, "192.0.2.128"), "192.0.2.128/25");
  EXPECT_EQ(Match(set, "192.0.3.0"), "");
  EXPECT_EQ(Match(set, "192.0.1.255"), "");
}

TEST(CidrSetTest, OfEqualBlocksTheFirstWrittenIsReported) {
  EXPECT_EQ(Match(Cidrs({"10.0.0.1", "10.0.0.1/32"}), "10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(Match(Cidrs({"10.0.0.1/32", "10.0.0.1"}), "10.0.0.1"), "10.0.0.1/32");
  EXPECT_EQ(Match(Cidrs({"2001:db8::/32", "2001:DB8::/32"}), "2001:db8::1"), "2001:db8::/32");
}

TEST(CidrSetTest, Ipv4EntriesMatchV4MappedAddressesAndBack) {
  // A device may report an IPv4 peer in its v4-mapped IPv6 form.
  CidrSet v4 = Cidrs({"10.0.0.0/8", "203.0.113.66"});
  EXPECT_EQ(Match(v4, "::ffff:10.1.2.3"), "10.0.0.0/8");
  EXPECT_EQ(Match(v4, "::FFFF:a01:203"), "10.0.0.0/8");  // the same, in hex
  EXPECT_EQ(Match(v4, "::ffff:203.0.113.66"), "203.0.113.66");
  EXPECT_EQ(Match(v4, "::ffff:11.0.0.0"), "");

  // An IPv4 block written v4-mapped is an IPv4 block.
  CidrSet mapped = Cidrs({"::ffff:10.0.0.0/104", "::ffff:198.51.100.7/128"});
  EXPECT_EQ(Match(mapped, "10.1.2.3"), "::ffff:10.0.0.0/104");
  EXPECT_EQ(Match(mapped, "::ffff:10.1.2.3"), "::ffff:10.0.0.0/104");
  EXPECT_EQ(Match(mapped, "198.51.100.7"), "::ffff:198.51.100.7/128");
  EXPECT_EQ(Match(mapped, "198.51.100.8"), "");
  EXPECT_EQ(Match(mapped, "::a01:203"), "");  // IPv4-compatible ::10.1.2.3 is IPv6

  // ::ffff:0:0/96 is every IPv4 address and no IPv6 one.
  CidrSet all_v4 = Cidrs({"::ffff:0:0/96"});
  EXPECT_EQ(Match(all_v4, "0.0.0.0"), "::ffff:0:0/96");
  EXPECT_EQ(Match(all_v4, "255.255.255.255"), "::ffff:0:0/96");
  EXPECT_EQ(Match(all_v4, "::"), "");
  EXPECT_EQ(Match(all_v4, "2001:db8::1"), "");
}

TEST(CidrSetTest, Ipv4SlashZeroMatchesNoNonMappedIpv6) {
  CidrSet set = Cidrs({"0.0.0.0/0"});
  EXPECT_EQ(Match(set, "0.0.0.0"), "0.0.0.0/0");
  EXPECT_EQ(Match(set, "::ffff:0.0.0.0"), "0.0.0.0/0");
  EXPECT_EQ(Match(set, "::ffff:255.255.255.255"), "0.0.0.0/0");
  for (const char* v6 :
       {"::", "::1", "::a00:1", "64:ff9b::a00:1", "2001:db8::1", "fe80::1", "::fffe:ffff:ffff",
        "::1:0:0:0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    EXPECT_EQ(Match(set, v6), "") << v6;
  }
}

TEST(CidrSetTest, Ipv6SlashZeroMatchesNoIpv4) {
  CidrSet set = Cidrs({"::/0"});
  EXPECT_EQ(Match(set, "::"), "::/0");
  EXPECT_EQ(Match(set, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "::/0");
  EXPECT_EQ(Match(set, "::fffe:ffff:ffff"), "::/0");  // just below the v4-mapped range
  EXPECT_EQ(Match(set, "::1:0:0:0"), "::/0");         // just above it
  for (const char* v4 : {"0.0.0.0", "10.0.0.1", "255.255.255.255", "::ffff:1.2.3.4"}) {
    EXPECT_EQ(Match(set, v4), "") << v4;
  }
  // An IPv6 block spanning the v4-mapped range byte-wise still holds no IPv4 address.
  CidrSet low = Cidrs({"::/80"});
  EXPECT_EQ(Match(low, "::1"), "::/80");
  EXPECT_EQ(Match(low, "10.0.0.1"), "");
}

TEST(CidrSetTest, BothSlashZerosSplitByFamily) {
  CidrSet set = Cidrs({"::/0", "0.0.0.0/0", "10.0.0.0/8", "2001:db8::/32"});
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(Match(set, "10.1.1.1"), "0.0.0.0/0");
  EXPECT_EQ(Match(set, "::ffff:10.1.1.1"), "0.0.0.0/0");
  EXPECT_EQ(Match(set, "2001:db8::1"), "::/0");
  EXPECT_EQ(Match(set, "::"), "::/0");
}

TEST(CidrSetTest, HostRoutesAtTheEndsOfTheAddressSpace) {
  CidrSet set = Cidrs({"0.0.0.0/32", "255.255.255.255/32", "::/128",
                       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "::1"});
  EXPECT_EQ(set.size(), 5u);
  EXPECT_EQ(Match(set, "0.0.0.0"), "0.0.0.0/32");
  EXPECT_EQ(Match(set, "0.0.0.1"), "");
  EXPECT_EQ(Match(set, "255.255.255.255"), "255.255.255.255/32");
  EXPECT_EQ(Match(set, "255.255.255.254"), "");
  EXPECT_EQ(Match(set, "::"), "::/128");
  EXPECT_EQ(Match(set, "::1"), "::1");
  EXPECT_EQ(Match(set, "::2"), "");
  EXPECT_EQ(Match(set, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
  EXPECT_EQ(Match(set, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), "");
}

TEST(CidrSetTest, SlashThirtyOneAndOneTwentySeven) {
  CidrSet set = Cidrs({"192.0.2.4/31", "2001:db8::4/127"});
  EXPECT_EQ(Match(set, "192.0.2.3"), "");
  EXPECT_EQ(Match(set, "192.0.2.4"), "192.0.2.4/31");
  EXPECT_EQ(Match(set, "192.0.2.5"), "192.0.2.4/31");
  EXPECT_EQ(Match(set, "192.0.2.6"), "");
  EXPECT_EQ(Match(set, "2001:db8::5"), "2001:db8::4/127");
  EXPECT_EQ(Match(set, "2001:db8::6"), "");
}

// Every block is v4 or v6, of a random length, often nested in or next to another:
// Find must report the outermost block holding the address, as a linear scan does.
TEST(CidrSetTest, AgreesWithALinearScanOnRandomNestedBlocks) {
  std::mt19937 rng(7);
  struct Block {
    IpAddress lo, hi;
    std::string text;
    int prefix;
  };
  auto random_block = [&](bool v4) {
    // Few distinct high bits, so that blocks nest and touch.
    IpAddress ip;
    if (v4) {
      ip = Ip(absl::StrCat(rng() % 4, ".", rng() % 4, ".", rng() % 256, ".", rng() % 256).c_str());
    } else {
      ip = Ip(absl::StrCat("2001:db8:", rng() % 4, ":", rng() % 4, "::", absl::Hex(rng() % 65536))
                  .c_str());
    }
    const int max = v4 ? 32 : 128;
    const int prefix = static_cast<int>(rng() % (max + 1));
    const int bits = v4 ? prefix + 96 : prefix;
    Block b{ip, ip, "", prefix};
    for (int i = 0; i < 16; ++i) {
      const int start = i * 8;
      uint8_t host = 0xff;
      if (bits >= start + 8) host = 0;
      if (bits > start && bits < start + 8) host = static_cast<uint8_t>(0xff >> (bits - start));
      b.lo.bytes[i] = static_cast<uint8_t>(ip.bytes[i] & ~host);
      b.hi.bytes[i] = static_cast<uint8_t>(ip.bytes[i] | host);
    }
    b.text = absl::StrCat(FormatIp(b.lo), "/", prefix);
    return b;
  };
  for (int round = 0; round < 20; ++round) {
    std::vector<Block> blocks;
    CidrSet set;
    for (int i = 0; i < 200; ++i) {
      blocks.push_back(random_block(rng() % 2 == 0));
      ASSERT_TRUE(set.Add(blocks.back().text).ok()) << blocks.back().text;
    }
    set.Finalize();
    for (int probe = 0; probe < 2000; ++probe) {
      const Block near = blocks[rng() % blocks.size()];
      IpAddress ip = near.lo;
      // Probe inside the block, at its edges, and just outside them.
      switch (rng() % 4) {
        case 0:
          ip = near.hi;
          break;
        case 1:
          ip.bytes[15] = static_cast<uint8_t>(ip.bytes[15] - 1);
          break;
        case 2:
          ip = near.hi;
          ip.bytes[15] = static_cast<uint8_t>(ip.bytes[15] + 1);
          break;
        default:
          for (int i = 12; i < 16; ++i) {
            ip.bytes[i] = static_cast<uint8_t>(near.lo.bytes[i] | (rng() & ~near.lo.bytes[i]));
            ip.bytes[i] = std::min(ip.bytes[i], near.hi.bytes[i]);
          }
      }
      ip = Ip(FormatIp(ip).c_str());  // the family as a device report would give it
      std::string expected;
      int best = 999;
      for (const Block& b : blocks) {
        if (b.lo.is_v4 != ip.is_v4 || ip.bytes < b.lo.bytes || b.hi.bytes < ip.bytes) continue;
        if (b.prefix < best) {
          best = b.prefix;
          expected = b.text;
        }
      }
      const std::string* found = set.Find(ip);
      ASSERT_EQ(found == nullptr ? "" : *found, expected) << FormatIp(ip);
    }
  }
}

TEST(CidrSetTest, CountryEntriesNeedAnUpperCaseTwoLetterCode) {
  CidrSet set;
  EXPECT_TRUE(set.AddCountry("country:CN").ok());
  EXPECT_TRUE(set.AddCountry("country:CN").ok());  // once is enough
  EXPECT_TRUE(set.AddCountry("country:RU").ok());
  EXPECT_EQ(set.country_count(), 2u);
  EXPECT_EQ(set.AddCountry("country:cn").message(),
            "country entry 'country:cn' needs a two-letter upper-case ISO 3166-1 code (did you "
            "mean country:CN?)");
  for (const char* bad : {"country:", "country:C", "country:CHN", "country:C1", "country: CN"}) {
    EXPECT_EQ(set.AddCountry(bad).message(),
              absl::StrCat("country entry '", bad,
                           "' needs a two-letter upper-case ISO 3166-1 code such as country:CN"));
  }
  // Well formed, but no country has the code.
  EXPECT_EQ(set.AddCountry("country:QQ").message(),
            "country entry 'country:QQ' is not an ISO 3166-1 country code");
  EXPECT_EQ(set.AddCountry("country:UK").message(),
            "country entry 'country:UK' is not an ISO 3166-1 country code (the United Kingdom "
            "is country:GB)");
  for (const char* good : {"country:GB", "country:AD", "country:ZW", "country:XK"}) {
    EXPECT_TRUE(set.AddCountry(good).ok()) << good;
  }
  EXPECT_EQ(set.country_count(), 6u);
  // Without a database a country entry matches nothing.
  set.Finalize();
  EXPECT_EQ(Match(set, "1.0.0.1"), "");
  EXPECT_TRUE(IsCountryEntry("country:CN"));
  EXPECT_FALSE(IsCountryEntry("10.0.0.0/8"));
}

TEST(PortSetTest, Ranges) {
  PortSet ports;
  ports.AddRange(23, 23);
  ports.AddRange(6000, 6010);
  ports.AddRange(65535, 65535);
  EXPECT_TRUE(ports.Contains(23));
  EXPECT_FALSE(ports.Contains(22));
  EXPECT_FALSE(ports.Contains(24));
  EXPECT_FALSE(ports.Contains(5999));
  EXPECT_TRUE(ports.Contains(6000));
  EXPECT_TRUE(ports.Contains(6010));
  EXPECT_FALSE(ports.Contains(6011));
  EXPECT_TRUE(ports.Contains(65535));
  EXPECT_FALSE(ports.Contains(65536));
  EXPECT_EQ(ports.size(), 13u);
}

TEST(PortSetTest, WholeRangeAndClamping) {
  PortSet ports;
  ports.AddRange(0, 70000);  // clamped at 65535
  EXPECT_EQ(ports.size(), 65536u);
  EXPECT_TRUE(ports.Contains(0));
  EXPECT_FALSE(ports.Contains(70000));
}

TEST(NamedListTest, ContainsNumberOnSortedNumbers) {
  NamedList list;
  list.type = ListType::kNumber;
  list.numbers = {-1.5, 0, 2, 40};
  EXPECT_TRUE(list.ContainsNumber(2));
  EXPECT_TRUE(list.ContainsNumber(-1.5));
  EXPECT_FALSE(list.ContainsNumber(3));
  EXPECT_FALSE(list.ContainsNumber(41));
}

TEST(NamedListTest, TypeNames) {
  EXPECT_EQ(ListTypeName(ListType::kCidr), "cidr");
  EXPECT_EQ(ListTypeName(ListType::kPort), "port");
  EXPECT_EQ(ListTypeName(ListType::kNumber), "number");
  EXPECT_EQ(ListTypeName(ListType::kString), "string");
}

}  // namespace
}  // namespace warden::rules
