#include "services/broker_service.h"

#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rules/lists.h"
#include "services/ordered_stream.h"

namespace warden::services {
namespace {

// Events more than this far in the future (clock skew) are refused.
constexpr int64_t kMaxFutureSeconds = 300;
constexpr size_t kMaxClientIdBytes = 128;

bool IsSha256Hex(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

v1::BrokerEventAck Rejected(const v1::BrokerEvent& e, const std::string& code,
                            const std::string& field_path, const std::string& message) {
  v1::BrokerEventAck ack;
  ack.set_device_id(e.device_id());
  ack.set_sequence(e.sequence());
  ack.set_status(v1::BrokerEventAck::REJECTED);
  ack.set_error_code(code);
  ack.set_field_path(field_path);
  ack.set_message(message);
  return ack;
}

std::optional<ReportProblem> CheckTopic(const std::string& topic, const char* path, bool required) {
  if (topic.empty()) {
    if (!required) return std::nullopt;
    return ReportProblem{path, "a topic is required"};
  }
  if (topic.size() > 65535) return ReportProblem{path, "a topic is at most 65535 bytes"};
  if (topic.find_first_of("+#") != std::string::npos) {
    return ReportProblem{path, "a topic name cannot contain the wildcards '+' or '#'"};
  }
  return std::nullopt;
}

std::optional<ReportProblem> CheckMessage(const v1::BrokerEvent::Message& m, const char* kind) {
  if (auto p = CheckTopic(m.topic(), "", true)) {
    p->field_path = absl::StrCat(kind, ".topic");
    return p;
  }
  if (m.bytes() < 0) {
    return ReportProblem{absl::StrCat(kind, ".bytes"), "bytes cannot be negative"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<ReportProblem> ValidateBrokerEvent(const v1::BrokerEvent& e, int64_t now_us) {
  if (!IsValidDeviceId(e.device_id())) {
    return ReportProblem{"device_id", "expected 1 to 128 characters of [a-zA-Z0-9:_.-]"};
  }
  if (!e.has_time()) return ReportProblem{"time", "the time the broker saw the event is required"};
  if (e.time().seconds() <= 0 || e.time().nanos() < 0 || e.time().nanos() > 999999999) {
    return ReportProblem{"time", "not a valid time after 1970"};
  }
  if (e.time().seconds() > now_us / kMicrosPerSecond + kMaxFutureSeconds) {
    return ReportProblem{"time", "more than 5 minutes in the future (check the broker's clock)"};
  }
  switch (e.event_case()) {
    case v1::BrokerEvent::kConnect:
      if (e.connect().client_id().size() > kMaxClientIdBytes ||
          e.connect().client_id().find('\0') != std::string::npos) {
        return ReportProblem{"connect.client_id", "at most 128 bytes, without NUL"};
      }
      if (!e.connect().certificate_id().empty() && !IsSha256Hex(e.connect().certificate_id())) {
        return ReportProblem{"connect.certificate_id",
                             "expected the certificate's SHA-256 as 64 hex digits"};
      }
      if (!e.connect().source_ip().empty() && !rules::ParseIp(e.connect().source_ip())) {
        return ReportProblem{"connect.source_ip",
                             absl::StrCat("'", e.connect().source_ip(),
                                          "' is not an IPv4 or IPv6 address (no port)")};
      }
      return std::nullopt;
    case v1::BrokerEvent::kAuthorizationFailure:
      if (auto p = CheckTopic(e.authorization_failure().topic(), "", false)) {
        p->field_path = "authorization_failure.topic";
        return p;
      }
      return std::nullopt;
    case v1::BrokerEvent::kPublish:
      return CheckMessage(e.publish(), "publish");
    case v1::BrokerEvent::kDeliver:
      return CheckMessage(e.deliver(), "deliver");
    case v1::BrokerEvent::kDisconnect:
      return std::nullopt;
    case v1::BrokerEvent::EVENT_NOT_SET:
      break;
  }
  return ReportProblem{"event",
                       "one of connect, authorization_failure, publish, deliver or disconnect "
                       "is required"};
}

BrokerServiceImpl::BrokerServiceImpl(IngestEngine* engine, Metrics* metrics, const Clock* clock,
                                     ConnectionRecorder* connections,
                                     size_t max_inflight_per_stream)
    : engine_(engine),
      metrics_(metrics),
      clock_(clock),
      connections_(connections),
      max_inflight_per_stream_(max_inflight_per_stream) {}

void BrokerServiceImpl::Submit(std::shared_ptr<const v1::BrokerEventBatch> batch, Done done) {
  struct Pending {
    v1::BrokerEventAcks acks;
    std::atomic<int> remaining{0};
    Done done;
  };
  auto pending = std::make_shared<Pending>();
  const int n = batch->events_size();
  pending->done = std::move(done);
  pending->remaining = n + 1;  // +1 until every event is submitted
  for (int i = 0; i < n; ++i) pending->acks.add_acks();
  const int64_t now_us = clock_->NowMicros();
  auto finish_one = [pending] {
    if (pending->remaining.fetch_sub(1) == 1) pending->done(pending->acks);
  };
  for (int i = 0; i < n; ++i) {
    const v1::BrokerEvent& e = batch->events(i);
    auto set = [pending, i, finish_one, &e,
                recorder = connections_](const v1::BrokerEventAck& ack) {
      // `e` lives in the batch, which outlives every ack of it.
      if (recorder != nullptr && ack.status() == v1::BrokerEventAck::ACCEPTED) {
        recorder->Observe(e);
      }
      *pending->acks.mutable_acks(i) = ack;
      finish_one();
    };
    if (std::optional<ReportProblem> p = ValidateBrokerEvent(e, now_us)) {
      metrics_->BrokerEvents("REJECTED").Increment();
      set(Rejected(e, "InvalidPayload", p->field_path, p->message));
      continue;
    }
    if (!engine_->SubmitBrokerEvent(&e, batch, set)) {
      const bool healthy = engine_->healthy();
      metrics_->BrokerEvents("REJECTED").Increment();
      set(Rejected(e, healthy ? "ResourceExhausted" : "Unavailable", "",
                   healthy ? "ingest queue full; resend this event after a backoff"
                           : "wardend cannot store events; see its log"));
    }
  }
  finish_one();
}

grpc::ServerUnaryReactor* BrokerServiceImpl::PublishEvents(grpc::CallbackServerContext* context,
                                                           const v1::BrokerEventBatch* request,
                                                           v1::BrokerEventAcks* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->events_size() > kMaxBrokerEventsPerBatch) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 absl::StrCat("events: at most ", kMaxBrokerEventsPerBatch,
                                              " events per batch, got ", request->events_size())));
    return reactor;
  }
  const int64_t now_us = clock_->NowMicros();
  for (int i = 0; i < request->events_size(); ++i) {
    if (std::optional<ReportProblem> p = ValidateBrokerEvent(request->events(i), now_us)) {
      metrics_->BrokerEvents("REJECTED").Increment(request->events_size());
      reactor->Finish(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                       absl::StrCat("events[", i, "].", p->field_path, ": ", p->message)));
      return reactor;
    }
  }
  // The request outlives the call's reactions; a non-owning pointer keeps it.
  std::shared_ptr<const v1::BrokerEventBatch> batch(request, [](const v1::BrokerEventBatch*) {});
  Submit(std::move(batch), [reactor, response](const v1::BrokerEventAcks& acks) {
    *response = acks;
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerBidiReactor<v1::BrokerEventBatch, v1::BrokerEventAcks>* BrokerServiceImpl::StreamEvents(
    grpc::CallbackServerContext* context) {
  using Reactor = OrderedStreamReactor<v1::BrokerEventBatch, v1::BrokerEventAcks>;
  return new Reactor(
      [this](OwnedMessage<v1::BrokerEventBatch> batch, Reactor::Complete complete) {
        if (batch->events_size() > kMaxBrokerEventsPerBatch) {
          v1::BrokerEventAcks acks;
          for (const v1::BrokerEvent& e : batch->events()) {
            *acks.add_acks() =
                Rejected(e, "InvalidPayload", "events",
                         absl::StrCat("at most ", kMaxBrokerEventsPerBatch, " events per batch"));
          }
          complete(acks);
          return;
        }
        Submit(std::shared_ptr<const v1::BrokerEventBatch>(std::move(batch)), complete);
      },
      max_inflight_per_stream_);
}

}  // namespace warden::services
