#include "services/metrics.h"

#include <map>

#include "alerts/router.h"
#include "prometheus/histogram.h"

namespace warden::services {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  // Up to 30 s: under overload a latency past 1 s is what clients see, and it should
  // show as more than "> 1 s".
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
}

}  // namespace

Metrics::Metrics(int shards) : registry_(std::make_shared<prometheus::Registry>()) {
  auto& reports = BuildCounter()
                      .Name("warden_ingest_reports_total")
                      .Help("Device metrics reports by outcome")
                      .Register(*registry_);
  reports_received_ = &reports.Add({{"outcome", "received"}});
  reports_accepted_ = &reports.Add({{"outcome", "accepted"}});
  reports_duplicate_ = &reports.Add({{"outcome", "duplicate"}});
  rejected_ = &BuildCounter()
                   .Name("warden_ingest_reports_rejected_total")
                   .Help("Device metrics reports rejected, by error code")
                   .Register(*registry_);
  for (const char* code : {"InvalidPayload", "ResourceExhausted", "Unavailable", "Internal"}) {
    rejected_->Add({{"code", code}});
  }
  ingest_latency_ = &BuildHistogram()
                         .Name("warden_ingest_latency_seconds")
                         .Help("Time from a report's arrival to its durable acknowledgement")
                         .Register(*registry_)
                         .Add({}, LatencyBuckets());
  queue_depth_ = &BuildGauge()
                      .Name("warden_ingest_queue_depth")
                      .Help("Reports waiting in each shard's queue")
                      .Register(*registry_);
  for (int i = 0; i < shards; ++i) queue_depth_->Add({{"shard", std::to_string(i)}});
  write_batch_reports_ =
      &BuildHistogram()
           .Name("warden_store_write_batch_reports")
           .Help("Reports committed per RocksDB write batch (group commit size)")
           .Register(*registry_)
           .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
                                                            1024, 2048, 4096, 8192});
  write_seconds_ = &BuildHistogram()
                        .Name("warden_store_write_seconds")
                        .Help("Time to commit one write batch")
                        .Register(*registry_)
                        .Add({}, LatencyBuckets());
  write_failures_ = &BuildCounter()
                         .Name("warden_store_write_failures_total")
                         .Help("Write batches RocksDB refused")
                         .Register(*registry_)
                         .Add({});
  devices_tracked_ = &BuildGauge()
                          .Name("warden_devices_tracked")
                          .Help("Devices with persisted state (estimate at start-up, then counted)")
                          .Register(*registry_)
                          .Add({});
  state_cache_devices_ = &BuildGauge()
                              .Name("warden_state_cache_devices")
                              .Help("Device states held in RAM by the shards")
                              .Register(*registry_)
                              .Add({});
  state_cache_parsed_ =
      &BuildGauge()
           .Name("warden_state_cache_parsed_devices")
           .Help("Cached device states held parsed; the others are kept serialized until used")
           .Register(*registry_)
           .Add({});
  state_cache_loads_ = &BuildCounter()
                            .Name("warden_state_cache_loads_total")
                            .Help("Device states read from RocksDB on a cache miss")
                            .Register(*registry_)
                            .Add({});
  state_cache_evictions_ =
      &BuildCounter()
           .Name("warden_state_cache_evictions_total")
           .Help("Durable device states dropped from RAM to stay within capacity")
           .Register(*registry_)
           .Add({});
  active_ = &BuildGauge()
                 .Name("warden_violations_active")
                 .Help("Active (in-alarm) violations by profile, behaviour and severity")
                 .Register(*registry_);
  events_ = &BuildCounter()
                 .Name("warden_violation_events_total")
                 .Help("Violation events by type")
                 .Register(*registry_);
  for (auto t : {v1::IN_ALARM, v1::ALARM_CLEARED, v1::ALARM_INVALIDATED}) ViolationEvents(t);
  broker_events_ = &BuildCounter()
                        .Name("warden_broker_events_total")
                        .Help("Broker events by outcome (ACCEPTED, DUPLICATE, REJECTED)")
                        .Register(*registry_);
  fleet_threshold_ = &prometheus::BuildGauge()
                          .Name("warden_fleet_threshold")
                          .Help("The fleet percentile in force for a statistic behaviour")
                          .Register(*registry_);
  fleet_ready_ = &prometheus::BuildGauge()
                      .Name("warden_fleet_threshold_ready")
                      .Help("1 when a statistic behaviour has enough devices to judge, else 0")
                      .Register(*registry_);
  fleet_devices_ = &prometheus::BuildGauge()
                        .Name("warden_fleet_threshold_devices")
                        .Help("Devices in the window a statistic behaviour's threshold came from")
                        .Register(*registry_);
  alert_deliveries_ = &BuildCounter()
                           .Name("warden_alert_deliveries_total")
                           .Help(
                               "Alert deliveries a target accepted (an Alertmanager post "
                               "counts once per alert in it)")
                           .Register(*registry_);
  alert_failures_ = &BuildCounter()
                         .Name("warden_alert_delivery_failures_total")
                         .Help("Failed alert delivery attempts by target and reason")
                         .Register(*registry_);
  alert_retries_ = &BuildCounter()
                        .Name("warden_alert_retries_total")
                        .Help("Alert delivery attempts that were retries")
                        .Register(*registry_);
  dead_letters_ = &BuildCounter()
                       .Name("warden_alert_dead_letters_total")
                       .Help("Events moved to the dead-letter list, by target and reason")
                       .Register(*registry_);
  alert_latency_ = &BuildHistogram()
                        .Name("warden_alert_delivery_latency_seconds")
                        .Help("Time from a violation event to its acceptance by the target")
                        .Register(*registry_);
  outbox_rows_ = &BuildGauge()
                      .Name("warden_alert_outbox_rows")
                      .Help("Events waiting in the outbox, by target")
                      .Register(*registry_);
  outbox_oldest_ = &BuildGauge()
                        .Name("warden_alert_outbox_oldest_age_seconds")
                        .Help("Age of the oldest event waiting for the target (0: none)")
                        .Register(*registry_);
  auto& reloads = BuildCounter()
                      .Name("warden_profile_reloads_total")
                      .Help("Profile reloads by result")
                      .Register(*registry_);
  reloads_succeeded_ = &reloads.Add({{"result", "success"}});
  reloads_failed_ = &reloads.Add({{"result", "failure"}});
  rules_generation_ = &BuildGauge()
                           .Name("warden_profile_generation")
                           .Help("Generation of the running profile set (1 at start-up)")
                           .Register(*registry_)
                           .Add({});
  profiles_loaded_ = &BuildGauge()
                          .Name("warden_profiles_loaded")
                          .Help("Profiles in the running profile set")
                          .Register(*registry_)
                          .Add({});
}

prometheus::Counter& Metrics::AlertDeliveries(const std::string& target) {
  return alert_deliveries_->Add({{"target", target}});
}

prometheus::Counter& Metrics::AlertFailures(const std::string& target, const std::string& reason) {
  return alert_failures_->Add({{"target", target}, {"reason", reason}});
}

prometheus::Counter& Metrics::AlertRetries(const std::string& target) {
  return alert_retries_->Add({{"target", target}});
}

prometheus::Counter& Metrics::DeadLetters(const std::string& target, const std::string& reason) {
  return dead_letters_->Add({{"target", target}, {"reason", reason}});
}

prometheus::Histogram& Metrics::AlertLatency(const std::string& target) {
  return alert_latency_->Add(
      {{"target", target}},
      prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                              0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600});
}

prometheus::Gauge& Metrics::OutboxRows(const std::string& target) {
  return outbox_rows_->Add({{"target", target}});
}

prometheus::Gauge& Metrics::OutboxOldestAge(const std::string& target) {
  return outbox_oldest_->Add({{"target", target}});
}

prometheus::Counter& Metrics::RejectedBy(const std::string& code) {
  return rejected_->Add({{"code", code}});
}

prometheus::Gauge& Metrics::QueueDepth(int shard) {
  return queue_depth_->Add({{"shard", std::to_string(shard)}});
}

prometheus::Gauge& Metrics::ActiveViolations(const std::string& profile,
                                             const std::string& behaviour, v1::Severity severity) {
  return active_->Add({{"profile", profile},
                       {"behaviour", behaviour},
                       {"severity", std::string(alerts::SeverityName(severity))}});
}

prometheus::Counter& Metrics::BrokerEvents(const std::string& status) {
  return broker_events_->Add({{"status", status}});
}

void Metrics::SetFleetThreshold(const std::string& profile, const std::string& behaviour,
                                bool ready, double value, double devices) {
  const std::map<std::string, std::string> labels = {{"profile", profile},
                                                     {"behaviour", behaviour}};
  fleet_ready_->Add(labels).Set(ready ? 1 : 0);
  fleet_devices_->Add(labels).Set(devices);
  if (ready) {
    fleet_threshold_->Add(labels).Set(value);
  } else if (fleet_threshold_->Has(labels)) {
    // No threshold in force (a window with too few devices): no series rather than
    // the last one, which would be stale.
    fleet_threshold_->Remove(&fleet_threshold_->Add(labels));
  }
}

prometheus::Counter& Metrics::ViolationEvents(v1::ViolationEventType type) {
  return events_->Add({{"type", std::string(alerts::EventTypeName(type))}});
}

}  // namespace warden::services
