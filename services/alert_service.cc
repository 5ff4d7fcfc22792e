#include "services/alert_service.h"

#include <algorithm>
#include <mutex>

#include "services/grpc_status.h"
#include "store/keys.h"

namespace warden::services {
namespace {

grpc::Status NotConfigured() {
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                      "alerting is not configured (no `alerting:` section in the wardend config)");
}

}  // namespace

AlertServiceImpl::AlertServiceImpl(store::Store* store, Outbox* outbox, AlertDispatcher* dispatcher)
    : store_(store), outbox_(outbox), dispatcher_(dispatcher) {}

grpc::Status AlertServiceImpl::ListDeadLetters(grpc::ServerContext* context,
                                               const v1::ListDeadLettersRequest* request,
                                               v1::ListDeadLettersResponse* response) {
  if (request->page_size() < 0 || request->page_size() > 1000) {
    return InvalidField("page_size", "must be 0-1000 (0: the default, 100)");
  }
  const int page_size = request->page_size() == 0 ? 100 : request->page_size();
  std::string start;
  if (!request->page_token().empty()) {
    std::optional<std::string> key = store::DecodePageToken(request->page_token());
    if (!key) return InvalidField("page_token", "malformed");
    start = *key;
  }
  std::string last_key;
  bool more = false;
  absl::Status s = store_->Scan(
      store::Family::kDeadLetters, "", start,
      [&](const std::string& key, const std::string& value) {
        v1::DeadLetter dead;
        if (!dead.ParseFromString(value)) return true;
        if (!request->receiver().empty() && dead.row().receiver() != request->receiver()) {
          return true;
        }
        if (response->dead_letters_size() == page_size) {
          more = true;
          return false;
        }
        last_key = key;
        *response->add_dead_letters() = std::move(dead);
        return true;
      });
  if (!s.ok()) return ToGrpc(s);
  if (more) response->set_next_page_token(store::EncodePageToken(last_key));
  return grpc::Status::OK;
}

grpc::Status AlertServiceImpl::ReplayDeadLetters(grpc::ServerContext* context,
                                                 const v1::ReplayDeadLettersRequest* request,
                                                 v1::ReplayDeadLettersResponse* response) {
  if (outbox_ == nullptr) return NotConfigured();
  if (request->receiver().empty()) return InvalidField("receiver", "required");
  const auto& receivers = outbox_->config().receivers;
  if (std::none_of(receivers.begin(), receivers.end(),
                   [&](const alerts::Receiver& r) { return r.name == request->receiver(); })) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no receiver '" + request->receiver() + "' in the alerting config");
  }
  // One replay at a time, so two calls never requeue the same dead letter twice.
  static std::mutex replay_mu;
  std::lock_guard<std::mutex> lock(replay_mu);
  std::vector<std::pair<std::string, v1::DeadLetter>> picked;
  const auto& ids = request->event_ids();
  absl::Status s = store_->Scan(
      store::Family::kDeadLetters, "", "", [&](const std::string& key, const std::string& value) {
        v1::DeadLetter dead;
        if (!dead.ParseFromString(value) || dead.row().receiver() != request->receiver()) {
          return true;
        }
        if (!ids.empty() &&
            std::find(ids.begin(), ids.end(), dead.row().event().event_id()) == ids.end()) {
          return true;
        }
        if (outbox_->TargetIndex(dead.row().target()) < 0) return true;  // target gone
        picked.emplace_back(key, std::move(dead));
        return true;
      });
  if (!s.ok()) return ToGrpc(s);
  store::WriteGroup group;
  for (auto& [key, dead] : picked) outbox_->Requeue(key, std::move(dead), &group);
  if (absl::Status w = store_->Write(group); !w.ok()) return ToGrpc(w);
  if (dispatcher_ != nullptr) dispatcher_->Wake();
  response->set_replayed(static_cast<int32_t>(picked.size()));
  return grpc::Status::OK;
}

grpc::Status AlertServiceImpl::GetAlertingStatus(grpc::ServerContext* context,
                                                 const v1::GetAlertingStatusRequest* request,
                                                 v1::GetAlertingStatusResponse* response) {
  if (dispatcher_ == nullptr) return NotConfigured();
  for (v1::TargetStatus& t : dispatcher_->Status()) *response->add_targets() = std::move(t);
  return grpc::Status::OK;
}

}  // namespace warden::services
