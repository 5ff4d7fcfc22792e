#include "alerts/payloads.h"

#include <cmath>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "alerts/router.h"

namespace warden::alerts {
namespace {

using Labels = google::protobuf::Map<std::string, std::string>;

// What an alert says about a violation, taken from the violation itself or from one
// of its events (both carry the same description of the behaviour).
struct Subject {
  const std::string& violation_id;
  const std::string& device_id;
  const std::string& profile;
  const std::string& behaviour;
  const std::string& metric;
  v1::Severity severity;
  const Labels& labels;
  const v1::Evidence& evidence;
};

Subject SubjectOf(const v1::Violation& v) {
  return {v.violation_id(), v.device_id(), v.profile(), v.behaviour(),
          v.metric(),       v.severity(),  v.labels(),  v.last_evidence()};
}

Subject SubjectOf(const v1::ViolationEvent& e) {
  return {e.violation_id(), e.device_id(), e.profile(), e.behaviour(),
          e.metric(),       e.severity(),  e.labels(),  e.evidence()};
}

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1'000'000 + t.nanos() / 1'000;
}

// RFC 3339 in UTC with milliseconds: "2026-11-26T13:00:00.123Z".
std::string Rfc3339(int64_t micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMicros(micros),
                          absl::UTCTimeZone());
}

// Whole numbers without a fraction ("5000000", not "5e+06"); others as written.
std::string FormatNumber(double value) {
  if (value > -1e15 && value < 1e15 && value == std::trunc(value)) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrFormat("%.15g", value);
}

// external_url + "/violations/" + id, or "" without an external URL.
std::string Link(std::string_view external_url, const std::string& violation_id) {
  while (!external_url.empty() && external_url.back() == '/') external_url.remove_suffix(1);
  if (external_url.empty()) return "";
  return absl::StrCat(absl::string_view(external_url.data(), external_url.size()), "/violations/",
                      violation_id);
}

using Strings = google::protobuf::RepeatedPtrField<std::string>;

std::string Join(const Strings& items) { return absl::StrJoin(items, ", "); }

nlohmann::json JsonArray(const Strings& items) {
  return std::vector<std::string>(items.begin(), items.end());
}

// The value compared: a number, or the reported list elements.
std::string ValueText(const v1::Evidence& e) {
  return e.has_number() ? FormatNumber(e.number()) : Join(e.elements());
}

// One sentence on what was compared with what, e.g.
// "aws:all-bytes-out = 6000000 over 300s (5 datapoints), expected less-than 5000000".
std::string Description(const Subject& s) {
  const v1::Evidence& e = s.evidence;
  std::string out = absl::StrCat(s.metric, " = ");
  if (e.has_number()) {
    absl::StrAppend(&out, FormatNumber(e.number()));
    if (e.duration_seconds() > 0) {
      absl::StrAppend(&out, " over ", e.duration_seconds(), "s (", e.datapoints(), " datapoints)");
    }
    absl::StrAppend(&out, ", expected ", e.operator_());
    if (e.has_threshold()) absl::StrAppend(&out, " ", FormatNumber(e.threshold()));
    return out;
  }
  absl::StrAppend(&out, "[", Join(e.elements()), "], expected ", e.operator_(), " ",
                  e.list().empty() ? "an inline list" : absl::StrCat("list '", e.list(), "'"));
  if (!e.offending().empty()) absl::StrAppend(&out, "; offending: ", Join(e.offending()));
  return out;
}

nlohmann::json AlertLabels(const Subject& s) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [name, value] : s.labels) labels[name] = value;
  // Set last: a behaviour's labels cannot override what identifies the alert.
  labels["alertname"] = s.behaviour;
  labels["profile"] = s.profile;
  labels["device"] = s.device_id;
  labels["severity"] = std::string(SeverityName(s.severity));
  labels["metric"] = s.metric;
  return labels;
}

nlohmann::json AlertAnnotations(const Subject& s, const std::string& reason) {
  const v1::Evidence& e = s.evidence;
  nlohmann::json annotations = {
      {"summary",
       absl::StrCat(s.behaviour, " on device ", s.device_id, " (profile ", s.profile, ")")},
      {"description", Description(s)},
      {"value", ValueText(e)},
      {"violation_id", s.violation_id},
  };
  if (e.has_threshold()) annotations["threshold"] = FormatNumber(e.threshold());
  if (!e.has_number()) {
    annotations["list"] = e.list().empty() ? "inline" : e.list();
    if (!e.offending().empty()) annotations["offending"] = Join(e.offending());
  }
  if (e.duration_seconds() > 0) {
    annotations["window"] =
        absl::StrCat(e.duration_seconds(), "s (", e.datapoints(), " datapoints)");
  }
  if (!reason.empty()) annotations["reason"] = reason;
  return annotations;
}

nlohmann::json Alert(const Subject& s, const std::string& reason, int64_t starts_us,
                     int64_t ends_us, const std::string& external_url) {
  nlohmann::json alert = {
      {"labels", AlertLabels(s)},
      {"annotations", AlertAnnotations(s, reason)},
      {"startsAt", Rfc3339(starts_us)},
      {"endsAt", Rfc3339(ends_us)},
  };
  if (std::string link = Link(external_url, s.violation_id); !link.empty()) {
    alert["generatorURL"] = std::move(link);
  }
  return alert;
}

// How long Alertmanager should consider a live alarm firing without hearing again.
int64_t FiringHorizonMicros(int64_t resend_interval_seconds) {
  return 4 * resend_interval_seconds * 1'000'000;
}

nlohmann::json EvidenceJson(const v1::Evidence& e) {
  nlohmann::json out = {
      {"operator", e.operator_()},
      {"duration_seconds", e.duration_seconds()},
      {"datapoints", e.datapoints()},
      {"report_id", e.report_id()},
  };
  if (e.has_number()) {
    out["value"] = e.number();
  } else {
    out["elements"] = JsonArray(e.elements());
    out["list"] = e.list();
    out["offending"] = JsonArray(e.offending());
    out["matched_entries"] = JsonArray(e.matched_entries());
  }
  if (e.has_threshold()) out["threshold"] = e.threshold();
  return out;
}

}  // namespace

nlohmann::json FiringAlert(const v1::Violation& v, int64_t now_us, int64_t resend_interval_seconds,
                           const std::string& external_url) {
  return Alert(SubjectOf(v), "", Micros(v.start_time()),
               now_us + FiringHorizonMicros(resend_interval_seconds), external_url);
}

nlohmann::json EventAlert(const v1::ViolationEvent& e, int64_t now_us,
                          int64_t resend_interval_seconds, const std::string& external_url) {
  const int64_t event_us = Micros(e.time());
  // Events written before they carried the start: the event time is the best known.
  const int64_t start_us =
      e.has_violation_start_time() ? Micros(e.violation_start_time()) : event_us;
  const int64_t ends_us =
      e.type() == v1::IN_ALARM ? now_us + FiringHorizonMicros(resend_interval_seconds) : event_us;
  return Alert(SubjectOf(e), e.reason(), start_us, ends_us, external_url);
}

std::string WebhookBody(const v1::ViolationEvent& e, const std::string& external_url) {
  const std::string type(EventTypeName(e.type()));
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [name, value] : e.labels()) labels[name] = value;
  nlohmann::json data = {
      {"event_id", e.event_id()},
      {"event_type", type},
      {"violation_id", e.violation_id()},
      {"device_id", e.device_id()},
      {"profile", e.profile()},
      {"behaviour", e.behaviour()},
      {"metric", e.metric()},
      {"severity", std::string(SeverityName(e.severity()))},
      {"labels", std::move(labels)},
      {"evidence", EvidenceJson(e.evidence())},
      {"event_time", Rfc3339(Micros(e.time()))},
  };
  if (e.has_violation_start_time()) {
    data["violation_start_time"] = Rfc3339(Micros(e.violation_start_time()));
  }
  if (!e.reason().empty()) data["reason"] = e.reason();
  if (std::string link = Link(external_url, e.violation_id()); !link.empty()) {
    data["link"] = std::move(link);
  }
  const nlohmann::json body = {
      {"type", e.profile() != kAuditProfile ? absl::StrCat("violation.", type)
               : e.type() == v1::IN_ALARM   ? "audit.non-compliant"
                                            : "audit.compliant"},
      {"timestamp", Rfc3339(Micros(e.time()))},
      {"version", kWebhookPayloadVersion},
      {"data", std::move(data)},
  };
  return body.dump();
}

}  // namespace warden::alerts
