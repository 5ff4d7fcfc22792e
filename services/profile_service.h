#ifndef WARDEN_SERVICES_PROFILE_SERVICE_H_
#define WARDEN_SERVICES_PROFILE_SERVICE_H_

#include "common/clock.h"
#include "detectors/fleet_stats.h"
#include "services/rules_manager.h"
#include "warden/v1/profile.grpc.pb.h"

namespace warden::services {

// ProfileService on gRPC's synchronous API. Thread-safe.
class ProfileServiceImpl final : public v1::ProfileService::Service {
 public:
  // `fleet` (may be null) gives statistic behaviours' thresholds at `clock`'s now.
  ProfileServiceImpl(RulesManager* rules, detectors::FleetStatistics* fleet = nullptr,
                     const Clock* clock = nullptr);

  grpc::Status ValidateProfiles(grpc::ServerContext* context,
                                const v1::ValidateProfilesRequest* request,
                                v1::ValidateProfilesResponse* response) override;
  grpc::Status ListProfiles(grpc::ServerContext* context, const v1::ListProfilesRequest* request,
                            v1::ListProfilesResponse* response) override;
  grpc::Status ReloadProfiles(grpc::ServerContext* context,
                              const v1::ReloadProfilesRequest* request,
                              v1::ReloadProfilesResponse* response) override;

 private:
  detectors::FleetStatistics* const fleet_;
  const Clock* const clock_;
  RulesManager* const rules_;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_PROFILE_SERVICE_H_
