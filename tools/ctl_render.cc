#include "tools/ctl_render.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "tools/names.h"
#include "tools/table.h"
#include "tools/time_args.h"

namespace warden::tools {
namespace {

constexpr int kMaxListedElements = 3;

// 20971520, 0.25, 1e+30: integers in full, the rest to 15 significant digits.
std::string FormatNumber(double x) { return absl::StrFormat("%.15g", x); }

std::string FormatElements(const google::protobuf::RepeatedPtrField<std::string>& elements) {
  std::vector<std::string> shown;
  for (int i = 0; i < elements.size() && i < kMaxListedElements; ++i) {
    shown.push_back(elements[i]);
  }
  std::string out = absl::StrJoin(shown, ",");
  if (elements.size() > kMaxListedElements) {
    absl::StrAppend(&out, " (+", elements.size() - kMaxListedElements, " more)");
  }
  return out;
}

// "less-than 1000000", "in-cidr-set list 'aws-ranges'", "in-port-set inline list".
std::string RenderRule(const v1::Evidence& e) {
  if (e.operator_().empty()) return "-";
  if (e.has_threshold()) return absl::StrCat(e.operator_(), " ", FormatNumber(e.threshold()));
  if (e.list().empty()) return absl::StrCat(e.operator_(), " inline list");
  return absl::StrCat(e.operator_(), " list '", e.list(), "'");
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

std::string RenderEvidenceValue(const v1::Evidence& e) {
  if (e.has_number()) return FormatNumber(e.number());
  if (!e.offending().empty()) return FormatElements(e.offending());
  if (!e.elements().empty()) return FormatElements(e.elements());
  return "-";
}

std::string RenderAck(const v1::ReportAck& ack) {
  const std::string what =
      absl::StrCat("report ", ack.report_id(), " of device '", ack.device_id(), "'");
  switch (ack.status()) {
    case v1::ReportAck::ACCEPTED:
      return absl::StrCat("accepted: ", what, "\n");
    case v1::ReportAck::DUPLICATE:
      return absl::StrCat("duplicate: ", what,
                          " is not newer than the last accepted one; nothing changed\n");
    default: {
      std::string out = absl::StrCat(KebabName(v1::ReportAck::Status_Name(ack.status())), ": ",
                                     what, ": ", OrDash(ack.error_code()));
      if (!ack.field_path().empty()) absl::StrAppend(&out, " at ", ack.field_path());
      if (!ack.message().empty()) absl::StrAppend(&out, ": ", ack.message());
      return out + "\n";
    }
  }
}

std::string RenderViolations(const v1::ListActiveViolationsResponse& r) {
  if (r.violations().empty()) return "no active violations\n";
  Table t({"VIOLATION ID", "DEVICE", "PROFILE", "BEHAVIOUR", "SEVERITY", "VALUE", "STARTED",
           "LAST VIOLATION", "STATE"});
  for (const v1::Violation& v : r.violations()) {
    t.AddRow({v.violation_id(), v.device_id(), v.profile(), v.behaviour(),
              KebabName(v1::Severity_Name(v.severity())), RenderEvidenceValue(v.last_evidence()),
              FormatTimestamp(v.start_time()), FormatTimestamp(v.last_violation_time()),
              KebabName(v1::VerificationState_Name(v.verification_state()))});
  }
  return t.Render();
}

std::string RenderEvents(const v1::ListViolationEventsResponse& r) {
  if (r.events().empty()) return "no violation events\n";
  Table t({"TIME", "EVENT", "DEVICE", "PROFILE", "BEHAVIOUR", "SEVERITY", "VALUE", "VIOLATION ID"});
  for (const v1::ViolationEvent& e : r.events()) {
    std::string event = KebabName(v1::ViolationEventType_Name(e.type()));
    if (!e.reason().empty()) absl::StrAppend(&event, " (", e.reason(), ")");
    t.AddRow({FormatTimestamp(e.time()), event, e.device_id(), e.profile(), e.behaviour(),
              KebabName(v1::Severity_Name(e.severity())), RenderEvidenceValue(e.evidence()),
              e.violation_id()});
  }
  return t.Render();
}

std::string RenderViolation(const v1::Violation& v) {
  const v1::Evidence& e = v.last_evidence();
  std::vector<std::pair<std::string, std::string>> rows = {
      {"violation", v.violation_id()},
      {"device", v.device_id()},
      {"profile", v.profile()},
      {"behaviour", v.behaviour()},
      {"metric", v.metric()},
      {"severity", KebabName(v1::Severity_Name(v.severity()))},
      {"value", RenderEvidenceValue(e)},
      {"rule", RenderRule(e)},
  };
  if (e.duration_seconds() > 0) {
    rows.emplace_back("window",
                      absl::StrCat(e.duration_seconds(), "s, ", e.datapoints(), " datapoints"));
  }
  rows.insert(rows.end(), {{"started", FormatTimestamp(v.start_time())},
                           {"last violation", FormatTimestamp(v.last_violation_time())},
                           {"state", KebabName(v1::VerificationState_Name(v.verification_state()))},
                           {"description", OrDash(v.verification_description())}});
  return RenderKeyValues(rows);
}

std::string RenderDeviceState(const v1::DeviceState& s) {
  std::string out = RenderKeyValues({{"device", s.device_id()},
                                     {"last report id", absl::StrCat(s.last_report_id())},
                                     {"last seen", FormatTimestamp(s.last_seen())}});
  out += "\nwindows:\n";
  if (s.windows().empty()) {
    out += "none\n";
  } else {
    Table t({"METRIC", "POINTS", "FROM", "TO", "SUM", "LAST"});
    for (const v1::MetricWindow& w : s.windows()) {
      if (w.points().empty()) {
        t.AddRow({w.metric(), "0", "-", "-", "-", "-"});
        continue;
      }
      double sum = 0;
      for (const v1::WindowPoint& p : w.points()) sum += p.value();
      const v1::WindowPoint& first = *w.points().begin();
      const v1::WindowPoint& last = *w.points().rbegin();
      t.AddRow({w.metric(), absl::StrCat(w.points().size()),
                FormatUtcTime(absl::FromUnixMicros(first.time_us())),
                FormatUtcTime(absl::FromUnixMicros(last.time_us())), FormatNumber(sum),
                FormatNumber(last.value())});
    }
    out += t.Render();
  }
  out += "\nalarms:\n";
  if (s.alarms().empty()) {
    out += "none\n";
  } else {
    Table t({"PROFILE", "BEHAVIOUR", "STATE", "VIOLATING", "CONFORMING", "VIOLATION ID", "SINCE"});
    for (const v1::AlarmState& a : s.alarms()) {
      const bool in_alarm = a.has_violation();
      t.AddRow({a.profile(), a.behaviour(), in_alarm ? "in-alarm" : "ok",
                absl::StrCat(a.consecutive_violating()), absl::StrCat(a.consecutive_conforming()),
                in_alarm ? a.violation().violation_id() : "-",
                in_alarm ? FormatTimestamp(a.violation().start_time()) : "-"});
    }
    out += t.Render();
  }
  return out;
}

std::string RenderProfiles(const v1::ListProfilesResponse& r) {
  std::string out = absl::StrCat("generation ", r.generation(), ", loaded ",
                                 FormatTimestamp(r.loaded_at()), " from ", OrDash(r.directory()),
                                 ", ", r.devices_in_inventory(), " devices in inventory\n\n");
  if (r.profiles().empty()) {
    out += "no profiles\n";
  } else {
    Table profiles({"PROFILE", "TARGETS", "BEHAVIOURS", "FILE"});
    Table behaviours({"PROFILE", "BEHAVIOUR", "METRIC", "OPERATOR", "SEVERITY"});
    for (const v1::ProfileSummary& p : r.profiles()) {
      profiles.AddRow(
          {p.name(), OrDash(p.targets()), absl::StrCat(p.behaviours().size()), p.file()});
      for (const v1::BehaviourSummary& b : p.behaviours()) {
        behaviours.AddRow({p.name(), b.name(), b.metric(), b.operator_(), b.severity()});
      }
    }
    out += profiles.Render();
    if (!behaviours.empty()) out += "\n" + behaviours.Render();
  }
  out += "\n";
  if (r.lists().empty()) {
    out += "no lists\n";
  } else {
    Table lists({"LIST", "TYPE", "ENTRIES", "FILE"});
    for (const v1::ListSummary& l : r.lists()) {
      lists.AddRow({l.name(), l.type(), absl::StrCat(l.entries()), l.file()});
    }
    out += lists.Render();
  }
  return out;
}

std::string RenderReload(const v1::ReloadProfilesResponse& r) {
  return absl::StrCat("reloaded: generation ", r.generation(), ", ", r.profiles(), " profiles, ",
                      r.lists(), " lists\n");
}

std::string RenderDeadLetters(const v1::ListDeadLettersResponse& r) {
  if (r.dead_letters().empty()) return "no dead letters\n";
  Table t({"DEAD SINCE", "RECEIVER", "TARGET", "REASON", "EVENT", "DEVICE", "BEHAVIOUR", "ATTEMPTS",
           "LAST ERROR"});
  for (const v1::DeadLetter& d : r.dead_letters()) {
    const v1::OutboxRow& row = d.row();
    t.AddRow({FormatTimestamp(d.dead_at()), row.receiver(), row.target(), d.reason(),
              row.event().event_id(), row.event().device_id(), row.event().behaviour(),
              absl::StrCat(row.attempts()), row.last_error()});
  }
  return t.Render();
}

std::string RenderAlertingStatus(const v1::GetAlertingStatusResponse& r) {
  if (r.targets().empty()) return "no delivery targets\n";
  Table t({"TARGET", "URL", "QUEUED", "OLDEST", "FAILURES", "STATE", "LAST ERROR"});
  for (const v1::TargetStatus& s : r.targets()) {
    std::string state = s.disabled() ? "disabled (410 Gone)" : "ok";
    if (!s.disabled() && s.has_retry_at()) state = "retry at " + FormatTimestamp(s.retry_at());
    t.AddRow({s.target(), s.url(), absl::StrCat(s.queued()),
              absl::StrFormat("%.1fs", s.oldest_age_seconds()), absl::StrCat(s.failed_attempts()),
              state, s.last_error()});
  }
  return t.Render();
}

}  // namespace warden::tools
