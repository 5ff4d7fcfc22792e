#ifndef WARDEN_TOOLS_WARDEN_API_H_
#define WARDEN_TOOLS_WARDEN_API_H_

#include "absl/status/statusor.h"
#include "warden/v1/alert.pb.h"
#include "warden/v1/audit.pb.h"
#include "warden/v1/ingest.pb.h"
#include "warden/v1/profile.pb.h"
#include "warden/v1/registry.pb.h"
#include "warden/v1/violation.pb.h"

namespace warden::tools {

// The wardend RPCs wardenctl calls, as plain protobuf in and out: the seam between the
// commands and gRPC, so the commands are tested against a fake. Each method is one
// unary RPC; an error is the call's status (code and server message).
// Implementations need not be thread-safe.
class WardenApi {
 public:
  virtual ~WardenApi() = default;

  // IngestService
  virtual absl::StatusOr<v1::ReportAck> Report(const v1::ReportRequest& request) = 0;

  // ViolationService
  virtual absl::StatusOr<v1::ListActiveViolationsResponse> ListActiveViolations(
      const v1::ListActiveViolationsRequest& request) = 0;
  virtual absl::StatusOr<v1::ListViolationEventsResponse> ListViolationEvents(
      const v1::ListViolationEventsRequest& request) = 0;
  virtual absl::StatusOr<v1::Violation> SetVerificationState(
      const v1::SetVerificationStateRequest& request) = 0;
  virtual absl::StatusOr<v1::DeviceState> GetDeviceState(
      const v1::GetDeviceStateRequest& request) = 0;

  // ProfileService
  virtual absl::StatusOr<v1::ListProfilesResponse> ListProfiles(
      const v1::ListProfilesRequest& request) = 0;
  virtual absl::StatusOr<v1::ReloadProfilesResponse> ReloadProfiles(
      const v1::ReloadProfilesRequest& request) = 0;

  // AlertService
  virtual absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const v1::ListDeadLettersRequest& request) = 0;
  virtual absl::StatusOr<v1::ReplayDeadLettersResponse> ReplayDeadLetters(
      const v1::ReplayDeadLettersRequest& request) = 0;
  virtual absl::StatusOr<v1::GetAlertingStatusResponse> GetAlertingStatus(
      const v1::GetAlertingStatusRequest& request) = 0;

  // RegistryService
  virtual absl::StatusOr<v1::RegisteredDevice> PutDevice(const v1::RegisteredDevice& request) = 0;
  virtual absl::StatusOr<v1::RegisteredDevice> GetDevice(
      const v1::GetRegistryItemRequest& request) = 0;
  virtual absl::StatusOr<v1::ListDevicesResponse> ListDevices(
      const v1::ListRegistryRequest& request) = 0;
  virtual absl::StatusOr<v1::DeviceGroup> PutGroup(const v1::DeviceGroup& request) = 0;
  virtual absl::StatusOr<v1::ListGroupsResponse> ListGroups(
      const v1::ListRegistryRequest& request) = 0;
  virtual absl::StatusOr<v1::CertificateDescription> RegisterCertificate(
      const v1::RegisterCertificateRequest& request) = 0;
  virtual absl::StatusOr<v1::CertificateDescription> RegisterCaCertificate(
      const v1::RegisterCaCertificateRequest& request) = 0;
  virtual absl::StatusOr<v1::CertificateDescription> GetCertificate(
      const v1::GetRegistryItemRequest& request) = 0;
  virtual absl::StatusOr<v1::ListCertificatesResponse> ListCertificates(
      const v1::ListRegistryRequest& request) = 0;
  virtual absl::StatusOr<v1::Policy> PutPolicy(const v1::Policy& request) = 0;
  virtual absl::StatusOr<v1::ListPoliciesResponse> ListPolicies(
      const v1::ListRegistryRequest& request) = 0;
  virtual absl::StatusOr<v1::LoggingSettings> SetLoggingSettings(
      const v1::LoggingSettings& request) = 0;

  // AuditService
  virtual absl::StatusOr<v1::AuditTask> StartAudit(const v1::StartAuditRequest& request) = 0;
  virtual absl::StatusOr<v1::AuditTask> GetAuditTask(const v1::GetAuditTaskRequest& request) = 0;
  virtual absl::StatusOr<v1::ListAuditTasksResponse> ListAuditTasks(
      const v1::ListAuditTasksRequest& request) = 0;
  virtual absl::StatusOr<v1::ListFindingsResponse> ListFindings(
      const v1::ListFindingsRequest& request) = 0;
  virtual absl::StatusOr<v1::Suppression> CreateSuppression(const v1::Suppression& request) = 0;
  virtual absl::StatusOr<v1::DeleteSuppressionResponse> DeleteSuppression(
      const v1::DeleteSuppressionRequest& request) = 0;
  virtual absl::StatusOr<v1::ListSuppressionsResponse> ListSuppressions(
      const v1::ListSuppressionsRequest& request) = 0;
  virtual absl::StatusOr<v1::StartMitigationResponse> StartMitigation(
      const v1::StartMitigationRequest& request) = 0;
  virtual absl::StatusOr<v1::ListMitigationExecutionsResponse> ListMitigationExecutions(
      const v1::ListMitigationExecutionsRequest& request) = 0;
};

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_WARDEN_API_H_
