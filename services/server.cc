#include "services/server.h"

#include <chrono>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "nlohmann/json.hpp"
#include "prometheus/exposer.h"
#include "services/alert_dispatcher.h"
#include "services/alert_service.h"
#include "services/audit_alerts.h"
#include "services/audit_runner.h"
#include "services/audit_scheduler.h"
#include "services/audit_service.h"
#include "services/audit_store.h"
#include "services/broker_service.h"
#include "services/connection_recorder.h"
#include "services/ingest_service.h"
#include "services/metrics.h"
#include "services/mitigation.h"
#include "services/outbox.h"
#include "services/process_metrics.h"
#include "services/profile_service.h"
#include "services/ready_file.h"
#include "services/registry_service.h"
#include "services/registry_store.h"
#include "services/registry_targeting.h"
#include "services/rules_manager.h"
#include "services/store_metrics.h"
#include "services/violation_service.h"

namespace warden::services {

Server::Server() = default;

Server::~Server() { Shutdown(); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      const Clock* clock) {
  auto server = std::unique_ptr<Server>(new Server());
  server->metrics_ = std::make_unique<Metrics>(options.engine.shards);

  // 1. Storage.
  store::StoreOptions so;
  so.path = options.data_dir;
  so.sync = options.sync_writes;
  so.block_cache_bytes = static_cast<size_t>(options.block_cache_mib) << 20;
  so.state_write_buffer_bytes = static_cast<size_t>(options.state_memtable_mib) << 20;
  auto store = store::Store::Open(so);
  if (!store.ok()) return store.status();
  server->store_ = std::move(*store);

  // 2. Profiles: wardend does not start on a profile set with errors.
  rules::LoadOptions load_options;
  load_options.geoip_database = options.geoip_database;
  server->rules_ = std::make_unique<RulesManager>(options.profiles_dir, clock,
                                                  server->metrics_.get(), load_options);
  auto warnings = server->rules_->Reload();
  if (!warnings.ok()) return warnings.status();
  if (!warnings->empty()) std::cerr << rules::FormatDiagnostics(*warnings);

  // 3. Registry and audit records (the audit runner starts below, once alerts can go out).
  server->registry_ = std::make_unique<RegistryStore>(server->store_.get());
  server->connections_ = std::make_unique<ConnectionRecorder>(server->registry_.get());
  server->audit_store_ = std::make_unique<AuditStore>(server->store_.get());
  if (absl::Status s = server->audit_store_->FailInterrupted(clock->NowMicros()); !s.ok()) {
    return s;
  }
  if (absl::Status s = server->audit_store_->DeleteTasksBefore(
          clock->NowMicros() - options.finding_retention_days * 86400 * kMicrosPerSecond);
      !s.ok()) {
    return s;
  }

  // The registry's groups and attributes drive profile targeting too.
  server->targeting_ =
      std::make_unique<RegistryTargeting>(server->registry_.get(), server->rules_.get());
  if (absl::Status s = server->targeting_->Sync(); !s.ok()) return s;
  server->registry_->SetDeviceChangeListener([t = server->targeting_.get()] { t->Notify(); });
  server->targeting_->Start();

  // 4. Alert outbox and its dispatcher, which resumes delivering what is queued.
  if (!options.alerting.empty()) {
    auto outbox = Outbox::Create(options.alerting, server->store_.get(), server->metrics_.get());
    if (!outbox.ok()) return outbox.status();
    server->outbox_ = std::move(*outbox);
    AuditStore* const audits = server->audit_store_.get();
    server->dispatcher_ = std::make_unique<AlertDispatcher>(
        server->outbox_.get(), server->store_.get(), clock, server->metrics_.get(), [audits] {
          std::vector<v1::Violation> active;
          auto records = audits->ListNonCompliance();
          if (records.ok()) {
            for (const v1::NonCompliance& n : *records) active.push_back(AuditViolation(n));
          }
          return active;
        });
    server->outbox_->SetListener([d = server->dispatcher_.get()] { d->Wake(); });
    server->dispatcher_->Start();
  }

  // 5. Ingest engine, resuming every device's windows and alarm states.
  auto engine =
      IngestEngine::Create(options.engine, server->store_.get(), clock, server->metrics_.get(),
                           server->rules_->current().evaluator, server->outbox_.get());
  if (!engine.ok()) return engine.status();
  server->engine_ = std::move(*engine);
  server->rules_->SetListener(
      [e = server->engine_.get()](auto evaluator) { e->SetEvaluator(std::move(evaluator)); });

  // 6. Audits: the runner reads the registry plus what ingest last saw of each device
  // (last report time, listening ports), and alerts on compliance transitions.
  store::Store* const db = server->store_.get();
  RegistryStore* const registry = server->registry_.get();
  server->audit_runner_ = std::make_unique<AuditRunner>(
      server->audit_store_.get(),
      [registry, db](std::vector<std::string>* errors) {
        return registry->LoadAuditRegistry(errors, [db](audit::Device* d) {
          auto state = db->GetDeviceState(d->name);
          if (!state.ok() || !state->has_value()) return;
          d->last_seen = (*state)->last_seen().seconds();
          d->listening_tcp_ports.assign((*state)->listening_tcp_ports().begin(),
                                        (*state)->listening_tcp_ports().end());
        });
      },
      clock, options.audit_settings, server->outbox_.get(), options.finding_retention_days);
  server->audit_scheduler_ =
      std::make_unique<AuditScheduler>(options.audit_schedules, server->audit_runner_.get(), clock);
  server->audit_scheduler_->Start();

  // 7. /metrics (unless disabled).
  if (!options.metrics_listen.empty()) {
    try {
      server->exposer_ = std::make_unique<prometheus::Exposer>(options.metrics_listen);
    } catch (const std::exception& e) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot serve /metrics on ", options.metrics_listen, ": ", e.what()));
    }
    server->exposer_->RegisterCollectable(server->metrics_->registry());
    server->process_metrics_ = std::make_shared<ProcessMetrics>();
    server->exposer_->RegisterCollectable(server->process_metrics_);
    server->store_metrics_ = std::make_shared<StoreMetrics>(server->store_.get());
    server->exposer_->RegisterCollectable(server->store_metrics_);
    const std::vector<int> ports = server->exposer_->GetListeningPorts();
    server->metrics_address_ =
        absl::StrCat(HostOf(options.metrics_listen), ":", ports.empty() ? 0 : ports[0]);
  }

  // 8. gRPC.
  server->ingest_service_ =
      std::make_unique<IngestServiceImpl>(server->engine_.get(), server->metrics_.get(),
                                          options.limits, options.max_inflight_per_stream);
  server->broker_service_ = std::make_unique<BrokerServiceImpl>(
      server->engine_.get(), server->metrics_.get(), clock, server->connections_.get());
  server->violation_service_ = std::make_unique<ViolationServiceImpl>(
      server->store_.get(), server->engine_.get(), clock, server->rules_.get());
  server->profile_service_ =
      std::make_unique<ProfileServiceImpl>(server->rules_.get(), &server->engine_->fleet(), clock);
  server->registry_service_ = std::make_unique<RegistryServiceImpl>(server->registry_.get());
  server->mitigator_ =
      std::make_unique<Mitigator>(server->registry_.get(), server->audit_store_.get(),
                                  server->outbox_.get(), server->store_.get(), clock);
  server->audit_service_ = std::make_unique<AuditServiceImpl>(
      server->audit_store_.get(), server->audit_runner_.get(), server->mitigator_.get(), clock);
  server->alert_service_ = std::make_unique<AlertServiceImpl>(
      server->store_.get(), server->outbox_.get(), server->dispatcher_.get());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.RegisterService(server->ingest_service_.get());
  builder.RegisterService(server->broker_service_.get());
  builder.RegisterService(server->violation_service_.get());
  builder.RegisterService(server->profile_service_.get());
  builder.RegisterService(server->alert_service_.get());
  builder.RegisterService(server->registry_service_.get());
  builder.RegisterService(server->audit_service_.get());
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || port == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot serve gRPC on ", options.listen, " (address in use or invalid?)"));
  }
  server->grpc_address_ = absl::StrCat(HostOf(options.listen), ":", port);

  // 9. Tell whoever waits that we are serving.
  if (!options.ready_file.empty()) {
    absl::Status s =
        WriteReadyFile(options.ready_file, server->grpc_address_, server->metrics_address_);
    if (!s.ok()) return s;
  }
  return server;
}

absl::StatusOr<std::vector<rules::Diagnostic>> Server::ReloadProfiles() { return rules_->Reload(); }

void Server::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (grpc_server_) {
    grpc_server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  if (audit_scheduler_) audit_scheduler_->Stop();
  if (targeting_) targeting_->Stop();
  if (audit_runner_) audit_runner_->Stop();
  if (engine_) engine_->Stop();
  if (dispatcher_) dispatcher_->Stop();
  grpc_server_.reset();
  exposer_.reset();
  audit_scheduler_.reset();
  audit_runner_.reset();
  engine_.reset();
  connections_.reset();  // after the engine: its acks feed the recorder
  dispatcher_.reset();
  outbox_.reset();
  store_.reset();
}

}  // namespace warden::services
