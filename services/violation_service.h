#ifndef WARDEN_SERVICES_VIOLATION_SERVICE_H_
#define WARDEN_SERVICES_VIOLATION_SERVICE_H_

#include "common/clock.h"
#include "services/ingest_engine.h"
#include "services/rules_manager.h"
#include "store/store.h"
#include "warden/v1/violation.grpc.pb.h"

namespace warden::services {

// ViolationService on gRPC's synchronous API (its own thread pool): reads come from
// committed RocksDB data; verification changes go through the device's shard so the
// shard stays the only writer of device state. Thread-safe.
class ViolationServiceImpl final : public v1::ViolationService::Service {
 public:
  // `rules` (may be null: no baseline status) gives the profiles baselines are judged by.
  ViolationServiceImpl(store::Store* store, IngestEngine* engine, const Clock* clock,
                       RulesManager* rules = nullptr);

  grpc::Status ListActiveViolations(grpc::ServerContext* context,
                                    const v1::ListActiveViolationsRequest* request,
                                    v1::ListActiveViolationsResponse* response) override;
  grpc::Status ListViolationEvents(grpc::ServerContext* context,
                                   const v1::ListViolationEventsRequest* request,
                                   v1::ListViolationEventsResponse* response) override;
  grpc::Status SetVerificationState(grpc::ServerContext* context,
                                    const v1::SetVerificationStateRequest* request,
                                    v1::Violation* response) override;
  grpc::Status GetBaselineStatus(grpc::ServerContext* context,
                                 const v1::GetDeviceStateRequest* request,
                                 v1::GetBaselineStatusResponse* response) override;
  grpc::Status GetDeviceState(grpc::ServerContext* context,
                              const v1::GetDeviceStateRequest* request,
                              v1::DeviceState* response) override;

 private:
  store::Store* const store_;
  IngestEngine* const engine_;
  const Clock* const clock_;
  RulesManager* const rules_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_VIOLATION_SERVICE_H_
