#ifndef WARDEN_RULES_LOAD_CONTEXT_H_
#define WARDEN_RULES_LOAD_CONTEXT_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "rules/geoip.h"

namespace warden::rules {

// What the document readers of one load share besides the diagnostics: the geoip
// database, opened on first use and then shared by every list of the load, and whether
// list documents may read their values from a file. One per load; not thread-safe.
class LoadContext {
 public:
  // `geoip_database`: a path, or "" for none. `read_list_files`: whether `file:` may be
  // read from disk (false for sources that did not come from disk).
  LoadContext(std::string geoip_database, bool read_list_files)
      : geoip_path_(std::move(geoip_database)), read_list_files_(read_list_files) {}

  bool read_list_files() const { return read_list_files_; }
  const std::string& geoip_path() const { return geoip_path_; }

  // The database for country entries, opened (MMDB_MODE_MMAP) on the first call; later
  // calls return the same database, or the same error: FailedPrecondition when none is
  // configured, or why it cannot be opened.
  absl::StatusOr<std::shared_ptr<const GeoIpDatabase>> GeoIp();

 private:
  const std::string geoip_path_;
  const bool read_list_files_;
  std::optional<absl::StatusOr<std::shared_ptr<const GeoIpDatabase>>> geoip_;
};

}  // namespace warden::rules

#endif  // WARDEN_RULES_LOAD_CONTEXT_H_
