#ifndef WARDEN_SERVICES_REGISTRY_SERVICE_H_
#define WARDEN_SERVICES_REGISTRY_SERVICE_H_

#include "services/registry_store.h"
#include "warden/v1/registry.grpc.pb.h"

namespace warden::services {

// RegistryService on gRPC's synchronous API: validates every request, then reads or
// writes the RegistryStore. Invalid input is INVALID_ARGUMENT "field.path: message" and
// changes nothing; an unknown id is NOT_FOUND naming it.
//
// Limits: device names 1-128 of [a-zA-Z0-9:_.-]; group and policy names 1-128 of
// [a-zA-Z0-9_-]; at most 64 attributes (and selector entries), keys 1-256 and values
// 0-256 bytes; at most 64 groups and certificate ids per device, 1000 per policy; other
// strings at most 256 bytes (group descriptions 1024); PEM certificates, CRLs and policy
// documents at most 64 KiB, at most 64 CRLs per CA; page_size 0-1000.
//
// Certificates: one PEM certificate per request; a CA must have basicConstraints
// CA:TRUE and a device certificate must not; a CA's CRLs must be signed by it
// (FAILED_PRECONDITION otherwise). Registering a registered certificate again is not an
// error: an unspecified status keeps its status (a new one is ACTIVE), CRLs given replace
// its CRLs. SetCertificateStatus needs an explicit status. Policy documents must be
// AWS IoT-shaped JSON as audit::AnalyzePolicy reads them ({"Statement": [...]}).
// Thread-safe.
class RegistryServiceImpl final : public v1::RegistryService::Service {
 public:
  // `registry` must outlive the service.
  explicit RegistryServiceImpl(RegistryStore* registry);

  grpc::Status PutDevice(grpc::ServerContext* context, const v1::RegisteredDevice* request,
                         v1::RegisteredDevice* response) override;
  grpc::Status GetDevice(grpc::ServerContext* context, const v1::GetRegistryItemRequest* request,
                         v1::RegisteredDevice* response) override;
  grpc::Status ListDevices(grpc::ServerContext* context, const v1::ListRegistryRequest* request,
                           v1::ListDevicesResponse* response) override;
  grpc::Status DeleteDevice(grpc::ServerContext* context, const v1::GetRegistryItemRequest* request,
                            v1::DeleteResponse* response) override;

  grpc::Status PutGroup(grpc::ServerContext* context, const v1::DeviceGroup* request,
                        v1::DeviceGroup* response) override;
  grpc::Status ListGroups(grpc::ServerContext* context, const v1::ListRegistryRequest* request,
                          v1::ListGroupsResponse* response) override;

  grpc::Status RegisterCertificate(grpc::ServerContext* context,
                                   const v1::RegisterCertificateRequest* request,
                                   v1::CertificateDescription* response) override;
  grpc::Status RegisterCaCertificate(grpc::ServerContext* context,
                                     const v1::RegisterCaCertificateRequest* request,
                                     v1::CertificateDescription* response) override;
  grpc::Status SetCertificateStatus(grpc::ServerContext* context,
                                    const v1::SetCertificateStatusRequest* request,
                                    v1::CertificateDescription* response) override;
  grpc::Status GetCertificate(grpc::ServerContext* context,
                              const v1::GetRegistryItemRequest* request,
                              v1::CertificateDescription* response) override;
  grpc::Status ListCertificates(grpc::ServerContext* context,
                                const v1::ListRegistryRequest* request,
                                v1::ListCertificatesResponse* response) override;

  grpc::Status PutPolicy(grpc::ServerContext* context, const v1::Policy* request,
                         v1::Policy* response) override;
  grpc::Status ListPolicies(grpc::ServerContext* context, const v1::ListRegistryRequest* request,
                            v1::ListPoliciesResponse* response) override;

  grpc::Status SetLoggingSettings(grpc::ServerContext* context, const v1::LoggingSettings* request,
                                  v1::LoggingSettings* response) override;
  grpc::Status GetLoggingSettings(grpc::ServerContext* context,
                                  const v1::GetLoggingSettingsRequest* request,
                                  v1::LoggingSettings* response) override;

  grpc::Status RecordConnection(grpc::ServerContext* context,
                                const v1::ConnectionObservation* request,
                                v1::ConnectionObservation* response) override;

 private:
  RegistryStore* const registry_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_REGISTRY_SERVICE_H_
