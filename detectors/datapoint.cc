#include "detectors/datapoint.h"

namespace warden::detectors {
namespace {

using rules::BuiltinMetric;
using rules::ValueType;

Datapoint Number(double v) {
  Datapoint d;
  d.type = ValueType::kNumber;
  d.number = v;
  return d;
}

Datapoint Ports(const v1::ListeningPorts& lp) {
  Datapoint d;
  d.type = ValueType::kPortList;
  d.ports.reserve(lp.ports_size());
  for (const v1::Port& p : lp.ports()) d.ports.push_back(p.port());
  return d;
}

std::optional<Datapoint> Custom(const v1::MetricsReport& report, const rules::Metric& metric) {
  auto it = report.custom_metrics().find(metric.id);
  if (it == report.custom_metrics().end()) return std::nullopt;
  const v1::CustomMetricValue& v = it->second;
  Datapoint d;
  d.type = metric.type;
  switch (metric.type) {
    case ValueType::kNumber:
      if (!v.has_number()) return std::nullopt;
      d.number = v.number();
      return d;
    case ValueType::kNumberList:
      if (!v.has_number_list()) return std::nullopt;
      d.numbers.assign(v.number_list().values().begin(), v.number_list().values().end());
      return d;
    case ValueType::kStringList:
      if (!v.has_string_list()) return std::nullopt;
      d.strings.assign(v.string_list().values().begin(), v.string_list().values().end());
      return d;
    case ValueType::kIpList:
      if (!v.has_ip_list()) return std::nullopt;
      for (const std::string& s : v.ip_list().values()) {
        std::optional<rules::IpAddress> ip = rules::ParseIp(s);
        if (!ip) return std::nullopt;
        d.ips.push_back(*ip);
      }
      return d;
    case ValueType::kPortList:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Datapoint> ExtractDatapoint(const v1::MetricsReport& report,
                                          const rules::Metric& metric) {
  const v1::Metrics& m = report.metrics();
  const v1::NetworkStats& ns = m.network_stats();
  const v1::EstablishedConnections& ec = m.tcp_connections().established_connections();
  const bool has_ec = m.has_tcp_connections() && m.tcp_connections().has_established_connections();
  switch (metric.builtin) {
    case BuiltinMetric::kCustom:
      return Custom(report, metric);
    case BuiltinMetric::kAllBytesOut:
      if (!ns.has_bytes_out()) return std::nullopt;
      return Number(static_cast<double>(ns.bytes_out()));
    case BuiltinMetric::kAllBytesIn:
      if (!ns.has_bytes_in()) return std::nullopt;
      return Number(static_cast<double>(ns.bytes_in()));
    case BuiltinMetric::kAllPacketsOut:
      if (!ns.has_packets_out()) return std::nullopt;
      return Number(static_cast<double>(ns.packets_out()));
    case BuiltinMetric::kAllPacketsIn:
      if (!ns.has_packets_in()) return std::nullopt;
      return Number(static_cast<double>(ns.packets_in()));
    case BuiltinMetric::kNumListeningTcpPorts:
      if (!m.has_listening_tcp_ports()) return std::nullopt;
      return Number(m.listening_tcp_ports().has_total() ? m.listening_tcp_ports().total()
                                                        : m.listening_tcp_ports().ports_size());
    case BuiltinMetric::kNumListeningUdpPorts:
      if (!m.has_listening_udp_ports()) return std::nullopt;
      return Number(m.listening_udp_ports().has_total() ? m.listening_udp_ports().total()
                                                        : m.listening_udp_ports().ports_size());
    case BuiltinMetric::kNumEstablishedTcpConnections:
      if (!has_ec) return std::nullopt;
      return Number(ec.has_total() ? ec.total() : ec.connections_size());
    case BuiltinMetric::kListeningTcpPorts:
      if (!m.has_listening_tcp_ports()) return std::nullopt;
      return Ports(m.listening_tcp_ports());
    case BuiltinMetric::kListeningUdpPorts:
      if (!m.has_listening_udp_ports()) return std::nullopt;
      return Ports(m.listening_udp_ports());
    case BuiltinMetric::kDestinationIpAddresses: {
      if (!has_ec) return std::nullopt;
      Datapoint d;
      d.type = ValueType::kIpList;
      d.ips.reserve(ec.connections_size());
      for (const v1::Connection& c : ec.connections()) {
        std::optional<rules::IpAddress> ip = rules::ParseRemoteAddr(c.remote_addr());
        if (!ip) return std::nullopt;
        d.ips.push_back(*ip);
      }
      return d;
    }
    // Cloud-side metrics come from broker events (cloud_metrics.h), never from a
    // device's report.
    case BuiltinMetric::kNumMessagesSent:
    case BuiltinMetric::kNumMessagesReceived:
    case BuiltinMetric::kMessageByteSize:
    case BuiltinMetric::kNumAuthorizationFailures:
    case BuiltinMetric::kNumConnectionAttempts:
    case BuiltinMetric::kNumDisconnects:
    case BuiltinMetric::kDisconnectDuration:
    case BuiltinMetric::kSourceIpAddress:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace warden::detectors
