// warden-loadgen: simulates a fleet of devices streaming metrics reports to wardend,
// some of them misbehaving, and measures the acks. See tools/README.md.

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/token_bucket.h"
#include "tools/fleet.h"
#include "tools/fleet_exporter.h"
#include "tools/load_stats.h"
#include "tools/pacing.h"
#include "tools/report_stream.h"
#include "tools/unary_reports.h"

namespace warden::tools {
namespace {

// Set by SIGINT/SIGTERM or at the end of --duration; every stream watches it.
std::atomic<bool> stop_requested{false};

void OnSignal(int signal) {
  stop_requested.store(true);
  std::signal(signal, SIG_DFL);  // a second ^C ends the process at once
}

constexpr absl::Duration kReportEvery = absl::Seconds(5);
constexpr absl::Duration kTick = absl::Milliseconds(100);

struct Options {
  std::string server = "127.0.0.1:7600";
  int devices = 1000;
  double rate = 1000;
  double catch_up_seconds = 0.05;
  double duration_seconds = 30;
  int streams = 4;
  double misbehaving_fraction = 0.01;
  int misbehaving_count = -1;  // -1: use the fraction
  double misbehave_after_seconds = 5;
  std::string device_prefix = "dev-";
  int64_t report_id_start = absl::ToUnixSeconds(absl::Now()) * 1000;
  int max_inflight = 1024;
  int batch = 1;  // reports per message; > 1: StreamReportBatches
  uint64_t seed = 1;
  bool once = false;
  double connect_timeout_seconds = 10;
  bool unary = false;           // one Report RPC per report instead of streams
  std::string exporter_listen;  // also serve the fleet's metrics to Prometheus here
  bool exporter_only = false;   // make reports for the exporter only, send none
};

// When each misbehaving device first reported its misbehaviour (the moment a monitor
// could first know), for detection-latency measurements. Thread-safe.
class MisbehaviourStarts {
 public:
  void Record(int device, absl::Time at) {
    absl::MutexLock lock(&mu_);
    if (seen_.emplace(device, at).second) fresh_.emplace_back(device, at);
  }
  // The starts recorded since the previous call.
  std::vector<std::pair<int, absl::Time>> TakeFresh() {
    absl::MutexLock lock(&mu_);
    return std::exchange(fresh_, {});
  }

 private:
  absl::Mutex mu_;
  std::map<int, absl::Time> seen_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<int, absl::Time>> fresh_ ABSL_GUARDED_BY(mu_);
};

// One line per start, for scripts:
//   misbehaviour-start dev-00042 telnet 1732634000.123
void PrintStarts(const Fleet& fleet, MisbehaviourStarts& starts) {
  for (const auto& [device, at] : starts.TakeFresh()) {
    std::cout << absl::StrFormat("misbehaviour-start %s %s %.3f\n", fleet.name(device),
                                 MisbehaviourName(fleet.misbehaviour(device)),
                                 absl::ToDoubleSeconds(at - absl::UnixEpoch()));
  }
  std::cout.flush();
}

// The exporter-only stand-in for a stream: makes `options.devices`' reports on the same
// schedule a stream would send them and hands each to options.on_sent; sends nothing.
absl::Status SimulateReports(const ReportStreamOptions& options, const Fleet& fleet,
                             LoadStats& stats, const std::atomic<bool>& stop) {
  const std::vector<int>& devices = options.devices;
  TokenBucket bucket = PacingBucket(options.rate, options.catch_up, absl::Now());
  std::mt19937_64 rng(options.seed + 0x9E3779B97F4A7C15ULL * (options.stream + 1));
  std::vector<int64_t> next_id(devices.size(), options.report_id_start);
  for (size_t i = 0; !devices.empty() && !(options.once && i == devices.size()); ++i) {
    if (!SleepUnlessStopped(bucket.Take(absl::Now()), stop, kTick)) break;
    const size_t slot = i % devices.size();
    const absl::Time now = absl::Now();
    const bool misbehaving = now >= options.misbehave_at;
    const v1::MetricsReport report =
        fleet.MakeReport(devices[slot], next_id[slot]++, misbehaving, rng);
    stats.RecordSent();
    if (options.on_sent) options.on_sent(devices[slot], report, misbehaving, now);
  }
  return absl::OkStatus();
}

// Whether wardend answers at all, before any stream starts.
bool CanConnect(const Options& o) {
  auto channel = grpc::CreateChannel(o.server, grpc::InsecureChannelCredentials());
  return channel->WaitForConnected(
      absl::ToChronoTime(absl::Now() + absl::Seconds(o.connect_timeout_seconds)));
}

void PrintPlan(const Options& o, const Fleet& fleet) {
  std::cout << "warden-loadgen: " << fleet.size() << " devices (" << fleet.name(0) << ".."
            << fleet.name(fleet.size() - 1) << ") on " << o.streams << " streams to " << o.server
            << ", " << o.rate << " reports/s, "
            << (o.once                   ? std::string("one report per device")
                : o.duration_seconds > 0 ? absl::StrCat("for ", o.duration_seconds, "s")
                                         : std::string("until interrupted"))
            << "; report ids from " << o.report_id_start << ", seed " << o.seed << "\n";
  if (o.exporter_only) {
    std::cout << "exporter only: reports are made on the same schedule but not sent\n";
  } else if (o.unary) {
    std::cout << "unary: one Report call per report, " << o.streams << " channels, up to "
              << o.max_inflight << " calls in flight on each\n";
  } else if (o.batch > 1) {
    std::cout << "batched: StreamReportBatches, " << o.batch << " reports per message, up to "
              << o.max_inflight << " reports in flight per stream\n";
  }
  const std::vector<int> bad = fleet.Misbehaving();
  std::cout << "misbehaving devices: " << bad.size();
  if (!bad.empty()) std::cout << ", from " << o.misbehave_after_seconds << "s on";
  std::cout << "\n";
  for (int i : bad) {
    std::cout << "  " << fleet.name(i) << " " << MisbehaviourName(fleet.misbehaviour(i)) << ": "
              << MisbehaviourDescription(fleet.misbehaviour(i)) << "\n";
  }
  std::cout.flush();
}

int Run(const Options& o) {
  FleetOptions fleet_options;
  fleet_options.devices = o.devices;
  fleet_options.device_prefix = o.device_prefix;
  fleet_options.misbehaving =
      o.misbehaving_count >= 0 ? o.misbehaving_count
                               : static_cast<int>(std::llround(o.misbehaving_fraction * o.devices));
  fleet_options.seed = o.seed;
  const Fleet fleet(fleet_options);
  const int streams = std::min(o.streams, o.devices);

  std::unique_ptr<FleetMetrics> fleet_metrics;
  std::unique_ptr<FleetExporter> exporter;
  if (!o.exporter_listen.empty()) {
    fleet_metrics = std::make_unique<FleetMetrics>(fleet);
    absl::StatusOr<std::unique_ptr<FleetExporter>> created =
        FleetExporter::Create(o.exporter_listen, *fleet_metrics);
    if (!created.ok()) {
      std::cerr << "warden-loadgen: " << created.status().message() << "\n";
      return 1;
    }
    exporter = *std::move(created);
  }
  if (!o.exporter_only && !CanConnect(o)) {
    std::cerr << "warden-loadgen: cannot connect to wardend at " << o.server << " within "
              << o.connect_timeout_seconds << "s\n";
    return 1;
  }
  PrintPlan(o, fleet);
  if (exporter != nullptr) {
    std::cout << "exporter: http://" << exporter->address() << "/metrics" << std::endl;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  const absl::Time start = absl::Now();
  if (fleet_options.misbehaving > 0) {
    std::cout << absl::StrFormat(
                     "misbehave-at %.3f\n",
                     absl::ToDoubleSeconds(start + absl::Seconds(o.misbehave_after_seconds) -
                                           absl::UnixEpoch()))
              << std::flush;
  }
  MisbehaviourStarts starts;
  FleetMetrics* const exported = fleet_metrics.get();
  auto on_sent = [&fleet, &starts, exported](int device, const v1::MetricsReport& report,
                                             bool misbehaving, absl::Time sent_at) {
    if (misbehaving && fleet.misbehaviour(device) != Misbehaviour::kNone) {
      starts.Record(device, sent_at);
    }
    if (exported != nullptr) exported->Record(device, report);
  };
  std::vector<ReportStreamOptions> plans(streams);
  for (int s = 0; s < streams; ++s) {
    ReportStreamOptions& p = plans[s];
    p.server = o.server;
    p.stream = s;
    p.rate = o.rate / streams;
    p.catch_up = absl::Seconds(o.catch_up_seconds);
    p.max_inflight = o.max_inflight;
    p.batch = o.batch;
    p.report_id_start = o.report_id_start;
    p.once = o.once;
    p.misbehave_at = start + absl::Seconds(o.misbehave_after_seconds);
    p.seed = o.seed;
    p.on_sent = on_sent;
  }
  for (int d = 0; d < o.devices; ++d) plans[d % streams].devices.push_back(d);

  LoadStats stats;
  std::vector<absl::Status> results(streams);
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  threads.reserve(streams);
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      if (o.exporter_only) {
        results[s] = SimulateReports(plans[s], fleet, stats, stop_requested);
      } else if (o.unary) {
        results[s] = RunUnaryReports(plans[s], fleet, stats, stop_requested);
      } else {
        results[s] = RunReportStream(plans[s], fleet, stats, stop_requested);
      }
      finished.fetch_add(1);
    });
  }

  const absl::Time end = o.once || o.duration_seconds <= 0
                             ? absl::InfiniteFuture()
                             : start + absl::Seconds(o.duration_seconds);
  absl::Time interval_start = start;
  while (finished.load() < streams) {
    absl::SleepFor(kTick);
    const absl::Time now = absl::Now();
    if (now >= end) stop_requested.store(true);
    PrintStarts(fleet, starts);
    if (now - interval_start >= kReportEvery) {
      const std::string label = absl::StrFormat("%.1fs", absl::ToDoubleSeconds(now - start));
      std::cout << FormatTally(label, stats.TakeInterval(), now - interval_start) << std::endl;
      interval_start = now;
    }
  }
  stop_requested.store(true);
  for (std::thread& t : threads) t.join();
  PrintStarts(fleet, starts);

  const absl::Duration elapsed = absl::Now() - start;
  std::cout << FormatTally(absl::StrFormat("total %.1fs", absl::ToDoubleSeconds(elapsed)),
                           stats.Total(), elapsed)
            << std::endl;
  int exit_code = 0;
  for (int s = 0; s < streams; ++s) {
    if (results[s].ok()) continue;
    std::cerr << "warden-loadgen: stream " << s << ": "
              << absl::StatusCodeToString(results[s].code()) << ": " << results[s].message()
              << "\n";
    exit_code = 1;
  }
  return exit_code;
}

// Parses the command line and runs. Exit codes as in tools/README.md.
int Main(int argc, char** argv) {
  Options o;
  CLI::App app{"warden-loadgen: a simulated fleet streaming metrics reports to wardend.",
               "warden-loadgen"};
  app.add_option("--server", o.server, "wardend address, host:port")
      ->envname("WARDEN_SERVER")
      ->capture_default_str();
  app.add_option("--devices", o.devices, "devices in the fleet")
      ->check(CLI::Range(1, 9'999'999))
      ->capture_default_str();
  app.add_option("--rate", o.rate, "reports per second, all streams together")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--catch-up", o.catch_up_seconds,
                 "seconds of its schedule a stream may fall behind (acks slow, window full) and "
                 "still send what it owes, as fast as acks allow; beyond that the owed reports are "
                 "skipped and the run's rate falls short of --rate")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("--duration", o.duration_seconds, "seconds to run; 0: until SIGINT/SIGTERM")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--streams", o.streams, "bidi streams, devices split across them")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  CLI::Option* fraction =
      app.add_option("--misbehaving", o.misbehaving_fraction, "fraction of devices misbehaving")
          ->check(CLI::Range(0.0, 1.0))
          ->capture_default_str();
  CLI::Option* count =
      app.add_option("--misbehaving-count", o.misbehaving_count, "devices misbehaving")
          ->check(CLI::NonNegativeNumber);
  fraction->excludes(count);
  app.add_option("--misbehave-after", o.misbehave_after_seconds,
                 "seconds before misbehaving devices start")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--device-prefix", o.device_prefix, "device names: prefix + 00001..")
      ->capture_default_str();
  app.add_option("--report-id-start", o.report_id_start,
                 "first report id of every device (default: epoch seconds * 1000)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-inflight", o.max_inflight, "unacked reports per stream, at most")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  CLI::Option* batch =
      app.add_option("--batch", o.batch,
                     "reports per message: 1 streams each alone (StreamReports); more use "
                     "StreamReportBatches with this many reports in each message")
          ->check(CLI::Range(1, 1000))
          ->capture_default_str();
  app.add_option("--seed", o.seed, "picks misbehaving devices, ports and traffic")
      ->capture_default_str();
  app.add_flag("--once", o.once, "send exactly one report per device, then exit");
  app.add_option("--connect-timeout", o.connect_timeout_seconds,
                 "seconds to wait for wardend at start")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI::Option* unary = app.add_flag(
      "--unary", o.unary,
      "one Report RPC per report (callback API) instead of streams: --streams channels, "
      "--max-inflight calls in flight on each");
  unary->excludes(batch);
  CLI::Option* exporter =
      app.add_option("--exporter-listen", o.exporter_listen,
                     "also serve the fleet's latest reported metrics in Prometheus text format at "
                     "http://HOST:PORT/metrics (port 0 picks one)");
  app.add_flag("--exporter-only", o.exporter_only,
               "make the reports on the same schedule for the exporter only; send nothing to "
               "wardend")
      ->needs(exporter)
      ->excludes(unary);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return Run(o);
}

}  // namespace
}  // namespace warden::tools

int main(int argc, char** argv) {
  // As in wardend: Debian's abseil checks every absl::Mutex acquisition (the streams'
  // and gRPC's) for lock-order cycles, under one process-wide lock. Off, the load
  // generator's CPU per report fell 5 % (11.9 -> 11.3 µs, one report per message).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  try {
    return warden::tools::Main(argc, argv);
  } catch (const std::exception& e) {  // e.g. no thread could be started
    std::cerr << "warden-loadgen: " << e.what() << "\n";
    return 1;
  }
}
