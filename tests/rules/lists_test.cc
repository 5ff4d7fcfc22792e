#include "rules/lists.h"

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
