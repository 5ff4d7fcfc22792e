#include "services/profile_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "services/grpc_status.h"

namespace warden::services {
namespace {

constexpr size_t kMaxValidateBytes = 8 << 20;

void ToProto(const rules::Diagnostic& d, v1::Diagnostic* out) {
  out->set_file(d.file);
  out->set_line(d.line);
  out->set_column(d.column);
  out->set_severity(d.severity);
  out->set_code(d.code);
  out->set_message(d.message);
  out->set_source_line(d.source_line);
  for (const std::string& n : d.notes) out->add_notes(n);
}

std::string DescribeTargets(const rules::Targets& t) {
  if (t.all) return "all";
  std::vector<std::string> parts;
  if (!t.groups.empty()) parts.push_back(absl::StrCat("groups ", absl::StrJoin(t.groups, ",")));
  for (const auto& [k, v] : t.attributes) parts.push_back(absl::StrCat(k, "=", v));
  return absl::StrJoin(parts, " ");
}

}  // namespace

ProfileServiceImpl::ProfileServiceImpl(RulesManager* rules, detectors::FleetStatistics* fleet,
                                       const Clock* clock)
    : fleet_(clock != nullptr ? fleet : nullptr), clock_(clock), rules_(rules) {}

grpc::Status ProfileServiceImpl::ValidateProfiles(grpc::ServerContext* context,
                                                  const v1::ValidateProfilesRequest* request,
                                                  v1::ValidateProfilesResponse* response) {
  std::vector<rules::SourceFile> sources;
  size_t bytes = 0;
  for (int i = 0; i < request->files_size(); ++i) {
    const v1::SourceFile& f = request->files(i);
    if (f.path().empty()) return InvalidField(absl::StrCat("files[", i, "].path"), "required");
    bytes += f.content().size();
    sources.push_back({f.path(), f.content()});
  }
  if (sources.empty()) return InvalidField("files", "at least one file is required");
  if (bytes > kMaxValidateBytes) return InvalidField("files", "more than 8 MiB of profiles");
  rules::LoadResult result = rules::LoadRules(sources, rules_->load_options());
  response->set_ok(result.ok());
  for (const rules::Diagnostic& d : result.diagnostics) ToProto(d, response->add_diagnostics());
  response->set_rendered(rules::FormatDiagnostics(result.diagnostics));
  return grpc::Status::OK;
}

grpc::Status ProfileServiceImpl::ListProfiles(grpc::ServerContext* context,
                                              const v1::ListProfilesRequest* request,
                                              v1::ListProfilesResponse* response) {
  RulesManager::Snapshot snap = rules_->current();
  if (!snap.evaluator) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "no profiles loaded");
  const rules::RuleSet& rs = snap.evaluator->rules();
  for (const rules::Profile& p : rs.profiles) {
    v1::ProfileSummary* s = response->add_profiles();
    s->set_name(p.name);
    s->set_file(p.location.file);
    s->set_targets(DescribeTargets(p.targets));
    for (const rules::Behaviour& b : p.behaviours) {
      v1::BehaviourSummary* bs = s->add_behaviours();
      bs->set_name(b.name);
      bs->set_metric(b.metric.id);
      bs->set_operator_(std::string(rules::OperatorName(b.op)));
      bs->set_severity(std::string(rules::SeverityName(b.severity)));
      if (b.baseline.has_value()) {
        bs->set_baseline_confidence(std::string(rules::ConfidenceName(b.baseline->confidence)));
        bs->set_baseline_warmup_datapoints(static_cast<int32_t>(b.baseline->warmup_datapoints));
      }
      if (b.statistic.has_value()) {
        bs->set_statistic(b.statistic->name);
        v1::FleetThreshold* t = bs->mutable_fleet_threshold();
        t->set_min_devices(b.statistic->min_devices);
        if (fleet_ != nullptr) {
          const detectors::FleetThreshold f = fleet_->Threshold(p, b, clock_->NowMicros());
          t->set_ready(f.ready);
          t->set_value(f.value);
          t->set_devices(f.devices);
          if (f.window_end_us > 0) {
            *t->mutable_window_start() =
                google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(f.window_start_us);
            *t->mutable_window_end() =
                google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(f.window_end_us);
          }
        }
      }
    }
  }
  for (const auto& [name, list] : rs.lists) {
    v1::ListSummary* l = response->add_lists();
    l->set_name(name);
    l->set_type(std::string(rules::ListTypeName(list->type)));
    l->set_entries(static_cast<int64_t>(list->entries));
    l->set_file(list->file);
  }
  response->set_generation(snap.generation);
  *response->mutable_loaded_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(snap.loaded_at_us);
  response->set_directory(rules_->directory());
  response->set_devices_in_inventory(static_cast<int64_t>(rs.devices.size()));
  return grpc::Status::OK;
}

grpc::Status ProfileServiceImpl::ReloadProfiles(grpc::ServerContext* context,
                                                const v1::ReloadProfilesRequest* request,
                                                v1::ReloadProfilesResponse* response) {
  auto warnings = rules_->Reload();
  if (!warnings.ok()) return ToGrpc(warnings.status());
  RulesManager::Snapshot snap = rules_->current();
  response->set_generation(snap.generation);
  response->set_profiles(static_cast<int32_t>(snap.evaluator->rules().profiles.size()));
  response->set_lists(static_cast<int32_t>(snap.evaluator->rules().lists.size()));
  for (const rules::Diagnostic& d : *warnings) ToProto(d, response->add_warnings());
  return grpc::Status::OK;
}

}  // namespace warden::services
