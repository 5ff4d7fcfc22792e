#include "services/rules_manager.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"

namespace warden::services {

RulesManager::RulesManager(std::string directory, const Clock* clock, Metrics* metrics,
                           rules::LoadOptions load_options)
    : directory_(std::move(directory)),
      load_options_(std::move(load_options)),
      clock_(clock),
      metrics_(metrics) {}

void RulesManager::SetListener(
    std::function<void(std::shared_ptr<const detectors::Evaluator>)> on_swap) {
  std::lock_guard<std::mutex> lock(mu_);
  on_swap_ = std::move(on_swap);
}

RulesManager::Snapshot RulesManager::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

absl::StatusOr<std::vector<rules::Diagnostic>> RulesManager::Reload() {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  rules::LoadResult result = rules::LoadRulesFromPaths({directory_}, load_options_);
  if (!result.ok()) {
    metrics_->reloads_failed().Increment();
    return absl::InvalidArgumentError(absl::StrCat("profiles in '", directory_,
                                                   "' did not load; the running set is kept:\n",
                                                   rules::FormatDiagnostics(result.diagnostics)));
  }
  loaded_ = result.rules;
  SwapLocked();
  metrics_->reloads_succeeded().Increment();
  return std::move(result.diagnostics);
}

void RulesManager::SetRegistryDevices(std::unordered_map<std::string, rules::Device> devices) {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  if (devices.size() == registry_devices_.size() &&
      std::all_of(devices.begin(), devices.end(), [&](const auto& kv) {
        auto it = registry_devices_.find(kv.first);
        return it != registry_devices_.end() && it->second.groups == kv.second.groups &&
               it->second.attributes == kv.second.attributes;
      })) {
    return;  // targeting unchanged: no new generation
  }
  registry_devices_ = std::move(devices);
  if (loaded_ != nullptr) SwapLocked();
}

void RulesManager::SwapLocked() {
  std::shared_ptr<const rules::RuleSet> rules = loaded_;
  if (!registry_devices_.empty()) {
    auto merged = std::make_shared<rules::RuleSet>(*loaded_);
    for (const auto& [name, d] : registry_devices_) {
      rules::Device& m = merged->devices[name];
      m.name = name;
      for (const std::string& g : d.groups) {
        if (std::find(m.groups.begin(), m.groups.end(), g) == m.groups.end()) m.groups.push_back(g);
      }
      for (const auto& [k, v] : d.attributes) m.attributes[k] = v;
    }
    rules = std::move(merged);
  }
  auto evaluator = std::make_shared<const detectors::Evaluator>(rules);
  std::function<void(std::shared_ptr<const detectors::Evaluator>)> on_swap;
  int64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_.evaluator = evaluator;
    current_.generation += 1;
    current_.loaded_at_us = clock_->NowMicros();
    generation = current_.generation;
    on_swap = on_swap_;
  }
  metrics_->rules_generation().Set(static_cast<double>(generation));
  metrics_->profiles_loaded().Set(static_cast<double>(rules->profiles.size()));
  if (on_swap) on_swap(std::move(evaluator));
}

}  // namespace warden::services
