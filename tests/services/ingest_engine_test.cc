// The ingest engine under overload and storage failure, with a real RocksDB and the
// writer held or failed through EngineOptions::before_write.
#include "services/ingest_engine.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "rules/loader.h"

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

  fs::path dir_;
  FakeClock clock_;
  Metrics metrics_{1};
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const detectors::Evaluator> evaluator_;
  std::unique_ptr<IngestEngine> engine_;
};

TEST_F(IngestEngineTest, ShedsWhenTheQueueIsFullAndLosesNothingItAccepted) {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  EngineOptions o;
  o.shards = 1;
  o.queue_capacity = 8;
  o.max_batch = 1;
  o.before_write = [&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return released; });
    return absl::OkStatus();
  };
  StartEngine(o);

  // With the writer held, the queue, the shard and the writer's backlog fill up; the
  // engine must then refuse instead of growing.
  Acks acks;
  int64_t accepted = 0;
  bool refused = false;
  for (int64_t id = 1; id <= 1000 && !refused; ++id) {
    auto r = MakeReport("dev-1", id);
    const v1::ReportRequest* raw = r.get();
    if (engine_->Submit(raw, std::move(r), acks.Callback())) {
      accepted = id;
    } else {
      refused = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(refused) << "the engine never shed load";
  // At most: the queue (8), the report the shard holds while it waits for the writer (1),
  // the writer's backlog (2 groups of 1 report) and what the writer took before it was
  // held (up to 2 groups). Not unbounded.
  EXPECT_LE(accepted, 8 + 1 + 2 + 2);

  {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
  }
  cv.notify_all();
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

}  // namespace
}  // namespace warden::services
