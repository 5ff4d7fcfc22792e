#include "store/store.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/util/time_util.h"
#include "rocksdb/utilities/options_util.h"
#include "store/keys.h"

namespace warden::store {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kT0 = 1'700'000'000'000'000;  // µs

v1::Violation MakeViolation(const std::string& device, const std::string& profile,
                            const std::string& behaviour) {
  v1::Violation v;
  v.set_violation_id(device + "/" + profile + "/" + behaviour);
  v.set_device_id(device);
  v.set_profile(profile);
  v.set_behaviour(behaviour);
  v.set_metric("aws:all-bytes-out");
  v.set_severity(v1::HIGH);
  v.mutable_last_evidence()->set_number(5000);
  v.mutable_last_evidence()->set_report_id(7);
  *v.mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(kT0);
  return v;
}

v1::ViolationEvent MakeEvent(const std::string& id, int64_t time_us,
                             const std::string& device = "cam-1") {
  v1::ViolationEvent e;
  e.set_event_id(id);
  e.set_violation_id("v-" + id);
  e.set_type(v1::IN_ALARM);
  *e.mutable_time() = TimeUtil::MicrosecondsToTimestamp(time_us);
  e.set_device_id(device);
  e.set_profile("camera");
  e.set_behaviour("bytes-out");
  return e;
}

void PutViolation(WriteGroup* g, const v1::Violation& v) {
  g->Put(Family::kViolations, ViolationKey(v.device_id(), v.profile(), v.behaviour()),
         v.SerializeAsString());
}

void PutEvent(WriteGroup* g, const v1::ViolationEvent& e) {
  g->Put(Family::kViolationEvents,
         EventKey(TimeUtil::TimestampToMicroseconds(e.time()), e.violation_id(), e.type()),
         e.SerializeAsString());
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warden-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Reopen();
  }

  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> s = Store::Open(Options());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }

  StoreOptions Options() const {
    StoreOptions o;
    o.path = dir_ + "/data";
    o.block_cache_bytes = 1 << 20;
    return o;
  }

  void Write(WriteGroup g) {
    absl::Status s = store_->Write(g);
    ASSERT_TRUE(s.ok()) << s;
  }

  // Every violation matching `filter`, page by page.
  std::vector<std::string> AllViolationIds(const ViolationFilter& filter, int page_size,
                                           int* pages) {
    std::vector<std::string> ids;
    std::string token;
    *pages = 0;
    do {
      absl::StatusOr<Page<v1::Violation>> page = store_->ListViolations(filter, token, page_size);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      ++*pages;
      EXPECT_LE(static_cast<int>(page->items.size()), page_size);
      for (const v1::Violation& v : page->items) ids.push_back(v.violation_id());
      token = page->next_page_token;
      if (*pages > 1000) break;
    } while (!token.empty());
    return ids;
  }

  std::vector<std::string> AllEventIds(int64_t start, int64_t end, const ViolationFilter& filter,
                                       int page_size, int* pages) {
    std::vector<std::string> ids;
    std::string token;
    *pages = 0;
    do {
      absl::StatusOr<Page<v1::ViolationEvent>> page =
          store_->ListEvents(start, end, filter, token, page_size);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      ++*pages;
      EXPECT_LE(static_cast<int>(page->items.size()), page_size);
      for (const v1::ViolationEvent& e : page->items) ids.push_back(e.event_id());
      token = page->next_page_token;
      if (*pages > 1000) break;
    } while (!token.empty());
    return ids;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

// --- Round trips ----------------------------------------------------------------------------

TEST_F(StoreTest, DeviceStateViolationAndEventRoundTripAcrossAReopen) {
  v1::DeviceState state;
  state.set_device_id("cam-1");
  state.set_last_report_id(42);
  *state.mutable_last_seen() = TimeUtil::MicrosecondsToTimestamp(kT0);
  v1::MetricWindow* w = state.add_windows();
  w->set_metric("aws:all-bytes-out");
  w->add_points()->set_value(10);
  v1::AlarmState* a = state.add_alarms();
  a->set_profile("camera");
  a->set_behaviour("bytes-out");
  *a->mutable_violation() = MakeViolation("cam-1", "camera", "bytes-out");
  const v1::Violation violation = MakeViolation("cam-1", "camera", "bytes-out");
  const v1::ViolationEvent event = MakeEvent("e1", kT0);

  WriteGroup g;
  g.Put(Family::kDeviceState, DeviceKey("cam-1"), state.SerializeAsString());
  PutViolation(&g, violation);
  PutEvent(&g, event);
  Write(std::move(g));
  Reopen();

  absl::StatusOr<std::optional<v1::DeviceState>> got = store_->GetDeviceState("cam-1");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**got, state)) << (*got)->DebugString();

  absl::StatusOr<std::optional<v1::Violation>> v = store_->FindViolation(violation.violation_id());
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**v, violation));

  absl::StatusOr<Page<v1::ViolationEvent>> events =
      store_->ListEvents(0, kT0 + 1, ViolationFilter{}, "", 10);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->items.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(events->items[0], event));
  EXPECT_EQ(events->next_page_token, "");
}

TEST_F(StoreTest, UnknownDeviceAndViolationAreAbsentNotErrors) {
  absl::StatusOr<std::optional<v1::DeviceState>> s = store_->GetDeviceState("nobody");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->has_value());
  absl::StatusOr<std::optional<v1::Violation>> v = store_->FindViolation("0123456789abcdef");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->has_value());
}

TEST_F(StoreTest, ForEachDeviceStateVisitsEveryDeviceAndCanStopEarly) {
  WriteGroup g;
  std::set<std::string> devices;
  for (int i = 0; i < 25; ++i) {
    v1::DeviceState s;
    s.set_device_id("dev-" + std::to_string(i));
    s.set_last_report_id(i + 1);
    devices.insert(s.device_id());
    g.Put(Family::kDeviceState, DeviceKey(s.device_id()), s.SerializeAsString());
  }
  Write(std::move(g));

  std::set<std::string> seen;
  absl::Status st = store_->ForEachDeviceState([&](v1::DeviceState&& s) {
    EXPECT_TRUE(seen.insert(s.device_id()).second) << "visited twice: " << s.device_id();
    return true;
  });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(seen, devices);

  int visited = 0;
  st = store_->ForEachDeviceState([&](v1::DeviceState&&) { return ++visited < 5; });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(visited, 5);
}

TEST_F(StoreTest, DeleteInAGroupRemovesTheRowAndOverwriteReplacesIt) {
  const v1::Violation a = MakeViolation("cam-1", "camera", "a");
  v1::Violation b = MakeViolation("cam-1", "camera", "b");
  WriteGroup first;
  PutViolation(&first, a);
  PutViolation(&first, b);
  Write(std::move(first));

  b.mutable_last_evidence()->set_number(9000);
  WriteGroup second;
  second.Delete(Family::kViolations, ViolationKey("cam-1", "camera", "a"));
  PutViolation(&second, b);
  Write(std::move(second));

  absl::StatusOr<Page<v1::Violation>> page = store_->ListViolations({}, "", 10);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].behaviour(), "b");
  EXPECT_EQ(page->items[0].last_evidence().number(), 9000);
}

// The store writes a group in key order (store.cc): writes of one key must still apply
// in the order they were added, whatever keys come between them.
TEST_F(StoreTest, WritesOfOneKeyInAGroupApplyInTheOrderAdded) {
  auto state = [](const std::string& device, int64_t report_id) {
    v1::DeviceState s;
    s.set_device_id(device);
    s.set_last_report_id(report_id);
    return s.SerializeAsString();
  };
  WriteGroup g;
  for (int64_t id = 1; id <= 3; ++id) {
    for (const char* device : {"dev-b", "dev-a", "dev-c"}) {
      g.Put(Family::kDeviceState, DeviceKey(device), state(device, id));
    }
  }
  g.Delete(Family::kDeviceState, DeviceKey("dev-c"));
  g.Put(Family::kDeviceState, DeviceKey("dev-a"), state("dev-a", 4));
  Write(std::move(g));

  absl::StatusOr<std::optional<v1::DeviceState>> a = store_->GetDeviceState("dev-a");
  absl::StatusOr<std::optional<v1::DeviceState>> b = store_->GetDeviceState("dev-b");
  absl::StatusOr<std::optional<v1::DeviceState>> c = store_->GetDeviceState("dev-c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_TRUE(a->has_value() && b->has_value());
  EXPECT_EQ((*a)->last_report_id(), 4);
  EXPECT_EQ((*b)->last_report_id(), 3);
  EXPECT_FALSE(c->has_value()) << "the delete came after dev-c's puts";
}

TEST_F(StoreTest, AppendedGroupsAreWrittenTogether) {
  WriteGroup a;
  PutViolation(&a, MakeViolation("cam-1", "camera", "a"));
  WriteGroup b;
  PutViolation(&b, MakeViolation("cam-2", "camera", "b"));
  a.Append(std::move(b));
  EXPECT_EQ(a.size(), 2u);
  EXPECT_TRUE(b.empty());
  Write(std::move(a));
  absl::StatusOr<Page<v1::Violation>> page = store_->ListViolations({}, "", 10);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 2u);
}

// --- Active violations ----------------------------------------------------------------------

class ViolationListTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    WriteGroup g;
    for (int d = 0; d < 7; ++d) {
      for (const char* profile : {"camera", "fleet"}) {
        for (const char* behaviour : {"bytes-in", "bytes-out", "ports"}) {
          v1::Violation v = MakeViolation("dev-" + std::to_string(d), profile, behaviour);
          if (d % 3 == 0) v.set_verification_state(v1::TRUE_POSITIVE);
          all_.insert(v.violation_id());
          PutViolation(&g, v);
        }
      }
    }
    // A device whose id extends another's.
    v1::Violation v = MakeViolation("dev-10", "camera", "bytes-out");
    all_.insert(v.violation_id());
    PutViolation(&g, v);
    Write(std::move(g));
  }

  std::set<std::string> all_;  // 7 * 2 * 3 + 1 = 43
};

TEST_F(ViolationListTest, PagingReturnsEveryRowExactlyOnce) {
  for (int page_size : {1, 5, 7, 42, 43, 44, 1000}) {
    int pages = 0;
    std::vector<std::string> ids = AllViolationIds({}, page_size, &pages);
    EXPECT_EQ(ids.size(), all_.size()) << "page_size " << page_size;
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), all_) << "page_size " << page_size;
    // No empty trailing page.
    EXPECT_EQ(pages, (43 + page_size - 1) / page_size) << "page_size " << page_size;
  }
}

TEST_F(ViolationListTest, DeviceFilterReturnsOnlyThatDevice) {
  ViolationFilter f;
  f.device_id = "dev-1";
  int pages = 0;
  std::vector<std::string> ids = AllViolationIds(f, 4, &pages);
  EXPECT_EQ(ids.size(), 6u);
  for (const std::string& id : ids) EXPECT_EQ(id.rfind("dev-1/", 0), 0u) << id;
  EXPECT_EQ(pages, 2);

  f.device_id = "dev-10";
  ids = AllViolationIds(f, 100, &pages);
  EXPECT_EQ(ids, std::vector<std::string>{"dev-10/camera/bytes-out"});

  f.device_id = "unknown";
  ids = AllViolationIds(f, 100, &pages);
  EXPECT_THAT(ids, IsEmpty());
}

TEST_F(ViolationListTest, ProfileBehaviourAndStateFilters) {
  ViolationFilter f;
  f.profile = "fleet";
  f.behaviour = "ports";
  int pages = 0;
  std::vector<std::string> ids = AllViolationIds(f, 3, &pages);
  EXPECT_EQ(ids.size(), 7u);
  for (const std::string& id : ids) EXPECT_THAT(id, HasSubstr("/fleet/ports"));

  ViolationFilter states;
  states.states = {v1::TRUE_POSITIVE};
  ids = AllViolationIds(states, 5, &pages);
  EXPECT_EQ(ids.size(), 18u);  // dev-0, dev-3, dev-6
  for (const std::string& id : ids) {
    EXPECT_TRUE(id.rfind("dev-0/", 0) == 0 || id.rfind("dev-3/", 0) == 0 ||
                id.rfind("dev-6/", 0) == 0)
        << id;
  }

  ViolationFilter device_and_state;
  device_and_state.device_id = "dev-1";
  device_and_state.states = {v1::TRUE_POSITIVE, v1::FALSE_POSITIVE};
  ids = AllViolationIds(device_and_state, 5, &pages);
  EXPECT_THAT(ids, IsEmpty());
}

TEST_F(ViolationListTest, MalformedPageTokenIsInvalidArgument) {
  absl::StatusOr<Page<v1::Violation>> page = store_->ListViolations({}, "not-a-token", 10);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(page.status().message(), HasSubstr("page_token"));
}

TEST_F(ViolationListTest, PageSizeDefaultsTo100) {
  WriteGroup g;
  for (int i = 0; i < 120; ++i) PutViolation(&g, MakeViolation("bulk", "p", std::to_string(i)));
  Write(std::move(g));
  absl::StatusOr<Page<v1::Violation>> page = store_->ListViolations({}, "", 0);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 100u);
  EXPECT_NE(page->next_page_token, "");
}

TEST_F(ViolationListTest, FindViolationById) {
  absl::StatusOr<std::optional<v1::Violation>> v = store_->FindViolation("dev-4/fleet/bytes-in");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ((*v)->device_id(), "dev-4");
  EXPECT_EQ((*v)->profile(), "fleet");
  EXPECT_EQ((*v)->behaviour(), "bytes-in");
}

// --- Events ---------------------------------------------------------------------------------

class EventListTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    WriteGroup g;
    // 30 events, 3 per second for 10 seconds, alternating devices; ids out of time order.
    for (int s = 0; s < 10; ++s) {
      for (int k = 0; k < 3; ++k) {
        const std::string id = std::string(1, static_cast<char>('z' - k)) + std::to_string(s);
        const std::string device = (s + k) % 2 == 0 ? "cam-1" : "cam-2";
        PutEvent(&g, MakeEvent(id, At(s), device));
      }
    }
    Write(std::move(g));
  }

  static int64_t At(int second) { return kT0 + int64_t{second} * 1'000'000; }
};

TEST_F(EventListTest, TimeRangeIncludesStartAndExcludesEnd) {
  int pages = 0;
  std::vector<std::string> ids = AllEventIds(At(2), At(4), {}, 100, &pages);
  // The 3 events at second 2 and the 3 at second 3, not those at second 4.
  EXPECT_EQ(ids, (std::vector<std::string>{"x2", "y2", "z2", "x3", "y3", "z3"}));

  // A range between events is empty; one microsecond past an event excludes it.
  EXPECT_THAT(AllEventIds(At(2) + 1, At(3), {}, 100, &pages), IsEmpty());
  EXPECT_EQ(AllEventIds(At(9), At(9) + 1, {}, 100, &pages).size(), 3u);
}

TEST_F(EventListTest, EventsComeOldestFirstAndPagingReturnsEachOnce) {
  int pages = 0;
  std::vector<std::string> all = AllEventIds(0, At(100), {}, 1000, &pages);
  ASSERT_EQ(all.size(), 30u);
  EXPECT_EQ(pages, 1);
  for (int page_size : {1, 2, 3, 4, 7, 29, 30, 31}) {
    std::vector<std::string> paged = AllEventIds(0, At(100), {}, page_size, &pages);
    EXPECT_EQ(paged, all) << "page_size " << page_size;
    EXPECT_EQ(pages, (30 + page_size - 1) / page_size) << "page_size " << page_size;
  }
  // Oldest first.
  EXPECT_EQ(all.front().substr(1), "0");
  EXPECT_EQ(all.back().substr(1), "9");
}

TEST_F(EventListTest, DeviceFilterWithPaging) {
  ViolationFilter f;
  f.device_id = "cam-2";
  int pages = 0;
  std::vector<std::string> ids = AllEventIds(0, At(100), f, 4, &pages);
  EXPECT_EQ(ids.size(), 15u);
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), 15u);

  absl::StatusOr<Page<v1::ViolationEvent>> page = store_->ListEvents(0, At(100), f, "", 100);
  ASSERT_TRUE(page.ok()) << page.status();
  for (const v1::ViolationEvent& e : page->items) EXPECT_EQ(e.device_id(), "cam-2");
}

TEST_F(EventListTest, MalformedPageTokenIsInvalidArgument) {
  absl::StatusOr<Page<v1::ViolationEvent>> page = store_->ListEvents(0, At(100), {}, "0g", 10);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  // Valid hex but too short to hold a time.
  page = store_->ListEvents(0, At(100), {}, "0102", 10);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EventListTest, DeleteEventsBeforeRemovesOnlyOlderEvents) {
  ASSERT_TRUE(store_->DeleteEventsBefore(At(5)).ok());
  int pages = 0;
  std::vector<std::string> ids = AllEventIds(0, At(100), {}, 100, &pages);
  ASSERT_EQ(ids.size(), 15u);  // seconds 5..9
  EXPECT_EQ(ids.front(), "x5");
  EXPECT_THAT(AllEventIds(0, At(5), {}, 100, &pages), IsEmpty());

  // Still gone after a reopen.
  Reopen();
  EXPECT_EQ(AllEventIds(0, At(100), {}, 100, &pages).size(), 15u);
}

// --- Open -----------------------------------------------------------------------------------

TEST_F(StoreTest, SecondOpenWhileOpenFailsNamingAnotherWardend) {
  absl::StatusOr<std::unique_ptr<Store>> second = Store::Open(Options());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
  EXPECT_THAT(second.status().message(), HasSubstr("another wardend"));
  // The first one still works.
  WriteGroup g;
  PutViolation(&g, MakeViolation("cam-1", "camera", "a"));
  EXPECT_TRUE(store_->Write(g).ok());
}

TEST_F(StoreTest, UnknownSchemaVersionIsRefused) {
  WriteGroup g;
  g.Put(Family::kMeta, "schema_version", "2");
  Write(std::move(g));
  store_.reset();

  absl::StatusOr<std::unique_ptr<Store>> s = Store::Open(Options());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition) << s.status();
  EXPECT_THAT(s.status().message(), HasSubstr("schema version 2"));
  // Refused, not overwritten: a second attempt is refused the same way.
  s = Store::Open(Options());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("schema version 2"));
}

TEST_F(StoreTest, ReopenOfTheSameVersionSucceeds) {
  Reopen();
  Reopen();
  EXPECT_NE(store_, nullptr);
}

TEST_F(StoreTest, UncreatableDataDirIsAnError) {
  // A regular file where the directory should be.
  const std::string file = dir_ + "/file";
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  StoreOptions o = Options();
  o.path = file + "/data";
  absl::StatusOr<std::unique_ptr<Store>> s = Store::Open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr(o.path));
}

TEST_F(StoreTest, UsageShowsMemtablesThenFilesBlockCacheAndIndexesAfterAReopen) {
  const StoreUsage empty = store_->Usage();
  EXPECT_EQ(empty.sst_bytes, 0u);
  WriteGroup g;
  for (int i = 0; i < 2000; ++i) {
    v1::DeviceState s;
    s.set_device_id("dev-" + std::to_string(i));
    s.set_last_report_id(i);
    s.mutable_windows()->Add()->set_metric(std::string(500, 'w'));
    g.Put(Family::kDeviceState, DeviceKey(s.device_id()), s.SerializeAsString());
  }
  ASSERT_TRUE(store_->Write(g).ok());
  const StoreUsage written = store_->Usage();
  EXPECT_GT(written.memtable_bytes, empty.memtable_bytes + 1'000'000) << "2000 x 500 B written";
  EXPECT_EQ(written.sst_bytes, 0u);

  // Recovery writes the WAL into an SST file; reading a state goes through the block
  // cache and the file's index and filter.
  Reopen();
  ASSERT_TRUE(store_->GetDeviceState("dev-7").ok());
  const StoreUsage reopened = store_->Usage();
  EXPECT_GT(reopened.sst_bytes, 1'000'000u);
  EXPECT_LT(reopened.memtable_bytes, written.memtable_bytes);
  EXPECT_GT(reopened.block_cache_bytes, 0u);
  EXPECT_GT(reopened.table_readers_bytes, 0u);
}

// The memtable sizes are what RocksDB runs with (read back from the OPTIONS file it
// writes into the data dir).
TEST(StoreOptionsTest, MemtableSizesReachRocksDb) {
  char tmpl[] = "/tmp/warden-store-options-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  StoreOptions o;
  o.path = tmpl;
  o.state_write_buffer_bytes = 8 << 20;
  o.write_buffer_bytes = 2 << 20;
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(o);
    ASSERT_TRUE(store.ok()) << store.status();
  }
  rocksdb::ConfigOptions config;
  rocksdb::DBOptions db;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  ASSERT_TRUE(rocksdb::LoadLatestOptions(config, tmpl, &db, &families).ok());
  int seen = 0;
  for (const rocksdb::ColumnFamilyDescriptor& f : families) {
    if (f.name == "device_state") {
      EXPECT_EQ(f.options.write_buffer_size, size_t{8} << 20);
      ++seen;
    } else if (f.name == "violations") {
      EXPECT_EQ(f.options.write_buffer_size, size_t{2} << 20);
      ++seen;
    }
  }
  EXPECT_EQ(seen, 2);
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace warden::store
