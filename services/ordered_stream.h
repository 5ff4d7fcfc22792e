#ifndef WARDEN_SERVICES_ORDERED_STREAM_H_
#define WARDEN_SERVICES_ORDERED_STREAM_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "grpcpp/grpcpp.h"
#include "services/owned_message.h"

namespace warden::services {

// The `arena_block_bytes` of the report-batch streams (wardend's and warden-grpc-floor's):
// later blocks double up to 64 KiB, so a batch of 100 reports takes a handful of blocks
// instead of thousands of allocations, freed at once when its last ack is sent; a batch
// of one wastes at most this much.
inline constexpr size_t kBatchArenaFirstBlock = 4 << 10;

// A bidi stream whose every request gets exactly one response, in request order
// (StreamReports, BrokerEventService.StreamEvents). Requests are numbered as they are
// read; `handle` gets each one with a `complete` callback that it (or the engine) calls
// exactly once, from any thread. Responses can complete out of order (different shards)
// and are written strictly in request order. At most `max_inflight` units of work are
// unanswered (a request weighs 1, or what `weigh` says, e.g. the reports of a batch,
// and at least 1): past that the reactor stops reading, which pushes back on the client
// through HTTP/2 flow control. It always reads when nothing is unanswered, so a request
// heavier than the limit still goes through, alone.
//
// Lifetime: Finish is called only once every report read has been acknowledged (or
// dropped, on a broken stream); the reactor deletes itself in OnDone.
template <typename Request, typename Response>
class OrderedStreamReactor : public grpc::ServerBidiReactor<Request, Response> {
 public:
  using Complete = std::function<void(Response)>;  // moved in when the caller is done with it
  using Handler = std::function<void(OwnedMessage<Request>, Complete)>;
  using Weigh = size_t (*)(const Request&);

  // Starts reading; the reactor deletes itself when the call is done. `weigh` (may be
  // null: every request weighs 1) is called once per request, before `handle`. With
  // `arena_block_bytes` > 0 each request is read into an arena of its own whose first
  // block is that big (for requests with many sub-messages: batches); else on the heap.
  OrderedStreamReactor(Handler handle, size_t max_inflight, Weigh weigh = nullptr,
                       size_t arena_block_bytes = 0)
      : handle_(std::move(handle)),
        max_inflight_(max_inflight),
        weigh_(weigh),
        arena_block_bytes_(arena_block_bytes) {
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
      if (finish) this->Finish(grpc::Status::OK);
      return;
    }
    OwnedMessage<Request> req = std::move(incoming_);
    const size_t weight = weigh_ == nullptr ? 1 : std::max<size_t>(1, weigh_(*req));
    uint64_t seq;
    {
      std::lock_guard<std::mutex> lock(mu_);
      read_pending_ = false;  // inflight_ now holds the stream open instead
      seq = next_seq_++;
      inflight_ += weight;
      responses_.emplace_back().weight = weight;
    }
    handle_(std::move(req), [this, seq](Response r) { CompleteAt(seq, std::move(r)); });
    bool read_more;
    {
      std::lock_guard<std::mutex> lock(mu_);
      read_more = inflight_ < max_inflight_ && !broken_;
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
      inflight_ -= responses_.front().weight;
      ++written_seq_;
      responses_.pop_front();
      DropIfBrokenLocked();
      write_next = TakeNextWriteLocked();
      if (reading_paused_ && !broken_ && !reads_done_ && inflight_ < max_inflight_) {
        reading_paused_ = false;
        read_pending_ = true;
        resume_read = true;
      }
      finish = ShouldFinishLocked();
      broken = broken_;
    }
    if (write_next) this->StartWrite(&writing_response_);
    if (resume_read) NextRead();
    if (finish) {
      this->Finish(broken ? grpc::Status(grpc::StatusCode::CANCELLED, "stream broken")
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
    if (finish) this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
  }

 private:
  void NextRead() {
    incoming_ = arena_block_bytes_ > 0 ? NewArenaMessage<Request>(arena_block_bytes_)
                                       : OwnedMessage<Request>(new Request);
    this->StartRead(incoming_.get());
  }

  // Called for every request exactly once, from any thread.
  void CompleteAt(uint64_t seq, Response&& response) {
    bool write_now = false;
    bool finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      responses_[seq - written_seq_].response = std::move(response);
      DropIfBrokenLocked();
      write_now = TakeNextWriteLocked();
      finish = ShouldFinishLocked();
    }
    if (write_now) this->StartWrite(&writing_response_);
    if (finish) this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
  }

  // On a broken stream nobody reads acks: completed ones are dropped in order.
  void DropIfBrokenLocked() {
    if (!broken_ || writing_) return;
    while (!responses_.empty() && responses_.front().response.has_value()) {
      inflight_ -= responses_.front().weight;
      responses_.pop_front();
      ++written_seq_;
    }
  }

  // If no write is in progress and the next ack in order is ready, moves it to
  // writing_response_ and returns true: the caller must StartWrite after unlocking.
  bool TakeNextWriteLocked() {
    if (writing_ || broken_ || responses_.empty() || !responses_.front().response.has_value()) {
      return false;
    }
    writing_response_ = std::move(*responses_.front().response);  // popped once written
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

  // A request read and not yet answered (response empty) or not yet written.
  struct Slot {
    std::optional<Response> response;
    size_t weight = 1;
  };

  const Handler handle_;
  const size_t max_inflight_;
  const Weigh weigh_;
  const size_t arena_block_bytes_;
  OwnedMessage<Request> incoming_;  // touched only by the read path
  std::mutex mu_;
  uint64_t next_seq_ = 0;
  uint64_t written_seq_ = 0;    // seq of responses_.front()
  std::deque<Slot> responses_;  // index: seq - written_seq_
  size_t inflight_ = 0;         // weight read, not yet written (or dropped)
  Response writing_response_;
  bool writing_ = false;
  bool reads_done_ = false;
  bool reading_paused_ = false;
  bool read_pending_ = false;  // a StartRead is outstanding (or about to be issued)
  bool broken_ = false;
  bool finished_ = false;
};

}  // namespace warden::services

#endif  // WARDEN_SERVICES_ORDERED_STREAM_H_
