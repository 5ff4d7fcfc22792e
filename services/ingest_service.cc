#include "services/ingest_service.h"

#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "services/ordered_stream.h"

namespace warden::services {
namespace {

v1::ReportAck Rejected(const v1::ReportRequest& req, const std::string& code,
                       const std::string& field_path, const std::string& message) {
  v1::ReportAck ack;
  ack.set_device_id(req.device_id());
  ack.set_report_id(req.report().header().report_id());
  ack.set_status(v1::ReportAck::REJECTED);
  ack.set_error_code(code);
  ack.set_field_path(field_path);
  ack.set_message(message);
  return ack;
}

}  // namespace

IngestServiceImpl::IngestServiceImpl(IngestEngine* engine, Metrics* metrics, ReportLimits limits,
                                     size_t max_inflight_per_stream)
    : engine_(engine),
      metrics_(metrics),
      limits_(limits),
      max_inflight_per_stream_(max_inflight_per_stream) {}

grpc::ServerUnaryReactor* IngestServiceImpl::Report(grpc::CallbackServerContext* context,
                                                    const v1::ReportRequest* request,
                                                    v1::ReportAck* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  metrics_->reports_received().Increment();
  if (std::optional<ReportProblem> p = ValidateReportRequest(*request, limits_)) {
    metrics_->RejectedBy("InvalidPayload").Increment();
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 absl::StrCat(p->field_path, ": ", p->message)));
    return reactor;
  }
  const bool queued =
      engine_->Submit(request, nullptr, [reactor, response](const v1::ReportAck& ack) {
        *response = ack;
        if (ack.status() == v1::ReportAck::REJECTED) {
          reactor->Finish(grpc::Status(ack.error_code() == "Unavailable"
                                           ? grpc::StatusCode::UNAVAILABLE
                                           : grpc::StatusCode::INTERNAL,
                                       ack.message()));
        } else {
          reactor->Finish(grpc::Status::OK);
        }
      });
  if (!queued) {
    const bool healthy = engine_->healthy();
    metrics_->RejectedBy(healthy ? "ResourceExhausted" : "Unavailable").Increment();
    reactor->Finish(healthy ? grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                           "ingest queue full; retry with backoff")
                            : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                           "wardend cannot store reports; see its log"));
  }
  return reactor;
}

grpc::ServerBidiReactor<v1::ReportRequest, v1::ReportAck>* IngestServiceImpl::StreamReports(
    grpc::CallbackServerContext* context) {
  using Reactor = OrderedStreamReactor<v1::ReportRequest, v1::ReportAck>;
  return new Reactor(
      [this](std::unique_ptr<v1::ReportRequest> req, Reactor::Complete complete) {
        metrics_->reports_received().Increment();
        if (std::optional<ReportProblem> p = ValidateReportRequest(*req, limits_)) {
          metrics_->RejectedBy("InvalidPayload").Increment();
          complete(Rejected(*req, "InvalidPayload", p->field_path, p->message));
          return;
        }
        const v1::ReportRequest* raw = req.get();
        // A refused request is gone with `req`: its ack is built from these (and only
        // then, not for every report).
        const std::string device_id = raw->device_id();
        const int64_t report_id = raw->report().header().report_id();
        if (!engine_->Submit(raw, std::move(req), complete)) {
          v1::ReportAck rejected;
          rejected.set_device_id(device_id);
          rejected.set_report_id(report_id);
          rejected.set_status(v1::ReportAck::REJECTED);
          if (engine_->healthy()) {
            rejected.set_error_code("ResourceExhausted");
            rejected.set_message("ingest queue full; resend this report after a backoff");
          } else {
            rejected.set_error_code("Unavailable");
            rejected.set_message("wardend cannot store reports; see its log");
          }
          metrics_->RejectedBy(rejected.error_code()).Increment();
          complete(rejected);
        }
      },
      max_inflight_per_stream_);
}

}  // namespace warden::services
