#include "services/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

namespace warden::services {
namespace {

constexpr size_t kMaxErrorBody = 512;

size_t CollectBody(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t len = size * n;
  if (body->size() < kMaxErrorBody) body->append(data, std::min(len, kMaxErrorBody - body->size()));
  return len;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

struct HttpClient::Transfer {
  Request request;
  curl_slist* headers = nullptr;
  std::string response_body;
  char error[CURL_ERROR_SIZE] = {0};
  ~Transfer() { curl_slist_free_all(headers); }
};

HttpClient::HttpClient() {
  static CurlGlobal global;
  multi_ = curl_multi_init();
}

HttpClient::~HttpClient() {
  for (auto& [easy, t] : transfers_) {
    curl_multi_remove_handle(static_cast<CURLM*>(multi_), static_cast<CURL*>(easy));
    curl_easy_cleanup(static_cast<CURL*>(easy));
    delete t;
  }
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void HttpClient::Start(Request request) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  CURL* easy = curl_easy_init();
  if (easy == nullptr) {
    failed_to_start_.push_back({t->request.tag, 0, "cannot create a curl handle"});
    return;
  }
  const Request& r = t->request;
  curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout_seconds * 1000));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(r.timeout_seconds, 5.0) * 1000));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "warden/0.1");
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &CollectBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t->response_body);
  if (!r.tls.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, r.tls.ca_file.c_str());
  if (!r.tls.cert_file.empty()) curl_easy_setopt(easy, CURLOPT_SSLCERT, r.tls.cert_file.c_str());
  if (!r.tls.key_file.empty()) curl_easy_setopt(easy, CURLOPT_SSLKEY, r.tls.key_file.c_str());
  t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
  t->headers = curl_slist_append(t->headers, "Expect:");
  for (const std::string& h : r.headers) t->headers = curl_slist_append(t->headers, h.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
  if (curl_multi_add_handle(static_cast<CURLM*>(multi_), easy) != CURLM_OK) {
    failed_to_start_.push_back({t->request.tag, 0, "cannot start the transfer"});
    curl_easy_cleanup(easy);
    return;
  }
  transfers_[easy] = t.release();
}

std::vector<HttpClient::Response> HttpClient::Poll(int timeout_ms) {
  auto* multi = static_cast<CURLM*>(multi_);
  int running = 0;
  curl_multi_perform(multi, &running);
  curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
  curl_multi_perform(multi, &running);
  std::vector<Response> done;
  done.swap(failed_to_start_);
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    auto it = transfers_.find(easy);
    if (it == transfers_.end()) continue;
    std::unique_ptr<Transfer> t(it->second);
    transfers_.erase(it);
    Response r;
    r.tag = t->request.tag;
    if (msg->data.result == CURLE_OK) {
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.status);
      if (r.status < 200 || r.status >= 300) r.error = t->response_body;
    } else {
      r.status = 0;
      r.error = t->error[0] != '\0' ? t->error : curl_easy_strerror(msg->data.result);
    }
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
    done.push_back(std::move(r));
  }
  return done;
}

void HttpClient::Wakeup() { curl_multi_wakeup(static_cast<CURLM*>(multi_)); }

}  // namespace warden::services
