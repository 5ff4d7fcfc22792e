#include "services/grpc_status.h"

#include <iostream>

namespace warden::services {

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (status.code() == absl::StatusCode::kInternal ||
      status.code() == absl::StatusCode::kDataLoss || status.code() == absl::StatusCode::kUnknown) {
    std::cerr << "wardend: error: " << status.ToString() << "\n";
    return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                        "internal error; see the wardend log");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

grpc::Status InvalidField(const std::string& field_path, const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, field_path + ": " + message);
}

}  // namespace warden::services
