#include "store/store.h"

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/options_util.h"
#include "rocksdb/write_batch.h"
#include "store/keys.h"

namespace warden::store {
namespace {

constexpr const char* kFamilyNames[] = {"device_state", "violations", "violation_events",
                                        "meta",         "outbox",     "dead_letters",
                                        "registry",     "audit",      "timers"};
static_assert(std::size(kFamilyNames) == kFamilies, "a name for every Family");
constexpr const char* kSchemaKey = "schema_version";

absl::Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat(msg, " (is another wardend using this data dir?)"));
  }
  if (s.IsCorruption()) return absl::DataLossError(msg);
  return absl::InternalError(msg);
}

bool Matches(const ViolationFilter& f, const std::string& device, const std::string& profile,
             const std::string& behaviour) {
  return (f.device_id.empty() || f.device_id == device) &&
         (f.profile.empty() || f.profile == profile) &&
         (f.behaviour.empty() || f.behaviour == behaviour);
}

int ClampPageSize(int page_size) {
  if (page_size <= 0) return 100;
  return std::min(page_size, 1000);
}

}  // namespace

void WriteGroup::Put(Family f, std::string key, std::string value) {
  ops_.push_back(Op{f, false, std::move(key), std::move(value)});
}

void WriteGroup::Delete(Family f, std::string key) {
  ops_.push_back(Op{f, true, std::move(key), {}});
}

void WriteGroup::Append(WriteGroup&& other) {
  if (ops_.empty()) {
    ops_ = std::move(other.ops_);
  } else {
    ops_.insert(ops_.end(), std::make_move_iterator(other.ops_.begin()),
                std::make_move_iterator(other.ops_.end()));
  }
  other.ops_.clear();
}

Store::Store(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
             bool sync)
    : db_(std::move(db)), handles_(std::move(handles)), sync_(sync) {}

Store::~Store() {
  for (rocksdb::ColumnFamilyHandle* h : handles_)
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data dir '", options.path, "': ", ec.message()));
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_open_files = 512;
  db_options.keep_log_file_num = 4;

  rocksdb::ColumnFamilyOptions cf_options;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kNoCompression;
  cf_options.write_buffer_size = options.write_buffer_bytes;

  // Device states are read one device at a time on a cache miss, and most misses of a
  // growing fleet are devices never seen: a Bloom filter answers those without a read.
  rocksdb::ColumnFamilyOptions state_options = cf_options;
  rocksdb::BlockBasedTableOptions state_table = table;
  state_table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  state_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(state_table));
  state_options.write_buffer_size = options.state_write_buffer_bytes;

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (const char* name : kFamilyNames) {
    families.emplace_back(name, std::string(name) == "device_state" ? state_options : cf_options);
  }

  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> opened;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, families, &opened, &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("cannot open data dir '", options.path, "'"));
  std::unique_ptr<rocksdb::DB> db(raw);
  // handles_: the record families in Family order, then default.
  std::vector<rocksdb::ColumnFamilyHandle*> handles(opened.begin() + 1, opened.end());
  handles.push_back(opened[0]);
  auto store = std::unique_ptr<Store>(new Store(std::move(db), std::move(handles), options.sync));

  std::string version;
  s = store->db_->Get(rocksdb::ReadOptions(), store->handle(Family::kMeta), kSchemaKey, &version);
  if (s.IsNotFound()) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = store->db_->Put(wo, store->handle(Family::kMeta), kSchemaKey,
                        std::to_string(kSchemaVersion));
    if (!s.ok()) return FromRocks(s, "cannot write schema version");
  } else if (!s.ok()) {
    return FromRocks(s, "cannot read schema version");
  } else if (version != std::to_string(kSchemaVersion)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data dir '", options.path, "' has schema version ", version,
                     "; this wardend reads version ", kSchemaVersion));
  }
  return store;
}

absl::Status Store::Write(const WriteGroup& group) {
  // One batch per thread, cleared and reused: the ingest writer's batches are megabytes,
  // and allocating and freeing them per group showed up as malloc consolidation.
  static thread_local rocksdb::WriteBatch batch;
  static thread_local std::vector<const WriteGroup::Op*> sorted;
  batch.Clear();
  // In key order: each memtable insert still searches RocksDB's skip list from the top,
  // but consecutive sorted keys take nearly the same path, through nodes the previous
  // insert left in the CPU cache (random device keys cost a dozen cache misses each).
  // Stable: two writes of one key keep their order, and the later one wins as before.
  sorted.clear();
  for (const WriteGroup::Op& op : group.ops_) sorted.push_back(&op);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const WriteGroup::Op* a, const WriteGroup::Op* b) {
                     if (a->family != b->family) return a->family < b->family;
                     return a->key < b->key;
                   });
  for (const WriteGroup::Op* op : sorted) {
    rocksdb::Status s = op->is_delete ? batch.Delete(handle(op->family), op->key)
                                      : batch.Put(handle(op->family), op->key, op->value);
    if (!s.ok()) return FromRocks(s, "cannot build write batch");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  return FromRocks(db_->Write(wo, &batch), "write failed");
}

absl::Status Store::ForEachDeviceState(const std::function<bool(v1::DeviceState&&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handle(Family::kDeviceState)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::DeviceState state;
    if (!state.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("unreadable device state under key ",
                                              EncodePageToken(it->key().ToStringView())));
    }
    if (!fn(std::move(state))) break;
  }
  return FromRocks(it->status(), "cannot scan device states");
}

absl::StatusOr<std::optional<v1::DeviceState>> Store::GetDeviceState(
    const std::string& device) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handle(Family::kDeviceState), DeviceKey(device), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "cannot read device state");
  v1::DeviceState state;
  if (!state.ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat("unreadable device state of '", device, "'"));
  }
  return state;
}

absl::StatusOr<std::vector<std::optional<v1::DeviceState>>> Store::GetDeviceStates(
    const std::vector<std::string>& devices) const {
  std::vector<std::string> keys;
  keys.reserve(devices.size());
  for (const std::string& d : devices) keys.push_back(DeviceKey(d));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), handle(Family::kDeviceState), slices.size(), slices.data(),
                values.data(), statuses.data());
  std::vector<std::optional<v1::DeviceState>> out(devices.size());
  for (size_t i = 0; i < devices.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i], "cannot read device state");
    if (!out[i].emplace().ParseFromArray(values[i].data(), static_cast<int>(values[i].size()))) {
      return absl::DataLossError(absl::StrCat("unreadable device state of '", devices[i], "'"));
    }
  }
  return out;
}

uint64_t Store::EstimateDeviceStates() const {
  uint64_t n = 0;
  if (!db_->GetIntProperty(handle(Family::kDeviceState), "rocksdb.estimate-num-keys", &n)) return 0;
  return n;
}

StoreUsage Store::Usage() const {
  StoreUsage u;
  db_->GetAggregatedIntProperty("rocksdb.cur-size-all-mem-tables", &u.memtable_bytes);
  db_->GetAggregatedIntProperty("rocksdb.estimate-table-readers-mem", &u.table_readers_bytes);
  db_->GetAggregatedIntProperty("rocksdb.total-sst-files-size", &u.sst_bytes);
  // One cache shared by every family: asking one family gives the whole cache.
  db_->GetIntProperty(handle(Family::kDeviceState), "rocksdb.block-cache-usage",
                      &u.block_cache_bytes);
  return u;
}

absl::StatusOr<Page<v1::Violation>> Store::ListViolations(const ViolationFilter& filter,
                                                          const std::string& page_token,
                                                          int page_size) const {
  page_size = ClampPageSize(page_size);
  std::string start;
  if (!page_token.empty()) {
    std::optional<std::string> key = DecodePageToken(page_token);
    if (!key) return absl::InvalidArgumentError("page_token: malformed");
    start = *key;
  }
  const std::string prefix =
      filter.device_id.empty() ? "" : ViolationDevicePrefix(filter.device_id);
  Page<v1::Violation> page;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handle(Family::kViolations)));
  if (!start.empty()) {
    it->Seek(start);
    if (it->Valid() && it->key().ToStringView() == start) it->Next();
  } else {
    it->Seek(prefix);
  }
  for (; it->Valid(); it->Next()) {
    if (!prefix.empty() && !it->key().starts_with(prefix)) break;
    v1::Violation v;
    if (!v.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable active violation");
    }
    if (!Matches(filter, v.device_id(), v.profile(), v.behaviour())) continue;
    if (!filter.states.empty() && std::find(filter.states.begin(), filter.states.end(),
                                            v.verification_state()) == filter.states.end()) {
      continue;
    }
    if (static_cast<int>(page.items.size()) == page_size) {
      // There is at least one more: the token resumes after the last one returned.
      const v1::Violation& last = page.items.back();
      page.next_page_token =
          EncodePageToken(ViolationKey(last.device_id(), last.profile(), last.behaviour()));
      break;
    }
    page.items.push_back(std::move(v));
  }
  if (absl::Status s = FromRocks(it->status(), "cannot scan violations"); !s.ok()) return s;
  return page;
}

absl::StatusOr<std::optional<v1::Violation>> Store::FindViolation(const std::string& id) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handle(Family::kViolations)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::Violation v;
    if (!v.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable active violation");
    }
    if (v.violation_id() == id) return v;
  }
  if (absl::Status s = FromRocks(it->status(), "cannot scan violations"); !s.ok()) return s;
  return std::nullopt;
}

absl::StatusOr<Page<v1::ViolationEvent>> Store::ListEvents(int64_t start_us, int64_t end_us,
                                                           const ViolationFilter& filter,
                                                           const std::string& page_token,
                                                           int page_size) const {
  page_size = ClampPageSize(page_size);
  std::string start = EventKeyLowerBound(start_us);
  bool skip_start = false;
  if (!page_token.empty()) {
    std::optional<std::string> key = DecodePageToken(page_token);
    if (!key || !EventKeyTime(*key)) return absl::InvalidArgumentError("page_token: malformed");
    start = std::max(start, *key);
    skip_start = true;
  }
  const std::string end = EventKeyLowerBound(end_us);
  Page<v1::ViolationEvent> page;
  std::string last_key;
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle(Family::kViolationEvents)));
  it->Seek(start);
  if (skip_start && it->Valid() && it->key().ToStringView() == start) it->Next();
  for (; it->Valid() && it->key().ToStringView() < end; it->Next()) {
    v1::ViolationEvent e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable violation event");
    }
    if (!Matches(filter, e.device_id(), e.profile(), e.behaviour())) continue;
    if (static_cast<int>(page.items.size()) == page_size) {
      page.next_page_token = EncodePageToken(last_key);
      break;
    }
    last_key = it->key().ToString();
    page.items.push_back(std::move(e));
  }
  if (absl::Status s = FromRocks(it->status(), "cannot scan events"); !s.ok()) return s;
  return page;
}

absl::Status Store::DeleteEventsBefore(int64_t before_us) {
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  return FromRocks(db_->DeleteRange(wo, handle(Family::kViolationEvents), EventKeyLowerBound(0),
                                    EventKeyLowerBound(before_us)),
                   "cannot delete old events");
}

absl::Status Store::Scan(
    Family family, const std::string& prefix, const std::string& start_after,
    const std::function<bool(const std::string& key, const std::string& value)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle(family)));
  if (start_after.empty()) {
    it->Seek(prefix);
  } else {
    it->Seek(start_after);
    if (it->Valid() && it->key().ToStringView() == start_after) it->Next();
  }
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (!fn(it->key().ToString(), it->value().ToString())) break;
  }
  return FromRocks(it->status(), "cannot scan");
}

}  // namespace warden::store
