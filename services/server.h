#ifndef WARDEN_SERVICES_SERVER_H_
#define WARDEN_SERVICES_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "alerts/config.h"
#include "audit/checks.h"
#include "common/clock.h"
#include "rules/loader.h"
#include "services/audit_scheduler.h"
#include "services/ingest_engine.h"
#include "services/report_validation.h"

namespace grpc {
class Server;
}  // namespace grpc
namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace warden::services {

class AlertDispatcher;
class AlertServiceImpl;
class AuditRunner;
class AuditScheduler;
class AuditServiceImpl;
class AuditStore;
class Mitigator;
class RegistryServiceImpl;
class RegistryStore;
class RegistryTargeting;
class BrokerServiceImpl;
class ConnectionRecorder;
class IngestServiceImpl;
class Outbox;
class Metrics;
class ProcessMetrics;
class StoreMetrics;
class ProfileServiceImpl;
class RulesManager;
class ViolationServiceImpl;

struct ServerOptions {
  // gRPC address. Port 0 picks a free port (see Server::grpc_address()).
  std::string listen = "127.0.0.1:7600";
  // Prometheus /metrics address. Port 0 picks a free port; "" serves no /metrics.
  std::string metrics_listen = "127.0.0.1:9600";
  // RocksDB data directory; created when missing.
  std::string data_dir = "/var/lib/warden";
  // Profiles, lists and device inventory (YAML), read recursively.
  std::string profiles_dir = "/etc/warden/profiles";
  // MaxMind DB (.mmdb) for the `country:XX` entries of cidr lists (rules/README.md),
  // opened by each profile load that has such entries. Default: "" (none; country
  // entries are load errors).
  std::string geoip_database;
  // When set, written once serving: {"grpc": "HOST:PORT", "metrics": "HOST:PORT"}.
  std::string ready_file;
  // fsync every write group before acknowledging it (survives power loss, not just
  // a crash of wardend). Default: false.
  bool sync_writes = false;
  // RocksDB's block cache (device states read on a cache miss) and the memtable size of
  // the device_state family (store::StoreOptions). Defaults: 64 MiB, 16 MiB.
  int64_t block_cache_mib = 64;
  int64_t state_memtable_mib = 16;
  // Largest gRPC message accepted. Default: 1 MiB.
  int max_message_bytes = 1 << 20;
  // Unacknowledged reports per stream before the server stops reading it.
  size_t max_inflight_per_stream = 1024;
  EngineOptions engine;
  ReportLimits limits;
  // Receivers and routes for alerts; empty: no alerting (alerts/README.md).
  alerts::AlertingConfig alerting;
  // Audit check settings, schedules, and how long tasks and findings are kept.
  audit::AuditSettings audit_settings;
  std::vector<ScheduledAuditJob> audit_schedules;
  int64_t finding_retention_days = 90;
};

// One wardend: store, rules, ingest engine, gRPC services, /metrics. Start-up and
// tear-down are ordered lists of steps (Start / Shutdown). Thread-safe.
class Server {
 public:
  // Opens the store, loads the profiles (an invalid set is an error carrying the
  // rendered diagnostics), resumes every device's state, then serves gRPC and /metrics.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       const Clock* clock);
  ~Server();  // Shutdown()s

  // Bound addresses, e.g. "127.0.0.1:41234" ("" for a disabled /metrics).
  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& metrics_address() const { return metrics_address_; }
  // The audit registry (devices, certificates, connection observations).
  RegistryStore* registry() const { return registry_.get(); }

  // Reloads the profiles directory (as SIGHUP does).
  absl::StatusOr<std::vector<rules::Diagnostic>> ReloadProfiles();

  // Stops taking RPCs, lets in-flight ones finish (at most a few seconds), drains the
  // engine so every accepted report is committed, closes the store.
  void Shutdown();

 private:
  Server();

  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<RulesManager> rules_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<AlertDispatcher> dispatcher_;
  std::unique_ptr<IngestEngine> engine_;
  std::unique_ptr<IngestServiceImpl> ingest_service_;
  std::unique_ptr<BrokerServiceImpl> broker_service_;
  std::unique_ptr<ViolationServiceImpl> violation_service_;
  std::unique_ptr<ProfileServiceImpl> profile_service_;
  std::unique_ptr<AlertServiceImpl> alert_service_;
  std::unique_ptr<RegistryStore> registry_;
  std::unique_ptr<RegistryTargeting> targeting_;
  std::unique_ptr<ConnectionRecorder> connections_;
  std::unique_ptr<AuditStore> audit_store_;
  std::unique_ptr<AuditRunner> audit_runner_;
  std::unique_ptr<AuditScheduler> audit_scheduler_;
  std::unique_ptr<Mitigator> mitigator_;
  std::unique_ptr<RegistryServiceImpl> registry_service_;
  std::unique_ptr<AuditServiceImpl> audit_service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::shared_ptr<ProcessMetrics> process_metrics_;  // outlives exposer_
  std::shared_ptr<StoreMetrics> store_metrics_;      // outlives exposer_
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string grpc_address_;
  std::string metrics_address_;
  bool shut_down_ = false;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_SERVER_H_
