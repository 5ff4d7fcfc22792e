#ifndef WARDEN_SERVICES_STORE_METRICS_H_
#define WARDEN_SERVICES_STORE_METRICS_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "store/store.h"

namespace warden::services {

// RocksDB's memory and disk use, read from the store at each scrape:
// warden_store_memory_bytes{kind="memtables"|"block_cache"|"table_readers"} and
// warden_store_sst_bytes. The store must outlive the exposer serving this.
class StoreMetrics : public prometheus::Collectable {
 public:
  explicit StoreMetrics(const store::Store* store) : store_(store) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const store::Store* const store_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_STORE_METRICS_H_
