#ifndef WARDEN_ALERTS_DELIVERY_POLICY_H_
#define WARDEN_ALERTS_DELIVERY_POLICY_H_

#include <string>

#include "alerts/config.h"

namespace warden::alerts {

// What one delivery attempt's result means.
enum class Outcome {
  kDelivered,  // 2xx
  kRetry,      // transport error, timeout, 408, 425, 429, 5xx
  kPermanent,  // other 4xx, 3xx (redirects are not followed), any other status:
               // dead-letter the event
  kGone,       // 410: the endpoint asks to be disabled
};

// Classifies an HTTP attempt. `http_status` 0 means no response (transport error).
Outcome Classify(long http_status);

// A short, bounded reason for metrics labels: "transport" for 0; "http_<status>" for
// 400, 401, 403, 404, 408, 410, 413, 425, 429, 500, 502, 503, 504; otherwise the class,
// "http_2xx" ... "http_5xx"; "http_other" outside 100-599.
std::string ReasonLabel(long http_status);

// Seconds to wait after `failed_attempts` (>= 1) consecutive failures: exponential from
// policy.initial_backoff_seconds, doubling, capped at policy.max_backoff_seconds, with
// jitter drawn from `unit_random` in [0, 1). With cap = min(max_backoff_seconds,
// initial_backoff_seconds × 2^(failed_attempts − 1)) the delay is
// cap/2 + unit_random × cap/2, in [cap/2, cap). A `failed_attempts` below 1 counts as 1.
double BackoffSeconds(const RetryPolicy& policy, int failed_attempts, double unit_random);

}  // namespace warden::alerts

#endif  // WARDEN_ALERTS_DELIVERY_POLICY_H_
