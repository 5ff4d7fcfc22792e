#ifndef WARDEN_SERVICES_AUDIT_SERVICE_H_
#define WARDEN_SERVICES_AUDIT_SERVICE_H_

#include "common/clock.h"
#include "services/audit_runner.h"
#include "services/audit_store.h"
#include "services/mitigation.h"
#include "warden/v1/audit.grpc.pb.h"

namespace warden::services {

// AuditService on gRPC's synchronous API: start audits, read tasks and findings,
// manage suppressions. Thread-safe.
class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  AuditServiceImpl(AuditStore* store, AuditRunner* runner, Mitigator* mitigator,
                   const Clock* clock);

  grpc::Status StartAudit(grpc::ServerContext* context, const v1::StartAuditRequest* request,
                          v1::AuditTask* response) override;
  grpc::Status GetAuditTask(grpc::ServerContext* context, const v1::GetAuditTaskRequest* request,
                            v1::AuditTask* response) override;
  grpc::Status ListAuditTasks(grpc::ServerContext* context,
                              const v1::ListAuditTasksRequest* request,
                              v1::ListAuditTasksResponse* response) override;
  grpc::Status ListFindings(grpc::ServerContext* context, const v1::ListFindingsRequest* request,
                            v1::ListFindingsResponse* response) override;
  grpc::Status CreateSuppression(grpc::ServerContext* context, const v1::Suppression* request,
                                 v1::Suppression* response) override;
  grpc::Status DeleteSuppression(grpc::ServerContext* context,
                                 const v1::DeleteSuppressionRequest* request,
                                 v1::DeleteSuppressionResponse* response) override;
  grpc::Status ListSuppressions(grpc::ServerContext* context,
                                const v1::ListSuppressionsRequest* request,
                                v1::ListSuppressionsResponse* response) override;
  grpc::Status StartMitigation(grpc::ServerContext* context,
                               const v1::StartMitigationRequest* request,
                               v1::StartMitigationResponse* response) override;
  grpc::Status ListMitigationExecutions(grpc::ServerContext* context,
                                        const v1::ListMitigationExecutionsRequest* request,
                                        v1::ListMitigationExecutionsResponse* response) override;

 private:
  AuditStore* const store_;
  AuditRunner* const runner_;
  Mitigator* const mitigator_;
  const Clock* const clock_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_AUDIT_SERVICE_H_
