#include "tools/ctl_commands.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "detectors/report_json.h"
#include "rules/loader.h"
#include "tools/ctl_output.h"
#include "tools/ctl_render.h"
#include "tools/time_args.h"
#include "warden/v1/profile.pb.h"

namespace warden::tools {
namespace {

absl::StatusOr<std::string> ReadInput(const CommandContext& ctx, const std::string& file) {
  std::ostringstream text;
  if (file == "-") {
    text << ctx.in->rdbuf();
    return text.str();
  }
  std::error_code unused;
  if (std::filesystem::is_directory(file, unused)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read '", file, "': is a directory"));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in.is_open()) {
    std::string reason = std::strerror(errno);
    if (!reason.empty()) reason[0] = absl::ascii_tolower(reason[0]);
    return absl::NotFoundError(absl::StrCat("cannot read '", file, "': ", reason));
  }
  text << in.rdbuf();
  return text.str();
}

rules::Diagnostic FromProto(const v1::Diagnostic& p) {
  rules::Diagnostic d;
  d.file = p.file();
  d.line = p.line();
  d.column = p.column();
  d.severity = p.severity();
  d.code = p.code();
  d.message = p.message();
  d.source_line = p.source_line();
  d.notes.assign(p.notes().begin(), p.notes().end());
  return d;
}

void PrintDiagnostics(const CommandContext& ctx, const std::vector<rules::Diagnostic>& ds) {
  if (ds.empty()) return;
  const std::string text = rules::FormatDiagnostics(ds);
  *ctx.err << text;
  if (!absl::EndsWith(text, "\n")) *ctx.err << "\n";
}

}  // namespace

int Validate(const CommandContext& ctx, const std::vector<std::string>& paths,
             const rules::LoadOptions& options) {
  const rules::LoadResult result = rules::LoadRulesFromPaths(paths, options);
  if (ctx.output == OutputFormat::kJson) {
    v1::ValidateProfilesResponse response;
    response.set_ok(result.ok());
    for (const rules::Diagnostic& d : result.diagnostics)
      *response.add_diagnostics() = DiagnosticToProto(d);
    response.set_rendered(rules::FormatDiagnostics(result.diagnostics));
    if (PrintJson(ctx, "validate", response) != 0) return 1;
    return result.ok() ? 0 : 1;
  }
  PrintDiagnostics(ctx, result.diagnostics);
  if (!result.ok()) return 1;
  *ctx.out << "ok: " << result.rules->profiles.size() << " profiles, " << result.rules->lists.size()
           << " lists\n";
  return 0;
}

int Push(const CommandContext& ctx, const std::string& device, const std::string& file) {
  constexpr absl::string_view kCommand = "push";
  absl::StatusOr<std::string> text = ReadInput(ctx, file);
  if (!text.ok()) return Fail(ctx, kCommand, text.status().message());
  absl::StatusOr<v1::MetricsReport> report = detectors::ParseReportJson(*text);
  if (!report.ok()) {
    return Fail(ctx, kCommand,
                absl::StrCat(file == "-" ? "<stdin>" : file, ": ", report.status().message()));
  }
  v1::ReportRequest request;
  request.set_device_id(device);
  *request.mutable_report() = *std::move(report);
  absl::StatusOr<v1::ReportAck> ack = ctx.api->Report(request);
  if (!ack.ok()) return RpcFailed(ctx, kCommand, ack.status());
  if (Print(ctx, kCommand, *ack, RenderAck(*ack)) != 0) return 1;
  return ack->status() == v1::ReportAck::ACCEPTED || ack->status() == v1::ReportAck::DUPLICATE ? 0
                                                                                               : 1;
}

int ListViolations(const CommandContext& ctx, const ListViolationsArgs& args) {
  constexpr absl::string_view kCommand = "violations list";
  v1::ListActiveViolationsRequest request;
  request.set_device_id(args.device);
  request.set_profile(args.profile);
  request.set_behaviour(args.behaviour);
  for (v1::VerificationState s : args.states) request.add_verification_states(s);
  absl::StatusOr<v1::ListActiveViolationsResponse> all =
      FetchPages<v1::ListActiveViolationsRequest, v1::ListActiveViolationsResponse>(
          request, args.limit,
          [&](const v1::ListActiveViolationsRequest& r) {
            return ctx.api->ListActiveViolations(r);
          },
          [](v1::ListActiveViolationsResponse* r) { return r->mutable_violations(); });
  if (!all.ok()) return RpcFailed(ctx, kCommand, all.status());
  return Print(ctx, kCommand, *all, RenderViolations(*all));
}

int ListEvents(const CommandContext& ctx, const ListEventsArgs& args) {
  constexpr absl::string_view kCommand = "violations events";
  const absl::Time now = absl::FromUnixMicros(ctx.clock->NowMicros());
  v1::ListViolationEventsRequest request;
  absl::Time since = absl::InfinitePast();
  absl::Time until = absl::InfiniteFuture();
  if (!args.since.empty()) {
    absl::StatusOr<absl::Time> t = ParseTimeArg(args.since, now);
    if (!t.ok()) return Fail(ctx, kCommand, absl::StrCat("--since: ", t.status().message()), 2);
    since = *t;
    *request.mutable_start_time() = ToTimestamp(since);
  }
  if (!args.until.empty()) {
    absl::StatusOr<absl::Time> t = ParseTimeArg(args.until, now);
    if (!t.ok()) return Fail(ctx, kCommand, absl::StrCat("--until: ", t.status().message()), 2);
    until = *t;
    *request.mutable_end_time() = ToTimestamp(until);
  }
  if (since >= until) {
    return Fail(ctx, kCommand,
                absl::StrCat("--since ", FormatUtcTime(since), " is not before --until ",
                             FormatUtcTime(until)),
                2);
  }
  request.set_device_id(args.device);
  request.set_profile(args.profile);
  request.set_behaviour(args.behaviour);
  absl::StatusOr<v1::ListViolationEventsResponse> all =
      FetchPages<v1::ListViolationEventsRequest, v1::ListViolationEventsResponse>(
          request, args.limit,
          [&](const v1::ListViolationEventsRequest& r) { return ctx.api->ListViolationEvents(r); },
          [](v1::ListViolationEventsResponse* r) { return r->mutable_events(); });
  if (!all.ok()) return RpcFailed(ctx, kCommand, all.status());
  return Print(ctx, kCommand, *all, RenderEvents(*all));
}

int VerifyViolation(const CommandContext& ctx, const std::string& violation_id,
                    v1::VerificationState state, const std::string& description) {
  constexpr absl::string_view kCommand = "violations verify";
  v1::SetVerificationStateRequest request;
  request.set_violation_id(violation_id);
  request.set_state(state);
  request.set_description(description);
  absl::StatusOr<v1::Violation> v = ctx.api->SetVerificationState(request);
  if (!v.ok()) return RpcFailed(ctx, kCommand, v.status());
  return Print(ctx, kCommand, *v, RenderViolation(*v));
}

int ShowDevice(const CommandContext& ctx, const std::string& device) {
  constexpr absl::string_view kCommand = "device show";
  v1::GetDeviceStateRequest request;
  request.set_device_id(device);
  absl::StatusOr<v1::DeviceState> state = ctx.api->GetDeviceState(request);
  if (!state.ok()) return RpcFailed(ctx, kCommand, state.status());
  return Print(ctx, kCommand, *state, RenderDeviceState(*state));
}

int ListProfiles(const CommandContext& ctx) {
  constexpr absl::string_view kCommand = "profiles list";
  absl::StatusOr<v1::ListProfilesResponse> r = ctx.api->ListProfiles(v1::ListProfilesRequest());
  if (!r.ok()) return RpcFailed(ctx, kCommand, r.status());
  return Print(ctx, kCommand, *r, RenderProfiles(*r));
}

int ReloadProfiles(const CommandContext& ctx) {
  constexpr absl::string_view kCommand = "profiles reload";
  absl::StatusOr<v1::ReloadProfilesResponse> r =
      ctx.api->ReloadProfiles(v1::ReloadProfilesRequest());
  if (!r.ok()) return RpcFailed(ctx, kCommand, r.status());
  if (ctx.output == OutputFormat::kTable) {
    std::vector<rules::Diagnostic> warnings;
    for (const v1::Diagnostic& d : r->warnings()) warnings.push_back(FromProto(d));
    PrintDiagnostics(ctx, warnings);
  }
  return Print(ctx, kCommand, *r, RenderReload(*r));
}

int ListDeadLetters(const CommandContext& ctx, const std::string& receiver, int limit) {
  constexpr absl::string_view kCommand = "alerts dead-letter list";
  v1::ListDeadLettersResponse all;
  v1::ListDeadLettersRequest request;
  request.set_receiver(receiver);
  do {
    request.set_page_size(limit > 0 ? std::min(1000, limit - all.dead_letters_size()) : 1000);
    absl::StatusOr<v1::ListDeadLettersResponse> page = ctx.api->ListDeadLetters(request);
    if (!page.ok()) return RpcFailed(ctx, kCommand, page.status());
    for (v1::DeadLetter& d : *page->mutable_dead_letters()) *all.add_dead_letters() = std::move(d);
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty() && (limit <= 0 || all.dead_letters_size() < limit));
  return Print(ctx, kCommand, all, RenderDeadLetters(all));
}

int ReplayDeadLetters(const CommandContext& ctx, const std::string& receiver,
                      const std::vector<std::string>& event_ids) {
  constexpr absl::string_view kCommand = "alerts dead-letter replay";
  v1::ReplayDeadLettersRequest request;
  request.set_receiver(receiver);
  for (const std::string& id : event_ids) request.add_event_ids(id);
  absl::StatusOr<v1::ReplayDeadLettersResponse> r = ctx.api->ReplayDeadLetters(request);
  if (!r.ok()) return RpcFailed(ctx, kCommand, r.status());
  return Print(ctx, kCommand, *r,
               absl::StrCat("replayed: ", r->replayed(), " dead letter(s) of receiver '", receiver,
                            "' queued again\n"));
}

int AlertingStatus(const CommandContext& ctx) {
  constexpr absl::string_view kCommand = "alerts status";
  absl::StatusOr<v1::GetAlertingStatusResponse> r =
      ctx.api->GetAlertingStatus(v1::GetAlertingStatusRequest());
  if (!r.ok()) return RpcFailed(ctx, kCommand, r.status());
  return Print(ctx, kCommand, *r, RenderAlertingStatus(*r));
}

}  // namespace warden::tools
