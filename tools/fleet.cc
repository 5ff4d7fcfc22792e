#include "tools/fleet.h"

#include <algorithm>
#include <array>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace warden::tools {
namespace {

constexpr std::array<uint32_t, 5> kTcpPorts = {22, 443, 8883, 1883, 8080};
constexpr std::array<uint32_t, 3> kUdpPorts = {53, 123, 5353};
constexpr uint32_t kTelnetPort = 23;
constexpr int64_t kKiB = 1024;
constexpr uint64_t kExfiltrationBytes = 20 * kKiB * kKiB;
constexpr char kC2Address[] = "203.0.113.66:4444";
constexpr uint64_t kBytesPerPacket = 500;

int64_t Uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// `count` of `from`, chosen by `rng`, ascending.
template <size_t N>
std::vector<uint32_t> Choose(const std::array<uint32_t, N>& from, int64_t count,
                             std::mt19937_64& rng) {
  std::vector<uint32_t> ports(from.begin(), from.end());
  std::shuffle(ports.begin(), ports.end(), rng);
  ports.resize(count);
  std::sort(ports.begin(), ports.end());
  return ports;
}

void AddPort(uint32_t port, v1::ListeningPorts& out) {
  v1::Port* p = out.add_ports();
  p->set_port(port);
  p->set_interface("eth0");
}

// Adds `ports` and sets the total to the ports listed.
void AddPorts(const std::vector<uint32_t>& ports, v1::ListeningPorts& out) {
  for (uint32_t port : ports) AddPort(port, out);
  out.set_total(out.ports_size());
}

void AddConnection(const std::string& remote_addr, std::mt19937_64& rng,
                   v1::EstablishedConnections& out) {
  v1::Connection* c = out.add_connections();
  c->set_remote_addr(remote_addr);
  c->set_local_port(static_cast<uint32_t>(Uniform(rng, 32768, 60999)));
  c->set_local_interface("eth0");
}

}  // namespace

absl::string_view MisbehaviourName(Misbehaviour m) {
  switch (m) {
    case Misbehaviour::kNone:
      return "none";
    case Misbehaviour::kTelnet:
      return "telnet";
    case Misbehaviour::kExfiltration:
      return "exfiltration";
    case Misbehaviour::kC2:
      return "c2";
  }
  return "unknown";
}

absl::string_view MisbehaviourDescription(Misbehaviour m) {
  switch (m) {
    case Misbehaviour::kNone:
      return "behaves";
    case Misbehaviour::kTelnet:
      return "also listens on tcp/23";
    case Misbehaviour::kExfiltration:
      return "sends 20 MiB per report";
    case Misbehaviour::kC2:
      return "also connects to 203.0.113.66:4444";
  }
  return "unknown";
}

std::string DeviceName(absl::string_view prefix, int index) {
  return absl::StrFormat("%s%05d", prefix, index + 1);
}

Fleet::Fleet(const FleetOptions& options) {
  std::mt19937_64 rng(options.seed);
  const int n = std::max(options.devices, 0);
  devices_.resize(n);
  for (int i = 0; i < n; ++i) {
    Device& d = devices_[i];
    d.name = DeviceName(options.device_prefix, i);
    d.tcp_ports = Choose(kTcpPorts, Uniform(rng, 2, 5), rng);
    d.udp_ports = Choose(kUdpPorts, Uniform(rng, 1, 3), rng);
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  const int misbehaving = std::clamp(options.misbehaving, 0, n);
  for (int j = 0; j < misbehaving; ++j) {
    constexpr std::array<Misbehaviour, 3> kKinds = {Misbehaviour::kTelnet,
                                                    Misbehaviour::kExfiltration, Misbehaviour::kC2};
    devices_[order[j]].misbehaviour = kKinds[Uniform(rng, 0, kKinds.size() - 1)];
  }
}

std::vector<int> Fleet::Misbehaving() const {
  std::vector<int> out;
  for (int i = 0; i < size(); ++i) {
    if (devices_[i].misbehaviour != Misbehaviour::kNone) out.push_back(i);
  }
  return out;
}

v1::MetricsReport Fleet::MakeReport(int device, int64_t report_id, bool misbehaving,
                                    std::mt19937_64& rng) const {
  v1::MetricsReport report;
  MakeReport(device, report_id, misbehaving, rng, &report);
  return report;
}

void Fleet::MakeReport(int device, int64_t report_id, bool misbehaving, std::mt19937_64& rng,
                       v1::MetricsReport* report) const {
  const Device& d = devices_[device];
  const Misbehaviour m = misbehaving ? d.misbehaviour : Misbehaviour::kNone;
  report->mutable_header()->set_report_id(report_id);
  report->mutable_header()->set_version("1.0");
  v1::Metrics& metrics = *report->mutable_metrics();

  v1::ListeningPorts& tcp = *metrics.mutable_listening_tcp_ports();
  if (m == Misbehaviour::kTelnet) AddPort(kTelnetPort, tcp);  // first, then the device's own
  AddPorts(d.tcp_ports, tcp);
  AddPorts(d.udp_ports, *metrics.mutable_listening_udp_ports());

  const uint64_t bytes_out = m == Misbehaviour::kExfiltration
                                 ? kExfiltrationBytes
                                 : static_cast<uint64_t>(Uniform(rng, 20 * kKiB, 80 * kKiB));
  const auto bytes_in = static_cast<uint64_t>(Uniform(rng, 5 * kKiB, 40 * kKiB));
  v1::NetworkStats& ns = *metrics.mutable_network_stats();
  ns.set_bytes_out(bytes_out);
  ns.set_bytes_in(bytes_in);
  ns.set_packets_out(bytes_out / kBytesPerPacket + 1);
  ns.set_packets_in(bytes_in / kBytesPerPacket + 1);

  v1::EstablishedConnections& ec =
      *metrics.mutable_tcp_connections()->mutable_established_connections();
  const int64_t connections = Uniform(rng, 1, 10);
  for (int64_t i = 0; i < connections; ++i) {
    AddConnection(absl::StrCat("52.94.", Uniform(rng, 0, 255), ".", Uniform(rng, 1, 254), ":443"),
                  rng, ec);
  }
  if (m == Misbehaviour::kC2) AddConnection(kC2Address, rng, ec);
  ec.set_total(ec.connections_size());
}

}  // namespace warden::tools
