#include "rules/loader.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rules/diagnostics.h"
#include "rules/drafts.h"
#include "rules/inventory_reader.h"
#include "rules/linker.h"
#include "rules/list_file.h"
#include "rules/list_reader.h"
#include "rules/load_context.h"
#include "rules/profile_reader.h"
#include "rules/suggest.h"
#include "rules/yaml_reader.h"

namespace warden::rules {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 3> kKindKeys = {"profile", "list", "devices"};

// Sends a document to the reader of its kind, told by its one top-level kind key.
void ReadDocument(const NodeReader& reader, const YAML::Node& document, Drafts* out) {
  if (!document.IsMap()) {
    reader.Error(reader.Locate(document), "E_DOC_KIND",
                 absl::StrCat("expected a profile, a list or a device inventory (a mapping), got ",
                              Describe(document)));
    return;
  }
  std::vector<YAML::Node> kind_keys;
  for (auto it = document.begin(); it != document.end(); ++it) {
    const YAML::Node& key = it->first;
    if (key.IsScalar() &&
        std::find(kKindKeys.begin(), kKindKeys.end(), key.Scalar()) != kKindKeys.end()) {
      kind_keys.push_back(key);
    }
  }
  if (kind_keys.size() > 1) {
    reader.Error(reader.Locate(kind_keys[1]), "E_DOC_KIND",
                 absl::StrCat("'", kind_keys[1].Scalar(), "' cannot share a document with '",
                              kind_keys[0].Scalar(), "'; separate documents with ---"));
    return;
  }
  if (kind_keys.empty()) {
    // Point at a key that looks like a misspelt kind key, else at the document.
    YAML::Node at = document;
    std::string suggestion;
    for (auto it = document.begin(); it != document.end() && suggestion.empty(); ++it) {
      if (!it->first.IsScalar()) continue;
      suggestion = DidYouMean(it->first.Scalar(), kKindKeys);
      if (!suggestion.empty()) at = it->first;
    }
    reader.Error(reader.Locate(at), "E_DOC_KIND",
                 absl::StrCat("document is not a profile, a list or a device inventory: it needs "
                              "a top-level 'profile', 'list' or 'devices' key",
                              suggestion));
    return;
  }
  const std::string& kind = kind_keys[0].Scalar();
  if (kind == "profile") {
    ReadProfileDocument(reader, document, out);
  } else if (kind == "list") {
    ReadListDocument(reader, document, out);
  } else {
    ReadInventoryDocument(reader, document, out);
  }
}

// Reads → validates → compiles `sources` into `sink`. `complete` is false when some
// source is already known to be missing.
LoadResult Load(const std::vector<SourceFile>& sources, bool complete, LoadContext* context,
                DiagnosticSink* sink) {
  Drafts drafts;
  for (const SourceFile& source : sources) {
    sink->AddSource(source.path, source.content);
    std::optional<std::vector<YAML::Node>> documents =
        ParseYamlDocuments(source.path, source.content, sink);
    if (!documents.has_value()) {
      complete = false;
      continue;
    }
    const NodeReader reader(source.path, sink, context);
    for (const YAML::Node& document : *documents) {
      // The readers only walk parsed nodes; this keeps the never-throws promise
      // should yaml-cpp throw anyway.
      try {
        ReadDocument(reader, document, &drafts);
      } catch (const YAML::Exception& e) {
        reader.Error(reader.Locate(document), "E_YAML",
                     absl::StrCat("cannot read document: ", e.msg));
        complete = false;
      }
    }
  }
  LoadResult result;
  result.rules = Link(std::move(drafts), complete, sink);
  result.diagnostics = sink->TakeSorted();
  return result;
}

bool IsRulesFile(const fs::path& path) {
  const std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml";
}

// Hidden entries (".git", editor files, and the "..data" directories of Kubernetes
// ConfigMap mounts, whose files are also linked from the top) are not rules files.
bool IsHidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

// The rules files under `dir`, sorted; an E_IO error for a part that cannot be listed.
std::vector<std::string> ListRulesFiles(const std::string& dir, DiagnosticSink* sink) {
  std::vector<std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    if (IsHidden(path)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && IsRulesFile(path)) files.push_back(path.string());
  }
  if (ec)
    sink->Error(SourceLocation{dir, 0, 0}, "E_IO", absl::StrCat("cannot read: ", ec.message()));
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

LoadResult LoadRules(const std::vector<SourceFile>& sources, const LoadOptions& options) {
  DiagnosticSink sink;
  LoadContext context(options.geoip_database, /*read_list_files=*/false);
  return Load(sources, /*complete=*/true, &context, &sink);
}

LoadResult LoadRulesFromPaths(const std::vector<std::string>& paths, const LoadOptions& options) {
  DiagnosticSink sink;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found = ListRulesFiles(path, &sink);
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(path);
    }
  }
  std::vector<SourceFile> sources;
  for (const std::string& file : files) {
    std::string error;
    std::optional<std::string> content = ReadWholeFile(file, &error);
    if (!content.has_value()) {
      sink.Error(SourceLocation{file, 0, 0}, "E_IO", absl::StrCat("cannot read: ", error));
      continue;
    }
    sources.push_back(SourceFile{file, std::move(*content)});
  }
  LoadContext context(options.geoip_database, /*read_list_files=*/true);
  return Load(sources, /*complete=*/sink.error_count() == 0, &context, &sink);
}

}  // namespace warden::rules
