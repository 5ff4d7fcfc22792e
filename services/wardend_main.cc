// wardend: the Warden daemon. See services/README.md for flags and config.
#include <pthread.h>

#include <csignal>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "rules/loader.h"
#include "services/config.h"
#include "services/server.h"

namespace {

using warden::services::ServerOptions;

int Run(int argc, char** argv) {
  CLI::App app{"wardend: device-behaviour security monitoring for IoT fleets"};
  std::string config;
  std::string listen, metrics_listen, data_dir, profiles, ready_file, geoip_database;
  bool sync_writes = false;
  int shards = 0;
  size_t cached_devices = 0;
  app.add_option("--config", config, "YAML config file (flags below override it)")
      ->check(CLI::ExistingFile);
  app.add_option("--listen", listen, "gRPC HOST:PORT (port 0: pick a free port) [127.0.0.1:7600]");
  CLI::Option* metrics_flag = app.add_option(
      "--metrics-listen", metrics_listen, "/metrics HOST:PORT; \"\" serves none [127.0.0.1:9600]");
  app.add_option("--data-dir", data_dir, "RocksDB data directory [/var/lib/warden]");
  app.add_option("--profiles", profiles,
                 "profiles, lists and inventory directory [/etc/warden/profiles]");
  app.add_option("--geoip-database", geoip_database,
                 "MaxMind DB (.mmdb) for country entries of cidr lists [none]");
  app.add_option("--ready-file", ready_file,
                 "write {\"grpc\": ADDR, \"metrics\": ADDR} here once serving");
  app.add_flag("--sync-writes", sync_writes, "fsync each write group before acknowledging");
  app.add_option("--shards", shards, "shard threads [2]")->check(CLI::Range(1, 256));
  app.add_option("--cached-devices", cached_devices,
                 "device states kept in RAM; others are read from RocksDB when they report "
                 "[131072]")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  ServerOptions options;
  if (!config.empty()) {
    auto loaded = warden::services::LoadConfigFile(config, options);
    if (!loaded.ok()) {
      std::cerr << loaded.status().message();
      std::cerr << "wardend: config '" << config << "' is invalid\n";
      return 1;
    }
    options = *loaded;
  }
  if (!listen.empty()) options.listen = listen;
  if (metrics_flag->count() > 0) options.metrics_listen = metrics_listen;
  if (!data_dir.empty()) options.data_dir = data_dir;
  if (!profiles.empty()) options.profiles_dir = profiles;
  if (!geoip_database.empty()) options.geoip_database = geoip_database;
  if (!ready_file.empty()) options.ready_file = ready_file;
  if (sync_writes) options.sync_writes = true;
  if (shards > 0) options.engine.shards = shards;
  if (cached_devices > 0) options.engine.cached_devices = cached_devices;

  // Signals are taken by this thread alone (sigwait); every thread started from here
  // on inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = warden::services::Server::Start(options, warden::SystemClock::Get());
  if (!server.ok()) {
    std::cerr << "wardend: cannot start: " << server.status().message() << "\n";
    return 1;
  }
  const std::string metrics =
      (*server)->metrics_address().empty()
          ? "no /metrics"
          : "/metrics on http://" + (*server)->metrics_address() + "/metrics";
  std::cerr << "wardend: serving gRPC on " << (*server)->grpc_address() << ", " << metrics
            << ", data in " << options.data_dir << ", profiles from " << options.profiles_dir
            << "\n";

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      auto reloaded = (*server)->ReloadProfiles();
      if (reloaded.ok()) {
        std::cerr << "wardend: profiles reloaded\n" << warden::rules::FormatDiagnostics(*reloaded);
      } else {
        std::cerr << "wardend: reload failed: " << reloaded.status().message();
      }
      continue;
    }
    std::cerr << "wardend: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", shutting down\n";
    break;
  }
  (*server)->Shutdown();
  std::cerr << "wardend: stopped\n";
  return 0;
}

}  // namespace

// jemalloc (linked in, see CMakeLists.txt) reads its options from this symbol: a
// background thread returns freed pages to the OS within about a second. Without it
// the pages of evicted device states stay in RSS until later allocations trigger a
// purge (1M devices through the state cache: 460 -> 408 B of RSS per device).
// MALLOC_CONF in the environment still overrides it.
extern "C" const char* malloc_conf;
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";

int main(int argc, char** argv) {
  // Debian's abseil checks every absl::Mutex acquisition for lock-order cycles (a debug
  // aid that gRPC's mutexes pay for on every call: ~0.6 % of wardend's CPU at a moderate
  // rate). Warden's own locks are std::mutex; the check finds nothing to report here.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return Run(argc, argv);
}
