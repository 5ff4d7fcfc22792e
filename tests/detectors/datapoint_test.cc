#include "detectors/datapoint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace warden::detectors {
namespace {

using rules::ValueType;

rules::Metric DeviceMetric(std::string_view id) {
  const rules::MetricInfo* info = rules::FindDeviceMetric(id);
  EXPECT_NE(info, nullptr) << id;
  rules::Metric m;
  if (info == nullptr) return m;
  m.id = std::string(info->id);
  m.builtin = info->builtin;
  m.type = info->type;
  m.delta = info->delta;
  return m;
}

rules::Metric CustomMetric(const std::string& name, ValueType type) {
  rules::Metric m;
  m.id = name;
  m.builtin = rules::BuiltinMetric::kCustom;
  m.type = type;
  return m;
}

std::vector<std::string> Ips(const Datapoint& d) {
  std::vector<std::string> out;
  for (const rules::IpAddress& ip : d.ips) out.push_back(rules::FormatIp(ip));
  return out;
}

void AddPort(v1::ListeningPorts* lp, uint32_t port) {
  v1::Port* p = lp->add_ports();
  p->set_port(port);
  p->set_interface("eth0");
}

void AddConnection(v1::EstablishedConnections* ec, const std::string& remote_addr) {
  v1::Connection* c = ec->add_connections();
  c->set_remote_addr(remote_addr);
  c->set_local_port(50000);
  c->set_local_interface("eth0");
}

TEST(DatapointTest, NetworkStatsAreTheReportedDeltas) {
  v1::MetricsReport r;
  v1::NetworkStats* ns = r.mutable_metrics()->mutable_network_stats();
  ns->set_bytes_in(29358693495);
  ns->set_bytes_out(26485035);
  ns->set_packets_in(10013573555);
  ns->set_packets_out(11382615);

  struct Case {
    const char* metric;
    double want;
  };
  for (const Case& c :
       {Case{"aws:all-bytes-in", 29358693495.0}, Case{"aws:all-bytes-out", 26485035.0},
        Case{"aws:all-packets-in", 10013573555.0}, Case{"aws:all-packets-out", 11382615.0}}) {
    std::optional<Datapoint> d = ExtractDatapoint(r, DeviceMetric(c.metric));
    ASSERT_TRUE(d.has_value()) << c.metric;
    EXPECT_EQ(d->type, ValueType::kNumber) << c.metric;
    EXPECT_EQ(d->number, c.want) << c.metric;
  }
}

TEST(DatapointTest, ZeroDeltaIsADatapointButAnAbsentCounterIsNot) {
  v1::MetricsReport r;
  r.mutable_metrics()->mutable_network_stats()->set_bytes_out(0);
  std::optional<Datapoint> out = ExtractDatapoint(r, DeviceMetric("aws:all-bytes-out"));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->number, 0);
  // network_stats is there, but without bytes_in.
  EXPECT_FALSE(ExtractDatapoint(r, DeviceMetric("aws:all-bytes-in")).has_value());
  EXPECT_FALSE(ExtractDatapoint(r, DeviceMetric("aws:all-packets-in")).has_value());
  EXPECT_FALSE(ExtractDatapoint(r, DeviceMetric("aws:all-packets-out")).has_value());
}

TEST(DatapointTest, NumListeningPortsUsesTotalWhenPresent) {
  v1::MetricsReport r;
  v1::ListeningPorts* tcp = r.mutable_metrics()->mutable_listening_tcp_ports();
  AddPort(tcp, 22);
  AddPort(tcp, 443);
  tcp->set_total(7);
  v1::ListeningPorts* udp = r.mutable_metrics()->mutable_listening_udp_ports();
  AddPort(udp, 53);
  udp->set_total(0);  // explicitly zero: still the total, not the count

  std::optional<Datapoint> t = ExtractDatapoint(r, DeviceMetric("aws:num-listening-tcp-ports"));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->number, 7);
  std::optional<Datapoint> u = ExtractDatapoint(r, DeviceMetric("aws:num-listening-udp-ports"));
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->number, 0);
}

TEST(DatapointTest, NumListeningPortsCountsPortsWithoutTotal) {
  v1::MetricsReport r;
  v1::ListeningPorts* tcp = r.mutable_metrics()->mutable_listening_tcp_ports();
  AddPort(tcp, 22);
  AddPort(tcp, 443);
  AddPort(tcp, 8080);
  v1::ListeningPorts* udp = r.mutable_metrics()->mutable_listening_udp_ports();
  AddPort(udp, 53);

  std::optional<Datapoint> t = ExtractDatapoint(r, DeviceMetric("aws:num-listening-tcp-ports"));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->number, 3);
  std::optional<Datapoint> u = ExtractDatapoint(r, DeviceMetric("aws:num-listening-udp-ports"));
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->number, 1);
}

TEST(DatapointTest, NumEstablishedConnectionsUsesTotalElseCount) {
  v1::MetricsReport r;
  v1::EstablishedConnections* ec =
      r.mutable_metrics()->mutable_tcp_connections()->mutable_established_connections();
  AddConnection(ec, "10.0.0.1:443");
  AddConnection(ec, "10.0.0.2:443");
  const rules::Metric metric = DeviceMetric("aws:num-established-tcp-connections");

  std::optional<Datapoint> counted = ExtractDatapoint(r, metric);
  ASSERT_TRUE(counted.has_value());
  EXPECT_EQ(counted->number, 2);

  ec->set_total(12);
  std::optional<Datapoint> total = ExtractDatapoint(r, metric);
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(total->number, 12);
}

TEST(DatapointTest, ListeningPortListsAreThePorts) {
  v1::MetricsReport r;
  v1::ListeningPorts* tcp = r.mutable_metrics()->mutable_listening_tcp_ports();
  AddPort(tcp, 24800);
  AddPort(tcp, 22);
  AddPort(tcp, 53);
  tcp->set_total(3);
  AddPort(r.mutable_metrics()->mutable_listening_udp_ports(), 5353);

  std::optional<Datapoint> t = ExtractDatapoint(r, DeviceMetric("aws:listening-tcp-ports"));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->type, ValueType::kPortList);
  EXPECT_EQ(t->ports, (std::vector<uint32_t>{24800, 22, 53}));
  std::optional<Datapoint> u = ExtractDatapoint(r, DeviceMetric("aws:listening-udp-ports"));
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->ports, (std::vector<uint32_t>{5353}));
}

TEST(DatapointTest, EmptyPortSectionIsAnEmptyListNotAMissingDatapoint) {
  v1::MetricsReport r;
  r.mutable_metrics()->mutable_listening_tcp_ports();  // present, no ports
  std::optional<Datapoint> t = ExtractDatapoint(r, DeviceMetric("aws:listening-tcp-ports"));
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->ports.empty());
  std::optional<Datapoint> n = ExtractDatapoint(r, DeviceMetric("aws:num-listening-tcp-ports"));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->number, 0);
}

TEST(DatapointTest, DestinationIpsAreTheIpPartOfRemoteAddrIncludingIpv6) {
  v1::MetricsReport r;
  v1::EstablishedConnections* ec =
      r.mutable_metrics()->mutable_tcp_connections()->mutable_established_connections();
  AddConnection(ec, "192.168.0.1:8000");
  AddConnection(ec, "[2001:db8::1]:443");
  std::optional<Datapoint> d = ExtractDatapoint(r, DeviceMetric("aws:destination-ip-addresses"));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->type, ValueType::kIpList);
  EXPECT_EQ(Ips(*d), (std::vector<std::string>{"192.168.0.1", "2001:db8::1"}));
  ASSERT_EQ(d->ips.size(), 2u);
  EXPECT_TRUE(d->ips[0].is_v4);
  EXPECT_FALSE(d->ips[1].is_v4);
  EXPECT_EQ(d->ips[1], *rules::ParseIp("2001:db8::1"));
}

TEST(DatapointTest, UnparsableRemoteAddrGivesNoDatapoint) {
  v1::MetricsReport r;
  v1::EstablishedConnections* ec =
      r.mutable_metrics()->mutable_tcp_connections()->mutable_established_connections();
  AddConnection(ec, "10.0.0.1:443");
  AddConnection(ec, "2001:db8::1:443");  // unbracketed IPv6: ambiguous
  EXPECT_FALSE(ExtractDatapoint(r, DeviceMetric("aws:destination-ip-addresses")).has_value());
}

TEST(DatapointTest, AbsentSectionsGiveNoDatapoint) {
  v1::MetricsReport empty;
  for (const rules::MetricInfo& info : rules::DeviceMetrics()) {
    EXPECT_FALSE(ExtractDatapoint(empty, DeviceMetric(info.id)).has_value()) << info.id;
  }

  // Only network stats: the port and connection metrics have nothing to read.
  v1::MetricsReport stats_only;
  stats_only.mutable_metrics()->mutable_network_stats()->set_bytes_out(5);
  for (const char* id : {"aws:listening-tcp-ports", "aws:listening-udp-ports",
                         "aws:num-listening-tcp-ports", "aws:num-listening-udp-ports",
                         "aws:num-established-tcp-connections", "aws:destination-ip-addresses"}) {
    EXPECT_FALSE(ExtractDatapoint(stats_only, DeviceMetric(id)).has_value()) << id;
  }

  // tcp_connections without established_connections.
  v1::MetricsReport no_ec;
  no_ec.mutable_metrics()->mutable_tcp_connections();
  EXPECT_FALSE(
      ExtractDatapoint(no_ec, DeviceMetric("aws:num-established-tcp-connections")).has_value());
  EXPECT_FALSE(ExtractDatapoint(no_ec, DeviceMetric("aws:destination-ip-addresses")).has_value());

  // Only listening TCP ports: UDP is absent.
  v1::MetricsReport tcp_only;
  AddPort(tcp_only.mutable_metrics()->mutable_listening_tcp_ports(), 22);
  EXPECT_FALSE(ExtractDatapoint(tcp_only, DeviceMetric("aws:listening-udp-ports")).has_value());
  EXPECT_FALSE(ExtractDatapoint(tcp_only, DeviceMetric("aws:num-listening-udp-ports")).has_value());
}

TEST(DatapointTest, CloudSideMetricsAreNeverReadFromADeviceReport) {
  // A report with every section: a cloud-side metric (from broker events) still has
  // nothing to read in it.
  v1::MetricsReport full;
  v1::Metrics* m = full.mutable_metrics();
  m->mutable_network_stats()->set_bytes_out(5);
  m->mutable_network_stats()->set_packets_in(7);
  AddPort(m->mutable_listening_tcp_ports(), 22);
  AddPort(m->mutable_listening_udp_ports(), 53);
  AddConnection(m->mutable_tcp_connections()->mutable_established_connections(), "203.0.113.7:443");
  ASSERT_FALSE(rules::CloudMetrics().empty());
  for (const rules::MetricInfo& info : rules::CloudMetrics()) {
    rules::Metric metric;
    metric.id = std::string(info.id);
    metric.builtin = info.builtin;
    metric.type = info.type;
    EXPECT_FALSE(ExtractDatapoint(full, metric).has_value()) << info.id;
  }
  EXPECT_TRUE(ExtractDatapoint(full, DeviceMetric("aws:destination-ip-addresses")).has_value());
}

TEST(DatapointTest, CustomMetricsOfEachType) {
  v1::MetricsReport r;
  auto& cm = *r.mutable_custom_metrics();
  cm["temp"].set_number(21.5);
  cm["codes"].mutable_number_list()->add_values(1);
  cm["codes"].mutable_number_list()->add_values(2.5);
  cm["users"].mutable_string_list()->add_values("root");
  cm["users"].mutable_string_list()->add_values("pi");
  cm["peers"].mutable_ip_list()->add_values("172.0.0.10");
  cm["peers"].mutable_ip_list()->add_values("2001:db8::5");

  std::optional<Datapoint> n = ExtractDatapoint(r, CustomMetric("temp", ValueType::kNumber));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->type, ValueType::kNumber);
  EXPECT_EQ(n->number, 21.5);

  std::optional<Datapoint> nl = ExtractDatapoint(r, CustomMetric("codes", ValueType::kNumberList));
  ASSERT_TRUE(nl.has_value());
  EXPECT_EQ(nl->type, ValueType::kNumberList);
  EXPECT_EQ(nl->numbers, (std::vector<double>{1, 2.5}));

  std::optional<Datapoint> sl = ExtractDatapoint(r, CustomMetric("users", ValueType::kStringList));
  ASSERT_TRUE(sl.has_value());
  EXPECT_EQ(sl->type, ValueType::kStringList);
  EXPECT_EQ(sl->strings, (std::vector<std::string>{"root", "pi"}));

  std::optional<Datapoint> il = ExtractDatapoint(r, CustomMetric("peers", ValueType::kIpList));
  ASSERT_TRUE(il.has_value());
  EXPECT_EQ(il->type, ValueType::kIpList);
  EXPECT_EQ(Ips(*il), (std::vector<std::string>{"172.0.0.10", "2001:db8::5"}));
}

TEST(DatapointTest, CustomMetricOfAnotherTypeGivesNoDatapoint) {
  v1::MetricsReport r;
  auto& cm = *r.mutable_custom_metrics();
  cm["temp"].mutable_string_list()->add_values("hot");
  cm["codes"].set_number(3);
  cm["peers"].mutable_number_list()->add_values(10);
  cm["users"].mutable_ip_list()->add_values("10.0.0.1");

  EXPECT_FALSE(ExtractDatapoint(r, CustomMetric("temp", ValueType::kNumber)).has_value());
  EXPECT_FALSE(ExtractDatapoint(r, CustomMetric("codes", ValueType::kNumberList)).has_value());
  EXPECT_FALSE(ExtractDatapoint(r, CustomMetric("peers", ValueType::kIpList)).has_value());
  EXPECT_FALSE(ExtractDatapoint(r, CustomMetric("users", ValueType::kStringList)).has_value());
  // A value with no kind set is no datapoint either.
  (void)cm["unset"];
  EXPECT_FALSE(ExtractDatapoint(r, CustomMetric("unset", ValueType::kNumber)).has_value());
}

TEST(DatapointTest, CustomMetricNotReportedGivesNoDatapoint) {
  v1::MetricsReport r;
  (*r.mutable_custom_metrics())["temp"].set_number(1);
  EXPECT_FALSE(ExtractDatapoint(r, CustomMetric("Temp", ValueType::kNumber)).has_value());
  EXPECT_FALSE(ExtractDatapoint(r, CustomMetric("humidity", ValueType::kNumber)).has_value());
}

TEST(DatapointTest, CustomIpListWithAnUnparsableAddressGivesNoDatapoint) {
  v1::MetricsReport r;
  auto* ips = (*r.mutable_custom_metrics())["peers"].mutable_ip_list();
  ips->add_values("10.0.0.1");
  ips->add_values("10.0.0.256");
  EXPECT_FALSE(ExtractDatapoint(r, CustomMetric("peers", ValueType::kIpList)).has_value());
}

TEST(DatapointTest, EmptyCustomListIsAnEmptyDatapoint) {
  v1::MetricsReport r;
  (*r.mutable_custom_metrics())["users"].mutable_string_list();
  std::optional<Datapoint> d = ExtractDatapoint(r, CustomMetric("users", ValueType::kStringList));
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->strings.empty());
}

}  // namespace
}  // namespace warden::detectors
