#ifndef WARDEN_TOOLS_GRPC_WARDEN_API_H_
#define WARDEN_TOOLS_GRPC_WARDEN_API_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "tools/warden_api.h"

namespace warden::tools {

// A WardenApi over a plaintext gRPC channel to `server` ("host:port"). Nothing is sent
// until the first call, and each call has `timeout` as its deadline. When the server
// cannot be reached the error says so in one line naming `server`:
//   UNAVAILABLE: cannot reach wardend at 127.0.0.1:7600: failed to connect to all ...
//   DEADLINE_EXCEEDED: no answer from wardend at 10.0.0.9:7600 within 10s
std::unique_ptr<WardenApi> NewGrpcWardenApi(const std::string& server, absl::Duration timeout);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_GRPC_WARDEN_API_H_
