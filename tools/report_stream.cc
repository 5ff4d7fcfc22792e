#include "tools/report_stream.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/token_bucket.h"
#include "google/protobuf/arena.h"
#include "tools/pacing.h"
#include "warden/v1/ingest.grpc.pb.h"

namespace warden::tools {
namespace {

// How often blocked threads look at the stop flag.
constexpr absl::Duration kPoll = absl::Milliseconds(100);
// The first block of the arena a message's reports are built on (later blocks double):
// a batch of 100 reports takes about 200 KiB.
constexpr size_t kArenaFirstBlock = 64 << 10;

// One stream's run: the writer sends (one report a message, or batches of them), the
// reader matches each ack with the oldest report not yet acked (the server acks in
// order). Thread-safe where it must be: `pending_`, `batches_` and the flags are shared
// by the writer, the reader and Run().
class ReportStream {
 public:
  ReportStream(const ReportStreamOptions& options, const Fleet& fleet, LoadStats& stats,
               const std::atomic<bool>& stop)
      : options_(options), fleet_(fleet), stats_(stats), stop_(stop) {}

  absl::Status Run() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    auto channel =
        grpc::CreateCustomChannel(options_.server, grpc::InsecureChannelCredentials(), args);
    auto stub = v1::IngestService::NewStub(channel);
    if (batched()) {
      batch_stream_ = stub->StreamReportBatches(&context_);
    } else {
      stream_ = stub->StreamReports(&context_);
    }

    std::thread writer([this] { Write(); });
    std::thread reader([this] { Read(); });
    const bool drained = AwaitEnd();
    writer.join();
    reader.join();
    const grpc::Status status = batched() ? batch_stream_->Finish() : stream_->Finish();

    absl::MutexLock lock(&mu_);
    if (!drained) {
      return absl::DeadlineExceededError(absl::StrCat(pending_.size(), " reports unacked ",
                                                      absl::FormatDuration(options_.drain_timeout),
                                                      " after the last send"));
    }
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    if (!error_.ok()) return error_;
    if (!pending_.empty()) {
      return absl::InternalError(
          absl::StrCat("the stream ended with ", pending_.size(), " reports unacked"));
    }
    return absl::OkStatus();
  }

 private:
  struct Pending {
    int device;
    int64_t report_id;
    absl::Time sent_at;
    absl::Time due;  // on the schedule (PaceUnlessStopped)
  };

  // A report of the message being filled: what pending_ and on_sent are told of it.
  struct Sent {
    int device;
    bool misbehaving;
    absl::Time at;
    absl::Time due;
  };

  bool batched() const { return options_.batch > 1; }

  // Waits until the reader has seen the end of the stream. Once the writer is done (or
  // told to stop), waits at most drain_timeout more, then cancels the call. Returns
  // false when it had to cancel.
  bool AwaitEnd() {
    absl::MutexLock lock(&mu_);
    absl::Time deadline = absl::InfiniteFuture();
    while (!reader_done_) {
      if (deadline == absl::InfiniteFuture() && (writer_done_ || stop_.load())) {
        deadline = absl::Now() + options_.drain_timeout;
      }
      if (absl::Now() >= deadline) {
        context_.TryCancel();
        return false;
      }
      mu_.AwaitWithTimeout(absl::Condition(&reader_done_), kPoll);
    }
    return true;
  }

  // Waits for room for one message of options.batch reports under max_inflight (a
  // message always goes when nothing is in flight). False when the stream is over or
  // told to stop.
  bool AwaitRoom() {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return reader_done_ || pending_.empty() ||
             static_cast<int>(pending_.size()) + options_.batch <= options_.max_inflight;
    };
    while (!mu_.AwaitWithTimeout(absl::Condition(&room), kPoll)) {
      if (stop_.load()) return false;
    }
    return !reader_done_;
  }

  // Sends `batch` as one message (a single report on StreamReports when not batched),
  // its reports pending an ack from then on, then tells stats and on_sent about each
  // report. False when the stream is over.
  bool Send(const v1::ReportBatch& batch, const std::vector<Sent>& sent) {
    {
      absl::MutexLock lock(&mu_);
      for (int r = 0; r < batch.reports_size(); ++r) {
        pending_.push_back({sent[r].device, batch.reports(r).report().header().report_id(),
                            sent[r].at, sent[r].due});
      }
      if (batched()) batches_.push_back(batch.reports_size());
    }
    if (batched()) {
      if (!batch_stream_->Write(batch)) return false;
    } else if (!stream_->Write(batch.reports(0))) {
      return false;
    }
    stats_.RecordSent(batch.reports_size());
    if (options_.on_sent) {
      for (int r = 0; r < batch.reports_size(); ++r) {
        options_.on_sent(sent[r].device, batch.reports(r).report(), sent[r].misbehaving,
                         sent[r].at);
      }
    }
    return true;
  }

  void Write() {
    const std::vector<int>& devices = options_.devices;
    TokenBucket bucket = PacingBucket(options_.rate, options_.catch_up, absl::Now());
    std::mt19937_64 rng(options_.seed + 0x9E3779B97F4A7C15ULL * (options_.stream + 1));
    std::vector<int64_t> next_id(devices.size(), options_.report_id_start);
    // The message being filled lives on `arena`, reset once it is sent: its reports,
    // their parts and strings cost no malloc or free each.
    google::protobuf::ArenaOptions arena_options;
    arena_options.start_block_size = kArenaFirstBlock;
    arena_options.max_block_size = 16 * kArenaFirstBlock;
    google::protobuf::Arena arena(arena_options);
    v1::ReportBatch* batch = google::protobuf::Arena::CreateMessage<v1::ReportBatch>(&arena);
    std::vector<Sent> sent;
    bool open = true;
    for (size_t i = 0; !devices.empty() && !(options_.once && i == devices.size()); ++i) {
      if (batch->reports_size() == 0 && !AwaitRoom()) break;
      absl::Time due;
      if (!PaceUnlessStopped(bucket, stop_, kPoll, &due)) break;
      const size_t slot = i % devices.size();
      const int device = devices[slot];
      const absl::Time now = absl::Now();
      const bool misbehaving = now >= options_.misbehave_at;
      v1::ReportRequest* request = batch->add_reports();
      request->set_device_id(fleet_.name(device));
      fleet_.MakeReport(device, next_id[slot]++, misbehaving, rng, request->mutable_report());
      sent.push_back({device, misbehaving, now, due});
      if (batch->reports_size() < options_.batch) continue;
      open = Send(*batch, sent);
      if (!open) break;  // the stream is over; Finish says why
      arena.Reset();
      batch = google::protobuf::Arena::CreateMessage<v1::ReportBatch>(&arena);
      sent.clear();
    }
    // A partial batch (once, or told to stop): send it, so that every report made is
    // sent and acked.
    if (open && batch->reports_size() > 0) Send(*batch, sent);
    if (batched()) {
      batch_stream_->WritesDone();
    } else {
      stream_->WritesDone();
    }
    absl::MutexLock lock(&mu_);
    writer_done_ = true;
  }

  // The report `ack` answers: the oldest one sent and not yet acked. Records the first
  // ack that does not match it (or has none) in error_.
  std::optional<Pending> TakeOldestPendingLocked(const v1::ReportAck& ack)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (pending_.empty()) {
      if (error_.ok()) {
        error_ =
            absl::InternalError(absl::StrCat("ack for report ", ack.report_id(), " of device '",
                                             ack.device_id(), "' with no report waiting for one"));
      }
      return std::nullopt;
    }
    const Pending p = pending_.front();
    pending_.pop_front();
    const std::string& name = fleet_.name(p.device);
    if (error_.ok() && (ack.report_id() != p.report_id || ack.device_id() != name)) {
      error_ = absl::InternalError(absl::StrCat("acks out of order: expected report ", p.report_id,
                                                " of device '", name, "', got ", ack.report_id(),
                                                " of device '", ack.device_id(), "'"));
    }
    return p;
  }

  void Record(const v1::ReportAck& ack, absl::Time now) {
    std::optional<Pending> p;
    {
      absl::MutexLock lock(&mu_);
      p = TakeOldestPendingLocked(ack);
    }
    if (p.has_value()) stats_.RecordAck(ack, {now - p->sent_at, now - p->due});
  }

  // The acks of a batch, matched with their reports under one lock; records an error
  // unless it has one ack per report of the batch.
  void RecordBatch(const v1::ReportBatchAck& acks, absl::Time now,
                   std::vector<std::pair<const v1::ReportAck*, AckLatency>>& latencies) {
    latencies.clear();
    {
      absl::MutexLock lock(&mu_);
      CheckBatchAckLocked(acks);
      for (const v1::ReportAck& ack : acks.acks()) {
        std::optional<Pending> p = TakeOldestPendingLocked(ack);
        if (p.has_value()) latencies.emplace_back(&ack, AckLatency{now - p->sent_at, now - p->due});
      }
    }
    stats_.RecordAcks(latencies);
  }

  // Records an error unless the ack of a batch has one ack per report of it.
  void CheckBatchAckLocked(const v1::ReportBatchAck& acks) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int expected = batches_.empty() ? 0 : batches_.front();
    if (!batches_.empty()) batches_.pop_front();
    if (error_.ok() && acks.acks_size() != expected) {
      error_ = absl::InternalError(absl::StrCat("the ack of a batch of ", expected, " reports has ",
                                                acks.acks_size(), " acks"));
    }
  }

  void Read() {
    if (batched()) {
      v1::ReportBatchAck acks;
      std::vector<std::pair<const v1::ReportAck*, AckLatency>> latencies;
      while (batch_stream_->Read(&acks)) RecordBatch(acks, absl::Now(), latencies);
    } else {
      v1::ReportAck ack;
      while (stream_->Read(&ack)) Record(ack, absl::Now());
    }
    absl::MutexLock lock(&mu_);
    reader_done_ = true;
  }

  const ReportStreamOptions& options_;
  const Fleet& fleet_;
  LoadStats& stats_;
  const std::atomic<bool>& stop_;

  grpc::ClientContext context_;
  // One of them, as options.batch says.
  std::unique_ptr<grpc::ClientReaderWriter<v1::ReportRequest, v1::ReportAck>> stream_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ReportBatch, v1::ReportBatchAck>> batch_stream_;

  absl::Mutex mu_;
  std::deque<Pending> pending_ ABSL_GUARDED_BY(mu_);
  std::deque<int> batches_ ABSL_GUARDED_BY(mu_);  // sizes of the batches sent, not yet acked
  bool writer_done_ ABSL_GUARDED_BY(mu_) = false;
  bool reader_done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);  // the first mismatched ack
};

}  // namespace

absl::Status RunReportStream(const ReportStreamOptions& options, const Fleet& fleet,
                             LoadStats& stats, const std::atomic<bool>& stop) {
  return ReportStream(options, fleet, stats, stop).Run();
}

}  // namespace warden::tools
