#ifndef WARDEN_TOOLS_REGISTRY_FILES_H_
#define WARDEN_TOOLS_REGISTRY_FILES_H_

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/diagnostics.h"
#include "rules/model.h"
#include "warden/v1/registry.pb.h"

namespace warden::tools {

// Reading the directory `wardenctl registry import` takes (the layout is in
// tools/README.md) into what to register, without talking to the server. Every problem
// of every file is collected; a file with an error contributes nothing, so it is never
// half-imported. Pure apart from reading the files; thread-compatible.

// One thing to register and where it was defined (a document entry's line and column,
// or line 0 for a whole PEM file).
template <typename T>
struct Located {
  rules::SourceLocation at;
  T item;
};

// A CA certificate file with the CRLs next to it, and the names that order it.
struct CaFile {
  rules::SourceLocation at;
  v1::RegisterCaCertificateRequest request;
  std::string subject;  // RFC 2253, as audit::ParseCertificatePem reads it
  std::string issuer;   // equal to subject for a self-signed root
  // The *.crl files whose CRLs are in the request, and how many each holds.
  std::vector<std::pair<std::string, int>> crl_files;
};

struct ImportPlan {
  // Every file that takes part (registry documents, PEM certificates, CRLs), sorted.
  std::vector<std::string> files;
  // Issuers before the CAs they issued (OrderCasByIssuer).
  std::vector<CaFile> cas;
  std::vector<Located<v1::DeviceGroup>> groups;
  std::vector<Located<v1::RegisteredDevice>> devices;
  std::vector<Located<v1::RegisterCertificateRequest>> certificates;
  std::vector<Located<v1::Policy>> policies;
  std::optional<Located<v1::LoggingSettings>> logging;
  // The files with an error: nothing of theirs is in the plan.
  std::set<std::string> failed_files;
  // The errors found while reading, with the YAML sources registered so that later
  // errors (the server's) can be reported at an entry with its source line too.
  rules::DiagnosticSink diagnostics;
};

// Reads the files under `dir` recursively, in sorted order, skipping hidden files and
// directories. `dir` prefixes every file name in the plan and the diagnostics.
// NotFound / InvalidArgument when `dir` is not a readable directory; problems with the
// files themselves are diagnostics in the plan.
absl::StatusOr<ImportPlan> ReadImportDirectory(const std::string& dir);

// Orders CAs so that each comes after the CA in `cas` that issued it (matched by
// subject name): roots, then what they issued, and so on. A CA whose issuer is not in
// `cas` (a root, or one the server may already know) is as early as its file order
// allows; the order is otherwise stable. Cycles (cross-signing) keep the file order.
std::vector<CaFile> OrderCasByIssuer(std::vector<CaFile> cas);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_REGISTRY_FILES_H_
