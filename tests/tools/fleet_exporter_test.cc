// warden-loadgen's Prometheus exporter: the text a scrape gets, and serving it on
// 127.0.0.1:0.

#include "tools/fleet_exporter.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace warden::tools {
namespace {

using ::testing::EndsWith;

Fleet ThreeDevices() {
  FleetOptions o;
  o.devices = 3;
  return Fleet(o);
}

v1::MetricsReport Report(uint64_t bytes_out, std::vector<uint32_t> tcp_ports, int connections) {
  v1::MetricsReport r;
  v1::Metrics& m = *r.mutable_metrics();
  m.mutable_network_stats()->set_bytes_out(bytes_out);
  m.mutable_network_stats()->set_bytes_in(1000);
  m.mutable_network_stats()->set_packets_out(bytes_out / 500);
  m.mutable_network_stats()->set_packets_in(2);
  for (uint32_t port : tcp_ports) m.mutable_listening_tcp_ports()->add_ports()->set_port(port);
  m.mutable_listening_udp_ports()->add_ports()->set_port(53);
  auto& ec = *m.mutable_tcp_connections()->mutable_established_connections();
  for (int i = 0; i < connections; ++i) ec.add_connections()->set_remote_addr("52.94.1.1:443");
  return r;
}

TEST(FleetMetricsTest, ScrapeShowsReportedDevicesWithSummedCountersAndLastGauges) {
  const Fleet fleet = ThreeDevices();
  FleetMetrics metrics(fleet);
  metrics.Record(0, Report(50000, {443, 22}, 3));
  metrics.Record(0, Report(21000000, {23, 22, 443}, 4));  // telnet and exfiltration now
  metrics.Record(2, Report(1000, {8883}, 1));
  // dev-00002 has not reported: it is left out.

  EXPECT_EQ(RenderPrometheusText(metrics),
            "# HELP fleet_device_bytes_out_total Bytes sent by the device, summed over its "
            "reports\n"
            "# TYPE fleet_device_bytes_out_total counter\n"
            "fleet_device_bytes_out_total{device=\"dev-00001\"} 21050000\n"
            "fleet_device_bytes_out_total{device=\"dev-00003\"} 1000\n"
            "# HELP fleet_device_bytes_in_total Bytes received by the device, summed over its "
            "reports\n"
            "# TYPE fleet_device_bytes_in_total counter\n"
            "fleet_device_bytes_in_total{device=\"dev-00001\"} 2000\n"
            "fleet_device_bytes_in_total{device=\"dev-00003\"} 1000\n"
            "# HELP fleet_device_packets_out_total Packets sent by the device, summed over its "
            "reports\n"
            "# TYPE fleet_device_packets_out_total counter\n"
            "fleet_device_packets_out_total{device=\"dev-00001\"} 42100\n"
            "fleet_device_packets_out_total{device=\"dev-00003\"} 2\n"
            "# HELP fleet_device_packets_in_total Packets received by the device, summed over "
            "its reports\n"
            "# TYPE fleet_device_packets_in_total counter\n"
            "fleet_device_packets_in_total{device=\"dev-00001\"} 4\n"
            "fleet_device_packets_in_total{device=\"dev-00003\"} 2\n"
            "# HELP fleet_device_listening_tcp_ports Listening TCP ports in the device's last "
            "report\n"
            "# TYPE fleet_device_listening_tcp_ports gauge\n"
            "fleet_device_listening_tcp_ports{device=\"dev-00001\"} 3\n"
            "fleet_device_listening_tcp_ports{device=\"dev-00003\"} 1\n"
            "# HELP fleet_device_listening_udp_ports Listening UDP ports in the device's last "
            "report\n"
            "# TYPE fleet_device_listening_udp_ports gauge\n"
            "fleet_device_listening_udp_ports{device=\"dev-00001\"} 1\n"
            "fleet_device_listening_udp_ports{device=\"dev-00003\"} 1\n"
            "# HELP fleet_device_established_connections Established TCP connections in the "
            "device's last report\n"
            "# TYPE fleet_device_established_connections gauge\n"
            "fleet_device_established_connections{device=\"dev-00001\"} 4\n"
            "fleet_device_established_connections{device=\"dev-00003\"} 1\n"
            "# HELP fleet_device_listening_tcp_port 1 for each TCP port the device listened on "
            "in its last report\n"
            "# TYPE fleet_device_listening_tcp_port gauge\n"
            "fleet_device_listening_tcp_port{device=\"dev-00001\",port=\"22\"} 1\n"
            "fleet_device_listening_tcp_port{device=\"dev-00001\",port=\"23\"} 1\n"
            "fleet_device_listening_tcp_port{device=\"dev-00001\",port=\"443\"} 1\n"
            "fleet_device_listening_tcp_port{device=\"dev-00003\",port=\"8883\"} 1\n");
}

TEST(FleetMetricsTest, NothingReportedIsEightEmptyFamilies) {
  const Fleet fleet = ThreeDevices();
  FleetMetrics metrics(fleet);
  const std::string text = RenderPrometheusText(metrics);
  EXPECT_EQ(text.find("device="), std::string::npos) << text;
}

// The body of GET http://<address>/metrics, over a plain socket.
std::string Get(const std::string& address) {
  const std::vector<std::string> host_port = absl::StrSplit(address, ':');
  int port = 0;
  if (host_port.size() != 2 || !absl::SimpleAtoi(host_port[1], &port)) return "bad address";
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host_port[0].c_str(), &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return "cannot connect";
  }
  const std::string request =
      "GET /metrics HTTP/1.0\r\nHost: " + address + "\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return "cannot write";
  }
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, n);
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? response : response.substr(body + 4);
}

TEST(FleetExporterTest, ServesTheScrapeOnAnEphemeralPort) {
  const Fleet fleet = ThreeDevices();
  FleetMetrics metrics(fleet);
  metrics.Record(1, Report(70000, {22}, 2));
  absl::StatusOr<std::unique_ptr<FleetExporter>> exporter =
      FleetExporter::Create("127.0.0.1:0", metrics);
  ASSERT_TRUE(exporter.ok()) << exporter.status();
  EXPECT_NE((*exporter)->address(), "127.0.0.1:0");
  // After the exposer's own exposer_* metrics.
  EXPECT_THAT(Get((*exporter)->address()), EndsWith(RenderPrometheusText(metrics)));
}

TEST(FleetExporterTest, AnAddressWithoutAPortIsRefused) {
  const Fleet fleet = ThreeDevices();
  FleetMetrics metrics(fleet);
  const auto exporter = FleetExporter::Create("127.0.0.1", metrics);
  EXPECT_EQ(exporter.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(exporter.status().message(), "exporter address '127.0.0.1' is not HOST:PORT");
}

}  // namespace
}  // namespace warden::tools
