#ifndef WARDEN_ALERTS_DELIVERY_POLICY_H_
#define WARDEN_ALERTS_DELIVERY_POLICY_H_

#include <string>

#include "alerts/config.h"

namespace warden::alerts {

// What one delivery attempt's result means.
enum class Outcome {
  kDelivered,  // 2xx
  kRetry,      // transport error, timeout, 408, 425, 429, 5xx
  kPermanent,  // other 4xx, 3xx (redirects are not followed): dead-letter the event
  kGone,       // 410: the endpoint asks to be disabled
};

// Classifies an HTTP attempt. `http_status` 0 means no response (transport error).
Outcome Classify(long http_status);

// A short, bounded reason for metrics labels: "http_503", "http_4xx", "transport", ...
std::string ReasonLabel(long http_status);

// Seconds to wait after `failed_attempts` (>= 1) consecutive failures: exponential from
// policy.initial_backoff_seconds, doubling, capped at policy.max_backoff_seconds, with
// jitter drawn from `unit_random` in [0, 1): the delay is in [cap/2, cap].
double BackoffSeconds(const RetryPolicy& policy, int failed_attempts, double unit_random);

}  // namespace warden::alerts

#endif  // WARDEN_ALERTS_DELIVERY_POLICY_H_
