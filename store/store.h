#ifndef WARDEN_STORE_STORE_H_
#define WARDEN_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "warden/v1/violation.pb.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace warden::store {

// Record kinds; each lives in its own RocksDB column family (store/README.md).
enum class Family {
  kDeviceState = 0,
  kViolations = 1,
  kViolationEvents = 2,
  kMeta = 3,
  kOutbox = 4,
  kDeadLetters = 5,
  kRegistry = 6,
  kAudit = 7,
  kTimers = 8,
};
inline constexpr int kFamilies = 9;

struct StoreOptions {
  // Directory of the database; created when missing.
  std::string path;
  // When true every write is fsync'd before Write() returns: an acknowledged write
  // survives power loss. When false it is in the write-ahead log (OS page cache):
  // it survives a crash of the process (kill -9), not of the machine. Default: false.
  bool sync = false;
  // Block cache for reads (device states loaded on a cache miss). Default: 64 MiB.
  size_t block_cache_bytes = 64 << 20;
  // RocksDB memtable size of the device_state family (up to two are held: the one being
  // filled and one being flushed). Every report rewrites its device's state, so this is
  // the biggest block of RAM that does not grow with the fleet. 16 MiB measured as fast
  // as RocksDB's 64 MiB default at 100,000 devices and 38 MiB less RSS. Default: 16 MiB.
  size_t state_write_buffer_bytes = 16 << 20;
  // The memtable size of every other family (violations, events, outbox, registry, ...).
  // Default: 4 MiB.
  size_t write_buffer_bytes = 4 << 20;
};

// A group of writes applied atomically. Values are serialized by the caller's thread,
// so the one writer thread only copies bytes. Not thread-safe.
class WriteGroup {
 public:
  void Put(Family f, std::string key, std::string value);
  void Delete(Family f, std::string key);
  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  // Moves every operation of `other` to the end of this group.
  void Append(WriteGroup&& other);

 private:
  friend class Store;
  struct Op {
    Family family;
    bool is_delete;
    std::string key;
    std::string value;
  };
  std::vector<Op> ops_;
};

struct ViolationFilter {
  std::string device_id;  // "" = any
  std::string profile;
  std::string behaviour;
  std::vector<v1::VerificationState> states;  // empty = any
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;  // "" at the end
};

// Warden's RocksDB database: one DB, one column family per record kind, a schema
// version in `meta`. Thread-safe: any thread may read while one writer writes.
// RocksDB's own memory and disk use, all families together.
struct StoreUsage {
  uint64_t memtable_bytes = 0;       // active and not yet flushed memtables
  uint64_t block_cache_bytes = 0;    // the shared block cache (StoreOptions::block_cache_bytes)
  uint64_t table_readers_bytes = 0;  // index and filter blocks of open SST files
  uint64_t sst_bytes = 0;            // SST files on disk (the WAL not included)
};

class Store {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens or creates the database. Errors: a data dir that cannot be created or
  // locked (another wardend uses it), or a schema version this build does not know.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  // Applies a group atomically, durable per StoreOptions::sync when it returns OK.
  absl::Status Write(const WriteGroup& group);

  // Calls fn for every persisted device state (in key order) until fn returns false.
  absl::Status ForEachDeviceState(const std::function<bool(v1::DeviceState&&)>& fn) const;
  absl::StatusOr<std::optional<v1::DeviceState>> GetDeviceState(const std::string& device) const;
  // The states of `devices` (nullopt: none persisted), in their order, read together
  // (one RocksDB MultiGet).
  absl::StatusOr<std::vector<std::optional<v1::DeviceState>>> GetDeviceStates(
      const std::vector<std::string>& devices) const;
  // RocksDB's estimate of the number of persisted device states (cheap, approximate).
  uint64_t EstimateDeviceStates() const;
  // RocksDB's memory and disk use (cheap: its property counters). Thread-safe.
  StoreUsage Usage() const;

  // Active violations matching `filter`, in key order, after `page_token`.
  absl::StatusOr<Page<v1::Violation>> ListViolations(const ViolationFilter& filter,
                                                     const std::string& page_token,
                                                     int page_size) const;
  // The active violation with this id.
  absl::StatusOr<std::optional<v1::Violation>> FindViolation(const std::string& id) const;

  // Events with start_us <= time < end_us matching `filter` (states ignored), oldest first.
  absl::StatusOr<Page<v1::ViolationEvent>> ListEvents(int64_t start_us, int64_t end_us,
                                                      const ViolationFilter& filter,
                                                      const std::string& page_token,
                                                      int page_size) const;
  // Deletes events older than before_us.
  absl::Status DeleteEventsBefore(int64_t before_us);

  // Calls fn(key, value) for the keys of `family` that start with `prefix` and sort
  // after `start_after` ("" = from the first), in key order, until fn returns false.
  absl::Status Scan(
      Family family, const std::string& prefix, const std::string& start_after,
      const std::function<bool(const std::string& key, const std::string& value)>& fn) const;

 private:
  Store(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
        bool sync);
  rocksdb::ColumnFamilyHandle* handle(Family f) const { return handles_[static_cast<int>(f)]; }

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // index: Family; [kFamilies] = default
  bool sync_;
};

}  // namespace warden::store

#endif  // WARDEN_STORE_STORE_H_
