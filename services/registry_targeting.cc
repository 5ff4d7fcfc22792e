#include "services/registry_targeting.h"

#include <chrono>
#include <iostream>

#include "common/thread_name.h"

namespace warden::services {

RegistryTargeting::RegistryTargeting(RegistryStore* registry, RulesManager* rules)
    : registry_(registry), rules_(rules) {}

RegistryTargeting::~RegistryTargeting() { Stop(); }

absl::Status RegistryTargeting::Sync() {
  auto devices = registry_->TargetingDevices();
  if (!devices.ok()) return devices.status();
  rules_->SetRegistryDevices(*std::move(devices));
  return absl::OkStatus();
}

void RegistryTargeting::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void RegistryTargeting::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;
  }
  cv_.notify_one();
}

void RegistryTargeting::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void RegistryTargeting::Loop() {
  NameThisThread("targeting");
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return dirty_ || stop_; });
      if (stop_) return;
      // Let a burst of changes (an import) settle, then read them all at once.
      if (cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stop_; })) return;
      dirty_ = false;
    }
    if (absl::Status s = Sync(); !s.ok()) {
      std::cerr << "wardend: error: cannot apply registry groups to profile targeting: "
                << s.message() << "\n";
    }
  }
}

}  // namespace warden::services
