#include "detectors/report_json.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

namespace warden::detectors {
namespace {

using google::protobuf::util::MessageDifferencer;

// The example report of the AWS IoT Device Defender documentation (device-side
// metrics), long key names, with one custom metric of each type.
constexpr char kLongNames[] = R"json({
  "header": {"report_id": 1530304554, "version": "1.0"},
  "metrics": {
    "listening_tcp_ports": {
      "ports": [
        {"interface": "eth0", "port": 24800},
        {"interface": "eth0", "port": 22},
        {"interface": "eth0", "port": 53}
      ],
      "total": 3
    },
    "listening_udp_ports": {
      "ports": [
        {"interface": "eth0", "port": 5353},
        {"interface": "eth0", "port": 67}
      ],
      "total": 2
    },
    "network_stats": {
      "bytes_in": 29358693495,
      "bytes_out": 26485035,
      "packets_in": 10013573555,
      "packets_out": 11382615
    },
    "tcp_connections": {
      "established_connections": {
        "connections": [
          {"local_interface": "eth0", "local_port": 80, "remote_addr": "192.168.0.1:8000"},
          {"local_interface": "eth0", "local_port": 443, "remote_addr": "[2001:db8::1]:8883"}
        ],
        "total": 2
      }
    }
  },
  "custom_metrics": {
    "MyMetricOfType_Number": [{"number": 1}],
    "MyMetricOfType_NumberList": [{"number_list": [1, 2, 3]}],
    "MyMetricOfType_StringList": [{"string_list": ["value_1", "value_2"]}],
    "MyMetricOfType_IpList": [{"ip_list": ["172.0.0.0", "172.0.0.10"]}]
  }
})json";

// The same report with the short key names.
constexpr char kShortNames[] = R"json({
  "hed": {"rid": 1530304554, "v": "1.0"},
  "met": {
    "tp": {
      "pts": [
        {"if": "eth0", "pt": 24800},
        {"if": "eth0", "pt": 22},
        {"if": "eth0", "pt": 53}
      ],
      "t": 3
    },
    "up": {
      "pts": [
        {"if": "eth0", "pt": 5353},
        {"if": "eth0", "pt": 67}
      ],
      "t": 2
    },
    "ns": {"bi": 29358693495, "bo": 26485035, "pi": 10013573555, "po": 11382615},
    "tc": {
      "ec": {
        "cs": [
          {"li": "eth0", "lp": 80, "rad": "192.168.0.1:8000"},
          {"li": "eth0", "lp": 443, "rad": "[2001:db8::1]:8883"}
        ],
        "t": 2
      }
    }
  },
  "cmet": {
    "MyMetricOfType_Number": [{"number": 1}],
    "MyMetricOfType_NumberList": [{"number_list": [1, 2, 3]}],
    "MyMetricOfType_StringList": [{"string_list": ["value_1", "value_2"]}],
    "MyMetricOfType_IpList": [{"ip_list": ["172.0.0.0", "172.0.0.10"]}]
  }
})json";

TEST(ParseReportJsonTest, ReadsEveryFieldOfTheLongNameForm) {
  absl::StatusOr<v1::MetricsReport> r = ParseReportJson(kLongNames);
  ASSERT_TRUE(r.ok()) << r.status();

  EXPECT_EQ(r->header().report_id(), 1530304554);
  EXPECT_EQ(r->header().version(), "1.0");

  const v1::ListeningPorts& tcp = r->metrics().listening_tcp_ports();
  ASSERT_EQ(tcp.ports_size(), 3);
  EXPECT_EQ(tcp.ports(0).port(), 24800u);
  EXPECT_EQ(tcp.ports(0).interface(), "eth0");
  EXPECT_EQ(tcp.ports(2).port(), 53u);
  ASSERT_TRUE(tcp.has_total());
  EXPECT_EQ(tcp.total(), 3u);
  const v1::ListeningPorts& udp = r->metrics().listening_udp_ports();
  ASSERT_EQ(udp.ports_size(), 2);
  EXPECT_EQ(udp.ports(1).port(), 67u);
  EXPECT_EQ(udp.total(), 2u);

  const v1::NetworkStats& ns = r->metrics().network_stats();
  EXPECT_EQ(ns.bytes_in(), 29358693495u);
  EXPECT_EQ(ns.bytes_out(), 26485035u);
  EXPECT_EQ(ns.packets_in(), 10013573555u);
  EXPECT_EQ(ns.packets_out(), 11382615u);

  const v1::EstablishedConnections& ec = r->metrics().tcp_connections().established_connections();
  ASSERT_EQ(ec.connections_size(), 2);
  EXPECT_EQ(ec.connections(0).remote_addr(), "192.168.0.1:8000");
  EXPECT_EQ(ec.connections(0).local_port(), 80u);
  EXPECT_EQ(ec.connections(0).local_interface(), "eth0");
  EXPECT_EQ(ec.connections(1).remote_addr(), "[2001:db8::1]:8883");
  EXPECT_EQ(ec.total(), 2u);

  const auto& cmet = r->custom_metrics();
  ASSERT_EQ(cmet.size(), 4u);
  EXPECT_EQ(cmet.at("MyMetricOfType_Number").number(), 1);
  EXPECT_EQ(cmet.at("MyMetricOfType_NumberList").number_list().values_size(), 3);
  EXPECT_EQ(cmet.at("MyMetricOfType_NumberList").number_list().values(2), 3);
  EXPECT_EQ(cmet.at("MyMetricOfType_StringList").string_list().values(1), "value_2");
  EXPECT_EQ(cmet.at("MyMetricOfType_IpList").ip_list().values(1), "172.0.0.10");
}

TEST(ParseReportJsonTest, ShortNamesParseToTheSameReport) {
  absl::StatusOr<v1::MetricsReport> long_form = ParseReportJson(kLongNames);
  absl::StatusOr<v1::MetricsReport> short_form = ParseReportJson(kShortNames);
  ASSERT_TRUE(long_form.ok()) << long_form.status();
  ASSERT_TRUE(short_form.ok()) << short_form.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*long_form, *short_form))
      << long_form->DebugString() << "\nvs\n"
      << short_form->DebugString();
}

TEST(ParseReportJsonTest, AbsentTotalsStayAbsent) {
  absl::StatusOr<v1::MetricsReport> r =
      ParseReportJson(R"({"hed": {"rid": 1, "v": "1.0"}, "met": {"tp": {"pts": [{"pt": 22}]}}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->metrics().listening_tcp_ports().has_total());
  EXPECT_FALSE(r->metrics().has_network_stats());
}

struct MalformedCase {
  const char* name;
  const char* json;
  const char* message;  // the exact error message
};

class MalformedReportTest : public testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedReportTest, IsInvalidArgumentNamingThePath) {
  absl::StatusOr<v1::MetricsReport> r = ParseReportJson(GetParam().json);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedReportTest,
    testing::Values(
        MalformedCase{
            "BareObjectCustomMetric",
            R"({"header": {"report_id": 1}, "custom_metrics": {"temperature": {"number": 5}}})",
            "custom_metrics.temperature: expected an array of one object, got an object"},
        MalformedCase{"TwoCustomValues",
                      R"({"hed": {"rid": 1}, "cmet": {"t": [{"number": 5}, {"number": 6}]}})",
                      "custom_metrics.t: expected an array of one object, got an array of 2 "
                      "elements"},
        MalformedCase{"TwoKeysInOneCustomValue",
                      R"({"hed": {"rid": 1}, "cmet": {"t": [{"number": 5, "string_list": []}]}})",
                      "custom_metrics.t[0]: expected exactly one of number, number_list, "
                      "string_list, ip_list, got 'number', 'string_list'"},
        MalformedCase{"EmptyCustomValue", R"({"hed": {"rid": 1}, "cmet": {"t": [{}]}})",
                      "custom_metrics.t[0]: expected exactly one of number, number_list, "
                      "string_list, ip_list, got none"},
        MalformedCase{"UnknownCustomType", R"({"hed": {"rid": 1}, "cmet": {"t": [{"numbr": 5}]}})",
                      "custom_metrics.t[0].numbr: unknown custom metric type (expected one of "
                      "number, number_list, string_list, ip_list)"},
        MalformedCase{
            "StringInNumberList",
            R"({"hed": {"rid": 1}, "cmet": {"t": [{"number_list": [1, "2"]}]}})",
            "custom_metrics.t[0].number_list[1]: expected a number, got the string \"2\""},
        MalformedCase{"NumberInIpList",
                      R"({"hed": {"rid": 1}, "cmet": {"t": [{"ip_list": [10]}]}})",
                      "custom_metrics.t[0].ip_list[0]: expected a string, got the number 10"},
        MalformedCase{"StringAsCustomNumber",
                      R"({"hed": {"rid": 1}, "cmet": {"t": [{"number": "5"}]}})",
                      "custom_metrics.t[0].number: expected a number, got the string \"5\""},
        MalformedCase{"NegativeBytes", R"({"hed": {"rid": 1}, "met": {"ns": {"bo": -5}}})",
                      "metrics.network_stats.bytes_out: expected an integer from 0 to "
                      "18446744073709551615, got -5"},
        MalformedCase{"StringWherePortNumber",
                      R"({"hed": {"rid": 1}, "met": {"tp": {"pts": [{"pt": 22}, {"pt": "ssh"}]}}})",
                      "metrics.listening_tcp_ports.ports[1].port: expected an integer from 0 to "
                      "4294967295, got the string \"ssh\""},
        MalformedCase{"StringReportId", R"({"hed": {"rid": "1795000000"}})",
                      "header.report_id: expected an integer, got the string \"1795000000\""},
        MalformedCase{"NumberAsVersion", R"({"hed": {"rid": 1, "v": 1.0}})",
                      "header.version: expected a string, got the number 1.0"},
        MalformedCase{"BooleanAsBytes", R"({"hed": {"rid": 1}, "met": {"ns": {"bi": true}}})",
                      "metrics.network_stats.bytes_in: expected an integer from 0 to "
                      "18446744073709551615, got the boolean true"},
        MalformedCase{"FractionalReportId", R"({"header": {"report_id": 1.5}})",
                      "header.report_id: expected an integer, got 1.5"},
        MalformedCase{"UnknownTopLevelKey", R"({"hed": {"rid": 1}, "metric": {}})",
                      "metric: unknown key"},
        MalformedCase{"UnknownNestedKey",
                      R"({"hed": {"rid": 1}, "met": {"ns": {"bytes_sent": 1}}})",
                      "metrics.network_stats.bytes_sent: unknown key"},
        MalformedCase{"LongAndShortNameOfOneField",
                      R"({"header": {"report_id": 1}, "hed": {"rid": 2}})",
                      "header: given twice, as 'header' and as 'hed'"},
        MalformedCase{"ObjectWhereArray",
                      R"({"hed": {"rid": 1}, "met": {"tp": {"pts": {"pt": 22}}}})",
                      "metrics.listening_tcp_ports.ports: expected an array, got an object"},
        MalformedCase{"ArrayWhereObject", R"({"hed": {"rid": 1}, "met": {"ns": [1]}})",
                      "metrics.network_stats: expected an object, got an array of 1 element"},
        MalformedCase{"ArrayWhereString", R"({"hed": {"rid": 1, "v": ["1.0"]}})",
                      "header.version: expected a string, got an array of 1 element"},
        MalformedCase{"TopLevelArray", R"([{"hed": {"rid": 1}}])",
                      "report: expected an object, got an array of 1 element"},
        MalformedCase{"NotJson", R"({"hed": {"rid": 1},})",
                      "invalid json: parse error at line 1, column 20: syntax error while "
                      "parsing object key - unexpected '}'; expected string literal"}),
    [](const testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

// A report with every field set, including zeros that must survive the round trip.
v1::MetricsReport FullReport() {
  absl::StatusOr<v1::MetricsReport> r = ParseReportJson(kLongNames);
  EXPECT_TRUE(r.ok()) << r.status();
  r->mutable_metrics()->mutable_network_stats()->set_packets_out(0);
  (*r->mutable_custom_metrics())["empty_list"].mutable_string_list();
  (*r->mutable_custom_metrics())["negative"].set_number(-2.5);
  return *r;
}

TEST(ReportToAwsJsonTest, RoundTripsInBothForms) {
  const v1::MetricsReport report = FullReport();
  for (bool short_names : {false, true}) {
    const std::string json = ReportToAwsJson(report, short_names);
    absl::StatusOr<v1::MetricsReport> back = ParseReportJson(json);
    ASSERT_TRUE(back.ok()) << back.status() << "\n" << json;
    EXPECT_TRUE(MessageDifferencer::Equals(report, *back)) << json;
  }
}

TEST(ReportToAwsJsonTest, WritesTheAwsShape) {
  v1::MetricsReport report;
  report.mutable_header()->set_report_id(1764151200);
  report.mutable_header()->set_version("1.0");
  report.mutable_metrics()->mutable_network_stats()->set_bytes_out(20000000);
  (*report.mutable_custom_metrics())["temperature"].set_number(21.5);
  (*report.mutable_custom_metrics())["peers"].mutable_ip_list()->add_values("10.0.0.1");

  EXPECT_EQ(ReportToAwsJson(report, /*short_names=*/true),
            R"({"hed":{"rid":1764151200,"v":"1.0"},"met":{"ns":{"bo":20000000}},)"
            R"("cmet":{"peers":[{"ip_list":["10.0.0.1"]}],"temperature":[{"number":21.5}]}})");
  EXPECT_EQ(ReportToAwsJson(report, /*short_names=*/false),
            R"({"header":{"report_id":1764151200,"version":"1.0"},)"
            R"("metrics":{"network_stats":{"bytes_out":20000000}},)"
            R"("custom_metrics":{"peers":[{"ip_list":["10.0.0.1"]}],)"
            R"("temperature":[{"number":21.5}]}})");
}

}  // namespace
}  // namespace warden::detectors
