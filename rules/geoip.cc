#include "rules/geoip.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace warden::rules {
namespace {

// Lookup paths into a record, without the varargs of MMDB_get_value.
constexpr const char* kCountryPath[] = {"country", "iso_code", nullptr};
constexpr const char* kRegisteredCountryPath[] = {"registered_country", "iso_code", nullptr};

bool IsV4MappedBytes(const std::array<uint8_t, 16>& bytes) {
  return std::all_of(bytes.begin(), bytes.begin() + 10, [](uint8_t b) { return b == 0; }) &&
         bytes[10] == 0xff && bytes[11] == 0xff;
}

// The string at `path` in `entry`, or "" when it is absent or not a string.
std::string_view StringAt(MMDB_entry_s* entry, const char* const* path) {
  MMDB_entry_data_s data;
  if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING) {
    return {};
  }
  return std::string_view(data.utf8_string, data.data_size);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const GeoIpDatabase>> GeoIpDatabase::Open(const std::string& path) {
  auto mmdb = std::make_unique<MMDB_s>();
  errno = 0;
  const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, mmdb.get());
  const int open_errno = errno;
  switch (status) {
    case MMDB_SUCCESS:
      break;
    case MMDB_FILE_OPEN_ERROR:
      return absl::NotFoundError(
          absl::StrCat("cannot open geoip database '", path,
                       "': ", open_errno != 0 ? std::strerror(open_errno) : "cannot open file"));
    case MMDB_INVALID_METADATA_ERROR:
    case MMDB_UNKNOWN_DATABASE_FORMAT_ERROR:
      return absl::InvalidArgumentError(absl::StrCat(
          "geoip database '", path, "' is not a MaxMind DB file (", MMDB_strerror(status), ")"));
    case MMDB_IO_ERROR:
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read geoip database '", path,
                       "': ", open_errno != 0 ? std::strerror(open_errno) : MMDB_strerror(status)));
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("geoip database '", path, "' is damaged (", MMDB_strerror(status), ")"));
  }
  return std::shared_ptr<const GeoIpDatabase>(new GeoIpDatabase(path, std::move(mmdb)));
}

GeoIpDatabase::GeoIpDatabase(std::string path, std::unique_ptr<MMDB_s> mmdb)
    : path_(std::move(path)), mmdb_(std::move(mmdb)) {}

GeoIpDatabase::~GeoIpDatabase() { MMDB_close(mmdb_.get()); }

std::string_view GeoIpDatabase::database_type() const {
  const char* type = mmdb_->metadata.database_type;
  return type == nullptr ? std::string_view() : std::string_view(type);
}

std::string_view GeoIpDatabase::Country(const IpAddress& ip) const {
  // A sockaddr built from the bytes: no formatting and parsing of text per lookup.
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* address = nullptr;
  if (IsV4MappedBytes(ip.bytes)) {
    v4.sin_family = AF_INET;
    std::memcpy(&v4.sin_addr, ip.bytes.data() + 12, 4);
    address = reinterpret_cast<const sockaddr*>(&v4);
  } else {
    v6.sin6_family = AF_INET6;
    std::memcpy(&v6.sin6_addr, ip.bytes.data(), 16);
    address = reinterpret_cast<const sockaddr*>(&v6);
  }
  int mmdb_error = MMDB_SUCCESS;
  MMDB_lookup_result_s result = MMDB_lookup_sockaddr(mmdb_.get(), address, &mmdb_error);
  if (mmdb_error != MMDB_SUCCESS || !result.found_entry) return {};
  std::string_view code = StringAt(&result.entry, kCountryPath);
  if (code.empty()) code = StringAt(&result.entry, kRegisteredCountryPath);
  return code;
}

}  // namespace warden::rules
