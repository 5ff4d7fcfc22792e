#include "tools/ctl_registry.h"

#include <nlohmann/json.hpp>
#include <ostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tools/ctl_output.h"
#include "tools/ctl_render_registry.h"
#include "tools/import_progress.h"
#include "tools/registry_files.h"
#include "tools/registry_import.h"

namespace warden::tools {
namespace {

// Messages as JSON values, for the one document an import prints.
template <typename Message>
absl::StatusOr<nlohmann::ordered_json> ToJsonValue(const Message& m) {
  absl::StatusOr<std::string> json = MessageToJson(m);
  if (!json.ok()) return json.status();
  return nlohmann::ordered_json::parse(*json);
}

template <typename Message>
absl::StatusOr<nlohmann::ordered_json> ToJsonArray(const std::vector<Message>& messages) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const Message& m : messages) {
    absl::StatusOr<nlohmann::ordered_json> value = ToJsonValue(m);
    if (!value.ok()) return value.status();
    array.push_back(*std::move(value));
  }
  return array;
}

// {"cas": [...], "groups": [...], "devices": [...], "certificates": [...], "policies":
// [...], "logging": {...} or null, "diagnostics": [...], "failed_files": N}.
absl::StatusOr<std::string> ImportJson(const ImportResult& r) {
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  const std::pair<const char*, absl::StatusOr<nlohmann::ordered_json>> arrays[] = {
      {"cas", ToJsonArray(r.cas)},           {"groups", ToJsonArray(r.groups)},
      {"devices", ToJsonArray(r.devices)},   {"certificates", ToJsonArray(r.certificates)},
      {"policies", ToJsonArray(r.policies)},
  };
  for (const auto& [key, value] : arrays) {
    if (!value.ok()) return value.status();
    doc[key] = *value;
  }
  doc["logging"] = nullptr;
  if (r.logging.has_value()) {
    absl::StatusOr<nlohmann::ordered_json> logging = ToJsonValue(*r.logging);
    if (!logging.ok()) return logging.status();
    doc["logging"] = *std::move(logging);
  }
  std::vector<v1::Diagnostic> diagnostics;
  for (const rules::Diagnostic& d : r.diagnostics) diagnostics.push_back(DiagnosticToProto(d));
  absl::StatusOr<nlohmann::ordered_json> diagnostics_json = ToJsonArray(diagnostics);
  if (!diagnostics_json.ok()) return diagnostics_json.status();
  doc["diagnostics"] = *std::move(diagnostics_json);
  doc["failed_files"] = r.failed_files;
  return doc.dump(2) + "\n";
}

template <typename Response, typename Call, typename Items>
int ListPages(const CommandContext& ctx, absl::string_view command, v1::ListRegistryRequest request,
              int limit, Call call, Items items,
              const std::function<std::string(const Response&)>& render) {
  absl::StatusOr<Response> all =
      FetchPages<v1::ListRegistryRequest, Response>(std::move(request), limit, call, items);
  if (!all.ok()) return RpcFailed(ctx, command, all.status());
  return Print(ctx, command, *all, render(*all));
}

}  // namespace

int ImportRegistry(const CommandContext& ctx, const std::string& dir) {
  constexpr absl::string_view kCommand = "registry import";
  absl::StatusOr<ImportPlan> plan = ReadImportDirectory(dir);
  if (!plan.ok()) return Fail(ctx, kCommand, plan.status().message());
  if (plan->files.empty()) {
    return Fail(ctx, kCommand,
                absl::StrCat("no registry files (*.yaml, *.yml, *.json, *.crt, *.pem, *.crl) "
                             "under '",
                             dir, "'"));
  }
  ImportProgress progress(ctx.err, ctx.err_is_terminal);
  absl::StatusOr<ImportResult> result = SendImportPlan(
      *std::move(plan), ctx.api, [&](const FileProgress& p) { progress.FileDone(p); });
  progress.Finish();
  if (!result.ok()) return RpcFailed(ctx, kCommand, result.status());
  if (!result->diagnostics.empty()) *ctx.err << rules::FormatDiagnostics(result->diagnostics);
  if (ctx.output == OutputFormat::kJson) {
    absl::StatusOr<std::string> json = ImportJson(*result);
    if (!json.ok()) return Fail(ctx, kCommand, json.status().message());
    *ctx.out << *json;
  } else {
    *ctx.out << RenderImportSummary(result->imported, result->failed_files);
  }
  return result->failed_files > 0 ? 1 : 0;
}

int ListRegistry(const CommandContext& ctx, RegistryKind kind, int limit) {
  v1::ListRegistryRequest request;
  switch (kind) {
    case RegistryKind::kDevices:
      return ListPages<v1::ListDevicesResponse>(
          ctx, "registry list devices", request, limit,
          [&](const v1::ListRegistryRequest& r) { return ctx.api->ListDevices(r); },
          [](v1::ListDevicesResponse* r) { return r->mutable_devices(); }, RenderDevices);
    case RegistryKind::kGroups:
      return ListPages<v1::ListGroupsResponse>(
          ctx, "registry list groups", request, limit,
          [&](const v1::ListRegistryRequest& r) { return ctx.api->ListGroups(r); },
          [](v1::ListGroupsResponse* r) { return r->mutable_groups(); }, RenderGroups);
    case RegistryKind::kCertificates:
    case RegistryKind::kCas: {
      const bool cas = kind == RegistryKind::kCas;
      request.set_kind(cas ? "ca" : "device");
      return ListPages<v1::ListCertificatesResponse>(
          ctx, cas ? "registry list cas" : "registry list certificates", request, limit,
          [&](const v1::ListRegistryRequest& r) { return ctx.api->ListCertificates(r); },
          [](v1::ListCertificatesResponse* r) { return r->mutable_certificates(); },
          [cas](const v1::ListCertificatesResponse& r) { return RenderCertificates(r, cas); });
    }
    case RegistryKind::kPolicies:
      return ListPages<v1::ListPoliciesResponse>(
          ctx, "registry list policies", request, limit,
          [&](const v1::ListRegistryRequest& r) { return ctx.api->ListPolicies(r); },
          [](v1::ListPoliciesResponse* r) { return r->mutable_policies(); }, RenderPolicies);
  }
  return 1;
}

int ShowRegisteredDevice(const CommandContext& ctx, const std::string& name) {
  constexpr absl::string_view kCommand = "registry show device";
  v1::GetRegistryItemRequest request;
  request.set_id(name);
  absl::StatusOr<v1::RegisteredDevice> device = ctx.api->GetDevice(request);
  if (!device.ok()) return RpcFailed(ctx, kCommand, device.status());
  return Print(ctx, kCommand, *device, RenderRegisteredDevice(*device));
}

int ShowCertificate(const CommandContext& ctx, const std::string& id) {
  constexpr absl::string_view kCommand = "registry show certificate";
  v1::GetRegistryItemRequest request;
  request.set_id(id);
  absl::StatusOr<v1::CertificateDescription> certificate = ctx.api->GetCertificate(request);
  if (!certificate.ok()) return RpcFailed(ctx, kCommand, certificate.status());
  return Print(ctx, kCommand, *certificate, RenderCertificate(*certificate));
}

}  // namespace warden::tools
