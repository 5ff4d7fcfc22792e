#ifndef WARDEN_SERVICES_INGEST_ENGINE_H_
#define WARDEN_SERVICES_INGEST_ENGINE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "detectors/evaluator.h"
#include "services/metrics.h"
#include "services/outbox.h"
#include "services/owned_message.h"
#include "store/store.h"
#include "warden/v1/broker.pb.h"
#include "warden/v1/ingest.pb.h"
#include "warden/v1/violation.pb.h"

namespace warden::services {

struct EngineOptions {
  // Shard threads; a device always goes to shard hash(device) % shards. Default: 2.
  int shards = 2;
  // Requests a shard may hold waiting; past that Submit() refuses (RESOURCE_EXHAUSTED).
  // Default: 65536.
  size_t queue_capacity = 65536;
  // Load shedding by waiting time: once the oldest request in a shard's queue has waited
  // this long, Submit() refuses new requests for that shard (RESOURCE_EXHAUSTED) until
  // the shard catches up, so under overload accepted reports stay fast and the excess
  // is refused at once (clients back off and resend) instead of queueing for seconds.
  // 0 disables the check (only queue_capacity bounds the queue). Default: 200 ms.
  int64_t max_queue_delay_ms = 200;
  // Requests a shard takes from its queue at once; bounds a write group. Default: 4096.
  size_t max_batch = 4096;
  // A device silent this long has its alarms invalidated (reference: 2 days).
  int64_t invalidate_silent_after_seconds = 2 * 24 * 3600;
  // How often shards look for silent devices. Default: 60 s.
  int64_t silence_sweep_seconds = 60;
  // Keys of the violations family a shard reads per loop iteration when it looks for
  // devices not in its cache with an active violation (the silence sweep; a rules
  // change). The search goes on from where it stopped in the next iteration (at once
  // when no reports are waiting), so a fleet with many active violations does not hold
  // up the shard's reports (with 133,000, reading them at once took 0.3-0.4 s, once a
  // minute). Default: 256 (well under a millisecond).
  size_t violation_walk_slice = 256;
  // Violation events older than this are deleted. Default: 30 days.
  int64_t event_retention_seconds = 30 * 24 * 3600;
  // Device states the shards keep in RAM, all shards together (each holds its share).
  // A device not in the cache is read from RocksDB when it next reports; past the
  // capacity the least recently used states are dropped once they are durable. The
  // bound is soft: states changed by write groups the writer has not committed yet
  // stay until it has. Default: 131,072. A cached state with the deploy/profiles set,
  // baselines included, costs about 1.2 KiB of RAM parsed and 650 B serialized (see
  // hot_state_seconds), so the default is ~85 MiB for a fleet reporting less often than
  // that (at most ~150 MiB); a cache miss costs a RocksDB read, ~20 % more CPU for that
  // report (docs/PERFORMANCE.md).
  size_t cached_devices = 131072;
  // A cached state whose device has not reported (nor had a broker event, timer or
  // verification) for this long is kept serialized instead of parsed until it is next
  // touched: about half the RAM, for a parse (0.4 µs, BM_ParseDeviceState) when the
  // device reports again. 0 keeps every state serialized between write groups.
  // Default: 1 s (a device reporting more often keeps its state parsed).
  int64_t hot_state_seconds = 1;
  // Test seam (fault injection, as in leveldb's tests): called on the writer thread
  // before each RocksDB write; a non-OK status is taken as that write's failure.
  // Default: none.
  std::function<absl::Status()> before_write;
};

// The ingest pipeline of DESIGN.md: callers (gRPC reactions) validate and Submit();
// shard threads own every device's state and evaluate; one writer thread commits each
// group of shard output as one RocksDB write and only then acknowledges the reports in
// it. Thread-safe; Submit() never blocks.
class IngestEngine {
 public:
  // Called once per submitted report, on the writer thread (or the caller's thread when
  // the engine is stopped), after the report's effects are durable — or with a REJECTED
  // ack when they could not be made durable. Must not block.
  using AckCallback = std::function<void(const v1::ReportAck&)>;
  using VerifyCallback = std::function<void(absl::StatusOr<v1::Violation>)>;
  using BrokerAckCallback = std::function<void(const v1::BrokerEventAck&)>;

  // Starts the threads. Device states are not loaded here: each is read from the store
  // when its device is first touched (and reconciled with the rules then). Start-up
  // reads only the persisted cloud-side bucket timers and the active violations (for
  // their gauges), so its time does not grow with the number of devices.
  // `outbox` (may be null: no alerting) gets every violation event, to write its alert
  // rows into the same batch as the state change.
  static absl::StatusOr<std::unique_ptr<IngestEngine>> Create(
      const EngineOptions& options, store::Store* store, const Clock* clock, Metrics* metrics,
      std::shared_ptr<const detectors::Evaluator> evaluator, Outbox* outbox = nullptr);
  ~IngestEngine();  // Stop()s

  // Queues a validated request. `request` must stay valid until `done` runs; `owned`
  // (may be null) is kept alive until then. Returns false, without calling `done`, when
  // the device's shard queue is full or the engine is stopped.
  bool Submit(const v1::ReportRequest* request, OwnedMessage<v1::ReportRequest> owned,
              AckCallback done);

  // Queues a validated broker event, like Submit(): `event` must stay valid until
  // `done` runs (`keep` is held until then); false when the shard queue is full or the
  // engine is stopped.
  bool SubmitBrokerEvent(const v1::BrokerEvent* event, std::shared_ptr<const void> keep,
                         BrokerAckCallback done);

  // Receives the acks of the reports queued by one SubmitBatch() call.
  class BatchSink {
   public:
    // Called once per queued report, with its index in the batch, on the writer thread
    // after the report's effects are durable — or with a REJECTED ack when they could
    // not be made durable. Must not block. The engine does not touch the sink after its
    // last call.
    virtual void Ack(int index, v1::ReportAck&& ack) = 0;

   protected:
    ~BatchSink() = default;
  };

  // Queues the validated requests `batch.reports(i)`, i in `indices`, as Submit() would
  // one by one — the same admission per report (its shard's queue capacity and queue
  // delay; a stopped or unhealthy engine takes none) — but taking each shard's lock and
  // waking each shard once, with no callback object per report. `batch` and `sink` must
  // stay valid until the sink's last call. Returns the indices refused, in `indices`'
  // order; the sink gets no call for them.
  std::vector<int> SubmitBatch(const v1::ReportBatch& batch, const std::vector<int>& indices,
                               BatchSink* sink);

  // The fleet statistics behind statistic behaviours (thresholds for the API).
  detectors::FleetStatistics& fleet() { return fleet_; }

  // Sets the verification state of the active violation `violation_id` of `device_id`;
  // `done` gets the updated violation once durable, or NOT_FOUND.
  bool SetVerification(const std::string& device_id, const std::string& violation_id,
                       v1::VerificationState state, const std::string& description,
                       VerifyCallback done);

  // Swaps the rule set. Each shard reconciles its cached devices (alarms of removed or
  // changed behaviours are invalidated) before it evaluates its next report; evicted
  // devices are reconciled when next loaded, and those with an active violation also
  // by a search of the violations family over the next loop iterations
  // (violation_walk_slice), so their alarms end even if they never report again; such a
  // device is read, and cached only when the new rules change it. Windows and alarm
  // states of unchanged behaviours carry over.
  void SetEvaluator(std::shared_ptr<const detectors::Evaluator> evaluator);

  // Finishes queued work, then stops the threads. Later Submit() calls return false.
  void Stop();

  // False after a write failure: the engine refuses new work (UNAVAILABLE) so memory
  // and disk cannot drift apart; restart to recover from the last committed state.
  bool healthy() const { return healthy_.load(); }

 private:
  struct Work;
  struct Shard;
  struct Group;
  struct CachedDevice;
  struct ViolationWalk;

  IngestEngine(const EngineOptions& options, store::Store* store, const Clock* clock,
               Metrics* metrics, std::shared_ptr<const detectors::Evaluator> evaluator,
               Outbox* outbox);
  std::shared_ptr<const detectors::Evaluator> CurrentEvaluator() const;
  bool Enqueue(const std::string& device_id, Work work);
  // Whether `shard` takes a request arriving at `now` (its mu held): Enqueue's and
  // SubmitBatch's admission.
  bool AdmitsLocked(const Shard& shard, std::chrono::steady_clock::time_point now) const;
  void ShardLoop(Shard* shard);
  void ProcessReport(Shard* shard, const detectors::Evaluator& ev, Work& work, Group* group);
  void ProcessVerify(Shard* shard, const detectors::Evaluator& ev, Work& work, Group* group);
  void ProcessBrokerEvent(Shard* shard, const detectors::Evaluator& ev, Work& work, Group* group);
  // Closes the cloud-side buckets that have ended (devices with no events still get
  // their datapoints and disconnect durations).
  void RunTimers(Shard* shard, const detectors::Evaluator& ev, Group* group);
  void PublishFleetThresholds(const rules::RuleSet& rules);
  // Queues the device's bucket timer and persists it (store/README.md, `timers`) in
  // `group`, so that it survives a restart and eviction.
  static void ScheduleTimer(Shard* shard, const std::string& device_id, int64_t due_us,
                            Group* group);
  // After a rules change: reconciles the cached devices, and starts the walk that
  // reconciles the evicted ones with an active violation (ReconcileEvicted).
  void Reconcile(Shard* shard, const detectors::Evaluator& ev, Group* group);
  void ReconcileEvicted(Shard* shard, const detectors::Evaluator& ev, Group* group);
  // The next slice of `walk`: the shard's devices not in its cache with an active
  // violation (the `violations` family) among the next violation_walk_slice keys — with
  // walk->before_us > 0, only those whose last violating datapoint is older. Ends the
  // walk at the end of the family.
  std::vector<std::string> DevicesWithViolations(Shard* shard, ViolationWalk* walk);
  // Invalidates the alarms of the silent cached devices, and starts the walk that does
  // the same for the evicted ones (SweepSilentEvicted).
  void SweepSilent(Shard* shard, Group* group);
  void SweepSilentEvicted(Shard* shard, const detectors::Evaluator& ev, Group* group);
  // The stored state of a device a walk found (counted in state_cache_loads; a read
  // error is logged): nullopt when there is none or it cannot be read.
  std::optional<v1::DeviceState> ReadEvicted(const std::string& device_id);
  // The cache entry of a device, read from the store on a miss (and reconciled with
  // `ev`); with `create`, a new device gets an empty state. nullptr: not found (or,
  // with *error set, unreadable).
  CachedDevice* Touch(Shard* shard, const detectors::Evaluator& ev, const std::string& device_id,
                      bool create, Group* group, absl::Status* error);
  // Reads the devices of the batch missing from the cache with one MultiGet.
  void Prefetch(Shard* shard, const detectors::Evaluator& ev, std::deque<Work>& batch,
                Group* group);
  // Caches a state read from the store (or new), reconciled with `ev`, as the newest
  // entry; a device cached already keeps its cached state (nullptr if that does not parse).
  CachedDevice* Insert(Shard* shard, const detectors::Evaluator& ev, v1::DeviceState state,
                       Group* group);
  // Makes the cached `device` the newest entry, parsing its state when it is kept
  // serialized. nullptr (with *error set): it does not parse.
  CachedDevice* Warm(Shard* shard, CachedDevice* device, absl::Status* error);
  // Keeps idle states serialized (hot_state_seconds), then drops least recently used
  // durable states while the shard is over its capacity.
  void Evict(Shard* shard);
  void FlushDevice(CachedDevice* device, detectors::Changes* changes, Group* group);
  // Start-up: the bucket timers of devices with an open bucket, and the active
  // violation gauges.
  absl::Status LoadTimers();
  absl::Status CountActiveViolations();
  void PushGroup(std::unique_ptr<Group> group);
  void WriterLoop();

  const EngineOptions options_;
  const std::chrono::steady_clock::duration max_queue_delay_;
  store::Store* const store_;
  const Clock* const clock_;
  Metrics* const metrics_;
  Outbox* const outbox_;

  mutable std::mutex evaluator_mu_;
  std::shared_ptr<const detectors::Evaluator> evaluator_;  // guarded by evaluator_mu_
  std::atomic<uint64_t> evaluator_generation_{1};

  std::vector<std::unique_ptr<Shard>> shards_;
  detectors::FleetStatistics fleet_;

  std::mutex writer_mu_;
  std::condition_variable writer_cv_;  // work arrived / room freed
  std::deque<std::unique_ptr<Group>> writer_queue_;
  bool writer_stop_ = false;
  std::thread writer_;

  std::atomic<bool> stopped_{false};
  std::atomic<bool> healthy_{true};
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_INGEST_ENGINE_H_
