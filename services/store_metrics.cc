#include "services/store_metrics.h"

#include <string>

namespace warden::services {

std::vector<prometheus::MetricFamily> StoreMetrics::Collect() const {
  const store::StoreUsage u = store_->Usage();
  prometheus::MetricFamily memory;
  memory.name = "warden_store_memory_bytes";
  memory.help = "RocksDB memory by kind: memtables, block_cache, table_readers (index and filters)";
  memory.type = prometheus::MetricType::Gauge;
  for (const auto& [kind, bytes] : {std::pair<std::string, uint64_t>{"memtables", u.memtable_bytes},
                                    {"block_cache", u.block_cache_bytes},
                                    {"table_readers", u.table_readers_bytes}}) {
    prometheus::ClientMetric m;
    m.label.push_back({"kind", kind});
    m.gauge.value = static_cast<double>(bytes);
    memory.metric.push_back(std::move(m));
  }
  prometheus::MetricFamily sst;
  sst.name = "warden_store_sst_bytes";
  sst.help = "RocksDB SST files on disk, bytes (the WAL not included)";
  sst.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric m;
  m.gauge.value = static_cast<double>(u.sst_bytes);
  sst.metric.push_back(std::move(m));
  return {std::move(memory), std::move(sst)};
}

}  // namespace warden::services
