#include "services/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace warden::services {
namespace {

prometheus::MetricFamily Family(const std::string& name, const std::string& help,
                                prometheus::MetricType type, double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

// /proc/self/stat fields after the command name (which may hold spaces).
struct Stat {
  double utime_ticks = 0;
  double stime_ticks = 0;
  double start_ticks = 0;  // since boot
  double vsize_bytes = 0;
  double rss_pages = 0;
};

std::optional<Stat> ReadStat() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string f[24];
  for (std::string& s : f) {
    if (!(fields >> s)) return std::nullopt;
  }
  // Fields from 3 (state): utime is 14, stime 15, starttime 22, vsize 23, rss 24.
  Stat s;
  try {
    s.utime_ticks = std::stod(f[14 - 3]);
    s.stime_ticks = std::stod(f[15 - 3]);
    s.start_ticks = std::stod(f[22 - 3]);
    s.vsize_bytes = std::stod(f[23 - 3]);
    s.rss_pages = std::stod(f[24 - 3]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return s;
}

std::optional<double> BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value;
  while (in >> key) {
    if (key == "btime" && (in >> value)) return value;
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  if (std::optional<Stat> s = ReadStat(); s.has_value() && ticks > 0) {
    out.push_back(Family("process_cpu_seconds_total", "User and system CPU time spent, seconds",
                         MetricType::Counter, (s->utime_ticks + s->stime_ticks) / ticks));
    out.push_back(Family("process_resident_memory_bytes", "Resident memory size, bytes",
                         MetricType::Gauge, s->rss_pages * page));
    out.push_back(Family("process_virtual_memory_bytes", "Virtual memory size, bytes",
                         MetricType::Gauge, s->vsize_bytes));
    if (std::optional<double> boot = BootTimeSeconds(); boot.has_value()) {
      out.push_back(Family("process_start_time_seconds",
                           "Start time of the process since the epoch, seconds", MetricType::Gauge,
                           *boot + s->start_ticks / ticks));
    }
  }
  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  if (!ec) {
    out.push_back(Family("process_open_fds", "Open file descriptors", MetricType::Gauge, fds));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.push_back(Family("process_max_fds", "Most open file descriptors allowed", MetricType::Gauge,
                         static_cast<double>(limit.rlim_cur)));
  }
  return out;
}

}  // namespace warden::services
