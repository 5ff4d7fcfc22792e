#ifndef WARDEN_SERVICES_HTTP_CLIENT_H_
#define WARDEN_SERVICES_HTTP_CLIENT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "alerts/config.h"

namespace warden::services {

// Concurrent HTTP POSTs on libcurl's multi interface, driven by one thread that calls
// Poll(). Start() and Poll() belong to that thread; Wakeup() may be called from any.
class HttpClient {
 public:
  struct Request {
    uint64_t tag = 0;  // handed back in the Response
    std::string url;
    std::string body;
    std::vector<std::string> headers;  // "Name: value"
    double timeout_seconds = 10;
    alerts::TlsClientConfig tls;
  };
  struct Response {
    uint64_t tag = 0;
    long status = 0;    // HTTP status; 0 when no response arrived
    std::string error;  // transport error, or the start of an error response's body
  };

  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void Start(Request request);
  // Runs the transfers; waits up to timeout_ms for progress or a Wakeup(). Returns the
  // requests that finished.
  std::vector<Response> Poll(int timeout_ms);
  void Wakeup();
  size_t in_flight() const { return transfers_.size() + failed_to_start_.size(); }

 private:
  struct Transfer;
  void* multi_;                            // CURLM*
  std::map<void*, Transfer*> transfers_;   // by CURL* easy handle
  std::vector<Response> failed_to_start_;  // handed back by the next Poll()
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_HTTP_CLIENT_H_
