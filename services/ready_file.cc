#include "services/ready_file.h"

#include <cstdio>
#include <fstream>

#include "nlohmann/json.hpp"

namespace warden::services {

std::string HostOf(const std::string& address) {
  const size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

absl::Status WriteReadyFile(const std::string& path, const std::string& grpc,
                            const std::string& metrics) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << nlohmann::json{{"grpc", grpc}, {"metrics", metrics}}.dump() << "\n";
    if (!out.good()) return absl::FailedPreconditionError("cannot write ready file '" + tmp + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError("cannot write ready file '" + path + "'");
  }
  return absl::OkStatus();
}

}  // namespace warden::services
