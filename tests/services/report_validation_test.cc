#include "services/report_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace warden::services {
namespace {

using ::testing::HasSubstr;

// A valid request with every section filled in.
v1::ReportRequest ValidRequest() {
  v1::ReportRequest req;
  req.set_device_id("cam-0001");
  v1::MetricsReport* r = req.mutable_report();
  r->mutable_header()->set_report_id(1530304554);
  r->mutable_header()->set_version("1.0");
  v1::Metrics* m = r->mutable_metrics();
  for (uint32_t port : {22u, 443u}) {
    v1::Port* p = m->mutable_listening_tcp_ports()->add_ports();
    p->set_port(port);
    p->set_interface("eth0");
  }
  m->mutable_listening_udp_ports()->add_ports()->set_port(5353);
  m->mutable_network_stats()->set_bytes_out(100);
  auto* ec = m->mutable_tcp_connections()->mutable_established_connections();
  for (const char* addr : {"192.168.0.1:8000", "[2001:db8::1]:443"}) {
    v1::Connection* c = ec->add_connections();
    c->set_remote_addr(addr);
    c->set_local_port(50000);
    c->set_local_interface("eth0");
  }
  auto& cm = *r->mutable_custom_metrics();
  cm["temp"].set_number(21.5);
  cm["codes"].mutable_number_list()->add_values(1);
  cm["users"].mutable_string_list()->add_values("pi");
  cm["peers"].mutable_ip_list()->add_values("172.0.0.10");
  cm["peers"].mutable_ip_list()->add_values("2001:db8::5");
  return req;
}

std::string PathOf(const v1::ReportRequest& req, const ReportLimits& limits = ReportLimits()) {
  std::optional<ReportProblem> p = ValidateReportRequest(req, limits);
  return p ? p->field_path : "(valid)";
}

std::string MessageOf(const v1::ReportRequest& req, const ReportLimits& limits = ReportLimits()) {
  std::optional<ReportProblem> p = ValidateReportRequest(req, limits);
  return p ? p->message : "(valid)";
}

TEST(ReportValidationTest, ValidReportPasses) { EXPECT_EQ(PathOf(ValidRequest()), "(valid)"); }

TEST(ReportValidationTest, CustomMetricsAloneOrMetricsAloneAreEnough) {
  v1::ReportRequest custom_only = ValidRequest();
  custom_only.mutable_report()->clear_metrics();
  EXPECT_EQ(PathOf(custom_only), "(valid)");

  v1::ReportRequest metrics_only = ValidRequest();
  metrics_only.mutable_report()->clear_custom_metrics();
  EXPECT_EQ(PathOf(metrics_only), "(valid)");
}

TEST(ReportValidationTest, DeviceId) {
  for (const std::string& bad : {std::string(""), std::string("cam 1"), std::string("cam/1"),
                                 std::string("cam\0001", 5), std::string(129, 'a')}) {
    v1::ReportRequest req = ValidRequest();
    req.set_device_id(bad);
    EXPECT_EQ(PathOf(req), "device_id") << "'" << bad << "'";
  }
  for (const std::string& good :
       {std::string("a"), std::string(128, 'a'), std::string("Cam_01:lobby.north-2")}) {
    v1::ReportRequest req = ValidRequest();
    req.set_device_id(good);
    EXPECT_EQ(PathOf(req), "(valid)") << good;
  }
}

TEST(ReportValidationTest, MissingReportAndHeader) {
  v1::ReportRequest no_report = ValidRequest();
  no_report.clear_report();
  EXPECT_EQ(PathOf(no_report), "report");

  v1::ReportRequest no_header = ValidRequest();
  no_header.mutable_report()->clear_header();
  EXPECT_EQ(PathOf(no_header), "report.header");
}

TEST(ReportValidationTest, ReportIdMustBePositive) {
  for (int64_t id : {int64_t{0}, int64_t{-1}}) {
    v1::ReportRequest req = ValidRequest();
    req.mutable_report()->mutable_header()->set_report_id(id);
    EXPECT_EQ(PathOf(req), "report.header.report_id");
    EXPECT_THAT(MessageOf(req), HasSubstr("got " + std::to_string(id)));
  }
  v1::ReportRequest one = ValidRequest();
  one.mutable_report()->mutable_header()->set_report_id(1);
  EXPECT_EQ(PathOf(one), "(valid)");
}

TEST(ReportValidationTest, VersionMustBe1Point0) {
  for (const char* v : {"", "2.0", "1", "1.0 "}) {
    v1::ReportRequest req = ValidRequest();
    req.mutable_report()->mutable_header()->set_version(v);
    EXPECT_EQ(PathOf(req), "report.header.version") << v;
  }
  v1::ReportRequest req = ValidRequest();
  req.mutable_report()->mutable_header()->set_version("2.0");
  EXPECT_THAT(MessageOf(req), HasSubstr("'2.0'"));
}

TEST(ReportValidationTest, NeedsMetricsOrCustomMetrics) {
  v1::ReportRequest req = ValidRequest();
  req.mutable_report()->clear_metrics();
  req.mutable_report()->clear_custom_metrics();
  EXPECT_EQ(PathOf(req), "report.metrics");
}

TEST(ReportValidationTest, ListeningPortOutOfRange) {
  v1::ReportRequest tcp = ValidRequest();
  tcp.mutable_report()
      ->mutable_metrics()
      ->mutable_listening_tcp_ports()
      ->mutable_ports(1)
      ->set_port(65536);
  EXPECT_EQ(PathOf(tcp), "report.metrics.listening_tcp_ports.ports[1].port");
  EXPECT_THAT(MessageOf(tcp), HasSubstr("65536"));

  v1::ReportRequest udp = ValidRequest();
  udp.mutable_report()
      ->mutable_metrics()
      ->mutable_listening_udp_ports()
      ->mutable_ports(0)
      ->set_port(70000);
  EXPECT_EQ(PathOf(udp), "report.metrics.listening_udp_ports.ports[0].port");

  v1::ReportRequest edge = ValidRequest();
  edge.mutable_report()
      ->mutable_metrics()
      ->mutable_listening_tcp_ports()
      ->mutable_ports(0)
      ->set_port(65535);
  EXPECT_EQ(PathOf(edge), "(valid)");
}

TEST(ReportValidationTest, PortInterfaceTooLong) {
  v1::ReportRequest req = ValidRequest();
  req.mutable_report()
      ->mutable_metrics()
      ->mutable_listening_udp_ports()
      ->mutable_ports(0)
      ->set_interface(std::string(257, 'e'));
  EXPECT_EQ(PathOf(req), "report.metrics.listening_udp_ports.ports[0].interface");
}

TEST(ReportValidationTest, TooManyPorts) {
  ReportLimits limits;
  limits.max_ports = 2;
  v1::ReportRequest req = ValidRequest();
  EXPECT_EQ(PathOf(req, limits), "(valid)");
  req.mutable_report()->mutable_metrics()->mutable_listening_tcp_ports()->add_ports()->set_port(80);
  EXPECT_EQ(PathOf(req, limits), "report.metrics.listening_tcp_ports.ports");
  EXPECT_THAT(MessageOf(req, limits), HasSubstr("3"));
}

TEST(ReportValidationTest, RemoteAddr) {
  for (const char* bad : {"10.0.0.1", "10.0.0.1:", "10.0.0.1:70000", "10.0.0.256:80",
                          "2001:db8::1:443", "[2001:db8::1]", "[10.0.0.1]:80", "host:80", ""}) {
    v1::ReportRequest req = ValidRequest();
    req.mutable_report()
        ->mutable_metrics()
        ->mutable_tcp_connections()
        ->mutable_established_connections()
        ->mutable_connections(1)
        ->set_remote_addr(bad);
    EXPECT_EQ(PathOf(req),
              "report.metrics.tcp_connections.established_connections.connections[1].remote_addr")
        << bad;
    EXPECT_THAT(MessageOf(req), HasSubstr(std::string("'") + bad + "'"));
  }
  for (const char* good : {"[2001:db8::1]:443", "[::1]:0", "0.0.0.0:65535"}) {
    v1::ReportRequest req = ValidRequest();
    req.mutable_report()
        ->mutable_metrics()
        ->mutable_tcp_connections()
        ->mutable_established_connections()
        ->mutable_connections(0)
        ->set_remote_addr(good);
    EXPECT_EQ(PathOf(req), "(valid)") << good;
  }
}

TEST(ReportValidationTest, LocalPortAndInterface) {
  v1::ReportRequest port = ValidRequest();
  auto* ec = port.mutable_report()
                 ->mutable_metrics()
                 ->mutable_tcp_connections()
                 ->mutable_established_connections();
  ec->mutable_connections(0)->set_local_port(65536);
  EXPECT_EQ(PathOf(port),
            "report.metrics.tcp_connections.established_connections.connections[0].local_port");

  v1::ReportRequest iface = ValidRequest();
  iface.mutable_report()
      ->mutable_metrics()
      ->mutable_tcp_connections()
      ->mutable_established_connections()
      ->mutable_connections(1)
      ->set_local_interface(std::string(300, 'x'));
  EXPECT_EQ(
      PathOf(iface),
      "report.metrics.tcp_connections.established_connections.connections[1].local_interface");
}

TEST(ReportValidationTest, TooManyConnections) {
  ReportLimits limits;
  limits.max_connections = 1;
  EXPECT_EQ(PathOf(ValidRequest(), limits),
            "report.metrics.tcp_connections.established_connections.connections");
}

TEST(ReportValidationTest, CustomMetricName) {
  for (const char* bad : {"aws:temp", "has space", "tëmp"}) {
    v1::ReportRequest req = ValidRequest();
    (*req.mutable_report()->mutable_custom_metrics())[bad].set_number(1);
    EXPECT_EQ(PathOf(req), std::string("report.custom_metrics[\"") + bad + "\"]") << bad;
  }
  v1::ReportRequest long_name = ValidRequest();
  (*long_name.mutable_report()->mutable_custom_metrics())[std::string(129, 'n')].set_number(1);
  EXPECT_THAT(PathOf(long_name), HasSubstr("report.custom_metrics[\"nnn"));
}

TEST(ReportValidationTest, CustomMetricNeedsAValue) {
  v1::ReportRequest req = ValidRequest();
  (*req.mutable_report()->mutable_custom_metrics())["temp"].clear_number();
  EXPECT_EQ(PathOf(req), "report.custom_metrics[\"temp\"]");
  EXPECT_THAT(MessageOf(req), HasSubstr("number"));
}

TEST(ReportValidationTest, CustomNumbersMustBeFinite) {
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    v1::ReportRequest req = ValidRequest();
    (*req.mutable_report()->mutable_custom_metrics())["temp"].set_number(bad);
    EXPECT_EQ(PathOf(req), "report.custom_metrics[\"temp\"].number");
  }

  v1::ReportRequest list = ValidRequest();
  auto* values = (*list.mutable_report()->mutable_custom_metrics())["codes"].mutable_number_list();
  values->add_values(std::numeric_limits<double>::infinity());
  EXPECT_EQ(PathOf(list), "report.custom_metrics[\"codes\"].number_list[1]");
}

TEST(ReportValidationTest, CustomStringTooLong) {
  v1::ReportRequest req = ValidRequest();
  auto* values = (*req.mutable_report()->mutable_custom_metrics())["users"].mutable_string_list();
  values->add_values("admin");
  values->add_values(std::string(257, 's'));
  EXPECT_EQ(PathOf(req), "report.custom_metrics[\"users\"].string_list[2]");
}

TEST(ReportValidationTest, CustomIpMustParse) {
  v1::ReportRequest req = ValidRequest();
  auto* values = (*req.mutable_report()->mutable_custom_metrics())["peers"].mutable_ip_list();
  values->set_values(0, "172.0.0.300");
  EXPECT_EQ(PathOf(req), "report.custom_metrics[\"peers\"].ip_list[0]");
  EXPECT_THAT(MessageOf(req), HasSubstr("'172.0.0.300'"));

  // An address with a port is not an IP.
  values->set_values(0, "172.0.0.1:80");
  EXPECT_EQ(PathOf(req), "report.custom_metrics[\"peers\"].ip_list[0]");
}

TEST(ReportValidationTest, CustomListBounds) {
  ReportLimits limits;
  limits.max_custom_list_values = 2;
  v1::ReportRequest req = ValidRequest();
  EXPECT_EQ(PathOf(req, limits), "(valid)");  // peers has exactly 2
  (*req.mutable_report()->mutable_custom_metrics())["peers"].mutable_ip_list()->add_values(
      "10.0.0.1");
  EXPECT_EQ(PathOf(req, limits), "report.custom_metrics[\"peers\"].ip_list");

  v1::ReportRequest numbers = ValidRequest();
  for (int i = 0; i < 3; ++i) {
    (*numbers.mutable_report()->mutable_custom_metrics())["codes"]
        .mutable_number_list()
        ->add_values(i);
  }
  EXPECT_EQ(PathOf(numbers, limits), "report.custom_metrics[\"codes\"].number_list");

  v1::ReportRequest strings = ValidRequest();
  for (int i = 0; i < 3; ++i) {
    (*strings.mutable_report()->mutable_custom_metrics())["users"]
        .mutable_string_list()
        ->add_values("u");
  }
  EXPECT_EQ(PathOf(strings, limits), "report.custom_metrics[\"users\"].string_list");
}

TEST(ReportValidationTest, TooManyCustomMetrics) {
  ReportLimits limits;
  limits.max_custom_metrics = 4;
  v1::ReportRequest req = ValidRequest();
  EXPECT_EQ(PathOf(req, limits), "(valid)");
  (*req.mutable_report()->mutable_custom_metrics())["extra"].set_number(1);
  EXPECT_EQ(PathOf(req, limits), "report.custom_metrics");
}

TEST(ReportValidationTest, TheFirstProblemIsReported) {
  v1::ReportRequest req = ValidRequest();
  req.mutable_report()->mutable_header()->set_version("9");
  req.mutable_report()
      ->mutable_metrics()
      ->mutable_listening_tcp_ports()
      ->mutable_ports(0)
      ->set_port(99999);
  EXPECT_EQ(PathOf(req), "report.header.version");
  req.set_device_id("");
  EXPECT_EQ(PathOf(req), "device_id");
}

TEST(IsValidDeviceIdTest, MatchesTheDocumentedAlphabet) {
  EXPECT_TRUE(IsValidDeviceId("thermostat:7"));
  EXPECT_TRUE(IsValidDeviceId("a.b_c-d"));
  EXPECT_FALSE(IsValidDeviceId("a+b"));
  EXPECT_FALSE(IsValidDeviceId("ä"));
}

}  // namespace
}  // namespace warden::services
