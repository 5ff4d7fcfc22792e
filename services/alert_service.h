#ifndef WARDEN_SERVICES_ALERT_SERVICE_H_
#define WARDEN_SERVICES_ALERT_SERVICE_H_

#include "services/alert_dispatcher.h"
#include "services/outbox.h"
#include "store/store.h"
#include "warden/v1/alert.grpc.pb.h"

namespace warden::services {

// AlertService on gRPC's synchronous API: dead letters and delivery status.
// `outbox` and `dispatcher` are null when alerting is not configured. Thread-safe.
class AlertServiceImpl final : public v1::AlertService::Service {
 public:
  AlertServiceImpl(store::Store* store, Outbox* outbox, AlertDispatcher* dispatcher);

  grpc::Status ListDeadLetters(grpc::ServerContext* context,
                               const v1::ListDeadLettersRequest* request,
                               v1::ListDeadLettersResponse* response) override;
  grpc::Status ReplayDeadLetters(grpc::ServerContext* context,
                                 const v1::ReplayDeadLettersRequest* request,
                                 v1::ReplayDeadLettersResponse* response) override;
  grpc::Status GetAlertingStatus(grpc::ServerContext* context,
                                 const v1::GetAlertingStatusRequest* request,
                                 v1::GetAlertingStatusResponse* response) override;

 private:
  store::Store* const store_;
  Outbox* const outbox_;
  AlertDispatcher* const dispatcher_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_ALERT_SERVICE_H_
