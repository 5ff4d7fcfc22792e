#include "services/violation_service.h"

#include <future>

#include "google/protobuf/util/time_util.h"
#include "services/grpc_status.h"
#include "services/report_validation.h"

namespace warden::services {
namespace {

using google::protobuf::util::TimeUtil;

grpc::Status CheckPageSize(int page_size) {
  if (page_size < 0 || page_size > 1000) {
    return InvalidField("page_size", "must be 0-1000 (0: the default, 100)");
  }
  return grpc::Status::OK;
}

}  // namespace

ViolationServiceImpl::ViolationServiceImpl(store::Store* store, IngestEngine* engine,
                                           const Clock* clock, RulesManager* rules)
    : store_(store), engine_(engine), clock_(clock), rules_(rules) {}

grpc::Status ViolationServiceImpl::ListActiveViolations(
    grpc::ServerContext* context, const v1::ListActiveViolationsRequest* request,
    v1::ListActiveViolationsResponse* response) {
  if (grpc::Status s = CheckPageSize(request->page_size()); !s.ok()) return s;
  store::ViolationFilter filter;
  filter.device_id = request->device_id();
  filter.profile = request->profile();
  filter.behaviour = request->behaviour();
  for (int s : request->verification_states()) {
    filter.states.push_back(static_cast<v1::VerificationState>(s));
  }
  auto page = store_->ListViolations(filter, request->page_token(), request->page_size());
  if (!page.ok()) return ToGrpc(page.status());
  for (v1::Violation& v : page->items) *response->add_violations() = std::move(v);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status ViolationServiceImpl::ListViolationEvents(
    grpc::ServerContext* context, const v1::ListViolationEventsRequest* request,
    v1::ListViolationEventsResponse* response) {
  if (grpc::Status s = CheckPageSize(request->page_size()); !s.ok()) return s;
  const int64_t start =
      request->has_start_time() ? TimeUtil::TimestampToMicroseconds(request->start_time()) : 0;
  const int64_t end = request->has_end_time()
                          ? TimeUtil::TimestampToMicroseconds(request->end_time())
                          : clock_->NowMicros() + 1;
  if (end < start) return InvalidField("end_time", "is before start_time");
  store::ViolationFilter filter;
  filter.device_id = request->device_id();
  filter.profile = request->profile();
  filter.behaviour = request->behaviour();
  auto page = store_->ListEvents(start, end, filter, request->page_token(), request->page_size());
  if (!page.ok()) return ToGrpc(page.status());
  for (v1::ViolationEvent& e : page->items) *response->add_events() = std::move(e);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status ViolationServiceImpl::SetVerificationState(
    grpc::ServerContext* context, const v1::SetVerificationStateRequest* request,
    v1::Violation* response) {
  if (request->violation_id().empty()) return InvalidField("violation_id", "required");
  if (!v1::VerificationState_IsValid(request->state())) {
    return InvalidField("state", "unknown verification state");
  }
  if (request->description().size() > 1024) {
    return InvalidField("description", "at most 1024 bytes");
  }
  auto found = store_->FindViolation(request->violation_id());
  if (!found.ok()) return ToGrpc(found.status());
  if (!found->has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no active violation with id '" + request->violation_id() + "'");
  }
  std::promise<absl::StatusOr<v1::Violation>> promise;
  std::future<absl::StatusOr<v1::Violation>> result = promise.get_future();
  if (!engine_->SetVerification(
          (*found)->device_id(), request->violation_id(), request->state(), request->description(),
          [&promise](absl::StatusOr<v1::Violation> v) { promise.set_value(std::move(v)); })) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "wardend is busy or stopping; retry");
  }
  absl::StatusOr<v1::Violation> v = result.get();
  if (!v.ok()) return ToGrpc(v.status());
  *response = std::move(*v);
  return grpc::Status::OK;
}

grpc::Status ViolationServiceImpl::GetDeviceState(grpc::ServerContext* context,
                                                  const v1::GetDeviceStateRequest* request,
                                                  v1::DeviceState* response) {
  if (!IsValidDeviceId(request->device_id())) {
    return InvalidField("device_id", "must be 1-128 characters of [a-zA-Z0-9:_.-]");
  }
  auto state = store_->GetDeviceState(request->device_id());
  if (!state.ok()) return ToGrpc(state.status());
  if (!state->has_value()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no state for device '" + request->device_id() + "' (never reported)");
  }
  *response = std::move(**state);
  return grpc::Status::OK;
}

grpc::Status ViolationServiceImpl::GetBaselineStatus(grpc::ServerContext* context,
                                                     const v1::GetDeviceStateRequest* request,
                                                     v1::GetBaselineStatusResponse* response) {
  v1::DeviceState state;
  if (grpc::Status s = GetDeviceState(context, request, &state); !s.ok()) return s;
  if (rules_ == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "no profiles loaded");
  RulesManager::Snapshot snap = rules_->current();
  if (!snap.evaluator) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "no profiles loaded");
  response->set_device_id(request->device_id());
  for (v1::BaselineStatus& b : snap.evaluator->BaselineStatuses(state, clock_->NowMicros())) {
    *response->add_baselines() = std::move(b);
  }
  return grpc::Status::OK;
}

}  // namespace warden::services
