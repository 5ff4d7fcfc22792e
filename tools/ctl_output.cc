#include "tools/ctl_output.h"

#include <google/protobuf/util/json_util.h>

#include <ostream>

#include "absl/strings/match.h"

namespace warden::tools {

int Fail(const CommandContext& ctx, absl::string_view command, absl::string_view message,
         int exit_code) {
  *ctx.err << "wardenctl: " << command << ": " << message << "\n";
  return exit_code;
}

int RpcFailed(const CommandContext& ctx, absl::string_view command, const absl::Status& s) {
  *ctx.err << "wardenctl: " << command << ": " << absl::StatusCodeToString(s.code()) << ":";
  if (absl::StrContains(s.message(), '\n')) {
    *ctx.err << "\n" << s.message();
    if (!absl::EndsWith(s.message(), "\n")) *ctx.err << "\n";
  } else {
    *ctx.err << " " << s.message() << "\n";
  }
  return 1;
}

absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto s = google::protobuf::util::MessageToJsonString(m, &json, options);
  if (!s.ok()) return absl::InternalError(absl::StrCat("cannot render json: ", s.ToString()));
  return json;
}

int PrintJson(const CommandContext& ctx, absl::string_view command,
              const google::protobuf::Message& m) {
  absl::StatusOr<std::string> json = MessageToJson(m);
  if (!json.ok()) return Fail(ctx, command, json.status().message());
  *ctx.out << *json;
  if (!absl::EndsWith(*json, "\n")) *ctx.out << "\n";
  return 0;
}

int Print(const CommandContext& ctx, absl::string_view command, const google::protobuf::Message& m,
          const std::string& table) {
  if (ctx.output == OutputFormat::kJson) return PrintJson(ctx, command, m);
  *ctx.out << table;
  return 0;
}

v1::Diagnostic DiagnosticToProto(const rules::Diagnostic& d) {
  v1::Diagnostic p;
  p.set_file(d.file);
  p.set_line(d.line);
  p.set_column(d.column);
  p.set_severity(d.severity);
  p.set_code(d.code);
  p.set_message(d.message);
  p.set_source_line(d.source_line);
  for (const std::string& note : d.notes) p.add_notes(note);
  return p;
}

}  // namespace warden::tools
