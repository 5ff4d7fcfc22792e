#ifndef WARDEN_TOOLS_REGISTRY_IMPORT_H_
#define WARDEN_TOOLS_REGISTRY_IMPORT_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/loader.h"
#include "tools/registry_files.h"
#include "tools/warden_api.h"
#include "warden/v1/registry.pb.h"

namespace warden::tools {

// Sends an ImportPlan to the RegistryService, one call per entry, in the order the
// registry needs: CAs (issuers first), groups, devices, device certificates (their
// CAs and devices exist by then), policies, the logging settings. A rejected entry is
// an error at its file and position and the import goes on; only a server that is
// not there (UNAVAILABLE, UNIMPLEMENTED) stops it. Not thread-safe.

// How many entries were registered.
struct ImportCounts {
  int devices = 0;
  int groups = 0;
  int certificates = 0;  // device certificates and CAs
  int cas = 0;
  int crls = 0;  // registered with their CAs
  int policies = 0;
  bool logging = false;
};

// A file whose entries have all been sent (or that had none to send).
struct FileProgress {
  std::string file;
  int done = 0;  // files finished so far, this one included
  int total = 0;
  ImportCounts imported;  // this file's
  bool failed = false;    // it has an error, from reading it or from the server
};

struct ImportResult {
  // The registry's answers, in the order sent.
  std::vector<v1::CertificateDescription> cas;
  std::vector<v1::DeviceGroup> groups;
  std::vector<v1::RegisteredDevice> devices;
  std::vector<v1::CertificateDescription> certificates;
  std::vector<v1::Policy> policies;
  std::optional<v1::LoggingSettings> logging;
  ImportCounts imported;
  // Every error, reading and the server's (code: the status name, such as
  // INVALID_ARGUMENT, whose message starts with the field path), by file and position.
  std::vector<rules::Diagnostic> diagnostics;
  int failed_files = 0;
};

using FileProgressCallback = std::function<void(const FileProgress&)>;

// Sends `plan` and calls `on_file` once per file of plan.files, as each is finished
// (files with nothing to send first). The error is the call's status when the server
// is not there.
absl::StatusOr<ImportResult> SendImportPlan(ImportPlan plan, WardenApi* api,
                                            const FileProgressCallback& on_file);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_REGISTRY_IMPORT_H_
