#include "services/ingest_service.h"

#include <deque>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"

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

// One StreamReports call. Reports are numbered as they are read; acks can complete
// out of order (different shards) and are written strictly in that numbering. At most
// max_inflight reports are unacknowledged: past that the reactor stops reading, which
// pushes back on the client through HTTP/2 flow control.
//
// Lifetime: Finish is called only once every report read has been acknowledged (or
// dropped, on a broken stream); the reactor deletes itself in OnDone.
class IngestServiceImpl::StreamReactor
    : public grpc::ServerBidiReactor<v1::ReportRequest, v1::ReportAck> {
 public:
  explicit StreamReactor(IngestServiceImpl* service) : service_(service) {
    read_pending_ = true;
    NextRead();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      bool finish;
      {
        std::lock_guard<std::mutex> lock(mu_);
        read_pending_ = false;
        reads_done_ = true;
        finish = ShouldFinishLocked();
      }
      if (finish) Finish(grpc::Status::OK);
      return;
    }
    std::unique_ptr<v1::ReportRequest> req = std::move(incoming_);
    uint64_t seq;
    {
      std::lock_guard<std::mutex> lock(mu_);
      read_pending_ = false;  // inflight_ now holds the stream open instead
      seq = next_seq_++;
      ++inflight_;
      acks_.emplace_back();
    }
    service_->metrics_->reports_received().Increment();
    if (std::optional<ReportProblem> p = ValidateReportRequest(*req, service_->limits_)) {
      service_->metrics_->RejectedBy("InvalidPayload").Increment();
      Complete(seq, Rejected(*req, "InvalidPayload", p->field_path, p->message));
    } else {
      const v1::ReportRequest* raw = req.get();
      auto rejected = Rejected(*raw, "ResourceExhausted", "",
                               "ingest queue full; resend this report after a backoff");
      if (!service_->engine_->Submit(
              raw, std::move(req), [this, seq](const v1::ReportAck& ack) { Complete(seq, ack); })) {
        if (!service_->engine_->healthy()) {
          rejected.set_error_code("Unavailable");
          rejected.set_message("wardend cannot store reports; see its log");
        }
        service_->metrics_->RejectedBy(rejected.error_code()).Increment();
        Complete(seq, rejected);
      }
    }
    bool read_more;
    {
      std::lock_guard<std::mutex> lock(mu_);
      read_more = inflight_ < service_->max_inflight_per_stream_ && !broken_;
      reading_paused_ = !read_more;
      read_pending_ = read_more;
    }
    if (read_more) NextRead();
  }

  void OnWriteDone(bool ok) override {
    bool resume_read = false;
    bool finish = false;
    bool write_next = false;
    bool broken;
    {
      std::lock_guard<std::mutex> lock(mu_);
      writing_ = false;
      if (!ok) broken_ = true;
      --inflight_;
      ++written_seq_;
      acks_.pop_front();
      DropIfBrokenLocked();
      write_next = TakeNextWriteLocked();
      if (reading_paused_ && !broken_ && !reads_done_ &&
          inflight_ < service_->max_inflight_per_stream_) {
        reading_paused_ = false;
        read_pending_ = true;
        resume_read = true;
      }
      finish = ShouldFinishLocked();
      broken = broken_;
    }
    if (write_next) StartWrite(&writing_ack_);
    if (resume_read) NextRead();
    if (finish) {
      Finish(broken ? grpc::Status(grpc::StatusCode::CANCELLED, "stream broken")
                    : grpc::Status::OK);
    }
  }

  // gRPC calls this after Finish, which is only called once every report read has
  // been acknowledged or dropped: no engine callback can still reach this object.
  void OnDone() override { delete this; }

  void OnCancel() override {
    bool finish;
    {
      std::lock_guard<std::mutex> lock(mu_);
      broken_ = true;
      DropIfBrokenLocked();
      finish = ShouldFinishLocked();
    }
    if (finish) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
  }

 private:
  void NextRead() {
    incoming_ = std::make_unique<v1::ReportRequest>();
    StartRead(incoming_.get());
  }

  // Called for every report exactly once, from any thread.
  void Complete(uint64_t seq, const v1::ReportAck& ack) {
    bool write_now = false;
    bool finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      acks_[seq - written_seq_] = ack;
      DropIfBrokenLocked();
      write_now = TakeNextWriteLocked();
      finish = ShouldFinishLocked();
    }
    if (write_now) StartWrite(&writing_ack_);
    if (finish) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
  }

  // On a broken stream nobody reads acks: completed ones are dropped in order.
  void DropIfBrokenLocked() {
    if (!broken_ || writing_) return;
    while (!acks_.empty() && acks_.front().has_value()) {
      acks_.pop_front();
      ++written_seq_;
      --inflight_;
    }
  }

  // If no write is in progress and the next ack in order is ready, moves it to
  // writing_ack_ and returns true: the caller must StartWrite after unlocking.
  bool TakeNextWriteLocked() {
    if (writing_ || broken_ || acks_.empty() || !acks_.front().has_value()) return false;
    writing_ack_ = *acks_.front();
    writing_ = true;
    return true;
  }

  // Finish only when nothing can call back any more: no read outstanding (a cancelled
  // stream's pending read still completes, with ok=false), every report acknowledged or
  // dropped, no write in flight. gRPC runs reactions concurrently, so each of these is
  // decided under mu_.
  bool ShouldFinishLocked() {
    if (finished_) return false;
    if ((reads_done_ || broken_) && !read_pending_ && inflight_ == 0 && !writing_) {
      finished_ = true;
      return true;
    }
    return false;
  }

  IngestServiceImpl* const service_;
  std::unique_ptr<v1::ReportRequest> incoming_;  // touched only by the read path
  std::mutex mu_;
  uint64_t next_seq_ = 0;
  uint64_t written_seq_ = 0;                       // seq of acks_.front()
  std::deque<std::optional<v1::ReportAck>> acks_;  // index: seq - written_seq_
  size_t inflight_ = 0;                            // read, not yet written (or dropped)
  v1::ReportAck writing_ack_;
  bool writing_ = false;
  bool reads_done_ = false;
  bool reading_paused_ = false;
  bool read_pending_ = false;  // a StartRead is outstanding (or about to be issued)
  bool broken_ = false;
  bool finished_ = false;
};

grpc::ServerBidiReactor<v1::ReportRequest, v1::ReportAck>* IngestServiceImpl::StreamReports(
    grpc::CallbackServerContext* context) {
  return new StreamReactor(this);
}

}  // namespace warden::services
