#ifndef WARDEN_DETECTORS_CLOUD_METRICS_H_
#define WARDEN_DETECTORS_CLOUD_METRICS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "rules/model.h"
#include "warden/v1/broker.pb.h"
#include "warden/v1/violation.pb.h"

// Cloud-side metrics (reference §1) from broker events. Each device's events are
// counted in 5-minute buckets aligned to the epoch, one count per series (a metric,
// or a metric narrowed by a topic filter). When a bucket ends its counts become one
// datapoint per counter series; a bucket ends on the device's next event or on the
// engine's timer (Evaluator::AdvanceTime), so a silent device still gets its datapoint.
//
//   connect                → aws:num-connection-attempts (successful or not);
//                            aws:source-ip-address is judged on each connect
//   authorization_failure  → aws:num-authorization-failures (topic-filterable)
//   publish                → aws:num-messages-sent (topic-filterable);
//                            aws:message-byte-size is judged on each message
//   deliver                → aws:num-messages-received (topic-filterable)
//   disconnect             → aws:num-disconnects; aws:disconnect-duration is the time
//                            since, judged at each bucket end while disconnected

namespace warden::detectors {

inline constexpr int64_t kCloudBucketMicros = int64_t{300} * 1000000;

// The start of the bucket holding `time_us`.
inline int64_t BucketStart(int64_t time_us) {
  return time_us - ((time_us % kCloudBucketMicros) + kCloudBucketMicros) % kCloudBucketMicros;
}

// What an event counts toward: the counter metric and the topic filters apply to.
struct CloudEvent {
  rules::BuiltinMetric counter = rules::BuiltinMetric::kCustom;  // kCustom: none
  std::string_view topic;
};
CloudEvent ClassifyBrokerEvent(const v1::BrokerEvent& event);

// The open bucket's count of `series` (0 when none).
double BucketValue(const v1::CloudState& cloud, std::string_view series);
void AddToBucket(v1::CloudState* cloud, const std::string& series, double amount);

}  // namespace warden::detectors

#endif  // WARDEN_DETECTORS_CLOUD_METRICS_H_
