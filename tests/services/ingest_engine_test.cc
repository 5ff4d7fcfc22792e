// The ingest engine under overload and storage failure, with a real RocksDB and the
// writer held or failed through EngineOptions::before_write.
#include "services/ingest_engine.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "google/protobuf/util/time_util.h"
#include "rules/loader.h"
#include "store/keys.h"

namespace warden::services {
namespace {

namespace fs = std::filesystem;

constexpr char kProfile[] = R"(
profile: p
targets: all
behaviours:
  - name: small
    metric: aws:all-bytes-out
    operator: less-than
    value: 1000
)";

std::unique_ptr<v1::ReportRequest> MakeReport(const std::string& device, int64_t id) {
  auto r = std::make_unique<v1::ReportRequest>();
  r->set_device_id(device);
  r->mutable_report()->mutable_header()->set_report_id(id);
  r->mutable_report()->mutable_header()->set_version("1.0");
  r->mutable_report()->mutable_metrics()->mutable_network_stats()->set_bytes_out(5000);
  return r;
}

// Collects acks from the writer thread.
class Acks {
 public:
  IngestEngine::AckCallback Callback() {
    return [this](const v1::ReportAck& ack) {
      std::lock_guard<std::mutex> lock(mu_);
      acks_.push_back(ack);
      cv_.notify_all();
    };
  }
  std::vector<v1::ReportAck> WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return acks_.size() >= n; });
    return acks_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<v1::ReportAck> acks_;
};

// Holds the engine's writer (EngineOptions::before_write) until Release().
class HeldWriter {
 public:
  std::function<absl::Status()> Hook() {
    return [this] {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return released_; });
      return absl::OkStatus();
    };
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

class IngestEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warden-engine-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = store::Store::Open({dir_.string()});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    rules::LoadResult loaded = rules::LoadRules({{"p.yaml", kProfile}});
    ASSERT_TRUE(loaded.ok()) << rules::FormatDiagnostics(loaded.diagnostics);
    evaluator_ = std::make_shared<const detectors::Evaluator>(loaded.rules);
  }

  void TearDown() override {
    engine_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  void StartEngine(EngineOptions options) {
    auto engine = IngestEngine::Create(options, store_.get(), &clock_, &metrics_, evaluator_);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }

  // Submits reports 1, 2, ... of `device`, one every `pause`, until the engine refuses
  // one or `max` were taken; `*accepted` is the last id taken. True when one was refused.
  bool SubmitUntilRefused(const std::string& device, int64_t max, std::chrono::milliseconds pause,
                          Acks* acks, int64_t* accepted) {
    for (int64_t id = 1; id <= max; ++id) {
      auto r = MakeReport(device, id);
      const v1::ReportRequest* raw = r.get();
      if (!engine_->Submit(raw, std::move(r), acks->Callback())) return true;
      *accepted = id;
      std::this_thread::sleep_for(pause);
    }
    return false;
  }

  fs::path dir_;
  FakeClock clock_;
  Metrics metrics_{1};
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const detectors::Evaluator> evaluator_;
  std::unique_ptr<IngestEngine> engine_;
};

// The engine's threads are named, so `top -H` and perf tell them apart.
TEST_F(IngestEngineTest, ShardAndWriterThreadsCarryTheirNames) {
  EngineOptions o;
  o.shards = 2;
  StartEngine(o);
  auto names = [] {
    std::multiset<std::string> out;
    for (const auto& task : fs::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      out.insert(name);
    }
    return out;
  };
  std::multiset<std::string> running = names();
  for (int i = 0; i < 100 && (running.count("ingest-writer") == 0 ||
                              running.count("shard-0") == 0 || running.count("shard-1") == 0);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // threads name themselves
    running = names();
  }
  EXPECT_EQ(running.count("shard-0"), 1u);
  EXPECT_EQ(running.count("shard-1"), 1u);
  EXPECT_EQ(running.count("ingest-writer"), 1u);
}

TEST_F(IngestEngineTest, ShedsWhenTheQueueIsFullAndLosesNothingItAccepted) {
  HeldWriter writer;
  EngineOptions o;
  o.shards = 1;
  o.queue_capacity = 8;
  o.max_queue_delay_ms = 0;  // only the capacity sheds here
  o.max_batch = 1;
  o.before_write = writer.Hook();
  StartEngine(o);

  // With the writer held, the queue, the shard and the writer's backlog fill up; the
  // engine must then refuse instead of growing.
  Acks acks;
  int64_t accepted = 0;
  const bool refused =
      SubmitUntilRefused("dev-1", 1000, std::chrono::milliseconds(1), &acks, &accepted);
  ASSERT_TRUE(refused) << "the engine never shed load";
  // At most: the queue (8), the report the shard holds while it waits for the writer (1),
  // the writer's backlog (2 groups of 1 report) and what the writer took before it was
  // held (up to 2 groups). Not unbounded.
  EXPECT_LE(accepted, 8 + 1 + 2 + 2);

  writer.Release();
  std::vector<v1::ReportAck> got = acks.WaitFor(static_cast<size_t>(accepted));
  ASSERT_EQ(got.size(), static_cast<size_t>(accepted));
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].status(), v1::ReportAck::ACCEPTED);
    EXPECT_EQ(got[i].report_id(), static_cast<int64_t>(i + 1)) << "acks in submission order";
  }
  engine_->Stop();
  auto state = store_->GetDeviceState("dev-1");
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->last_report_id(), accepted);
}

TEST_F(IngestEngineTest, ShedsOnceTheOldestQueuedReportWaitedTooLongAndRecovers) {
  HeldWriter writer;
  EngineOptions o;
  o.shards = 1;
  o.queue_capacity = 65536;  // far away: the waiting time must be what sheds
  o.max_queue_delay_ms = 30;
  o.max_batch = 1;
  o.before_write = writer.Hook();
  StartEngine(o);

  Acks acks;
  int64_t accepted = 0;
  const bool refused =
      SubmitUntilRefused("dev-3", 5000, std::chrono::milliseconds(2), &acks, &accepted);
  ASSERT_TRUE(refused) << "a held writer must make the engine shed by waiting time";
  EXPECT_LT(accepted, 1000) << "shed long before the queue capacity";

  writer.Release();
  std::vector<v1::ReportAck> got = acks.WaitFor(static_cast<size_t>(accepted));
  ASSERT_EQ(got.size(), static_cast<size_t>(accepted));
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].status(), v1::ReportAck::ACCEPTED);
    EXPECT_EQ(got[i].report_id(), static_cast<int64_t>(i + 1));
  }
  // Caught up: the shard takes reports again, and the refused one left no trace.
  auto next = MakeReport("dev-3", accepted + 1);
  const v1::ReportRequest* raw = next.get();
  ASSERT_TRUE(engine_->Submit(raw, std::move(next), acks.Callback()));
  got = acks.WaitFor(static_cast<size_t>(accepted) + 1);
  ASSERT_EQ(got.size(), static_cast<size_t>(accepted) + 1);
  EXPECT_EQ(got.back().status(), v1::ReportAck::ACCEPTED);
  engine_->Stop();
  auto state = store_->GetDeviceState("dev-3");
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->last_report_id(), accepted + 1);
}

TEST_F(IngestEngineTest, AFailedWriteRejectsItsReportsAndStopsTakingNewOnes) {
  EngineOptions o;
  o.shards = 1;
  o.before_write = [] { return absl::InternalError("injected: disk full"); };
  StartEngine(o);
  Acks acks;
  auto r = MakeReport("dev-2", 1);
  const v1::ReportRequest* raw = r.get();
  ASSERT_TRUE(engine_->Submit(raw, std::move(r), acks.Callback()));
  std::vector<v1::ReportAck> got = acks.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status(), v1::ReportAck::REJECTED);
  EXPECT_EQ(got[0].error_code(), "Unavailable");
  EXPECT_FALSE(engine_->healthy());

  auto again = MakeReport("dev-2", 2);
  const v1::ReportRequest* raw2 = again.get();
  EXPECT_FALSE(engine_->Submit(raw2, std::move(again), acks.Callback()));

  // Nothing of the rejected report reached the store.
  engine_->Stop();
  auto state = store_->GetDeviceState("dev-2");
  ASSERT_TRUE(state.ok());
  EXPECT_FALSE(state->has_value());
}

// --- The device state cache: states evicted once durable, read back on the next touch ---

constexpr char kCacheProfile[] = R"(
profile: p
targets: all
behaviours:
  - name: small
    metric: aws:all-bytes-out
    operator: less-than
    value: 1000
  - name: window
    metric: aws:all-bytes-out
    operator: less-than
    value: 12000
    duration_seconds: 900
  - name: twice
    metric: aws:all-packets-out
    operator: less-than
    value: 10
    consecutive_datapoints_to_alarm: 2
)";

std::shared_ptr<const detectors::Evaluator> Compile(const std::string& yaml) {
  rules::LoadResult loaded = rules::LoadRules({{"p.yaml", yaml}});
  EXPECT_TRUE(loaded.ok()) << rules::FormatDiagnostics(loaded.diagnostics);
  return std::make_shared<const detectors::Evaluator>(loaded.rules);
}

std::unique_ptr<v1::ReportRequest> MakeReport(const std::string& device, int64_t id,
                                              uint64_t bytes_out, uint64_t packets_out) {
  auto r = MakeReport(device, id);
  r->mutable_report()->mutable_metrics()->mutable_network_stats()->set_bytes_out(bytes_out);
  r->mutable_report()->mutable_metrics()->mutable_network_stats()->set_packets_out(packets_out);
  return r;
}

class StateCacheTest : public IngestEngineTest {
 protected:
  void SetUp() override {
    IngestEngineTest::SetUp();
    evaluator_ = Compile(kCacheProfile);
  }

  // Metrics of an engine started again on the same store (outlives engine_: TearDown
  // stops it first).
  Metrics restarted_{1};

  EngineOptions SmallCache() {
    EngineOptions o;
    o.shards = 1;
    o.cached_devices = 2;
    return o;
  }

  // Submits `r` and waits for its ack.
  v1::ReportAck Send(IngestEngine* engine, std::unique_ptr<v1::ReportRequest> r) {
    Acks acks;
    const v1::ReportRequest* raw = r.get();
    EXPECT_TRUE(engine->Submit(raw, std::move(r), acks.Callback()));
    std::vector<v1::ReportAck> got = acks.WaitFor(1);
    EXPECT_EQ(got.size(), 1u);
    return got.empty() ? v1::ReportAck() : got[0];
  }

  // Waits until the shards hold at most `n` states (evictions run between batches).
  void WaitForCacheAtMost(Metrics& metrics, double n) {
    for (int i = 0; i < 100 && metrics.state_cache_devices().Value() > n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_LE(metrics.state_cache_devices().Value(), n);
  }

  // Four other devices report; with SmallCache() the devices before them are evicted.
  void EvictWithOtherDevices() {
    for (int d = 0; d < 4; ++d) {
      Send(engine_.get(), MakeReport("other-" + std::to_string(d), 1, 100, 5));
    }
    WaitForCacheAtMost(metrics_, 2);
  }

  // dev-a, dev-b and dev-c each raise "small" and "twice": six active violations.
  void RaiseTwoViolationsOnThreeDevices() {
    for (const char* d : {"dev-a", "dev-b", "dev-c"}) {
      for (int64_t id = 1; id <= 2; ++id) {
        EXPECT_EQ(Send(engine_.get(), MakeReport(d, id, 5000, 50)).status(),
                  v1::ReportAck::ACCEPTED);
      }
    }
  }

  // kCacheProfile without its "small" behaviour.
  static std::string ProfileWithoutSmall() {
    std::string profile = kCacheProfile;
    const size_t from = profile.find("  - name: small");
    profile.erase(from, profile.find("  - name: window") - from);
    return profile;
  }

  // Waits until the shards hold `n` states parsed (the gauge is updated after each write
  // group is handed to the writer, so possibly just after its acks).
  void WaitForParsed(double n) {
    for (int i = 0; i < 100 && metrics_.state_cache_parsed().Value() != n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(metrics_.state_cache_parsed().Value(), n);
  }

  std::vector<v1::Violation> Active(store::Store* store, const std::string& device = "") {
    store::ViolationFilter f;
    f.device_id = device;
    auto page = store->ListViolations(f, "", 1000);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->items : std::vector<v1::Violation>();
  }

  std::vector<v1::ViolationEvent> Events(store::Store* store) {
    auto page = store->ListEvents(0, int64_t{1} << 62, {}, "", 1000);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->items : std::vector<v1::ViolationEvent>();
  }
};

TEST_F(StateCacheTest, ACacheOfTwoOrOfSerializedStatesKeepsEveryDevicesWindowsAndAlarmsExactly) {
  // The same reports through a cache of 2 states, a cache that holds all 10 devices
  // parsed, and one that holds them all serialized between write groups must leave the
  // same states, violations and events behind.
  auto run = [&](store::Store* store, size_t cached, Metrics* metrics, int64_t hot_seconds = 10) {
    clock_.Set(1'700'000'000'000'000);
    EngineOptions o;
    o.shards = 1;
    o.cached_devices = cached;
    o.hot_state_seconds = hot_seconds;
    auto engine = IngestEngine::Create(o, store, &clock_, metrics, evaluator_);
    EXPECT_TRUE(engine.ok()) << engine.status();
    if (!engine.ok()) return;
    for (int64_t round = 1; round <= 4; ++round) {
      for (int d = 0; d < 10; ++d) {
        // Varying traffic: windows fill, "twice" needs two violating reports in a row.
        const uint64_t bytes = 500 + 1000 * ((d + round) % 5);
        const uint64_t packets = (d + round) % 3 == 0 ? 5 : 50;
        v1::ReportAck ack =
            Send(engine->get(), MakeReport("dev-" + std::to_string(d), round, bytes, packets));
        EXPECT_EQ(ack.status(), v1::ReportAck::ACCEPTED);
        if (cached == 2) WaitForCacheAtMost(*metrics, 2);
        clock_.AdvanceSeconds(60);
      }
    }
    (*engine)->Stop();
  };
  Metrics small_metrics{1};
  run(store_.get(), 2, &small_metrics);
  auto ref_dir = dir_ / "reference";
  auto ref = store::Store::Open({ref_dir.string()});
  ASSERT_TRUE(ref.ok()) << ref.status();
  Metrics ref_metrics{1};
  run(ref->get(), 1000, &ref_metrics, /*hot_seconds=*/1'000'000);
  auto cold_dir = dir_ / "serialized";
  auto cold = store::Store::Open({cold_dir.string()});
  ASSERT_TRUE(cold.ok()) << cold.status();
  Metrics cold_metrics{1};
  run(cold->get(), 1000, &cold_metrics, /*hot_seconds=*/0);

  EXPECT_GE(small_metrics.state_cache_evictions().Value(), 30);
  EXPECT_GE(small_metrics.state_cache_loads().Value(), 30);
  EXPECT_EQ(ref_metrics.state_cache_loads().Value(), 0);
  EXPECT_EQ(ref_metrics.state_cache_parsed().Value(), 10);
  EXPECT_EQ(cold_metrics.state_cache_loads().Value(), 0);
  EXPECT_EQ(cold_metrics.state_cache_devices().Value(), 10);
  EXPECT_EQ(cold_metrics.state_cache_parsed().Value(), 0);
  for (store::Store* store : {store_.get(), cold->get()}) {
    for (int d = 0; d < 10; ++d) {
      const std::string id = "dev-" + std::to_string(d);
      auto got = store->GetDeviceState(id);
      auto want = (*ref)->GetDeviceState(id);
      ASSERT_TRUE(got.ok() && got->has_value() && want.ok() && want->has_value()) << id;
      EXPECT_EQ((*got)->SerializeAsString(), (*want)->SerializeAsString()) << id;
      EXPECT_GT((*got)->windows_size(), 0) << id;
    }
    std::vector<v1::Violation> active = Active(store);
    std::vector<v1::Violation> want_active = Active(ref->get());
    ASSERT_EQ(active.size(), want_active.size());
    EXPECT_FALSE(active.empty());
    for (size_t i = 0; i < active.size(); ++i) {
      EXPECT_EQ(active[i].SerializeAsString(), want_active[i].SerializeAsString());
    }
    std::vector<v1::ViolationEvent> events = Events(store);
    std::vector<v1::ViolationEvent> want_events = Events(ref->get());
    ASSERT_EQ(events.size(), want_events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].SerializeAsString(), want_events[i].SerializeAsString());
    }
  }
}

TEST_F(StateCacheTest, IdleStatesAreKeptSerializedAndPickUpWhereTheyLeftOff) {
  EngineOptions o;
  o.shards = 1;
  o.hot_state_seconds = 10;
  StartEngine(o);
  // One violating datapoint of "twice" (it needs two in a row) for dev-a.
  EXPECT_EQ(Send(engine_.get(), MakeReport("dev-a", 1, 100, 50)).status(), v1::ReportAck::ACCEPTED);
  EXPECT_EQ(Send(engine_.get(), MakeReport("dev-b", 1, 100, 5)).status(), v1::ReportAck::ACCEPTED);
  WaitForParsed(2);

  clock_.AdvanceSeconds(11);  // both idle past hot_state_seconds: kept serialized
  WaitForParsed(0);
  EXPECT_EQ(metrics_.state_cache_devices().Value(), 2);

  // dev-a's second violating datapoint raises the alarm: its alarm count survived.
  EXPECT_EQ(Send(engine_.get(), MakeReport("dev-a", 2, 100, 50)).status(), v1::ReportAck::ACCEPTED);
  WaitForParsed(1);
  EXPECT_EQ(metrics_.state_cache_loads().Value(), 0) << "nothing read from RocksDB";
  ASSERT_EQ(Active(store_.get(), "dev-a").size(), 1u);
  EXPECT_EQ(Active(store_.get(), "dev-a")[0].behaviour(), "twice");
  // A resent report of dev-b is still known: its last report id survived too.
  EXPECT_EQ(Send(engine_.get(), MakeReport("dev-b", 1, 100, 5)).status(), v1::ReportAck::DUPLICATE);
}

TEST_F(StateCacheTest, AReloadAndTheSilenceSweepReachSerializedStates) {
  EngineOptions o;
  o.shards = 1;
  o.hot_state_seconds = 0;  // every state serialized after its write group
  o.invalidate_silent_after_seconds = 3600;
  o.silence_sweep_seconds = 1;
  StartEngine(o);
  // dev-a and dev-b raise "small"; dev-c raises "twice" ...
  for (const char* d : {"dev-a", "dev-b"}) {
    EXPECT_EQ(Send(engine_.get(), MakeReport(d, 1, 5000, 5)).status(), v1::ReportAck::ACCEPTED);
  }
  for (int64_t id = 1; id <= 2; ++id) {
    EXPECT_EQ(Send(engine_.get(), MakeReport("dev-c", id, 100, 50)).status(),
              v1::ReportAck::ACCEPTED);
  }
  ASSERT_EQ(Active(store_.get()).size(), 3u);
  WaitForParsed(0);

  // ... "small" is removed: its alarms end, "twice" stays.
  engine_->SetEvaluator(Compile(ProfileWithoutSmall()));
  for (int i = 0; i < 100 && Active(store_.get()).size() > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<v1::Violation> active = Active(store_.get());
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].device_id(), "dev-c");

  // An hour later dev-c is silent: the sweep finds its alarm in the serialized state.
  clock_.AdvanceSeconds(3600 + 60);
  for (int i = 0; i < 100 && !Active(store_.get()).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(Active(store_.get()).empty());
  EXPECT_EQ(metrics_.state_cache_loads().Value(), 0) << "nothing read from RocksDB";
  std::map<std::string, std::string> reasons;
  for (const v1::ViolationEvent& e : Events(store_.get())) {
    if (e.type() == v1::ALARM_INVALIDATED) reasons[e.device_id()] = e.reason();
  }
  EXPECT_EQ(reasons["dev-a"], detectors::kReasonBehaviourRemoved);
  EXPECT_EQ(reasons["dev-b"], detectors::kReasonBehaviourRemoved);
  EXPECT_EQ(reasons["dev-c"], detectors::kReasonDeviceSilent);
}

TEST_F(StateCacheTest, AReloadReconcilesAnEvictedDeviceWhenItNextReports) {
  StartEngine(SmallCache());
  // dev-a: one violating datapoint of "twice" (it needs two), then evicted.
  EXPECT_EQ(Send(engine_.get(), MakeReport("dev-a", 1, 100, 50)).status(), v1::ReportAck::ACCEPTED);
  EvictWithOtherDevices();

  // "twice" changes: its alarm count starts over, so one more violating report of
  // dev-a must not raise it.
  std::string changed = kCacheProfile;
  changed.replace(changed.find("value: 10\n"), 10, "value: 11\n");
  engine_->SetEvaluator(Compile(changed));
  const double loads = metrics_.state_cache_loads().Value();
  EXPECT_EQ(Send(engine_.get(), MakeReport("dev-a", 2, 100, 50)).status(), v1::ReportAck::ACCEPTED);
  EXPECT_EQ(metrics_.state_cache_loads().Value(), loads + 1) << "dev-a read back";
  EXPECT_TRUE(Active(store_.get(), "dev-a").empty());
  // Without the reload it would have: the control.
  EXPECT_EQ(Send(engine_.get(), MakeReport("dev-a", 3, 100, 50)).status(), v1::ReportAck::ACCEPTED);
  ASSERT_EQ(Active(store_.get(), "dev-a").size(), 1u);
  EXPECT_EQ(Active(store_.get(), "dev-a")[0].behaviour(), "twice");
}

TEST_F(StateCacheTest, AReloadInvalidatesTheAlarmOfAnEvictedDeviceThatNeverReportsAgain) {
  StartEngine(SmallCache());
  EXPECT_EQ(Send(engine_.get(), MakeReport("dev-a", 1, 5000, 5)).status(), v1::ReportAck::ACCEPTED);
  ASSERT_EQ(Active(store_.get(), "dev-a").size(), 1u);
  EvictWithOtherDevices();

  engine_->SetEvaluator(Compile(ProfileWithoutSmall()));
  for (int i = 0; i < 100 && !Active(store_.get(), "dev-a").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(Active(store_.get(), "dev-a").empty());
  bool invalidated = false;
  for (const v1::ViolationEvent& e : Events(store_.get())) {
    invalidated |= e.device_id() == "dev-a" && e.type() == v1::ALARM_INVALIDATED &&
                   e.reason() == detectors::kReasonBehaviourRemoved;
  }
  EXPECT_TRUE(invalidated);
}

TEST_F(StateCacheTest, TheSilenceSweepInvalidatesAnEvictedDevicesAlarm) {
  EngineOptions o = SmallCache();
  o.invalidate_silent_after_seconds = 3600;
  o.silence_sweep_seconds = 1;
  StartEngine(o);
  EXPECT_EQ(Send(engine_.get(), MakeReport("dev-a", 1, 5000, 5)).status(), v1::ReportAck::ACCEPTED);
  ASSERT_EQ(Active(store_.get(), "dev-a").size(), 1u);
  clock_.AdvanceSeconds(1800);
  EvictWithOtherDevices();
  const double loads = metrics_.state_cache_loads().Value();

  // Half an hour later the others are not yet silent; dev-a is.
  clock_.AdvanceSeconds(1800 + 60);
  for (int i = 0; i < 100 && !Active(store_.get(), "dev-a").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(Active(store_.get(), "dev-a").empty());
  EXPECT_EQ(metrics_.state_cache_loads().Value(), loads + 1) << "only dev-a was read";
  bool invalidated = false;
  for (const v1::ViolationEvent& e : Events(store_.get())) {
    invalidated |= e.device_id() == "dev-a" && e.type() == v1::ALARM_INVALIDATED &&
                   e.reason() == detectors::kReasonDeviceSilent;
  }
  EXPECT_TRUE(invalidated);
}

// Evicted devices with an active violation are found a slice of the violations family
// at a time (here one key per shard loop iteration), so the search resumes where it
// stopped, also between two keys of one device, and reaches every device.
TEST_F(StateCacheTest, TheSilenceSweepReadsTheViolationsASliceAtATime) {
  EngineOptions o = SmallCache();
  o.invalidate_silent_after_seconds = 3600;
  o.silence_sweep_seconds = 1;
  o.violation_walk_slice = 1;
  StartEngine(o);
  RaiseTwoViolationsOnThreeDevices();
  ASSERT_EQ(Active(store_.get()).size(), 6u);
  clock_.AdvanceSeconds(1800);
  EvictWithOtherDevices();
  const double loads = metrics_.state_cache_loads().Value();

  clock_.AdvanceSeconds(1800 + 60);  // dev-a..c silent for an hour; the others are not
  for (int i = 0; i < 500 && !Active(store_.get()).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(Active(store_.get()).empty());
  EXPECT_EQ(metrics_.state_cache_loads().Value(), loads + 3) << "each silent device read once";
  std::map<std::string, int> invalidated;
  for (const v1::ViolationEvent& e : Events(store_.get())) {
    if (e.type() == v1::ALARM_INVALIDATED && e.reason() == detectors::kReasonDeviceSilent) {
      ++invalidated[e.device_id()];
    }
  }
  EXPECT_EQ(invalidated, (std::map<std::string, int>{{"dev-a", 2}, {"dev-b", 2}, {"dev-c", 2}}));
}

TEST_F(StateCacheTest, AReloadReconcilesEvictedDevicesASliceAtATime) {
  EngineOptions o = SmallCache();
  o.violation_walk_slice = 1;
  StartEngine(o);
  RaiseTwoViolationsOnThreeDevices();
  EvictWithOtherDevices();

  engine_->SetEvaluator(Compile(ProfileWithoutSmall()));
  for (int i = 0; i < 500 && Active(store_.get()).size() > 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<v1::Violation> active = Active(store_.get());
  ASSERT_EQ(active.size(), 3u);
  for (const v1::Violation& v : active) EXPECT_EQ(v.behaviour(), "twice") << v.device_id();
  std::set<std::string> removed;
  for (const v1::ViolationEvent& e : Events(store_.get())) {
    if (e.type() == v1::ALARM_INVALIDATED && e.reason() == detectors::kReasonBehaviourRemoved) {
      removed.insert(e.device_id());
    }
  }
  EXPECT_EQ(removed, (std::set<std::string>{"dev-a", "dev-b", "dev-c"}));
}

TEST_F(StateCacheTest, AReloadThatLeavesEvictedDevicesAloneKeepsThemOutOfTheCache) {
  EngineOptions o = SmallCache();
  o.violation_walk_slice = 1;
  StartEngine(o);
  RaiseTwoViolationsOnThreeDevices();
  EvictWithOtherDevices();  // other-2 and other-3 stay cached
  const double loads = metrics_.state_cache_loads().Value();

  // A behaviour added: the evicted devices' alarms and windows stay as they are.
  engine_->SetEvaluator(Compile(std::string(kCacheProfile) + R"(
  - name: extra
    metric: aws:all-packets-in
    operator: less-than
    value: 100
)"));
  // Each acked report is at least one shard loop iteration, each reading one key of the
  // six in the violations family: the search has read them all after these.
  for (int64_t id = 2; id <= 12; ++id) {
    EXPECT_EQ(Send(engine_.get(), MakeReport("other-3", id, 100, 5)).status(),
              v1::ReportAck::ACCEPTED);
  }
  EXPECT_EQ(Send(engine_.get(), MakeReport("other-2", 2, 100, 5)).status(),
            v1::ReportAck::ACCEPTED);

  EXPECT_EQ(metrics_.state_cache_loads().Value(), loads + 3)
      << "the three evicted devices were read, once each, and other-2 was still cached";
  EXPECT_EQ(Active(store_.get()).size(), 6u);
}

TEST_F(StateCacheTest, ABrokerBucketTimerFiresForAnEvictedDeviceAndAfterARestart) {
  evaluator_ = Compile(R"(
profile: b
targets: all
behaviours:
  - name: offline
    metric: aws:disconnect-duration
    operator: less-than
    value: 600
)");
  const int64_t t0 = int64_t{1'700'000'100} * kMicrosPerSecond;  // a bucket boundary
  clock_.Set(t0 + 5 * kMicrosPerSecond);
  StartEngine(SmallCache());
  auto connect = std::make_shared<v1::BrokerEvent>();
  connect->set_device_id("gw-1");
  *connect->mutable_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(t0 + 1'000'000);
  connect->mutable_connect()->set_client_id("gw-1");
  connect->mutable_connect()->set_success(true);
  auto disconnect = std::make_shared<v1::BrokerEvent>();
  disconnect->set_device_id("gw-1");
  *disconnect->mutable_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(t0 + 30'000'000);
  disconnect->mutable_disconnect()->set_reason("KEEP_ALIVE_TIMEOUT");
  std::mutex mu;
  std::condition_variable cv;
  int acked = 0;
  for (const auto& e : {connect, disconnect}) {
    ASSERT_TRUE(engine_->SubmitBrokerEvent(e.get(), e, [&](const v1::BrokerEventAck& ack) {
      EXPECT_EQ(ack.status(), v1::BrokerEventAck::ACCEPTED);
      std::lock_guard<std::mutex> lock(mu);
      ++acked;
      cv.notify_all();
    }));
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return acked == 2; });
  }
  EvictWithOtherDevices();

  // Away 570 s at the end of the second bucket: normal; the timers ran on an evicted
  // device, and keep going across a restart.
  clock_.Set(t0 + 600 * kMicrosPerSecond);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(Active(store_.get(), "gw-1").empty());
  engine_.reset();
  auto engine = IngestEngine::Create(SmallCache(), store_.get(), &clock_, &restarted_, evaluator_);
  ASSERT_TRUE(engine.ok());
  engine_ = std::move(*engine);
  clock_.Set(t0 + 900 * kMicrosPerSecond);  // away 870 s
  for (int i = 0; i < 100 && Active(store_.get(), "gw-1").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<v1::Violation> active = Active(store_.get(), "gw-1");
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].behaviour(), "offline");
  EXPECT_EQ(active[0].last_evidence().number(), 870);
}

TEST_F(StateCacheTest, ARestartReadsOnlyTheStatesOfDevicesWithAnActiveViolation) {
  EngineOptions o;
  o.shards = 1;
  StartEngine(o);
  // dev-0 and dev-1 raise "small"; the eight others are normal.
  for (int d = 0; d < 10; ++d) {
    Send(engine_.get(), MakeReport("dev-" + std::to_string(d), 7, d < 2 ? 5000 : 100, 50));
  }
  engine_.reset();

  auto engine = IngestEngine::Create(o, store_.get(), &clock_, &restarted_, evaluator_);
  ASSERT_TRUE(engine.ok());
  engine_ = std::move(*engine);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The two with an alarm are reconciled with the rules (which may have changed while
  // wardend was down); nobody else's state is read. The rules are the same, so neither
  // is cached.
  EXPECT_EQ(restarted_.state_cache_loads().Value(), 2);
  EXPECT_EQ(restarted_.state_cache_devices().Value(), 0);
  EXPECT_GE(restarted_.devices_tracked().Value(), 10);
  // The active violation gauges come from the violations family.
  std::vector<v1::Violation> active = Active(store_.get());
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(restarted_.ActiveViolations("p", "small", active[0].severity()).Value(), 2);

  // dev-3's state comes back on its next report: a resent report is a duplicate.
  v1::ReportAck ack = Send(engine_.get(), MakeReport("dev-3", 7, 100, 50));
  EXPECT_EQ(ack.status(), v1::ReportAck::DUPLICATE);
  EXPECT_EQ(restarted_.state_cache_loads().Value(), 3);
  EXPECT_EQ(Send(engine_.get(), MakeReport("dev-3", 8, 100, 50)).status(), v1::ReportAck::ACCEPTED);
}

}  // namespace
}  // namespace warden::services
