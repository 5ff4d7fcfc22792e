#include "services/connection_recorder.h"

#include <iostream>
#include <utility>

#include "absl/strings/ascii.h"

namespace warden::services {
namespace {

constexpr size_t kMaxOpen = 1 << 20;

}  // namespace

ConnectionRecorder::ConnectionRecorder(RegistryStore* registry, size_t max_queued)
    : registry_(registry), max_queued_(max_queued), thread_([this] { Run(); }) {}

ConnectionRecorder::~ConnectionRecorder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ConnectionRecorder::Observe(const v1::BrokerEvent& event) {
  const bool connect = event.has_connect() && event.connect().success();
  if (!connect && !event.has_disconnect()) return;
  std::lock_guard<std::mutex> lock(mu_);
  v1::ConnectionObservation o;
  if (connect) {
    const v1::BrokerEvent::Connect& c = event.connect();
    o.set_client_id(c.client_id().empty() ? event.device_id() : c.client_id());
    o.set_device(event.device_id());
    o.set_certificate_id(absl::AsciiStrToLower(c.certificate_id()));
    o.set_source_ip(c.source_ip());
    *o.mutable_connected_at() = event.time();
    auto [it, inserted] = open_.insert_or_assign(event.device_id(), o);
    if (inserted) open_order_.push_back(event.device_id());
    while (open_.size() > kMaxOpen && !open_order_.empty()) {
      open_.erase(open_order_.front());
      open_order_.pop_front();
    }
  } else {
    // A disconnect closes the device's open connection.
    auto it = open_.find(event.device_id());
    if (it == open_.end()) return;
    o = std::move(it->second);
    open_.erase(it);
    *o.mutable_disconnected_at() = event.time();
  }
  if (queue_.size() >= max_queued_) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(o));
  cv_.notify_one();
}

void ConnectionRecorder::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [&] { return queue_.empty() && !writing_; });
}

uint64_t ConnectionRecorder::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void ConnectionRecorder::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return !queue_.empty() || stop_; });
    if (queue_.empty()) break;  // stopping, nothing left
    v1::ConnectionObservation o = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    lock.unlock();
    if (absl::Status s = registry_->RecordConnection(o); !s.ok()) {
      std::cerr << "wardend: warning: cannot record connection of '" << o.client_id()
                << "': " << s.message() << "\n";
    }
    lock.lock();
    writing_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

}  // namespace warden::services
