#ifndef WARDEN_RULES_GEOIP_H_
#define WARDEN_RULES_GEOIP_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rules/lists.h"

struct MMDB_s;

namespace warden::rules {

// A MaxMind DB file (GeoLite2-Country, GeoIP2-City, DB-IP Country Lite, ...) opened
// read-only with mmap: the geoip database behind the `country:XX` entries of cidr lists.
// Thread-safe: lookups only read the mapping. The file stays mapped while the object
// lives, so a new database must be renamed over the old file (as geoipupdate does), never
// written into it.
class GeoIpDatabase {
 public:
  // Opens the database at `path`. Errors: NotFound when the file cannot be opened,
  // InvalidArgument when it is not a valid MaxMind DB; the message names the path and
  // the reason, e.g. "geoip database '/x.mmdb' is not a MaxMind DB file (...)".
  static absl::StatusOr<std::shared_ptr<const GeoIpDatabase>> Open(const std::string& path);

  ~GeoIpDatabase();
  GeoIpDatabase(const GeoIpDatabase&) = delete;
  GeoIpDatabase& operator=(const GeoIpDatabase&) = delete;

  // The ISO 3166-1 alpha-2 code of the country of `ip`: the record's `country.iso_code`,
  // else its `registered_country.iso_code`. "" when the address is not in the database,
  // its record has neither, or the lookup fails (an IPv6 address in an IPv4-only
  // database). IPv4 addresses, v4-mapped ones included, are looked up as IPv4. The view
  // points into the mapped file and lives as long as this object. No allocation.
  std::string_view Country(const IpAddress& ip) const;

  const std::string& path() const { return path_; }
  // The database's own type, e.g. "GeoLite2-Country".
  std::string_view database_type() const;

 private:
  GeoIpDatabase(std::string path, std::unique_ptr<MMDB_s> mmdb);

  const std::string path_;
  const std::unique_ptr<MMDB_s> mmdb_;
};

}  // namespace warden::rules

#endif  // WARDEN_RULES_GEOIP_H_
