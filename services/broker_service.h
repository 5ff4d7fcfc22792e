#ifndef WARDEN_SERVICES_BROKER_SERVICE_H_
#define WARDEN_SERVICES_BROKER_SERVICE_H_

#include <cstddef>
#include <optional>

#include "common/clock.h"
#include "services/connection_recorder.h"
#include "services/ingest_engine.h"
#include "services/metrics.h"
#include "services/report_validation.h"
#include "warden/v1/broker.grpc.pb.h"

namespace warden::services {

// Most events one batch may carry.
inline constexpr int kMaxBrokerEventsPerBatch = 10000;

// The first problem of one event, its field path relative to the event ("time",
// "connect.source_ip"); `now_us` bounds how far in the future its time may be. Pure and
// thread-safe.
std::optional<ReportProblem> ValidateBrokerEvent(const v1::BrokerEvent& event, int64_t now_us);

// BrokerEventService on gRPC's callback API: validates, hands each event to the
// engine (the device's shard), and answers a batch once every event in it is durable.
class BrokerServiceImpl final : public v1::BrokerEventService::CallbackService {
 public:
  // `connections` (may be null) records accepted connects and disconnects in the
  // registry for the audits.
  BrokerServiceImpl(IngestEngine* engine, Metrics* metrics, const Clock* clock,
                    ConnectionRecorder* connections = nullptr, size_t max_inflight_per_stream = 64);

  grpc::ServerUnaryReactor* PublishEvents(grpc::CallbackServerContext* context,
                                          const v1::BrokerEventBatch* request,
                                          v1::BrokerEventAcks* response) override;
  grpc::ServerBidiReactor<v1::BrokerEventBatch, v1::BrokerEventAcks>* StreamEvents(
      grpc::CallbackServerContext* context) override;

 private:
  using Done = std::function<void(const v1::BrokerEventAcks&)>;
  // Submits every event of the batch (invalid ones are REJECTED) and calls `done`
  // with one ack per event, in order, when all are in.
  void Submit(std::shared_ptr<const v1::BrokerEventBatch> batch, Done done);

  IngestEngine* const engine_;
  Metrics* const metrics_;
  const Clock* const clock_;
  ConnectionRecorder* const connections_;
  const size_t max_inflight_per_stream_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_BROKER_SERVICE_H_
