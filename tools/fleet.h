#ifndef WARDEN_TOOLS_FLEET_H_
#define WARDEN_TOOLS_FLEET_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "warden/v1/report.pb.h"

namespace warden::tools {

// What a misbehaving simulated device does once it starts misbehaving.
enum class Misbehaviour {
  kNone,
  kTelnet,        // also listens on TCP port 23
  kExfiltration,  // sends 20 MiB per report
  kC2,            // also holds a connection to 203.0.113.66:4444
};
// "none", "telnet", "exfiltration", "c2".
absl::string_view MisbehaviourName(Misbehaviour m);
// "listens on tcp/23", ...
absl::string_view MisbehaviourDescription(Misbehaviour m);

struct FleetOptions {
  // Devices are named prefix + 1-based index zero-padded to 5 digits: dev-00001.
  // Default: 1000 devices named dev-00001..dev-01000.
  int devices = 1000;
  std::string device_prefix = "dev-";
  // How many devices misbehave; clamped to [0, devices]. Default: none.
  int misbehaving = 0;
  // Decides which devices misbehave, how, and each device's listening ports.
  uint64_t seed = 1;
};

// A simulated fleet: each device's name, its stable listening ports and its
// misbehaviour, all derived from the options alone, so a run is reproducible.
// Immutable after construction; thread-safe.
class Fleet {
 public:
  explicit Fleet(const FleetOptions& options);

  int size() const { return static_cast<int>(devices_.size()); }
  const std::string& name(int device) const { return devices_[device].name; }
  Misbehaviour misbehaviour(int device) const { return devices_[device].misbehaviour; }
  // The indices of the misbehaving devices, ascending.
  std::vector<int> Misbehaving() const;

  // A report of `device` with header `report_id`: 20–80 KB out, 5–40 KB in, packets
  // about bytes/500, its 2–5 TCP and 1–3 UDP listening ports, 1–10 connections to
  // 52.94.x.y:443; plus its misbehaviour when `misbehaving` is true. `rng` draws the
  // traffic.
  v1::MetricsReport MakeReport(int device, int64_t report_id, bool misbehaving,
                               std::mt19937_64& rng) const;
  // The same, written into the empty `report` (which may live on an arena: the load
  // generator builds each message's reports on one, with no malloc or free per part).
  void MakeReport(int device, int64_t report_id, bool misbehaving, std::mt19937_64& rng,
                  v1::MetricsReport* report) const;

 private:
  struct Device {
    std::string name;
    std::vector<uint32_t> tcp_ports;
    std::vector<uint32_t> udp_ports;
    Misbehaviour misbehaviour = Misbehaviour::kNone;
  };
  std::vector<Device> devices_;
};

// "dev-00001" for (prefix "dev-", index 0); more digits past 99999.
std::string DeviceName(absl::string_view prefix, int index);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_FLEET_H_
