#ifndef WARDEN_RULES_LOADER_H_
#define WARDEN_RULES_LOADER_H_

#include <memory>
#include <string>
#include <vector>

#include "rules/model.h"

namespace warden::rules {

// One finding of the loader, GNU style: file:line:col: severity: message [CODE].
struct Diagnostic {
  std::string file;
  int line = 0;                    // 1-based; 0 when the problem is the file itself
  int column = 0;                  // 1-based
  std::string severity = "error";  // "error" or "warning"
  std::string code;                // stable: E_OPERATOR, E_UNKNOWN_KEY, ...
  std::string message;
  std::string source_line;         // the offending line, without newline
  std::vector<std::string> notes;  // "in behaviour 'x' of profile 'y' (file:9:5)"
};

// Renders one diagnostic the way editors and the CLI expect:
//   profiles/camera.yaml:12:15: error: unknown operator 'greater-then' (...) [E_OPERATOR]
//         operator: greater-then
//                   ^
//     in behaviour 'bytes-out-spike' of profile 'camera' (profiles/camera.yaml:9:5)
std::string FormatDiagnostic(const Diagnostic& d);
std::string FormatDiagnostics(const std::vector<Diagnostic>& ds);

struct SourceFile {
  std::string path;     // as shown in diagnostics
  std::string content;  // YAML text
};

struct LoadResult {
  // Set only when there is no error (warnings allowed).
  std::shared_ptr<const RuleSet> rules;
  // Every error and warning, in file then position order.
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return rules != nullptr; }
};

// How rules are loaded.
struct LoadOptions {
  // A MaxMind DB file (.mmdb with country data: GeoLite2-Country, GeoIP2-City, ...) for
  // the `country:XX` entries of cidr lists. Opened (mmap, read-only) once per load, on
  // the first country entry, and shared by the lists of the RuleSet, which keeps it
  // mapped while it lives: replace the file by renaming a new one over it, and reload.
  // A database that cannot be opened is an error (E_GEOIP) at the first country entry
  // of each list; so is a country entry when this is empty.
  // Default: "" (no database).
  std::string geoip_database;
};

// Reads → validates → compiles YAML sources. Every problem in every file is
// reported, not only the first. Never throws. Sources need not come from disk, so
// nothing is read from disk for them: a list document's `file:` is an error
// (E_LIST_FILE).
LoadResult LoadRules(const std::vector<SourceFile>& sources, const LoadOptions& options = {});

// Reads the files named (each a file, or a directory whose *.yaml/*.yml files are
// read recursively in sorted order), then LoadRules; list documents may read their
// values from list files (`file:`, relative to the YAML file's directory). A path
// that cannot be read is a diagnostic (E_IO) too.
LoadResult LoadRulesFromPaths(const std::vector<std::string>& paths,
                              const LoadOptions& options = {});

}  // namespace warden::rules

#endif  // WARDEN_RULES_LOADER_H_
