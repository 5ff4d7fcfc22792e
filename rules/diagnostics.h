#ifndef WARDEN_RULES_DIAGNOSTICS_H_
#define WARDEN_RULES_DIAGNOSTICS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rules/loader.h"
#include "rules/model.h"

namespace warden::rules {

// "file:line:col" for notes such as "first defined at profiles/a.yaml:3:9".
std::string FormatLocation(const SourceLocation& at);

// Collects the diagnostics of one load. Each diagnostic gets the text of the line it
// points at from the registered sources, so it can be rendered with a caret later.
// Not thread-safe: one load, one thread.
class DiagnosticSink {
 public:
  // Registers `content` as the text of `file`, for source lines.
  void AddSource(const std::string& file, std::string_view content);

  void Error(const SourceLocation& at, std::string code, std::string message,
             std::vector<std::string> notes = {});
  void Warning(const SourceLocation& at, std::string code, std::string message,
               std::vector<std::string> notes = {});

  int error_count() const { return error_count_; }

  // Every diagnostic, sorted by file, line and column (stable otherwise).
  std::vector<Diagnostic> TakeSorted();

 private:
  void Add(std::string severity, const SourceLocation& at, std::string code, std::string message,
           std::vector<std::string> notes);

  std::map<std::string, std::vector<std::string>> lines_;  // file -> lines
  std::vector<Diagnostic> diagnostics_;
  int error_count_ = 0;
};

}  // namespace warden::rules

#endif  // WARDEN_RULES_DIAGNOSTICS_H_
