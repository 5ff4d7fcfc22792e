#include "services/ingest_engine.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <queue>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/partition.h"
#include "common/thread_name.h"
#include "detectors/cloud_metrics.h"
#include "store/keys.h"

namespace warden::services {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

constexpr auto kShardTick = std::chrono::milliseconds(200);

double SecondsSince(SteadyTime t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

struct IngestEngine::Work {
  enum class Kind { kReport, kVerify, kBroker };
  Kind kind = Kind::kReport;
  int64_t received_us = 0;
  SteadyTime enqueued;
  // Set by Prefetch() when the device is cached (saves a second lookup).
  CachedDevice* device = nullptr;
  // kReport
  const v1::ReportRequest* request = nullptr;
  OwnedMessage<v1::ReportRequest> owned;
  AckCallback done;  // or, from SubmitBatch(), sink->Ack(index, ...)
  BatchSink* sink = nullptr;
  int index = 0;
  // kBroker
  const v1::BrokerEvent* event = nullptr;
  std::shared_ptr<const void> keep;
  BrokerAckCallback broker_done;
  // kVerify
  std::string device_id;
  std::string violation_id;
  v1::VerificationState state = v1::UNKNOWN;
  std::string description;
  VerifyCallback verify_done;
};

// A device's state in its shard's cache, on the shard's LRU list. A state in use is
// kept parsed ("hot"); once its device has been idle for EngineOptions::hot_state_seconds
// it is kept serialized ("cold", about half the RAM) and parsed again when touched.
// Hot entries are always the newest ones of the LRU list: touching an entry makes it
// the newest, and demotion takes the oldest hot one.
struct IngestEngine::CachedDevice {
  const std::string* id = nullptr;         // the key of its map entry
  std::unique_ptr<v1::DeviceState> state;  // hot: the parsed state; cold: nullptr
  std::string packed;                      // cold: the serialized state
  int64_t used_us = 0;                     // hot: the last touch
  int64_t last_seen_us = 0;                // cold: what SweepSilent() needs ...
  bool has_alarms = false;                 // ... without parsing
  bool dirty = false;                      // changed in the current group, not yet serialized
  uint64_t written_in = 0;                 // the write group with its latest change (0: none)
  CachedDevice* newer = nullptr;
  CachedDevice* older = nullptr;
};

namespace {

// When the device last reported or had a broker event.
int64_t LastSeenMicros(const v1::DeviceState& state) {
  return std::max(state.last_seen().seconds() * kMicrosPerSecond + state.last_seen().nanos() / 1000,
                  state.cloud().last_event_us());
}

}  // namespace

// A search of the violations family for a shard's evicted devices with an active
// violation, a slice at a time (EngineOptions::violation_walk_slice).
struct IngestEngine::ViolationWalk {
  bool active = false;
  std::string after;  // the last key read; "" before the first slice
  // The last device returned: its other keys (a violation per behaviour) are skipped,
  // in the next slice too, as the walk does not necessarily cache what it read.
  std::string last_device;
  int64_t before_us = 0;  // > 0: only violations last seen before this time
};

struct IngestEngine::Shard {
  int index = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Work> queue;  // guarded by mu
  bool stop = false;       // guarded by mu
  prometheus::Gauge* depth = nullptr;
  std::thread thread;
  // The last write group of this shard the writer committed (groups are committed in
  // the order they were pushed).
  std::atomic<uint64_t> committed{0};

  // Owned by the shard thread alone.
  std::unordered_map<std::string, CachedDevice> devices;
  CachedDevice* newest = nullptr;  // LRU list: newest ... oldest
  CachedDevice* oldest = nullptr;
  CachedDevice* oldest_hot = nullptr;  // every entry newer than it is hot too
  size_t hot = 0;                      // parsed entries
  size_t hot_published = 0;            // ... as last added to the metric
  size_t capacity = 0;
  int64_t now_us = 0;  // the current loop iteration's time
  uint64_t next_group = 1;
  uint64_t generation = 0;
  int64_t next_sweep_us = 0;
  ViolationWalk reconcile_walk;  // after a rules change
  ViolationWalk silence_walk;    // the silence sweep
  // Cloud-side bucket timers: (due, device), for cached and evicted devices alike. An
  // entry is stale when the device's open bucket no longer ends at `due`; stale entries
  // are skipped when they come up.
  std::priority_queue<std::pair<int64_t, std::string>, std::vector<std::pair<int64_t, std::string>>,
                      std::greater<>>
      timers;

  void Unlink(CachedDevice* d) {
    if (d == oldest_hot) oldest_hot = d->newer;
    (d->newer ? d->newer->older : newest) = d->older;
    (d->older ? d->older->newer : oldest) = d->newer;
    d->newer = d->older = nullptr;
  }
  // `d` must be hot.
  void PushNewest(CachedDevice* d) {
    d->older = newest;
    d->newer = nullptr;
    if (newest != nullptr) newest->newer = d;
    newest = d;
    if (oldest == nullptr) oldest = d;
    if (oldest_hot == nullptr) oldest_hot = d;
    d->used_us = now_us;
  }
  // Makes `d` the newest entry, hot with `state` (when it is cold).
  void Use(CachedDevice* d, std::unique_ptr<v1::DeviceState> state = nullptr) {
    if (d->state == nullptr) {
      d->state = std::move(state);
      std::string().swap(d->packed);
      ++hot;
    } else if (newest == d) {
      d->used_us = now_us;
      return;
    }
    Unlink(d);
    PushNewest(d);
  }
  // Keeps the oldest hot entry serialized.
  void DemoteOldestHot() {
    CachedDevice* d = oldest_hot;
    d->state->SerializeToString(&d->packed);
    d->last_seen_us = LastSeenMicros(*d->state);
    d->has_alarms = d->state->alarms_size() > 0;
    d->state.reset();
    oldest_hot = d->newer;
    --hot;
  }
};

// One shard batch's output: the writes, and what to tell whom once they are durable.
struct IngestEngine::Group {
  struct Pending {
    // A report ack ...
    AckCallback done;
    BatchSink* sink = nullptr;  // instead of done, for SubmitBatch()
    int index = 0;
    v1::ReportAck ack;
    OwnedMessage<v1::ReportRequest> owned;
    SteadyTime enqueued;
    // ... or a broker event ack ...
    BrokerAckCallback broker_done;
    v1::BrokerEventAck broker_ack;
    std::shared_ptr<const void> keep;
    // ... or a verification result.
    VerifyCallback verify_done;
    absl::StatusOr<v1::Violation> verified = absl::UnknownError("unset");
  };
  Shard* shard = nullptr;
  uint64_t seq = 0;  // per shard, increasing
  store::WriteGroup writes;
  std::vector<Pending> pending;
  std::vector<v1::ViolationEvent> events;  // for metrics, after the commit
  std::vector<CachedDevice*> dirty;

  bool empty() const { return writes.empty() && pending.empty(); }
};

IngestEngine::IngestEngine(const EngineOptions& options, store::Store* store, const Clock* clock,
                           Metrics* metrics, std::shared_ptr<const detectors::Evaluator> evaluator,
                           Outbox* outbox)
    : options_(options),
      max_queue_delay_(std::chrono::milliseconds(std::max<int64_t>(0, options.max_queue_delay_ms))),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      outbox_(outbox),
      evaluator_(std::move(evaluator)) {}

absl::StatusOr<std::unique_ptr<IngestEngine>> IngestEngine::Create(
    const EngineOptions& options, store::Store* store, const Clock* clock, Metrics* metrics,
    std::shared_ptr<const detectors::Evaluator> evaluator, Outbox* outbox) {
  if (options.shards < 1 || options.shards > 256) {
    return absl::InvalidArgumentError(absl::StrCat("shards must be 1-256, got ", options.shards));
  }
  auto engine = std::unique_ptr<IngestEngine>(
      new IngestEngine(options, store, clock, metrics, std::move(evaluator), outbox));
  for (int i = 0; i < options.shards; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->index = i;
    shard->depth = &metrics->QueueDepth(i);
    engine->shards_.push_back(std::move(shard));
  }
  const size_t per_shard = std::max<size_t>(1, options.cached_devices / options.shards);
  for (auto& shard : engine->shards_) shard->capacity = per_shard;
  // No device state is read here (they are loaded on first touch): only the timer
  // index and the active violations, both a small fraction of the devices.
  metrics->devices_tracked().Set(static_cast<double>(store->EstimateDeviceStates()));
  if (absl::Status s = engine->LoadTimers(); !s.ok()) return s;
  if (absl::Status s = engine->CountActiveViolations(); !s.ok()) return s;
  engine->writer_ = std::thread([e = engine.get()] { e->WriterLoop(); });
  for (auto& shard : engine->shards_) {
    shard->thread = std::thread([e = engine.get(), sh = shard.get()] { e->ShardLoop(sh); });
  }
  return engine;
}

IngestEngine::~IngestEngine() { Stop(); }

namespace {
constexpr char kTimersIndexedKey[] = "timers_indexed";
}  // namespace

absl::Status IngestEngine::LoadTimers() {
  // Data dirs written before the timer index existed: build it once from the states.
  bool indexed = false;
  absl::Status s = store_->Scan(store::Family::kMeta, kTimersIndexedKey, "",
                                [&](const std::string&, const std::string&) {
                                  indexed = true;
                                  return false;
                                });
  if (!s.ok()) return s;
  if (!indexed) {
    store::WriteGroup index;
    s = store_->ForEachDeviceState([&](v1::DeviceState&& state) {
      if (state.cloud().bucket_start_us() > 0) {
        index.Put(
            store::Family::kTimers, store::DeviceKey(state.device_id()),
            store::EncodeTimerDue(state.cloud().bucket_start_us() + detectors::kCloudBucketMicros));
      }
      return true;
    });
    if (!s.ok()) return s;
    index.Put(store::Family::kMeta, kTimersIndexedKey, "1");
    if (s = store_->Write(index); !s.ok()) return s;
  }
  return store_->Scan(store::Family::kTimers, "", "",
                      [&](const std::string& key, const std::string& value) {
                        std::optional<store::KeyDevice> d = store::DeviceOfKey(key);
                        std::optional<int64_t> due = store::DecodeTimerDue(value);
                        if (d && due) {
                          Shard* shard = shards_[d->partition % shards_.size()].get();
                          shard->timers.emplace(*due, std::string(d->device_id));
                        }
                        return true;
                      });
}

absl::Status IngestEngine::CountActiveViolations() {
  return store_->Scan(
      store::Family::kViolations, "", "", [&](const std::string&, const std::string& value) {
        v1::Violation v;
        if (v.ParseFromString(value)) {
          metrics_->ActiveViolations(v.profile(), v.behaviour(), v.severity()).Increment();
        }
        return true;
      });
}

std::shared_ptr<const detectors::Evaluator> IngestEngine::CurrentEvaluator() const {
  std::lock_guard<std::mutex> lock(evaluator_mu_);
  return evaluator_;
}

void IngestEngine::SetEvaluator(std::shared_ptr<const detectors::Evaluator> evaluator) {
  {
    std::lock_guard<std::mutex> lock(evaluator_mu_);
    evaluator_ = std::move(evaluator);
    fleet_.Retain(evaluator_->rules());
  }
  evaluator_generation_.fetch_add(1);
  for (auto& shard : shards_) shard->cv.notify_one();
}

bool IngestEngine::AdmitsLocked(const Shard& shard, SteadyTime now) const {
  if (shard.stop || shard.queue.size() >= options_.queue_capacity) return false;
  if (max_queue_delay_ > SteadyTime::duration::zero() && !shard.queue.empty() &&
      now - shard.queue.front().enqueued > max_queue_delay_) {
    return false;
  }
  return true;
}

bool IngestEngine::Enqueue(const std::string& device_id, Work work) {
  if (stopped_.load() || !healthy_.load()) return false;
  Shard* shard = shards_[PartitionOf(device_id) % shards_.size()].get();
  work.enqueued = std::chrono::steady_clock::now();
  work.received_us = clock_->NowMicros();
  size_t depth;
  {
    std::lock_guard<std::mutex> lock(shard->mu);
    if (!AdmitsLocked(*shard, work.enqueued)) return false;
    shard->queue.push_back(std::move(work));
    depth = shard->queue.size();
  }
  shard->cv.notify_one();
  shard->depth->Set(static_cast<double>(depth));
  return true;
}

bool IngestEngine::Submit(const v1::ReportRequest* request, OwnedMessage<v1::ReportRequest> owned,
                          AckCallback done) {
  Work w;
  w.kind = Work::Kind::kReport;
  w.request = request;
  w.owned = std::move(owned);
  w.done = std::move(done);
  return Enqueue(request->device_id(), std::move(w));
}

bool IngestEngine::SubmitBrokerEvent(const v1::BrokerEvent* event, std::shared_ptr<const void> keep,
                                     BrokerAckCallback done) {
  Work w;
  w.kind = Work::Kind::kBroker;
  w.event = event;
  w.keep = std::move(keep);
  w.broker_done = std::move(done);
  return Enqueue(event->device_id(), std::move(w));
}

std::vector<int> IngestEngine::SubmitBatch(const v1::ReportBatch& batch,
                                           const std::vector<int>& indices, BatchSink* sink) {
  if (indices.empty()) return {};
  if (stopped_.load() || !healthy_.load()) return indices;
  // Positions in `indices` grouped by shard, each shard's in batch order (counting sort).
  const size_t shards = shards_.size();
  const size_t n = indices.size();
  std::vector<uint32_t> shard_of(n);
  std::vector<size_t> begin(shards + 1, 0);
  for (size_t k = 0; k < n; ++k) {
    shard_of[k] =
        static_cast<uint32_t>(PartitionOf(batch.reports(indices[k]).device_id()) % shards);
    ++begin[shard_of[k] + 1];
  }
  for (size_t s = 0; s < shards; ++s) begin[s + 1] += begin[s];
  std::vector<size_t> order(n);
  {
    std::vector<size_t> next(begin.begin(), begin.end() - 1);
    for (size_t k = 0; k < n; ++k) order[next[shard_of[k]]++] = k;
  }
  const SteadyTime enqueued = std::chrono::steady_clock::now();
  const int64_t received_us = clock_->NowMicros();
  std::vector<size_t> refused;  // positions in `indices`
  for (size_t s = 0; s < shards; ++s) {
    if (begin[s] == begin[s + 1]) continue;
    Shard* shard = shards_[s].get();
    size_t depth;
    {
      std::lock_guard<std::mutex> lock(shard->mu);
      for (size_t o = begin[s]; o < begin[s + 1]; ++o) {
        // Once a shard refuses, it refuses the rest of the batch too (its queue only
        // grows while the lock is held), so a device's reports are never taken after
        // an earlier one of them was refused.
        if (!AdmitsLocked(*shard, enqueued)) {
          refused.push_back(order[o]);
          continue;
        }
        Work& w = shard->queue.emplace_back();
        w.kind = Work::Kind::kReport;
        w.enqueued = enqueued;
        w.received_us = received_us;
        w.request = &batch.reports(indices[order[o]]);
        w.sink = sink;
        w.index = indices[order[o]];
      }
      depth = shard->queue.size();
    }
    shard->cv.notify_one();
    shard->depth->Set(static_cast<double>(depth));
  }
  std::sort(refused.begin(), refused.end());
  std::vector<int> out(refused.size());
  for (size_t r = 0; r < refused.size(); ++r) out[r] = indices[refused[r]];
  return out;
}

void IngestEngine::ScheduleTimer(Shard* shard, const std::string& device_id, int64_t due_us,
                                 Group* group) {
  if (due_us <= 0) return;
  shard->timers.emplace(due_us, device_id);
  group->writes.Put(store::Family::kTimers, store::DeviceKey(device_id),
                    store::EncodeTimerDue(due_us));
}

IngestEngine::CachedDevice* IngestEngine::Insert(Shard* shard, const detectors::Evaluator& ev,
                                                 v1::DeviceState state, Group* group) {
  std::string id = state.device_id();
  auto [it, inserted] = shard->devices.try_emplace(std::move(id));
  CachedDevice* d = &it->second;
  if (!inserted) {  // already cached: the cached state is the newer one
    absl::Status unparsable;
    return Warm(shard, d, &unparsable);
  }
  d->id = &it->first;
  d->state = std::make_unique<v1::DeviceState>(std::move(state));
  ++shard->hot;
  shard->PushNewest(d);
  metrics_->state_cache_devices().Increment();
  // A state written under an older rule set is brought in line with this one.
  detectors::Changes changes;
  if (ev.Reconcile(clock_->NowMicros(), d->state.get(), &changes)) FlushDevice(d, &changes, group);
  return d;
}

namespace {

// The state of a cold cache entry, parsed.
absl::StatusOr<std::unique_ptr<v1::DeviceState>> Unpack(const std::string& device_id,
                                                        const std::string& packed) {
  auto state = std::make_unique<v1::DeviceState>();
  if (!state->ParseFromString(packed)) {
    return absl::DataLossError(
        absl::StrCat("the cached state of device '", device_id, "' does not parse"));
  }
  return state;
}

}  // namespace

IngestEngine::CachedDevice* IngestEngine::Warm(Shard* shard, CachedDevice* d, absl::Status* error) {
  if (d->state != nullptr) {
    shard->Use(d);
    return d;
  }
  absl::StatusOr<std::unique_ptr<v1::DeviceState>> state = Unpack(*d->id, d->packed);
  if (!state.ok()) {
    *error = state.status();
    return nullptr;
  }
  shard->Use(d, std::move(*state));
  return d;
}

IngestEngine::CachedDevice* IngestEngine::Touch(Shard* shard, const detectors::Evaluator& ev,
                                                const std::string& device_id, bool create,
                                                Group* group, absl::Status* error) {
  auto it = shard->devices.find(device_id);
  if (it != shard->devices.end()) return Warm(shard, &it->second, error);
  absl::StatusOr<std::optional<v1::DeviceState>> loaded = store_->GetDeviceState(device_id);
  if (!loaded.ok()) {
    *error = loaded.status();
    return nullptr;
  }
  if (loaded->has_value()) {
    metrics_->state_cache_loads().Increment();
    return Insert(shard, ev, std::move(**loaded), group);
  }
  if (!create) return nullptr;
  v1::DeviceState fresh;
  fresh.set_device_id(device_id);
  metrics_->devices_tracked().Increment();
  return Insert(shard, ev, std::move(fresh), group);
}

void IngestEngine::Prefetch(Shard* shard, const detectors::Evaluator& ev, std::deque<Work>& batch,
                            Group* group) {
  std::vector<std::string> missing;
  for (Work& w : batch) {
    const std::string& id = w.kind == Work::Kind::kReport   ? w.request->device_id()
                            : w.kind == Work::Kind::kBroker ? w.event->device_id()
                                                            : w.device_id;
    auto it = shard->devices.find(id);
    if (it == shard->devices.end()) {
      missing.push_back(id);
    } else {
      w.device = &it->second;
    }
  }
  if (missing.size() < 2) return;  // Touch() reads a single one
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  absl::StatusOr<std::vector<std::optional<v1::DeviceState>>> loaded =
      store_->GetDeviceStates(missing);
  if (!loaded.ok()) return;  // Touch() reads them one by one and reports the error
  for (std::optional<v1::DeviceState>& state : *loaded) {
    if (!state.has_value()) continue;  // new devices: Touch() creates them
    metrics_->state_cache_loads().Increment();
    Insert(shard, ev, std::move(*state), group);
  }
}

void IngestEngine::Evict(Shard* shard) {
  // States idle for hot_state_seconds are kept serialized (dirty states were
  // serialized into the group already; none is left at this point).
  const int64_t cutoff = shard->now_us - options_.hot_state_seconds * kMicrosPerSecond;
  while (shard->oldest_hot != nullptr && shard->oldest_hot->used_us <= cutoff &&
         !shard->oldest_hot->dirty) {
    shard->DemoteOldestHot();
  }
  if (shard->hot != shard->hot_published) {
    metrics_->state_cache_parsed().Increment(static_cast<double>(shard->hot) -
                                             static_cast<double>(shard->hot_published));
    shard->hot_published = shard->hot;
  }

  const uint64_t committed = shard->committed.load();
  CachedDevice* d = shard->oldest;
  // States changed by groups still on their way to RocksDB stay: a read would miss
  // their latest change. Such a run is at most a few batches long.
  size_t kept = 0;
  while (d != nullptr && shard->devices.size() > shard->capacity &&
         kept <= 4 * options_.max_batch) {
    CachedDevice* next = d->newer;
    if (d->dirty || d->written_in > committed) {
      ++kept;
    } else {
      if (d->state != nullptr) --shard->hot;
      shard->Unlink(d);
      shard->devices.erase(shard->devices.find(*d->id));
      metrics_->state_cache_evictions().Increment();
      metrics_->state_cache_devices().Decrement();
    }
    d = next;
  }
}

bool IngestEngine::SetVerification(const std::string& device_id, const std::string& violation_id,
                                   v1::VerificationState state, const std::string& description,
                                   VerifyCallback done) {
  Work w;
  w.kind = Work::Kind::kVerify;
  w.device_id = device_id;
  w.violation_id = violation_id;
  w.state = state;
  w.description = description;
  w.verify_done = std::move(done);
  return Enqueue(device_id, std::move(w));
}

void IngestEngine::ShardLoop(Shard* shard) {
  NameThisThread("shard-" + std::to_string(shard->index));
  std::deque<Work> batch;
  for (;;) {
    size_t depth;
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(shard->mu);
      // A search of the violations family under way goes on at once when there is
      // nothing else to do.
      const bool walking = shard->silence_walk.active || shard->reconcile_walk.active;
      shard->cv.wait_for(lock, walking ? std::chrono::milliseconds(0) : kShardTick, [&] {
        return !shard->queue.empty() || shard->stop ||
               shard->generation != evaluator_generation_.load();
      });
      stopping = shard->stop;
      const size_t n = std::min(shard->queue.size(), options_.max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(shard->queue.front()));
        shard->queue.pop_front();
      }
      depth = shard->queue.size();
    }
    shard->depth->Set(static_cast<double>(depth));

    shard->now_us = clock_->NowMicros();
    const uint64_t generation = evaluator_generation_.load();
    std::shared_ptr<const detectors::Evaluator> ev = CurrentEvaluator();
    auto group = std::make_unique<Group>();
    group->shard = shard;
    group->seq = shard->next_group++;
    if (generation != shard->generation) {
      shard->generation = generation;
      Reconcile(shard, *ev, group.get());
    }
    if (shard->reconcile_walk.active) ReconcileEvicted(shard, *ev, group.get());
    // A sweep starts every silence_sweep_seconds, or once the previous one has read the
    // whole violations family, if that took longer.
    if (!shard->silence_walk.active && clock_->NowMicros() >= shard->next_sweep_us) {
      SweepSilent(shard, group.get());
      shard->next_sweep_us =
          clock_->NowMicros() + options_.silence_sweep_seconds * kMicrosPerSecond;
    }
    if (shard->silence_walk.active) SweepSilentEvicted(shard, *ev, group.get());
    RunTimers(shard, *ev, group.get());
    if (shard->index == 0) PublishFleetThresholds(ev->rules());
    Prefetch(shard, *ev, batch, group.get());
    group->pending.reserve(batch.size());
    for (Work& w : batch) {
      switch (w.kind) {
        case Work::Kind::kReport:
          ProcessReport(shard, *ev, w, group.get());
          break;
        case Work::Kind::kBroker:
          ProcessBrokerEvent(shard, *ev, w, group.get());
          break;
        case Work::Kind::kVerify:
          ProcessVerify(shard, *ev, w, group.get());
          break;
      }
    }
    batch.clear();
    for (CachedDevice* d : group->dirty) {
      group->writes.Put(store::Family::kDeviceState, store::DeviceKey(*d->id),
                        d->state->SerializeAsString());
      d->dirty = false;
      d->written_in = group->seq;
    }
    group->dirty.clear();
    if (!group->empty()) PushGroup(std::move(group));
    Evict(shard);
    if (stopping && depth == 0) break;
  }
}

void IngestEngine::FlushDevice(CachedDevice* device, detectors::Changes* changes, Group* group) {
  for (const v1::Violation& v : changes->upserted) {
    group->writes.Put(store::Family::kViolations,
                      store::ViolationKey(v.device_id(), v.profile(), v.behaviour()),
                      v.SerializeAsString());
  }
  for (const v1::Violation& v : changes->removed) {
    group->writes.Delete(store::Family::kViolations,
                         store::ViolationKey(v.device_id(), v.profile(), v.behaviour()));
  }
  // Upserts and removals of one key within one report cannot both happen (a raise or
  // an update excludes a clear), so their relative order above does not matter.
  for (v1::ViolationEvent& e : changes->events) {
    const int64_t t = e.time().seconds() * kMicrosPerSecond + e.time().nanos() / 1000;
    group->writes.Put(store::Family::kViolationEvents,
                      store::EventKey(t, e.violation_id(), e.type()), e.SerializeAsString());
    if (outbox_ != nullptr) outbox_->Add(e, t, &group->writes);
    group->events.push_back(std::move(e));
  }
  if (!device->dirty) {
    device->dirty = true;
    group->dirty.push_back(device);
  }
  changes->Clear();
}

namespace {

// The ack of a report whose device state could not be read.
void SetUnreadable(const absl::Status& error, v1::ReportAck* ack) {
  std::cerr << "wardend: error: " << error.message() << "\n";
  ack->set_status(v1::ReportAck::REJECTED);
  ack->set_error_code("Internal");
  ack->set_message("the device state could not be read; see the wardend log");
}

}  // namespace

void IngestEngine::ProcessReport(Shard* shard, const detectors::Evaluator& ev, Work& w,
                                 Group* group) {
  const v1::ReportRequest& req = *w.request;
  Group::Pending& p = group->pending.emplace_back();
  p.done = std::move(w.done);
  p.sink = w.sink;
  p.index = w.index;
  p.owned = std::move(w.owned);
  p.enqueued = w.enqueued;
  p.ack.set_device_id(req.device_id());
  const int64_t report_id = req.report().header().report_id();
  p.ack.set_report_id(report_id);
  absl::Status error;
  CachedDevice* device = w.device != nullptr
                             ? Warm(shard, w.device, &error)
                             : Touch(shard, ev, req.device_id(), /*create=*/true, group, &error);
  if (device == nullptr) {
    SetUnreadable(error, &p.ack);
    return;
  }
  v1::DeviceState& state = *device->state;
  if (report_id <= state.last_report_id()) {
    p.ack.set_status(v1::ReportAck::DUPLICATE);
    p.ack.set_message(absl::StrCat("report id ", report_id,
                                   " is not newer than the last accepted report id ",
                                   state.last_report_id(), "; nothing changed"));
  } else {
    detectors::Changes changes;
    ev.ApplyReport(req.report(), w.received_us, &state, &changes, &fleet_);
    FlushDevice(device, &changes, group);
    p.ack.set_status(v1::ReportAck::ACCEPTED);
  }
}

void IngestEngine::ProcessBrokerEvent(Shard* shard, const detectors::Evaluator& ev, Work& w,
                                      Group* group) {
  const v1::BrokerEvent& event = *w.event;
  Group::Pending& p = group->pending.emplace_back();
  p.broker_done = std::move(w.broker_done);
  p.keep = std::move(w.keep);
  p.enqueued = w.enqueued;
  p.broker_ack.set_device_id(event.device_id());
  p.broker_ack.set_sequence(event.sequence());
  absl::Status error;
  CachedDevice* device = Touch(shard, ev, event.device_id(), /*create=*/true, group, &error);
  if (device == nullptr) {
    std::cerr << "wardend: error: " << error.message() << "\n";
    p.broker_ack.set_status(v1::BrokerEventAck::REJECTED);
    p.broker_ack.set_error_code("Internal");
    p.broker_ack.set_message("the device state could not be read; see the wardend log");
    return;
  }
  v1::DeviceState& state = *device->state;
  if (event.sequence() != 0 && event.sequence() <= state.cloud().last_event_sequence()) {
    p.broker_ack.set_status(v1::BrokerEventAck::DUPLICATE);
    p.broker_ack.set_message(
        absl::StrCat("sequence ", event.sequence(), " is not above the last applied sequence ",
                     state.cloud().last_event_sequence(), "; nothing changed"));
  } else {
    const int64_t due_before = state.cloud().bucket_start_us();
    detectors::Changes changes;
    ev.ApplyBrokerEvent(event, w.received_us, &state, &changes, &fleet_);
    FlushDevice(device, &changes, group);
    if (state.cloud().bucket_start_us() != due_before) {
      ScheduleTimer(shard, state.device_id(),
                    state.cloud().bucket_start_us() + detectors::kCloudBucketMicros, group);
    }
    p.broker_ack.set_status(v1::BrokerEventAck::ACCEPTED);
  }
}

void IngestEngine::PublishFleetThresholds(const rules::RuleSet& rules) {
  for (const detectors::FleetStatistics::Entry& e : fleet_.Snapshot(rules, clock_->NowMicros())) {
    metrics_->SetFleetThreshold(e.profile, e.behaviour, e.threshold.ready, e.threshold.value,
                                static_cast<double>(e.threshold.devices));
  }
}

void IngestEngine::RunTimers(Shard* shard, const detectors::Evaluator& ev, Group* group) {
  const int64_t now = clock_->NowMicros();
  detectors::Changes changes;
  while (!shard->timers.empty() && shard->timers.top().first <= now) {
    auto [due, id] = shard->timers.top();
    shard->timers.pop();
    absl::Status error;
    CachedDevice* device = Touch(shard, ev, id, /*create=*/false, group, &error);
    if (device == nullptr) {
      if (!error.ok()) {
        std::cerr << "wardend: error: " << error.message() << "\n";
        ScheduleTimer(shard, id, now + kMicrosPerSecond * 60, group);  // try again later
      } else {
        group->writes.Delete(store::Family::kTimers, store::DeviceKey(id));
      }
      continue;
    }
    v1::DeviceState& state = *device->state;
    const int64_t start = state.cloud().bucket_start_us();
    if (start == 0) {  // no open bucket: nothing to wait for
      group->writes.Delete(store::Family::kTimers, store::DeviceKey(id));
      continue;
    }
    if (start + detectors::kCloudBucketMicros != due) continue;  // stale: another entry is due
    const int64_t next = ev.AdvanceTime(now, &state, &changes, &fleet_);
    FlushDevice(device, &changes, group);
    if (next > 0) {
      ScheduleTimer(shard, id, next, group);
    } else {
      group->writes.Delete(store::Family::kTimers, store::DeviceKey(id));
    }
  }
}

void IngestEngine::ProcessVerify(Shard* shard, const detectors::Evaluator& ev, Work& w,
                                 Group* group) {
  Group::Pending& p = group->pending.emplace_back();
  p.verify_done = std::move(w.verify_done);
  p.enqueued = w.enqueued;
  p.verified = absl::NotFoundError(
      absl::StrCat("violation '", w.violation_id, "' is not active on device '", w.device_id, "'"));
  absl::Status error;
  CachedDevice* device = Touch(shard, ev, w.device_id, /*create=*/false, group, &error);
  if (device == nullptr) {
    if (!error.ok()) p.verified = error;
    return;
  }
  for (v1::AlarmState& a : *device->state->mutable_alarms()) {
    if (!a.has_violation() || a.violation().violation_id() != w.violation_id) continue;
    v1::Violation* v = a.mutable_violation();
    v->set_verification_state(w.state);
    v->set_verification_description(w.description);
    detectors::Changes changes;
    changes.upserted.push_back(*v);
    FlushDevice(device, &changes, group);
    p.verified = *v;
    break;
  }
}

std::vector<std::string> IngestEngine::DevicesWithViolations(Shard* shard, ViolationWalk* walk) {
  std::vector<std::string> devices;
  const size_t slice = std::max<size_t>(1, options_.violation_walk_slice);
  size_t read = 0;
  bool more = false;
  auto visit = [&](const std::string& key, const std::string& value) {
    if (read == slice) {
      more = true;  // the next slice starts after walk->after
      return false;
    }
    ++read;
    walk->after = key;
    std::optional<store::KeyDevice> d = store::DeviceOfKey(key);
    if (!d || d->partition % shards_.size() != static_cast<size_t>(shard->index)) return true;
    if (d->device_id == walk->last_device) return true;
    if (shard->devices.count(std::string(d->device_id)) > 0) return true;  // cached
    if (walk->before_us > 0) {
      v1::Violation v;
      if (!v.ParseFromString(value)) return true;
      const int64_t t = v.last_violation_time().seconds() * kMicrosPerSecond +
                        v.last_violation_time().nanos() / 1000;
      if (t >= walk->before_us) return true;  // the device reported since
    }
    devices.emplace_back(d->device_id);
    walk->last_device = devices.back();
    return true;
  };
  absl::Status s = store_->Scan(store::Family::kViolations, "", walk->after, visit);
  if (!s.ok()) std::cerr << "wardend: warning: " << s.message() << "\n";
  if (!more || !s.ok()) *walk = ViolationWalk();  // done; after a read error too (logged)
  // Each device once: a device's keys are contiguous, and last_device spans slices.
  return devices;
}

void IngestEngine::Reconcile(Shard* shard, const detectors::Evaluator& ev, Group* group) {
  const int64_t now = clock_->NowMicros();
  detectors::Changes changes;
  for (auto& [id, device] : shard->devices) {
    if (device.state != nullptr) {
      if (ev.Reconcile(now, device.state.get(), &changes)) FlushDevice(&device, &changes, group);
      continue;
    }
    // A cold state changed by the new rules becomes hot (the newest entry).
    absl::StatusOr<std::unique_ptr<v1::DeviceState>> state = Unpack(id, device.packed);
    if (!state.ok()) {
      std::cerr << "wardend: error: " << state.status().message() << "\n";
      continue;
    }
    if (!ev.Reconcile(now, state->get(), &changes)) continue;
    shard->Use(&device, std::move(*state));
    FlushDevice(&device, &changes, group);
  }
  // Devices not in the cache are reconciled when they are next loaded; those with an
  // active violation now (a slice per loop iteration, from the start again after
  // another change), so that alarms of removed or changed behaviours end even for
  // devices that never report again.
  shard->reconcile_walk = ViolationWalk();
  shard->reconcile_walk.active = true;
}

void IngestEngine::ReconcileEvicted(Shard* shard, const detectors::Evaluator& ev, Group* group) {
  const int64_t now = clock_->NowMicros();
  detectors::Changes changes;
  for (const std::string& id : DevicesWithViolations(shard, &shard->reconcile_walk)) {
    std::optional<v1::DeviceState> state = ReadEvicted(id);
    // As with a cold cached state: cached (as the newest entry) only when the new rules
    // change it, so that a reload in a fleet with many active violations does not push
    // the devices that report out of the cache.
    if (!state.has_value() || !ev.Reconcile(now, &*state, &changes)) continue;
    CachedDevice* device = Insert(shard, ev, std::move(*state), group);
    if (device != nullptr) FlushDevice(device, &changes, group);
  }
}

std::optional<v1::DeviceState> IngestEngine::ReadEvicted(const std::string& device_id) {
  absl::StatusOr<std::optional<v1::DeviceState>> state = store_->GetDeviceState(device_id);
  if (!state.ok()) {
    std::cerr << "wardend: warning: " << state.status().message() << "\n";
    return std::nullopt;
  }
  if (state->has_value()) metrics_->state_cache_loads().Increment();
  return std::move(*state);
}

void IngestEngine::SweepSilent(Shard* shard, Group* group) {
  const int64_t now = clock_->NowMicros();
  const int64_t cutoff = now - options_.invalidate_silent_after_seconds * kMicrosPerSecond;
  auto silent = [cutoff](const v1::DeviceState& state) { return LastSeenMicros(state) < cutoff; };
  detectors::Changes changes;
  for (auto& [id, device] : shard->devices) {
    if (device.state != nullptr ? device.state->alarms_size() == 0 || !silent(*device.state)
                                : !device.has_alarms || device.last_seen_us >= cutoff) {
      continue;
    }
    absl::Status error;
    if (Warm(shard, &device, &error) == nullptr) {
      std::cerr << "wardend: error: " << error.message() << "\n";
      continue;
    }
    detectors::Evaluator::InvalidateAll(detectors::kReasonDeviceSilent, now, device.state.get(),
                                        &changes);
    FlushDevice(&device, &changes, group);
  }
  // Evicted devices with an active violation whose last violating datapoint is older
  // than the cutoff (the violations family is the index of raised alarms), a slice per
  // loop iteration.
  shard->silence_walk = ViolationWalk();
  shard->silence_walk.active = true;
  shard->silence_walk.before_us = cutoff;
}

void IngestEngine::SweepSilentEvicted(Shard* shard, const detectors::Evaluator& ev, Group* group) {
  const int64_t now = clock_->NowMicros();
  const int64_t cutoff = shard->silence_walk.before_us;
  auto silent = [cutoff](const v1::DeviceState& state) { return LastSeenMicros(state) < cutoff; };
  detectors::Changes changes;
  // Read their state, and keep it only when they did go silent.
  for (const std::string& id : DevicesWithViolations(shard, &shard->silence_walk)) {
    std::optional<v1::DeviceState> state = ReadEvicted(id);
    if (!state.has_value() || !silent(*state)) continue;
    CachedDevice* device = Insert(shard, ev, std::move(*state), group);
    if (device == nullptr || device->state->alarms_size() == 0) continue;
    detectors::Evaluator::InvalidateAll(detectors::kReasonDeviceSilent, now, device->state.get(),
                                        &changes);
    FlushDevice(device, &changes, group);
  }
}

void IngestEngine::PushGroup(std::unique_ptr<Group> group) {
  std::unique_lock<std::mutex> lock(writer_mu_);
  // Back-pressure: a shard waits while the writer is behind, and its queue fills
  // instead, which Submit() reports as RESOURCE_EXHAUSTED.
  writer_cv_.wait(lock, [&] { return writer_queue_.size() < 2 * shards_.size() || writer_stop_; });
  writer_queue_.push_back(std::move(group));
  lock.unlock();
  writer_cv_.notify_all();
}

void IngestEngine::WriterLoop() {
  NameThisThread("ingest-writer");
  int64_t next_retention_us = 0;
  for (;;) {
    std::deque<std::unique_ptr<Group>> groups;
    {
      std::unique_lock<std::mutex> lock(writer_mu_);
      writer_cv_.wait(lock, [&] { return !writer_queue_.empty() || writer_stop_; });
      if (writer_queue_.empty() && writer_stop_) break;
      groups.swap(writer_queue_);
    }
    writer_cv_.notify_all();

    store::WriteGroup merged;
    int reports = 0;
    for (auto& g : groups) {
      merged.Append(std::move(g->writes));
      reports += static_cast<int>(g->pending.size());
    }
    absl::Status status = absl::OkStatus();
    if (!healthy_.load()) {
      status = absl::UnavailableError("an earlier write failed; restart wardend");
    } else if (!merged.empty()) {
      const SteadyTime start = std::chrono::steady_clock::now();
      if (options_.before_write) status = options_.before_write();
      if (status.ok()) status = store_->Write(merged);
      metrics_->write_seconds().Observe(SecondsSince(start));
      metrics_->write_batch_reports().Observe(reports);
      if (!status.ok()) {
        metrics_->write_failures().Increment();
        healthy_.store(false);
        std::cerr << "wardend: error: " << status.message()
                  << "; refusing new reports until restart\n";
      }
    }

    if (status.ok() && outbox_ != nullptr &&
        std::any_of(groups.begin(), groups.end(),
                    [](const auto& g) { return !g->events.empty(); })) {
      outbox_->Committed();
    }
    const SteadyTime acked_at = std::chrono::steady_clock::now();
    for (auto& g : groups) {
      if (status.ok()) {
        g->shard->committed.store(g->seq);
        for (const v1::ViolationEvent& e : g->events) {
          metrics_->ViolationEvents(e.type()).Increment();
          prometheus::Gauge& active =
              metrics_->ActiveViolations(e.profile(), e.behaviour(), e.severity());
          if (e.type() == v1::IN_ALARM) {
            active.Increment();
          } else {
            active.Decrement();
          }
        }
      }
      for (Group::Pending& p : g->pending) {
        if (p.broker_done) {
          if (!status.ok()) {
            p.broker_ack.set_status(v1::BrokerEventAck::REJECTED);
            p.broker_ack.set_error_code("Unavailable");
            p.broker_ack.set_message("the event could not be stored; retry later");
          }
          metrics_->BrokerEvents(v1::BrokerEventAck::Status_Name(p.broker_ack.status()))
              .Increment();
          p.broker_done(p.broker_ack);
          continue;
        }
        if (p.verify_done) {
          p.verify_done(status.ok() ? std::move(p.verified)
                                    : absl::StatusOr<v1::Violation>(status));
          continue;
        }
        if (!status.ok()) {
          p.ack.set_status(v1::ReportAck::REJECTED);
          p.ack.set_error_code("Unavailable");
          p.ack.set_message("the report could not be stored; retry later");
          metrics_->RejectedBy(p.ack.error_code()).Increment();
        } else if (p.ack.status() == v1::ReportAck::ACCEPTED) {
          metrics_->reports_accepted().Increment();
        } else {
          metrics_->reports_duplicate().Increment();
        }
        metrics_->ingest_latency().Observe(
            std::chrono::duration<double>(acked_at - p.enqueued).count());
        if (p.sink != nullptr) {
          p.sink->Ack(p.index, std::move(p.ack));
        } else {
          p.done(p.ack);
        }
      }
    }

    const int64_t now = clock_->NowMicros();
    if (healthy_.load() && now >= next_retention_us) {
      absl::Status s =
          store_->DeleteEventsBefore(now - options_.event_retention_seconds * kMicrosPerSecond);
      if (!s.ok()) std::cerr << "wardend: warning: " << s.message() << "\n";
      next_retention_us = now + 3600 * kMicrosPerSecond;
    }
  }
}

void IngestEngine::Stop() {
  if (stopped_.exchange(true)) return;
  for (auto& shard : shards_) {
    {
      std::lock_guard<std::mutex> lock(shard->mu);
      shard->stop = true;
    }
    shard->cv.notify_one();
  }
  for (auto& shard : shards_) {
    if (shard->thread.joinable()) shard->thread.join();
  }
  {
    std::lock_guard<std::mutex> lock(writer_mu_);
    writer_stop_ = true;
  }
  writer_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

}  // namespace warden::services
