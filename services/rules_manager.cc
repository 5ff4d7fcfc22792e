#include "services/rules_manager.h"

#include <iostream>

#include "absl/strings/str_cat.h"

namespace warden::services {

RulesManager::RulesManager(std::string directory, const Clock* clock, Metrics* metrics)
    : directory_(std::move(directory)), clock_(clock), metrics_(metrics) {}

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
  rules::LoadResult result = rules::LoadRulesFromPaths({directory_});
  if (!result.ok()) {
    metrics_->reloads_failed().Increment();
    return absl::InvalidArgumentError(absl::StrCat("profiles in '", directory_,
                                                   "' did not load; the running set is kept:\n",
                                                   rules::FormatDiagnostics(result.diagnostics)));
  }
  auto evaluator = std::make_shared<const detectors::Evaluator>(result.rules);
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
  metrics_->reloads_succeeded().Increment();
  metrics_->rules_generation().Set(static_cast<double>(generation));
  metrics_->profiles_loaded().Set(static_cast<double>(result.rules->profiles.size()));
  if (on_swap) on_swap(std::move(evaluator));
  return std::move(result.diagnostics);
}

}  // namespace warden::services
