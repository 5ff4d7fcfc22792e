#ifndef WARDEN_SERVICES_METRICS_H_
#define WARDEN_SERVICES_METRICS_H_

#include <memory>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "warden/v1/violation.pb.h"

namespace warden::services {

// Every metric wardend exports on /metrics. Names follow warden_<area>_<thing>_<unit>;
// labels are bounded (no device ids). Counters, gauges and histograms are safe to
// update from any thread. The label-set accessors take the family's lock: hot paths
// call them once and keep the reference.
class Metrics {
 public:
  explicit Metrics(int shards);

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

  prometheus::Counter& reports_received() { return *reports_received_; }
  prometheus::Counter& reports_accepted() { return *reports_accepted_; }
  prometheus::Counter& reports_duplicate() { return *reports_duplicate_; }
  // Rejections by error code (InvalidPayload, ResourceExhausted, Unavailable, Internal).
  prometheus::Counter& RejectedBy(const std::string& code);
  // Enqueue → durable ack.
  prometheus::Histogram& ingest_latency() { return *ingest_latency_; }
  prometheus::Gauge& QueueDepth(int shard);
  prometheus::Histogram& write_batch_reports() { return *write_batch_reports_; }
  prometheus::Histogram& write_seconds() { return *write_seconds_; }
  prometheus::Counter& write_failures() { return *write_failures_; }
  prometheus::Gauge& devices_tracked() { return *devices_tracked_; }
  // The shards' device state cache: states held in RAM, states read back from RocksDB
  // on a miss, states evicted (already durable) to stay within the capacity.
  prometheus::Gauge& state_cache_devices() { return *state_cache_devices_; }
  prometheus::Gauge& state_cache_parsed() { return *state_cache_parsed_; }
  prometheus::Counter& state_cache_loads() { return *state_cache_loads_; }
  prometheus::Counter& state_cache_evictions() { return *state_cache_evictions_; }
  // Active violations by profile, behaviour and severity.
  prometheus::Gauge& ActiveViolations(const std::string& profile, const std::string& behaviour,
                                      v1::Severity severity);
  prometheus::Counter& ViolationEvents(v1::ViolationEventType type);
  // Broker events by ack status (ACCEPTED, DUPLICATE, REJECTED).
  prometheus::Counter& BrokerEvents(const std::string& status);
  // The fleet percentile in force for a statistic behaviour, whether it is ready (0:
  // insufficient data) and how many devices it came from. While not ready there is no
  // warden_fleet_threshold series for the behaviour (not the last value).
  void SetFleetThreshold(const std::string& profile, const std::string& behaviour, bool ready,
                         double value, double devices);
  prometheus::Counter& reloads_succeeded() { return *reloads_succeeded_; }
  prometheus::Counter& reloads_failed() { return *reloads_failed_; }
  prometheus::Gauge& rules_generation() { return *rules_generation_; }
  prometheus::Gauge& profiles_loaded() { return *profiles_loaded_; }

  // Alert delivery, by target ("receiver" or "receiver#N" for Alertmanager URLs).
  prometheus::Counter& AlertDeliveries(const std::string& target);
  prometheus::Counter& AlertFailures(const std::string& target, const std::string& reason);
  prometheus::Counter& AlertRetries(const std::string& target);
  prometheus::Counter& DeadLetters(const std::string& target, const std::string& reason);
  // Event created → accepted by the target.
  prometheus::Histogram& AlertLatency(const std::string& target);
  prometheus::Gauge& OutboxRows(const std::string& target);
  prometheus::Gauge& OutboxOldestAge(const std::string& target);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* rejected_;
  prometheus::Family<prometheus::Gauge>* queue_depth_;
  prometheus::Family<prometheus::Gauge>* active_;
  prometheus::Family<prometheus::Counter>* events_;
  prometheus::Family<prometheus::Counter>* broker_events_;
  prometheus::Family<prometheus::Gauge>* fleet_threshold_;
  prometheus::Family<prometheus::Gauge>* fleet_ready_;
  prometheus::Family<prometheus::Gauge>* fleet_devices_;
  prometheus::Family<prometheus::Counter>* alert_deliveries_;
  prometheus::Family<prometheus::Counter>* alert_failures_;
  prometheus::Family<prometheus::Counter>* alert_retries_;
  prometheus::Family<prometheus::Counter>* dead_letters_;
  prometheus::Family<prometheus::Histogram>* alert_latency_;
  prometheus::Family<prometheus::Gauge>* outbox_rows_;
  prometheus::Family<prometheus::Gauge>* outbox_oldest_;
  prometheus::Counter* reports_received_;
  prometheus::Counter* reports_accepted_;
  prometheus::Counter* reports_duplicate_;
  prometheus::Histogram* ingest_latency_;
  prometheus::Histogram* write_batch_reports_;
  prometheus::Histogram* write_seconds_;
  prometheus::Counter* write_failures_;
  prometheus::Gauge* devices_tracked_;
  prometheus::Gauge* state_cache_devices_;
  prometheus::Gauge* state_cache_parsed_;
  prometheus::Counter* state_cache_loads_;
  prometheus::Counter* state_cache_evictions_;
  prometheus::Counter* reloads_succeeded_;
  prometheus::Counter* reloads_failed_;
  prometheus::Gauge* rules_generation_;
  prometheus::Gauge* profiles_loaded_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_METRICS_H_
