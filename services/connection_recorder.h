#ifndef WARDEN_SERVICES_CONNECTION_RECORDER_H_
#define WARDEN_SERVICES_CONNECTION_RECORDER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "services/registry_store.h"
#include "warden/v1/broker.pb.h"
#include "warden/v1/registry.pb.h"

namespace warden::services {

// Turns accepted broker connect/disconnect events into the registry's connection
// observations (client id, device, certificate, source IP, connected/disconnected at),
// which the audits read (CONFLICTING_CLIENT_IDS_CHECK, DEVICE_CERTIFICATE_SHARED_CHECK).
// Observe() never blocks: observations queue (bounded; past it they are dropped and
// counted) for a thread of its own that writes them to the registry.
class ConnectionRecorder {
 public:
  explicit ConnectionRecorder(RegistryStore* registry, size_t max_queued = 65536);
  ~ConnectionRecorder();  // writes what is queued, then stops

  // An accepted event; events other than connect (successful) and disconnect are ignored.
  void Observe(const v1::BrokerEvent& event);

  // Waits until every observation queued so far is written (for tests and shutdown).
  void Flush();
  uint64_t dropped() const;

 private:
  void Run();

  RegistryStore* const registry_;
  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<v1::ConnectionObservation> queue_;  // guarded by mu_
  bool writing_ = false;                         // guarded by mu_
  bool stop_ = false;                            // guarded by mu_
  uint64_t dropped_ = 0;                         // guarded by mu_
  // The open connection of each device, to close it on disconnect. Bounded: past
  // kMaxOpen entries the oldest-inserted are forgotten (their disconnect is then not
  // recorded). Guarded by mu_.
  std::unordered_map<std::string, v1::ConnectionObservation> open_;
  std::deque<std::string> open_order_;
  std::thread thread_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_CONNECTION_RECORDER_H_
