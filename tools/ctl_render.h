#ifndef WARDEN_TOOLS_CTL_RENDER_H_
#define WARDEN_TOOLS_CTL_RENDER_H_

#include <string>

#include "warden/v1/alert.pb.h"
#include "warden/v1/ingest.pb.h"
#include "warden/v1/profile.pb.h"
#include "warden/v1/violation.pb.h"

namespace warden::tools {

// wardenctl's human output: aligned tables, times in RFC3339 UTC, enum values in
// kebab case. Every function returns whole lines ending in '\n'. Pure; thread-safe.

// The value a datapoint was judged on: the number ("20971520"), or the offending list
// elements (else the reported ones), at most three, then "(+N more)".
std::string RenderEvidenceValue(const v1::Evidence& e);

// One line: "accepted: report 1764151200 of device 'dev-00001'", "duplicate: ...",
// "rejected: ...: InvalidPayload at <field path>: <message>".
std::string RenderAck(const v1::ReportAck& ack);

// A table of active violations; "no active violations" when there are none.
std::string RenderViolations(const v1::ListActiveViolationsResponse& r);
// A table of violation events; "no violation events" when there are none.
std::string RenderEvents(const v1::ListViolationEventsResponse& r);
// One violation as "key: value" lines.
std::string RenderViolation(const v1::Violation& v);
// The device's last report and when, its metric windows and its alarm states.
std::string RenderDeviceState(const v1::DeviceState& s);
// The running profile set: a summary line, then profiles, behaviours and lists.
std::string RenderProfiles(const v1::ListProfilesResponse& r);
// "reloaded: generation 4, 3 profiles, 2 lists".
std::string RenderReload(const v1::ReloadProfilesResponse& r);
// A table of dead letters; "no dead letters" when there are none.
std::string RenderDeadLetters(const v1::ListDeadLettersResponse& r);
// A table of delivery targets.
std::string RenderAlertingStatus(const v1::GetAlertingStatusResponse& r);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_CTL_RENDER_H_
