#ifndef WARDEN_SERVICES_RULES_MANAGER_H_
#define WARDEN_SERVICES_RULES_MANAGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "detectors/evaluator.h"
#include "rules/loader.h"
#include "services/metrics.h"

namespace warden::services {

// Owns the running profile set: loads it from the profiles directory, and on reload
// (SIGHUP or ProfileService.ReloadProfiles) swaps in the new set only if it loads
// without error. Thread-safe; reloads are serialized.
class RulesManager {
 public:
  // `on_swap` is called with each new evaluator, in generation order: it runs while the
  // reload lock is held, so it must not call Reload() or SetRegistryDevices().
  // `load_options` (the geoip database) apply to every load.
  RulesManager(std::string directory, const Clock* clock, Metrics* metrics,
               rules::LoadOptions load_options = {});

  // (Re)loads the directory. On success returns the warnings, bumps the generation
  // and calls the listener. On failure returns InvalidArgument whose message is the
  // rendered diagnostics; the running set is untouched.
  absl::StatusOr<std::vector<rules::Diagnostic>> Reload();

  void SetListener(std::function<void(std::shared_ptr<const detectors::Evaluator>)> on_swap);

  // The registry's devices (groups, attributes), merged into the running set's device
  // inventory: a device in both gets the union of the groups, and the registry's value
  // for an attribute both name. Swaps in a new evaluator (a new generation) when the
  // merged inventory changed, so shards reconcile targeting.
  void SetRegistryDevices(std::unordered_map<std::string, rules::Device> devices);

  struct Snapshot {
    std::shared_ptr<const detectors::Evaluator> evaluator;
    int64_t generation = 0;
    int64_t loaded_at_us = 0;
  };
  Snapshot current() const;
  const std::string& directory() const { return directory_; }
  const rules::LoadOptions& load_options() const { return load_options_; }

 private:
  const std::string directory_;
  const rules::LoadOptions load_options_;
  const Clock* const clock_;
  Metrics* const metrics_;
  // Builds the running set from loaded_ and registry_devices_, and swaps it in.
  void SwapLocked();

  std::mutex reload_mu_;  // serializes Reload() and SetRegistryDevices(); guards below
  std::shared_ptr<const rules::RuleSet> loaded_;  // as read from the files
  std::unordered_map<std::string, rules::Device> registry_devices_;
  mutable std::mutex mu_;
  Snapshot current_;                                                          // guarded by mu_
  std::function<void(std::shared_ptr<const detectors::Evaluator>)> on_swap_;  // guarded by mu_
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_RULES_MANAGER_H_
