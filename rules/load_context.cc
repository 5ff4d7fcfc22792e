#include "rules/load_context.h"

namespace warden::rules {

absl::StatusOr<std::shared_ptr<const GeoIpDatabase>> LoadContext::GeoIp() {
  if (!geoip_.has_value()) {
    if (geoip_path_.empty()) {
      geoip_ = absl::FailedPreconditionError(
          "country entries need a geoip database, and none is configured (wardend: "
          "geoip_database in the config or --geoip-database)");
    } else {
      geoip_ = GeoIpDatabase::Open(geoip_path_);
    }
  }
  return *geoip_;
}

}  // namespace warden::rules
