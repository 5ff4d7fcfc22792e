#include "rules/diagnostics.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace warden::rules {
namespace {

constexpr char kSnippetIndent[] = "    ";
constexpr char kNoteIndent[] = "  ";

// The line under the source line with a caret at byte column `column` (1-based).
// Tabs are copied so the caret lines up whatever the tab width, and UTF-8
// continuation bytes are skipped so a multi-byte character takes one cell.
std::string CaretLine(std::string_view source, int column) {
  std::string out;
  for (int i = 0; i < column - 1; ++i) {
    const size_t pos = static_cast<size_t>(i);
    const char c = pos < source.size() ? source[pos] : ' ';
    if (c == '\t') {
      out += '\t';
    } else if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
      out += ' ';
    }
  }
  out += '^';
  return out;
}

std::string Plural(int n, const char* noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

}  // namespace

std::string FormatLocation(const SourceLocation& at) {
  return absl::StrCat(at.file, ":", at.line, ":", at.column);
}

std::string FormatDiagnostic(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) absl::StrAppend(&out, ":", d.line);
  if (d.line > 0 && d.column > 0) absl::StrAppend(&out, ":", d.column);
  absl::StrAppend(&out, ": ", d.severity, ": ", d.message, " [", d.code, "]");
  if (d.line > 0 && d.column > 0 && !d.source_line.empty()) {
    absl::StrAppend(&out, "\n", kSnippetIndent, d.source_line, "\n", kSnippetIndent,
                    CaretLine(d.source_line, d.column));
  }
  for (const std::string& note : d.notes) absl::StrAppend(&out, "\n", kNoteIndent, note);
  return out;
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& ds) {
  if (ds.empty()) return "";
  std::string out;
  int errors = 0;
  int warnings = 0;
  for (const Diagnostic& d : ds) {
    absl::StrAppend(&out, FormatDiagnostic(d), "\n");
    (d.severity == "error" ? errors : warnings)++;
  }
  if (errors > 0) absl::StrAppend(&out, Plural(errors, "error"));
  if (errors > 0 && warnings > 0) out += ", ";
  if (warnings > 0) absl::StrAppend(&out, Plural(warnings, "warning"));
  out += "\n";
  return out;
}

void DiagnosticSink::AddSource(const std::string& file, std::string_view content) {
  std::vector<std::string> lines =
      absl::StrSplit(absl::string_view(content.data(), content.size()), '\n');
  for (std::string& line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
  }
  lines_[file] = std::move(lines);
}

void DiagnosticSink::Error(const SourceLocation& at, std::string code, std::string message,
                           std::vector<std::string> notes) {
  ++error_count_;
  Add("error", at, std::move(code), std::move(message), std::move(notes));
}

void DiagnosticSink::Warning(const SourceLocation& at, std::string code, std::string message,
                             std::vector<std::string> notes) {
  Add("warning", at, std::move(code), std::move(message), std::move(notes));
}

void DiagnosticSink::Add(std::string severity, const SourceLocation& at, std::string code,
                         std::string message, std::vector<std::string> notes) {
  Diagnostic d;
  d.file = at.file;
  d.line = at.line;
  d.column = at.column;
  d.severity = std::move(severity);
  d.code = std::move(code);
  d.message = std::move(message);
  d.notes = std::move(notes);
  auto it = lines_.find(at.file);
  if (it != lines_.end() && at.line > 0 && static_cast<size_t>(at.line) <= it->second.size()) {
    d.source_line = it->second[at.line - 1];
  }
  diagnostics_.push_back(std::move(d));
}

std::vector<Diagnostic> DiagnosticSink::TakeSorted() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
                   });
  std::vector<Diagnostic> out;
  out.swap(diagnostics_);
  error_count_ = 0;
  return out;
}

}  // namespace warden::rules
