#ifndef WARDEN_SERVICES_READY_FILE_H_
#define WARDEN_SERVICES_READY_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace warden::services {

// "host:port" → host. Accepts "[::1]:port" too.
std::string HostOf(const std::string& address);

// Writes {"grpc":"HOST:PORT","metrics":"HOST:PORT"} to `path` (through a temporary file
// renamed over it, so a reader never sees half of it): how wardend, and the benchmark's
// warden-grpc-floor, tell whoever started them that they serve, and where.
absl::Status WriteReadyFile(const std::string& path, const std::string& grpc,
                            const std::string& metrics);

}  // namespace warden::services

#endif  // WARDEN_SERVICES_READY_FILE_H_
