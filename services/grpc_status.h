#ifndef WARDEN_SERVICES_GRPC_STATUS_H_
#define WARDEN_SERVICES_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace warden::services {

// absl::Status → grpc::Status, same code and message. Internal errors reach clients
// as a generic message; the detail goes to stderr (the log).
grpc::Status ToGrpc(const absl::Status& status);

// INVALID_ARGUMENT naming the field: "field_path: message".
grpc::Status InvalidField(const std::string& field_path, const std::string& message);

}  // namespace warden::services

#endif  // WARDEN_SERVICES_GRPC_STATUS_H_
