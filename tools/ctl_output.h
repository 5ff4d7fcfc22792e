#ifndef WARDEN_TOOLS_CTL_OUTPUT_H_
#define WARDEN_TOOLS_CTL_OUTPUT_H_

#include <google/protobuf/message.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rules/loader.h"
#include "tools/ctl_commands.h"
#include "warden/v1/profile.pb.h"

// What every wardenctl command does with its results: error lines, JSON or table
// output, and paging through list RPCs. Shared by the ctl_*.cc command files.
namespace warden::tools {

// The most a list RPC returns per page.
inline constexpr int kMaxPageSize = 1000;

// "wardenctl: push: report.json: ..." for a failure that is not an RPC's. Returns
// `exit_code`.
int Fail(const CommandContext& ctx, absl::string_view command, absl::string_view message,
         int exit_code = 1);

// "wardenctl: profiles list: UNAVAILABLE: ..."; a message of several lines (a reload's
// diagnostics) goes below that line as it is. Returns 1.
int RpcFailed(const CommandContext& ctx, absl::string_view command, const absl::Status& s);

// The message as JSON text with the proto field names and every field present.
absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& m);

// Prints `m` as one JSON document. Returns 0, or 1 when it cannot be rendered.
int PrintJson(const CommandContext& ctx, absl::string_view command,
              const google::protobuf::Message& m);

// Prints `m` as JSON or `table` as it is, by ctx.output.
int Print(const CommandContext& ctx, absl::string_view command, const google::protobuf::Message& m,
          const std::string& table);

// A loader diagnostic as the API's message, for JSON output.
v1::Diagnostic DiagnosticToProto(const rules::Diagnostic& d);

// Calls `call` page after page, moving each page's `items` into one response, until
// the last page or `limit` items (0: no limit). Fields of the response other than the
// items and the page token are those of the first page.
template <typename Request, typename Response, typename Call, typename Items>
absl::StatusOr<Response> FetchPages(Request request, int limit, Call call, Items items) {
  Response all;
  bool first = true;
  while (true) {
    const int have = items(&all)->size();
    request.set_page_size(limit == 0 ? kMaxPageSize : std::min(kMaxPageSize, limit - have));
    absl::StatusOr<Response> page = call(request);
    if (!page.ok()) return page.status();
    if (first) {
      all = *page;
      items(&all)->Clear();
      all.clear_next_page_token();
      first = false;
    }
    for (auto& item : *items(&*page)) {
      if (limit > 0 && items(&all)->size() >= limit) break;
      *items(&all)->Add() = std::move(item);
    }
    const std::string& next = page->next_page_token();
    if (next.empty() || (limit > 0 && items(&all)->size() >= limit)) return all;
    if (next == request.page_token()) {
      return absl::InternalError(absl::StrCat("the server returned page token '", next, "' twice"));
    }
    request.set_page_token(next);
  }
}

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_CTL_OUTPUT_H_
