#include "alerts/delivery_policy.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace warden::alerts {
namespace {

// Statuses a receiver may answer while it is overloaded or restarting: worth a retry.
bool IsTransient(long http_status) {
  return http_status == 408 || http_status == 425 || http_status == 429 ||
         (http_status >= 500 && http_status <= 599);
}

// Statuses common enough in failures to get a label of their own; the rest are
// labelled by class, so the label set stays bounded.
bool HasOwnLabel(long http_status) {
  switch (http_status) {
    case 400:
    case 401:
    case 403:
    case 404:
    case 408:
    case 410:
    case 413:
    case 425:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

}  // namespace

Outcome Classify(long http_status) {
  if (http_status == 0) return Outcome::kRetry;
  if (http_status >= 200 && http_status <= 299) return Outcome::kDelivered;
  if (http_status == 410) return Outcome::kGone;
  if (IsTransient(http_status)) return Outcome::kRetry;
  return Outcome::kPermanent;
}

std::string ReasonLabel(long http_status) {
  if (http_status == 0) return "transport";
  if (http_status < 100 || http_status > 599) return "http_other";
  if (HasOwnLabel(http_status)) return absl::StrCat("http_", http_status);
  return absl::StrCat("http_", http_status / 100, "xx");
}

double BackoffSeconds(const RetryPolicy& policy, int failed_attempts, double unit_random) {
  // Doubling stops at the cap; the exponent is bounded so it cannot overflow.
  const int doublings = std::clamp(failed_attempts - 1, 0, 62);
  const double cap =
      std::min(policy.max_backoff_seconds, std::ldexp(policy.initial_backoff_seconds, doublings));
  const double jitter = std::clamp(unit_random, 0.0, 1.0);
  return cap / 2 + jitter * cap / 2;
}

}  // namespace warden::alerts
