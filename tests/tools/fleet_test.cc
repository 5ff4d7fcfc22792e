#include "tools/fleet.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <set>

namespace warden::tools {
namespace {

using ::testing::Contains;
using ::testing::Not;

FleetOptions Options(int devices, int misbehaving, uint64_t seed = 7) {
  FleetOptions o;
  o.devices = devices;
  o.misbehaving = misbehaving;
  o.seed = seed;
  return o;
}

std::vector<uint32_t> Ports(const v1::ListeningPorts& p) {
  std::vector<uint32_t> out;
  for (const v1::Port& port : p.ports()) out.push_back(port.port());
  return out;
}

std::vector<std::string> Remotes(const v1::MetricsReport& r) {
  std::vector<std::string> out;
  for (const v1::Connection& c :
       r.metrics().tcp_connections().established_connections().connections()) {
    out.push_back(c.remote_addr());
  }
  return out;
}

TEST(DeviceNameTest, ZeroPaddedOneBased) {
  EXPECT_EQ(DeviceName("dev-", 0), "dev-00001");
  EXPECT_EQ(DeviceName("cam-", 41), "cam-00042");
  EXPECT_EQ(DeviceName("dev-", 123455), "dev-123456");
}

TEST(FleetTest, SameSeedSameFleet) {
  const Fleet a(Options(500, 25)), b(Options(500, 25)), c(Options(500, 25, /*seed=*/8));
  EXPECT_EQ(a.Misbehaving(), b.Misbehaving());
  EXPECT_NE(a.Misbehaving(), c.Misbehaving());
  for (int i : a.Misbehaving()) EXPECT_EQ(a.misbehaviour(i), b.misbehaviour(i));
  std::mt19937_64 ra(1), rb(1);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a.MakeReport(3, 10, false, ra),
                                                                 b.MakeReport(3, 10, false, rb)));
}

TEST(FleetTest, MisbehavingCountIsExactAndClamped) {
  EXPECT_EQ(Fleet(Options(1000, 10)).Misbehaving().size(), 10u);
  EXPECT_EQ(Fleet(Options(5, 50)).Misbehaving().size(), 5u);
  EXPECT_TRUE(Fleet(Options(100, 0)).Misbehaving().empty());
  // With enough devices every kind shows up.
  std::set<Misbehaviour> kinds;
  const Fleet f(Options(1000, 100));
  for (int i : f.Misbehaving()) kinds.insert(f.misbehaviour(i));
  EXPECT_EQ(kinds.size(), 3u);
}

TEST(FleetTest, NormalReportsStayInTheirRanges) {
  const Fleet fleet(Options(50, 0));
  std::mt19937_64 rng(3);
  for (int d = 0; d < fleet.size(); ++d) {
    const v1::MetricsReport first = fleet.MakeReport(d, 100, false, rng);
    for (int64_t id = 101; id < 105; ++id) {
      const v1::MetricsReport r = fleet.MakeReport(d, id, false, rng);
      EXPECT_EQ(r.header().report_id(), id);
      EXPECT_EQ(r.header().version(), "1.0");
      const v1::Metrics& m = r.metrics();
      // Listening ports are the device's own, report after report.
      EXPECT_EQ(Ports(m.listening_tcp_ports()), Ports(first.metrics().listening_tcp_ports()));
      EXPECT_EQ(Ports(m.listening_udp_ports()), Ports(first.metrics().listening_udp_ports()));
      EXPECT_GE(m.listening_tcp_ports().ports_size(), 2);
      EXPECT_LE(m.listening_tcp_ports().ports_size(), 5);
      EXPECT_EQ(m.listening_tcp_ports().total(), m.listening_tcp_ports().ports_size());
      EXPECT_THAT(Ports(m.listening_tcp_ports()), Not(Contains(23u)));
      EXPECT_GE(m.listening_udp_ports().ports_size(), 1);
      EXPECT_LE(m.listening_udp_ports().ports_size(), 3);

      EXPECT_GE(m.network_stats().bytes_out(), 20u * 1024);
      EXPECT_LE(m.network_stats().bytes_out(), 80u * 1024);
      EXPECT_GE(m.network_stats().bytes_in(), 5u * 1024);
      EXPECT_LE(m.network_stats().bytes_in(), 40u * 1024);
      EXPECT_EQ(m.network_stats().packets_out(), m.network_stats().bytes_out() / 500 + 1);

      const std::vector<std::string> remotes = Remotes(r);
      EXPECT_GE(remotes.size(), 1u);
      EXPECT_LE(remotes.size(), 10u);
      for (const std::string& addr : remotes) {
        EXPECT_THAT(addr, testing::MatchesRegex(R"(52\.94\.[0-9]+\.[0-9]+:443)"));
      }
    }
  }
}

TEST(FleetTest, MisbehavingDevicesMisbehaveOnlyWhenTold) {
  const Fleet fleet(Options(1000, 100));
  std::mt19937_64 rng(5);
  for (int d : fleet.Misbehaving()) {
    const v1::MetricsReport calm = fleet.MakeReport(d, 1, /*misbehaving=*/false, rng);
    const v1::MetricsReport bad = fleet.MakeReport(d, 2, /*misbehaving=*/true, rng);
    EXPECT_THAT(Ports(calm.metrics().listening_tcp_ports()), Not(Contains(23u)));
    EXPECT_LE(calm.metrics().network_stats().bytes_out(), 80u * 1024);
    EXPECT_THAT(Remotes(calm), Not(Contains("203.0.113.66:4444")));
    switch (fleet.misbehaviour(d)) {
      case Misbehaviour::kTelnet:
        EXPECT_THAT(Ports(bad.metrics().listening_tcp_ports()), Contains(23u));
        EXPECT_EQ(bad.metrics().listening_tcp_ports().total(),
                  calm.metrics().listening_tcp_ports().total() + 1);
        break;
      case Misbehaviour::kExfiltration:
        EXPECT_EQ(bad.metrics().network_stats().bytes_out(), 20u * 1024 * 1024);
        break;
      case Misbehaviour::kC2:
        EXPECT_THAT(Remotes(bad), Contains("203.0.113.66:4444"));
        break;
      case Misbehaviour::kNone:
        ADD_FAILURE() << fleet.name(d) << " is listed as misbehaving";
    }
  }
}

}  // namespace
}  // namespace warden::tools
