#include "tools/fleet_exporter.h"

#include <algorithm>
#include <exception>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"

namespace warden::tools {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type, size_t reserve) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  f.metric.reserve(reserve);
  return f;
}

ClientMetric& AddSeries(MetricFamily& family, const std::string& device) {
  ClientMetric& m = family.metric.emplace_back();
  m.label.push_back({"device", device});
  return m;
}

void AddCounter(MetricFamily& family, const std::string& device, uint64_t value) {
  AddSeries(family, device).counter.value = static_cast<double>(value);
}

void AddGauge(MetricFamily& family, const std::string& device, double value) {
  AddSeries(family, device).gauge.value = value;
}

// Adapts FleetMetrics to prometheus-cpp's pull interface.
class FleetCollectable : public prometheus::Collectable {
 public:
  explicit FleetCollectable(const FleetMetrics& metrics) : metrics_(metrics) {}
  std::vector<MetricFamily> Collect() const override { return metrics_.Collect(); }

 private:
  const FleetMetrics& metrics_;
};

}  // namespace

FleetMetrics::FleetMetrics(const Fleet& fleet) : fleet_(fleet), samples_(fleet.size()) {}

void FleetMetrics::Record(int device, const v1::MetricsReport& report) {
  const v1::Metrics& m = report.metrics();
  std::vector<uint32_t> tcp;
  tcp.reserve(m.listening_tcp_ports().ports_size());
  for (const v1::Port& p : m.listening_tcp_ports().ports()) tcp.push_back(p.port());
  std::sort(tcp.begin(), tcp.end());
  tcp.erase(std::unique(tcp.begin(), tcp.end()), tcp.end());

  absl::MutexLock lock(&mu_);
  Sample& s = samples_[device];
  s.reported = true;
  s.bytes_out += m.network_stats().bytes_out();
  s.bytes_in += m.network_stats().bytes_in();
  s.packets_out += m.network_stats().packets_out();
  s.packets_in += m.network_stats().packets_in();
  s.tcp_ports = m.listening_tcp_ports().ports_size();
  s.udp_ports = m.listening_udp_ports().ports_size();
  s.connections = m.tcp_connections().established_connections().connections_size();
  s.listening_tcp = std::move(tcp);
}

std::vector<MetricFamily> FleetMetrics::Collect() const {
  std::vector<Sample> samples;
  {
    absl::MutexLock lock(&mu_);
    samples = samples_;
  }
  const size_t n = samples.size();
  std::vector<MetricFamily> out;
  out.push_back(Family("fleet_device_bytes_out_total",
                       "Bytes sent by the device, summed over its reports", MetricType::Counter,
                       n));
  out.push_back(Family("fleet_device_bytes_in_total",
                       "Bytes received by the device, summed over its reports", MetricType::Counter,
                       n));
  out.push_back(Family("fleet_device_packets_out_total",
                       "Packets sent by the device, summed over its reports", MetricType::Counter,
                       n));
  out.push_back(Family("fleet_device_packets_in_total",
                       "Packets received by the device, summed over its reports",
                       MetricType::Counter, n));
  out.push_back(Family("fleet_device_listening_tcp_ports",
                       "Listening TCP ports in the device's last report", MetricType::Gauge, n));
  out.push_back(Family("fleet_device_listening_udp_ports",
                       "Listening UDP ports in the device's last report", MetricType::Gauge, n));
  out.push_back(Family("fleet_device_established_connections",
                       "Established TCP connections in the device's last report", MetricType::Gauge,
                       n));
  out.push_back(Family("fleet_device_listening_tcp_port",
                       "1 for each TCP port the device listened on in its last report",
                       MetricType::Gauge, n * 4));
  for (size_t i = 0; i < n; ++i) {
    const Sample& s = samples[i];
    if (!s.reported) continue;
    const std::string& device = fleet_.name(static_cast<int>(i));
    AddCounter(out[0], device, s.bytes_out);
    AddCounter(out[1], device, s.bytes_in);
    AddCounter(out[2], device, s.packets_out);
    AddCounter(out[3], device, s.packets_in);
    AddGauge(out[4], device, s.tcp_ports);
    AddGauge(out[5], device, s.udp_ports);
    AddGauge(out[6], device, s.connections);
    for (uint32_t port : s.listening_tcp) {
      ClientMetric& m = AddSeries(out[7], device);
      m.label.push_back({"port", absl::StrCat(port)});
      m.gauge.value = 1;
    }
  }
  return out;
}

std::string RenderPrometheusText(const FleetMetrics& metrics) {
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, metrics.Collect());
  return text.str();
}

absl::StatusOr<std::unique_ptr<FleetExporter>> FleetExporter::Create(const std::string& address,
                                                                     const FleetMetrics& metrics) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("exporter address '", address, "' is not HOST:PORT"));
  }
  std::unique_ptr<FleetExporter> exporter(new FleetExporter());
  try {
    // Two HTTP threads: one scrape at a time is all a benchmark needs, plus a spare.
    exporter->exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve the fleet's metrics on ", address, ": ", e.what()));
  }
  exporter->collectable_ = std::make_shared<FleetCollectable>(metrics);
  exporter->exposer_->RegisterCollectable(exporter->collectable_);
  const std::vector<int> ports = exporter->exposer_->GetListeningPorts();
  exporter->address_ = absl::StrCat(address.substr(0, colon), ":", ports.empty() ? port : ports[0]);
  return exporter;
}

FleetExporter::~FleetExporter() = default;

}  // namespace warden::tools
