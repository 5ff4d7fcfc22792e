#ifndef WARDEN_SERVICES_REGISTRY_TARGETING_H_
#define WARDEN_SERVICES_REGISTRY_TARGETING_H_

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "services/registry_store.h"
#include "services/rules_manager.h"

namespace warden::services {

// Keeps profile targeting in step with the registry: after device or group changes
// (coalesced over 200 ms, so an import of thousands of devices rebuilds once or twice),
// it reads every device's groups and attributes and hands them to the rules manager,
// whose new evaluator the shards reconcile against (alarms of devices no longer
// targeted end as alarm-invalidated). Thread-safe.
class RegistryTargeting {
 public:
  RegistryTargeting(RegistryStore* registry, RulesManager* rules);
  ~RegistryTargeting();  // Stop()s

  // Reads the registry and applies it now (start-up).
  absl::Status Sync();
  void Start();
  // The registry's devices or groups changed. Never blocks.
  void Notify();
  void Stop();

 private:
  void Loop();

  RegistryStore* const registry_;
  RulesManager* const rules_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false;  // guarded by mu_
  bool stop_ = false;   // guarded by mu_
  std::thread thread_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_REGISTRY_TARGETING_H_
