#include "tools/grpc_warden_api.h"

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "warden/v1/alert.grpc.pb.h"
#include "warden/v1/audit.grpc.pb.h"
#include "warden/v1/ingest.grpc.pb.h"
#include "warden/v1/profile.grpc.pb.h"
#include "warden/v1/registry.grpc.pb.h"
#include "warden/v1/violation.grpc.pb.h"

namespace warden::tools {
namespace {

class GrpcWardenApi : public WardenApi {
 public:
  GrpcWardenApi(std::string server, absl::Duration timeout)
      : server_(std::move(server)),
        timeout_(timeout),
        channel_(grpc::CreateChannel(server_, grpc::InsecureChannelCredentials())),
        ingest_(v1::IngestService::NewStub(channel_)),
        violations_(v1::ViolationService::NewStub(channel_)),
        profiles_(v1::ProfileService::NewStub(channel_)),
        alerts_(v1::AlertService::NewStub(channel_)),
        registry_(v1::RegistryService::NewStub(channel_)),
        audit_(v1::AuditService::NewStub(channel_)) {}

  absl::StatusOr<v1::ReportAck> Report(const v1::ReportRequest& request) override {
    return Call(*ingest_, &v1::IngestService::Stub::Report, request);
  }
  absl::StatusOr<v1::ListActiveViolationsResponse> ListActiveViolations(
      const v1::ListActiveViolationsRequest& request) override {
    return Call(*violations_, &v1::ViolationService::Stub::ListActiveViolations, request);
  }
  absl::StatusOr<v1::ListViolationEventsResponse> ListViolationEvents(
      const v1::ListViolationEventsRequest& request) override {
    return Call(*violations_, &v1::ViolationService::Stub::ListViolationEvents, request);
  }
  absl::StatusOr<v1::Violation> SetVerificationState(
      const v1::SetVerificationStateRequest& request) override {
    return Call(*violations_, &v1::ViolationService::Stub::SetVerificationState, request);
  }
  absl::StatusOr<v1::DeviceState> GetDeviceState(
      const v1::GetDeviceStateRequest& request) override {
    return Call(*violations_, &v1::ViolationService::Stub::GetDeviceState, request);
  }
  absl::StatusOr<v1::ListProfilesResponse> ListProfiles(
      const v1::ListProfilesRequest& request) override {
    return Call(*profiles_, &v1::ProfileService::Stub::ListProfiles, request);
  }
  absl::StatusOr<v1::ReloadProfilesResponse> ReloadProfiles(
      const v1::ReloadProfilesRequest& request) override {
    return Call(*profiles_, &v1::ProfileService::Stub::ReloadProfiles, request);
  }
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const v1::ListDeadLettersRequest& request) override {
    return Call(*alerts_, &v1::AlertService::Stub::ListDeadLetters, request);
  }
  absl::StatusOr<v1::ReplayDeadLettersResponse> ReplayDeadLetters(
      const v1::ReplayDeadLettersRequest& request) override {
    return Call(*alerts_, &v1::AlertService::Stub::ReplayDeadLetters, request);
  }
  absl::StatusOr<v1::GetAlertingStatusResponse> GetAlertingStatus(
      const v1::GetAlertingStatusRequest& request) override {
    return Call(*alerts_, &v1::AlertService::Stub::GetAlertingStatus, request);
  }

  absl::StatusOr<v1::RegisteredDevice> PutDevice(const v1::RegisteredDevice& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::PutDevice, request);
  }
  absl::StatusOr<v1::RegisteredDevice> GetDevice(
      const v1::GetRegistryItemRequest& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::GetDevice, request);
  }
  absl::StatusOr<v1::ListDevicesResponse> ListDevices(
      const v1::ListRegistryRequest& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::ListDevices, request);
  }
  absl::StatusOr<v1::DeviceGroup> PutGroup(const v1::DeviceGroup& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::PutGroup, request);
  }
  absl::StatusOr<v1::ListGroupsResponse> ListGroups(
      const v1::ListRegistryRequest& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::ListGroups, request);
  }
  absl::StatusOr<v1::CertificateDescription> RegisterCertificate(
      const v1::RegisterCertificateRequest& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::RegisterCertificate, request);
  }
  absl::StatusOr<v1::CertificateDescription> RegisterCaCertificate(
      const v1::RegisterCaCertificateRequest& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::RegisterCaCertificate, request);
  }
  absl::StatusOr<v1::CertificateDescription> GetCertificate(
      const v1::GetRegistryItemRequest& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::GetCertificate, request);
  }
  absl::StatusOr<v1::ListCertificatesResponse> ListCertificates(
      const v1::ListRegistryRequest& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::ListCertificates, request);
  }
  absl::StatusOr<v1::Policy> PutPolicy(const v1::Policy& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::PutPolicy, request);
  }
  absl::StatusOr<v1::ListPoliciesResponse> ListPolicies(
      const v1::ListRegistryRequest& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::ListPolicies, request);
  }
  absl::StatusOr<v1::LoggingSettings> SetLoggingSettings(
      const v1::LoggingSettings& request) override {
    return Call(*registry_, &v1::RegistryService::Stub::SetLoggingSettings, request);
  }

  absl::StatusOr<v1::AuditTask> StartAudit(const v1::StartAuditRequest& request) override {
    return Call(*audit_, &v1::AuditService::Stub::StartAudit, request);
  }
  absl::StatusOr<v1::AuditTask> GetAuditTask(const v1::GetAuditTaskRequest& request) override {
    return Call(*audit_, &v1::AuditService::Stub::GetAuditTask, request);
  }
  absl::StatusOr<v1::ListAuditTasksResponse> ListAuditTasks(
      const v1::ListAuditTasksRequest& request) override {
    return Call(*audit_, &v1::AuditService::Stub::ListAuditTasks, request);
  }
  absl::StatusOr<v1::ListFindingsResponse> ListFindings(
      const v1::ListFindingsRequest& request) override {
    return Call(*audit_, &v1::AuditService::Stub::ListFindings, request);
  }
  absl::StatusOr<v1::Suppression> CreateSuppression(const v1::Suppression& request) override {
    return Call(*audit_, &v1::AuditService::Stub::CreateSuppression, request);
  }
  absl::StatusOr<v1::DeleteSuppressionResponse> DeleteSuppression(
      const v1::DeleteSuppressionRequest& request) override {
    return Call(*audit_, &v1::AuditService::Stub::DeleteSuppression, request);
  }
  absl::StatusOr<v1::ListSuppressionsResponse> ListSuppressions(
      const v1::ListSuppressionsRequest& request) override {
    return Call(*audit_, &v1::AuditService::Stub::ListSuppressions, request);
  }
  absl::StatusOr<v1::StartMitigationResponse> StartMitigation(
      const v1::StartMitigationRequest& request) override {
    return Call(*audit_, &v1::AuditService::Stub::StartMitigation, request);
  }
  absl::StatusOr<v1::ListMitigationExecutionsResponse> ListMitigationExecutions(
      const v1::ListMitigationExecutionsRequest& request) override {
    return Call(*audit_, &v1::AuditService::Stub::ListMitigationExecutions, request);
  }

 private:
  // One unary call with the deadline; the gRPC status becomes an absl::Status (the
  // codes are the same numbers).
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(Stub& stub,
                                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
    Response response;
    const grpc::Status s = (stub.*method)(&context, request, &response);
    if (s.ok()) return response;
    switch (s.error_code()) {
      case grpc::StatusCode::UNAVAILABLE:
        return absl::UnavailableError(
            absl::StrCat("cannot reach wardend at ", server_, ": ", s.error_message()));
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        return absl::DeadlineExceededError(absl::StrCat(
            "no answer from wardend at ", server_, " within ", absl::FormatDuration(timeout_)));
      default:
        return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    }
  }

  const std::string server_;
  const absl::Duration timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IngestService::Stub> ingest_;
  std::unique_ptr<v1::ViolationService::Stub> violations_;
  std::unique_ptr<v1::ProfileService::Stub> profiles_;
  std::unique_ptr<v1::AlertService::Stub> alerts_;
  std::unique_ptr<v1::RegistryService::Stub> registry_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

}  // namespace

std::unique_ptr<WardenApi> NewGrpcWardenApi(const std::string& server, absl::Duration timeout) {
  return std::make_unique<GrpcWardenApi>(server, timeout);
}

}  // namespace warden::tools
