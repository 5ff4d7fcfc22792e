#ifndef WARDEN_DETECTORS_DATAPOINT_H_
#define WARDEN_DETECTORS_DATAPOINT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/lists.h"
#include "rules/model.h"
#include "warden/v1/report.pb.h"

namespace warden::detectors {

// One metric's value in one report: a number, or a list of the metric's element type.
struct Datapoint {
  rules::ValueType type = rules::ValueType::kNumber;
  double number = 0;                  // kNumber
  std::vector<uint32_t> ports;        // kPortList
  std::vector<rules::IpAddress> ips;  // kIpList
  std::vector<double> numbers;        // kNumberList
  std::vector<std::string> strings;   // kStringList
};

// Extracts `metric` from a report (reference §1 and §4):
//  - byte/packet metrics: network_stats deltas;
//  - num-listening-*-ports / num-established-tcp-connections: `total`, else the count;
//  - listening port lists: ports[].port; destination IPs: the IP part of remote_addr;
//  - custom metrics: custom_metrics[name] when its reported type is the metric's type.
// nullopt when the report carries no datapoint for the metric (absent section, or an
// unparsable address, which ingest validation rejects before this point).
std::optional<Datapoint> ExtractDatapoint(const v1::MetricsReport& report,
                                          const rules::Metric& metric);

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_DATAPOINT_H_
