// Microbenchmarks of the ingest hot path: what one shard spends per report.
//   build/bench/warden_micro_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/partition.h"
#include "detectors/alarm.h"
#include "detectors/ddsketch.h"
#include "detectors/evaluator.h"
#include "detectors/judge.h"
#include "detectors/report_json.h"
#include "detectors/window.h"
#include "rules/geoip.h"
#include "rules/lists.h"
#include "rules/loader.h"
#include "store/keys.h"

namespace warden {
namespace {

// User and system CPU of the whole process so far.
double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// A normal device report of the demo fleet: 4 TCP ports, 2 UDP, 6 connections.
v1::MetricsReport NormalReport(int64_t id) {
  v1::MetricsReport r;
  r.mutable_header()->set_report_id(id);
  r.mutable_header()->set_version("1.0");
  v1::Metrics* m = r.mutable_metrics();
  for (uint32_t p : {22u, 443u, 8883u, 1883u})
    m->mutable_listening_tcp_ports()->add_ports()->set_port(p);
  for (uint32_t p : {53u, 123u}) m->mutable_listening_udp_ports()->add_ports()->set_port(p);
  m->mutable_network_stats()->set_bytes_out(50'000);
  m->mutable_network_stats()->set_bytes_in(20'000);
  m->mutable_network_stats()->set_packets_out(100);
  m->mutable_network_stats()->set_packets_in(40);
  auto* ec = m->mutable_tcp_connections()->mutable_established_connections();
  for (int i = 0; i < 6; ++i) {
    auto* c = ec->add_connections();
    c->set_remote_addr(absl::StrCat("52.94.1.", i + 1, ":443"));
    c->set_local_port(40000 + i);
  }
  return r;
}

std::shared_ptr<const rules::RuleSet> ExampleRules() {
  static const auto rules = [] {
    rules::LoadResult r =
        rules::LoadRulesFromPaths({std::string(WARDEN_SOURCE_DIR) + "/deploy/profiles"});
    if (!r.ok()) std::abort();
    return r.rules;
  }();
  return rules;
}

// One report through windows, every behaviour of the example profiles and the alarm
// state machines: the shard's evaluation cost per report.
void BM_ApplyReport(benchmark::State& state) {
  detectors::Evaluator ev(ExampleRules());
  v1::DeviceState device;
  device.set_device_id(state.range(0) ? "dev-00001" : "dev-99999");  // in the cameras group or not
  int64_t id = 1;
  int64_t now = 1'700'000'000'000'000;
  detectors::Changes changes;
  for (auto _ : state) {
    v1::MetricsReport r = NormalReport(++id);
    now += 300'000'000;
    ev.ApplyReport(r, now, &device, &changes);
    changes.Clear();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplyReport)->Arg(0)->Arg(1);

// The device state written to RocksDB after each report.
void BM_SerializeDeviceState(benchmark::State& state) {
  detectors::Evaluator ev(ExampleRules());
  v1::DeviceState device;
  device.set_device_id("dev-00001");
  detectors::Changes changes;
  for (int i = 1; i <= 5; ++i) ev.ApplyReport(NormalReport(i), i * 60'000'000LL, &device, &changes);
  std::string out;
  for (auto _ : state) {
    out.clear();
    device.SerializeToString(&out);
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_SerializeDeviceState);

// A cached state kept serialized (EngineOptions::hot_state_seconds) parsed again when
// its device next reports.
void BM_ParseDeviceState(benchmark::State& state) {
  detectors::Evaluator ev(ExampleRules());
  v1::DeviceState device;
  device.set_device_id("dev-00001");
  detectors::Changes changes;
  for (int i = 1; i <= 50; ++i)
    ev.ApplyReport(NormalReport(i), i * 300'000'000LL, &device, &changes);
  const std::string bytes = device.SerializeAsString();
  for (auto _ : state) {
    v1::DeviceState parsed;
    benchmark::DoNotOptimize(parsed.ParseFromString(bytes));
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_ParseDeviceState);

void BM_ParseReportJson(benchmark::State& state) {
  const std::string json = detectors::ReportToAwsJson(NormalReport(1), state.range(0) != 0);
  for (auto _ : state) {
    auto r = detectors::ParseReportJson(json);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseReportJson)->Arg(0)->Arg(1);

// CIDR list lookups, as in a threat-intel deny list of N IPv4 blocks.
void BM_CidrLookup(benchmark::State& state) {
  rules::CidrSet set;
  std::mt19937 rng(1);
  for (int64_t i = 0; i < state.range(0); ++i) {
    const uint32_t net = rng() & 0xffffff00u;
    (void)set.Add(absl::StrCat(net >> 24, ".", (net >> 16) & 255, ".", (net >> 8) & 255, ".0/24"));
  }
  set.Finalize();
  std::vector<rules::IpAddress> probes;
  for (int i = 0; i < 1024; ++i) {
    probes.push_back(*rules::ParseIp(
        absl::StrCat(rng() % 256, ".", rng() % 256, ".", rng() % 256, ".", rng() % 256)));
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set.Find(probes[i++ & 1023]));
  }
}
BENCHMARK(BM_CidrLookup)->Arg(1000)->Arg(100000)->Arg(1000000);

// A country deny list (`country:XX` entries) looked up in a MaxMind DB of 100,000 random
// IPv4 networks (tests/rules/make_test_mmdb.pl): the MMDB tree walk and record read
// behind each address no CIDR block matched. Arg 1: probes inside the database's
// networks (a country read); 0: random addresses, mostly outside.
void BM_CountryLookup(benchmark::State& state) {
  static const std::string* const path = [] {
    auto* p = new std::string(std::filesystem::temp_directory_path() / "warden-bench.mmdb");
    const std::string command = absl::StrCat("/usr/bin/perl ", WARDEN_SOURCE_DIR,
                                             "/tests/rules/make_test_mmdb.pl ", *p, " 100000");
    if (std::system(command.c_str()) != 0) p->clear();
    return p;
  }();
  absl::StatusOr<std::shared_ptr<const rules::GeoIpDatabase>> db =
      rules::GeoIpDatabase::Open(*path);
  if (path->empty() || !db.ok()) {
    state.SkipWithError("cannot build the MMDB (needs libmaxmind-db-writer-perl)");
    return;
  }
  rules::CidrSet set;
  for (const char* country : {"country:CN", "country:RU", "country:IR", "country:KP"}) {
    (void)set.AddCountry(country);
  }
  set.Finalize();
  set.SetGeoIp(*db);
  std::mt19937 rng(1);
  std::vector<rules::IpAddress> probes;
  while (probes.size() < 1024) {
    rules::IpAddress ip = *rules::ParseIp(
        absl::StrCat(20 + rng() % 100, ".", rng() % 256, ".", rng() % 256, ".", rng() % 256));
    if (state.range(0) == 0 || !(*db)->Country(ip).empty()) probes.push_back(ip);
  }
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(set.Find(probes[i++ & 1023]));
}
BENCHMARK(BM_CountryLookup)->Arg(0)->Arg(1);

// Loading a threat-intel list file of 100,000 CIDR blocks (a YAML list document with
// `file:`): read, split, parse, sort, the whole LoadRulesFromPaths.
void BM_LoadCidrListFile(benchmark::State& state) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "warden-bench-list-file";
  std::filesystem::create_directories(dir);
  std::string text = "# 100,000 blocks, as a threat-intel feed\n";
  std::mt19937 rng(1);
  for (int i = 0; i < state.range(0); ++i) {
    const uint32_t net = rng() & 0xffffff00u;
    absl::StrAppend(&text, net >> 24, ".", (net >> 16) & 255, ".", (net >> 8) & 255, ".0/24\n");
  }
  std::ofstream(dir / "threat-intel.txt", std::ios::trunc) << text;
  std::ofstream(dir / "threat-intel.yaml", std::ios::trunc)
      << "list: threat-intel-deny\ntype: cidr\nfile: threat-intel.txt\n";
  for (auto _ : state) {
    rules::LoadResult result = rules::LoadRulesFromPaths({(dir / "threat-intel.yaml").string()});
    if (!result.ok()) {
      state.SkipWithError("the list file did not load");
      break;
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_LoadCidrListFile)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_RemoteAddrParse(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(rules::ParseRemoteAddr("52.94.1.2:443"));
}
BENCHMARK(BM_RemoteAddrParse);

void BM_WindowAppendAndSum(benchmark::State& state) {
  v1::MetricWindow w;
  int64_t now = 0;
  for (auto _ : state) {
    now += 60'000'000;
    detectors::AppendToWindow(&w, now, 1000, 300);
    benchmark::DoNotOptimize(detectors::SumWindow(w, now, 300));
  }
}
BENCHMARK(BM_WindowAppendAndSum);

void BM_StepAlarm(benchmark::State& state) {
  v1::AlarmState a;
  bool violating = false;
  for (auto _ : state) {
    violating = !violating;
    benchmark::DoNotOptimize(detectors::StepAlarm(&a, violating, 2, 2));
  }
}
BENCHMARK(BM_StepAlarm);

void BM_DeviceKey(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(store::DeviceKey("dev-0001234"));
}
BENCHMARK(BM_DeviceKey);

// DDSketch for statistical thresholds: a shard's Add per datapoint, reading a pN, and the
// coordinator merging 16 shard sketches of a 1M-device fleet (log-normal bytes, e^8 ± 2σ).
std::vector<double> FleetMetric(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<> dist(8, 2);
  std::vector<double> values(n);
  for (double& v : values) v = dist(rng);
  return values;
}

void BM_DDSketchAdd(benchmark::State& state) {
  const std::vector<double> values = FleetMetric(4096, 1);
  detectors::DDSketch s;
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(s.Add(values[i++ & 4095]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DDSketchAdd);

// Arg: the quantile in thousandths (500 = p50, 999 = p99.9).
void BM_DDSketchQuantile(benchmark::State& state) {
  detectors::DDSketch s;
  for (double v : FleetMetric(1'000'000, 2)) (void)s.Add(v);
  const double q = static_cast<double>(state.range(0)) / 1000;
  for (auto _ : state) benchmark::DoNotOptimize(s.Quantile(q));
  state.counters["buckets"] = static_cast<double>(s.bucket_count());
}
BENCHMARK(BM_DDSketchQuantile)->Arg(500)->Arg(990)->Arg(999);

std::vector<detectors::DDSketch> ShardSketches(int shards) {
  std::vector<detectors::DDSketch> out(shards);
  const std::vector<double> values = FleetMetric(1'000'000, 3);
  for (size_t i = 0; i < values.size(); ++i) (void)out[i % shards].Add(values[i]);
  return out;
}

// A fresh sketch merging every shard's: what the coordinator does per threshold refresh.
void BM_DDSketchMerge(benchmark::State& state) {
  const std::vector<detectors::DDSketch> shards = ShardSketches(16);
  for (auto _ : state) {
    detectors::DDSketch all;
    for (const detectors::DDSketch& s : shards) (void)all.Merge(s);
    benchmark::DoNotOptimize(all);
  }
  state.counters["shards"] = 16;
}
BENCHMARK(BM_DDSketchMerge);

void BM_DDSketchSerialize(benchmark::State& state) {
  const detectors::DDSketch s = ShardSketches(1).front();
  std::string out;
  for (auto _ : state) {
    out = s.Serialize();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_DDSketchSerialize);

void BM_DDSketchParse(benchmark::State& state) {
  const std::string bytes = ShardSketches(1).front().Serialize();
  for (auto _ : state) benchmark::DoNotOptimize(detectors::DDSketch::Parse(bytes));
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_DDSketchParse);

// What one hop between threads costs on this machine: a request handed to a sleeping
// thread and the answer handed back, with a mutex and condition variable, as a report
// goes from a gRPC thread to its shard, to the writer and back. Real time per round
// trip (two wake-ups), and the whole process's CPU per round trip as `cpu_us`. On a VM
// a wake-up of an idle vCPU costs far more than on bare metal (docs/PERFORMANCE.md);
// at moderate load every report pays for a few of them, at saturation they are shared
// by the reports of a batch.
void BM_ThreadHandOff(benchmark::State& state) {
  std::mutex mu;
  std::condition_variable cv;
  int turn = 0;  // 1: the echo thread's, 0: ours; -1: stop
  std::thread echo([&] {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return turn != 0; });
      if (turn < 0) return;
      turn = 0;
      cv.notify_all();
    }
  });
  const double cpu_before = ProcessCpuSeconds();
  for (auto _ : state) {
    std::unique_lock<std::mutex> lock(mu);
    turn = 1;
    cv.notify_all();
    cv.wait(lock, [&] { return turn == 0; });
  }
  const double cpu = ProcessCpuSeconds() - cpu_before;
  {
    std::lock_guard<std::mutex> lock(mu);
    turn = -1;
  }
  cv.notify_all();
  echo.join();
  state.counters["cpu_us"] =
      cpu * 1e6 / static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
}
BENCHMARK(BM_ThreadHandOff)->UseRealTime();

}  // namespace
}  // namespace warden

BENCHMARK_MAIN();
