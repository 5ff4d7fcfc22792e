#include "services/ingest_service.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// The ack of a report the engine did not take: its shard is behind (resend later) or
// the engine cannot store reports.
v1::ReportAck Refused(const std::string& device_id, int64_t report_id, bool healthy) {
  v1::ReportAck ack;
  ack.set_device_id(device_id);
  ack.set_report_id(report_id);
  ack.set_status(v1::ReportAck::REJECTED);
  if (healthy) {
    ack.set_error_code("ResourceExhausted");
    ack.set_message("ingest queue full; resend this report after a backoff");
  } else {
    ack.set_error_code("Unavailable");
    ack.set_message("wardend cannot store reports; see its log");
  }
  return ack;
}

// One ReportBatch on its way through the engine: owns the batch, has a slot for each
// report's ack (each filled exactly once, by the reaction or the engine's writer) and
// hands the whole ReportBatchAck on when the last slot is filled, then deletes itself.
// Starts with one extra reference, the submitter's, dropped by Release() once every
// report is submitted or rejected: the batch cannot finish half-submitted.
class PendingBatch final : public IngestEngine::BatchSink {
 public:
  PendingBatch(OwnedMessage<v1::ReportBatch> batch, std::function<void(v1::ReportBatchAck)> done)
      : batch_(std::move(batch)), done_(std::move(done)), remaining_(batch_->reports_size() + 1) {
    acks_.mutable_acks()->Reserve(batch_->reports_size());
    for (int i = 0; i < batch_->reports_size(); ++i) acks_.add_acks();
  }

  const v1::ReportBatch& batch() const { return *batch_; }

  void Ack(int index, v1::ReportAck&& ack) override {
    *acks_.mutable_acks(index) = std::move(ack);
    Release();
  }

  void Release() {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      done_(std::move(acks_));
      delete this;
    }
  }

 private:
  ~PendingBatch() = default;

  const OwnedMessage<v1::ReportBatch> batch_;
  const std::function<void(v1::ReportBatchAck)> done_;
  v1::ReportBatchAck acks_;
  std::atomic<int> remaining_;
};

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
      [this](OwnedMessage<v1::ReportRequest> req, Reactor::Complete complete) {
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
          const v1::ReportAck rejected = Refused(device_id, report_id, engine_->healthy());
          metrics_->RejectedBy(rejected.error_code()).Increment();
          complete(rejected);
        }
      },
      max_inflight_per_stream_);
}

void IngestServiceImpl::SubmitBatch(OwnedMessage<v1::ReportBatch> batch, BatchDone done) {
  const int n = batch->reports_size();
  metrics_->reports_received().Increment(n);
  if (n == 0) {
    done(v1::ReportBatchAck());
    return;
  }
  if (n > kMaxReportsPerBatch) {
    const std::string message =
        absl::StrCat("at most ", kMaxReportsPerBatch, " reports per batch, got ", n,
                     "; nothing of this batch was applied");
    v1::ReportBatchAck acks;
    acks.mutable_acks()->Reserve(n);
    for (const v1::ReportRequest& r : batch->reports()) {
      *acks.add_acks() = Rejected(r, "InvalidPayload", "reports", message);
    }
    metrics_->RejectedBy("InvalidPayload").Increment(n);
    done(std::move(acks));
    return;
  }
  auto* pending = new PendingBatch(std::move(batch), std::move(done));
  const v1::ReportBatch& reports = pending->batch();
  std::vector<int> valid;
  valid.reserve(n);
  int invalid = 0;
  for (int i = 0; i < n; ++i) {
    const v1::ReportRequest& r = reports.reports(i);
    if (std::optional<ReportProblem> p = ValidateReportRequest(r, limits_)) {
      pending->Ack(i, Rejected(r, "InvalidPayload", p->field_path, p->message));
      ++invalid;
    } else {
      valid.push_back(i);
    }
  }
  if (invalid > 0) metrics_->RejectedBy("InvalidPayload").Increment(invalid);
  const std::vector<int> refused = engine_->SubmitBatch(reports, valid, pending);
  if (!refused.empty()) {
    const bool healthy = engine_->healthy();
    metrics_->RejectedBy(healthy ? "ResourceExhausted" : "Unavailable")
        .Increment(static_cast<double>(refused.size()));
    for (int i : refused) {
      const v1::ReportRequest& r = reports.reports(i);
      pending->Ack(i, Refused(r.device_id(), r.report().header().report_id(), healthy));
    }
  }
  pending->Release();  // may complete the batch: `reports` is gone after this
}

grpc::ServerBidiReactor<v1::ReportBatch, v1::ReportBatchAck>*
IngestServiceImpl::StreamReportBatches(grpc::CallbackServerContext* context) {
  using Reactor = OrderedStreamReactor<v1::ReportBatch, v1::ReportBatchAck>;
  return new Reactor(
      [this](OwnedMessage<v1::ReportBatch> batch, Reactor::Complete complete) {
        SubmitBatch(std::move(batch), std::move(complete));
      },
      max_inflight_per_stream_,
      [](const v1::ReportBatch& b) { return static_cast<size_t>(b.reports_size()); },
      kBatchArenaFirstBlock);
}

}  // namespace warden::services
