#include "services/report_validation.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rules/lists.h"
#include "rules/model.h"

namespace warden::services {
namespace {

ReportProblem Problem(std::string path, std::string message) {
  return ReportProblem{std::move(path), std::move(message)};
}

// Field paths are built only for a problem: a valid report (nearly every one) costs no
// string building.
std::optional<ReportProblem> CheckPorts(const v1::ListeningPorts& lp, absl::string_view path,
                                        const ReportLimits& limits) {
  if (static_cast<size_t>(lp.ports_size()) > limits.max_ports) {
    return Problem(absl::StrCat(path, ".ports"), absl::StrCat("too many ports: ", lp.ports_size(),
                                                              " (at most ", limits.max_ports, ")"));
  }
  for (int i = 0; i < lp.ports_size(); ++i) {
    const v1::Port& p = lp.ports(i);
    if (p.port() > 65535) {
      return Problem(absl::StrCat(path, ".ports[", i, "].port"),
                     absl::StrCat("port ", p.port(), " is out of range 0-65535"));
    }
    if (p.interface().size() > limits.max_string_bytes) {
      return Problem(absl::StrCat(path, ".ports[", i, "].interface"), "interface name too long");
    }
  }
  return std::nullopt;
}

std::optional<ReportProblem> CheckCustom(const std::string& name, const v1::CustomMetricValue& v,
                                         const ReportLimits& limits) {
  const auto at = [&name](const auto&... rest) {
    return absl::StrCat("report.custom_metrics[\"", name, "\"]", rest...);
  };
  if (!rules::IsValidCustomMetricName(name)) {
    return Problem(at(),
                   "custom metric names are 1-128 of [a-zA-Z0-9:_-] and do not start with 'aws:'");
  }
  auto too_many = [&](int n) { return static_cast<size_t>(n) > limits.max_custom_list_values; };
  switch (v.value_case()) {
    case v1::CustomMetricValue::VALUE_NOT_SET:
      return Problem(at(), "needs one of number, number_list, string_list, ip_list");
    case v1::CustomMetricValue::kNumber:
      if (!std::isfinite(v.number())) return Problem(at(".number"), "must be a finite number");
      return std::nullopt;
    case v1::CustomMetricValue::kNumberList:
      if (too_many(v.number_list().values_size())) {
        return Problem(at(".number_list"), "too many values");
      }
      for (int i = 0; i < v.number_list().values_size(); ++i) {
        if (!std::isfinite(v.number_list().values(i))) {
          return Problem(at(".number_list[", i, "]"), "must be a finite number");
        }
      }
      return std::nullopt;
    case v1::CustomMetricValue::kStringList:
      if (too_many(v.string_list().values_size())) {
        return Problem(at(".string_list"), "too many values");
      }
      for (int i = 0; i < v.string_list().values_size(); ++i) {
        if (v.string_list().values(i).size() > limits.max_string_bytes) {
          return Problem(at(".string_list[", i, "]"), "string too long");
        }
      }
      return std::nullopt;
    case v1::CustomMetricValue::kIpList:
      if (too_many(v.ip_list().values_size())) return Problem(at(".ip_list"), "too many values");
      for (int i = 0; i < v.ip_list().values_size(); ++i) {
        if (!rules::ParseIp(v.ip_list().values(i))) {
          return Problem(at(".ip_list[", i, "]"),
                         absl::StrCat("'", v.ip_list().values(i), "' is not an IP address"));
        }
      }
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

bool IsValidDeviceId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == ':' || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::optional<ReportProblem> ValidateReportRequest(const v1::ReportRequest& request,
                                                   const ReportLimits& limits) {
  if (!IsValidDeviceId(request.device_id())) {
    return Problem("device_id", "must be 1-128 characters of [a-zA-Z0-9:_.-]");
  }
  if (!request.has_report()) return Problem("report", "missing");
  const v1::MetricsReport& r = request.report();
  if (!r.has_header()) return Problem("report.header", "missing");
  if (r.header().report_id() <= 0) {
    return Problem("report.header.report_id",
                   absl::StrCat("must be > 0, got ", r.header().report_id()));
  }
  if (r.header().version() != "1.0") {
    return Problem("report.header.version",
                   absl::StrCat("unsupported version '", r.header().version(), "' (expected 1.0)"));
  }
  if (!r.has_metrics() && r.custom_metrics().empty()) {
    return Problem("report.metrics", "a report needs metrics or custom_metrics");
  }
  const v1::Metrics& m = r.metrics();
  if (auto p = CheckPorts(m.listening_tcp_ports(), "report.metrics.listening_tcp_ports", limits)) {
    return p;
  }
  if (auto p = CheckPorts(m.listening_udp_ports(), "report.metrics.listening_udp_ports", limits)) {
    return p;
  }
  const v1::EstablishedConnections& ec = m.tcp_connections().established_connections();
  constexpr absl::string_view kConnections =
      "report.metrics.tcp_connections.established_connections.connections";
  if (static_cast<size_t>(ec.connections_size()) > limits.max_connections) {
    return Problem(std::string(kConnections),
                   absl::StrCat("too many connections: ", ec.connections_size(), " (at most ",
                                limits.max_connections, ")"));
  }
  for (int i = 0; i < ec.connections_size(); ++i) {
    const v1::Connection& c = ec.connections(i);
    auto at = [&](absl::string_view field) {
      return absl::StrCat(kConnections, "[", i, "].", field);
    };
    if (c.remote_addr().size() > limits.max_string_bytes ||
        !rules::ParseRemoteAddr(c.remote_addr())) {
      return Problem(at("remote_addr"),
                     absl::StrCat("'", c.remote_addr(),
                                  "' is not an address of the form ip:port or [ipv6]:port"));
    }
    if (c.local_port() > 65535) {
      return Problem(at("local_port"),
                     absl::StrCat("port ", c.local_port(), " is out of range 0-65535"));
    }
    if (c.local_interface().size() > limits.max_string_bytes) {
      return Problem(at("local_interface"), "interface name too long");
    }
  }
  if (r.custom_metrics_size() > static_cast<int>(limits.max_custom_metrics)) {
    return Problem("report.custom_metrics",
                   absl::StrCat("too many custom metrics: ", r.custom_metrics_size(), " (at most ",
                                limits.max_custom_metrics, ")"));
  }
  for (const auto& [name, value] : r.custom_metrics()) {
    if (auto p = CheckCustom(name, value, limits)) return p;
  }
  return std::nullopt;
}

}  // namespace warden::services
