#include "tools/unary_reports.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/token_bucket.h"
#include "tools/pacing.h"
#include "warden/v1/ingest.grpc.pb.h"

namespace warden::tools {
namespace {

// How often blocked waits look at the stop flag.
constexpr absl::Duration kPoll = absl::Milliseconds(100);

// The error code a stream's REJECTED ack would carry for a failed unary call.
const char* ErrorCodeOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidPayload";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    default:
      return "Internal";
  }
}

// One run: the calling thread sends; gRPC's callback threads finish calls. Thread-safe
// where it must be: `inflight_` and `error_` are shared with the callbacks, and Run()
// returns only once no callback can still touch this object.
class UnaryReports {
 public:
  UnaryReports(const ReportStreamOptions& options, const Fleet& fleet, LoadStats& stats,
               const std::atomic<bool>& stop)
      : options_(options), fleet_(fleet), stats_(stats), stop_(stop) {}

  absl::Status Run() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    auto channel =
        grpc::CreateCustomChannel(options_.server, grpc::InsecureChannelCredentials(), args);
    stub_ = v1::IngestService::NewStub(channel);
    Send();
    const bool drained = AwaitDrained();
    absl::MutexLock lock(&mu_);
    if (!drained) {
      return absl::DeadlineExceededError(absl::StrCat("calls still in flight ",
                                                      absl::FormatDuration(options_.drain_timeout),
                                                      " after the last send; cancelled"));
    }
    return error_;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    v1::ReportRequest request;
    v1::ReportAck ack;
    absl::Time sent_at;
    absl::Time due;  // on the schedule (PaceUnlessStopped)
  };

  // Waits for room under max_inflight. False when told to stop.
  bool AwaitRoom() {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return static_cast<int>(inflight_.size()) < options_.max_inflight;
    };
    while (!mu_.AwaitWithTimeout(absl::Condition(&room), kPoll)) {
      if (stop_.load()) return false;
    }
    return true;
  }

  void Send() {
    const std::vector<int>& devices = options_.devices;
    TokenBucket bucket = PacingBucket(options_.rate, options_.catch_up, absl::Now());
    std::mt19937_64 rng(options_.seed + 0x9E3779B97F4A7C15ULL * (options_.stream + 1));
    std::vector<int64_t> next_id(devices.size(), options_.report_id_start);
    for (size_t i = 0; !devices.empty() && !(options_.once && i == devices.size()); ++i) {
      absl::Time due;
      if (!PaceUnlessStopped(bucket, stop_, kPoll, &due) || !AwaitRoom()) break;
      const size_t slot = i % devices.size();
      const int device = devices[slot];
      auto owned = std::make_shared<Call>();
      Call* call = owned.get();
      call->sent_at = absl::Now();
      call->due = due;
      const bool misbehaving = call->sent_at >= options_.misbehave_at;
      call->request.set_device_id(fleet_.name(device));
      fleet_.MakeReport(device, next_id[slot]++, misbehaving, rng, call->request.mutable_report());
      {
        absl::MutexLock lock(&mu_);
        inflight_.emplace(call, std::move(owned));
      }
      stats_.RecordSent();
      if (options_.on_sent) {
        options_.on_sent(device, call->request.report(), misbehaving, call->sent_at);
      }
      stub_->async()->Report(&call->context, &call->request, &call->ack,
                             [this, call](grpc::Status status) { Done(call, status); });
    }
  }

  // A call finished (on a gRPC thread): record it, forget it.
  void Done(Call* call, const grpc::Status& status) {
    const absl::Time now = absl::Now();
    const AckLatency latency{now - call->sent_at, now - call->due};
    absl::Status error;
    if (status.ok()) {
      if (call->ack.report_id() != call->request.report().header().report_id() ||
          call->ack.device_id() != call->request.device_id()) {
        error = absl::InternalError(absl::StrCat(
            "ack for report ", call->ack.report_id(), " of device '", call->ack.device_id(),
            "' answers report ", call->request.report().header().report_id(), " of device '",
            call->request.device_id(), "'"));
      }
      stats_.RecordAck(call->ack, latency);
    } else {
      v1::ReportAck rejected;
      rejected.set_device_id(call->request.device_id());
      rejected.set_report_id(call->request.report().header().report_id());
      rejected.set_status(v1::ReportAck::REJECTED);
      rejected.set_error_code(ErrorCodeOf(status.error_code()));
      stats_.RecordAck(rejected, latency);
      if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED &&
          status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
        error = absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                             status.error_message());
      }
    }
    // Freed under the lock (unless AwaitDrained still holds it), so that once inflight_ is
    // empty no call of ours is left to free.
    absl::MutexLock lock(&mu_);
    if (error_.ok() && !error.ok()) error_ = error;
    inflight_.erase(call);
  }

  // Waits for every call in flight, at most drain_timeout; then cancels the rest and
  // waits for their callbacks. False when it had to cancel.
  bool AwaitDrained() {
    auto none = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return inflight_.empty(); };
    std::vector<std::shared_ptr<Call>> late;
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&none), options_.drain_timeout)) return true;
      for (const auto& [raw, call] : inflight_) late.push_back(call);
    }
    // Outside the lock: a cancelled call's callback may run on this very thread.
    for (const std::shared_ptr<Call>& call : late) call->context.TryCancel();
    late.clear();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&none));
    return false;
  }

  const ReportStreamOptions& options_;
  const Fleet& fleet_;
  LoadStats& stats_;
  const std::atomic<bool>& stop_;
  std::unique_ptr<v1::IngestService::Stub> stub_;

  absl::Mutex mu_;
  // Calls in flight. Shared so that cancelling one outside the lock keeps it alive.
  std::unordered_map<Call*, std::shared_ptr<Call>> inflight_ ABSL_GUARDED_BY(mu_);
  absl::Status error_ ABSL_GUARDED_BY(mu_);  // the first failure that counts as one
};

}  // namespace

absl::Status RunUnaryReports(const ReportStreamOptions& options, const Fleet& fleet,
                             LoadStats& stats, const std::atomic<bool>& stop) {
  return UnaryReports(options, fleet, stats, stop).Run();
}

}  // namespace warden::tools
