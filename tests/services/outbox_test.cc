// The outbox against a real RocksDB: rows per target, the bound, and restart.
#include "services/outbox.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "google/protobuf/util/time_util.h"
#include "store/keys.h"

namespace warden::services {
namespace {

namespace fs = std::filesystem;

alerts::AlertingConfig TwoReceivers(int64_t max_rows) {
  alerts::AlertingConfig c;
  alerts::Receiver am;
  am.name = "am";
  am.kind = alerts::Receiver::Kind::kAlertmanager;
  am.alertmanager.urls = {"http://127.0.0.1:9093/", "http://127.0.0.1:9094"};
  alerts::Receiver hook;
  hook.name = "soc";
  hook.kind = alerts::Receiver::Kind::kWebhook;
  hook.webhook.url = "http://127.0.0.1:8080/hook";
  c.receivers = {am, hook};
  c.max_outbox_rows_per_target = max_rows;
  return c;
}

v1::ViolationEvent Event(const std::string& id, bool suppress = false) {
  v1::ViolationEvent e;
  e.set_event_id(id + "-raised");
  e.set_violation_id(id);
  e.set_type(v1::IN_ALARM);
  e.set_device_id("dev-1");
  e.set_severity(v1::HIGH);
  e.set_suppress_alerts(suppress);
  *e.mutable_time() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(1);
  return e;
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warden-outbox-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Open();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Open() {
    store_.reset();
    auto s = store::Store::Open({dir_.string()});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  std::vector<std::string> Keys(store::Family f, const std::string& target) {
    std::vector<std::string> keys;
    EXPECT_TRUE(store_
                    ->Scan(f, store::OutboxPrefix(target), "",
                           [&](const std::string& k, const std::string&) {
                             keys.push_back(k);
                             return true;
                           })
                    .ok());
    return keys;
  }

  fs::path dir_;
  Metrics metrics_{1};
  std::unique_ptr<store::Store> store_;
};

TEST_F(OutboxTest, EveryAlertmanagerUrlAndWebhookGetsItsOwnOrderedRows) {
  auto outbox = Outbox::Create(TwoReceivers(100), store_.get(), &metrics_);
  ASSERT_TRUE(outbox.ok()) << outbox.status();
  ASSERT_EQ((*outbox)->targets().size(), 3u);
  EXPECT_EQ((*outbox)->targets()[0].name, "am#0");
  EXPECT_EQ((*outbox)->targets()[0].url, "http://127.0.0.1:9093/api/v2/alerts");
  EXPECT_EQ((*outbox)->targets()[1].url, "http://127.0.0.1:9094/api/v2/alerts");
  EXPECT_EQ((*outbox)->targets()[2].name, "soc");

  store::WriteGroup g;
  (*outbox)->Add(Event("a"), 1, &g);
  (*outbox)->Add(Event("b"), 1, &g);
  (*outbox)->Add(Event("quiet", /*suppress=*/true), 1, &g);
  ASSERT_TRUE(store_->Write(g).ok());
  for (const char* target : {"am#0", "am#1", "soc"}) {
    std::vector<std::string> keys = Keys(store::Family::kOutbox, target);
    ASSERT_EQ(keys.size(), 2u) << target << ": suppressed events must not alert";
    EXPECT_LT(*store::OutboxKeySeq(keys[0]), *store::OutboxKeySeq(keys[1]));
  }
  EXPECT_EQ((*outbox)->queued(2), 2);
}

TEST_F(OutboxTest, AFullTargetGetsDeadLettersNotSilentDrops) {
  auto outbox = Outbox::Create(TwoReceivers(2), store_.get(), &metrics_);
  ASSERT_TRUE(outbox.ok());
  store::WriteGroup g;
  for (const char* id : {"a", "b", "c"}) (*outbox)->Add(Event(id), 1, &g);
  ASSERT_TRUE(store_->Write(g).ok());
  EXPECT_EQ(Keys(store::Family::kOutbox, "soc").size(), 2u);
  std::vector<std::string> dead = Keys(store::Family::kDeadLetters, "soc");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(metrics_.DeadLetters("soc", "outbox-full").Value(), 1);
}

TEST_F(OutboxTest, RestartResumesCountsAndNeverReusesASequence) {
  uint64_t last_seq = 0;
  {
    auto outbox = Outbox::Create(TwoReceivers(100), store_.get(), &metrics_);
    ASSERT_TRUE(outbox.ok());
    store::WriteGroup g;
    (*outbox)->Add(Event("a"), 1, &g);
    ASSERT_TRUE(store_->Write(g).ok());
    last_seq = *store::OutboxKeySeq(Keys(store::Family::kOutbox, "soc").back());
  }
  Open();
  auto outbox = Outbox::Create(TwoReceivers(100), store_.get(), &metrics_);
  ASSERT_TRUE(outbox.ok());
  EXPECT_EQ((*outbox)->queued(2), 1);
  store::WriteGroup g;
  (*outbox)->Add(Event("b"), 1, &g);
  ASSERT_TRUE(store_->Write(g).ok());
  std::vector<std::string> keys = Keys(store::Family::kOutbox, "soc");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_GT(*store::OutboxKeySeq(keys.back()), last_seq);
}

}  // namespace
}  // namespace warden::services
