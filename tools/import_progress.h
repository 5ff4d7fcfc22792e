#ifndef WARDEN_TOOLS_IMPORT_PROGRESS_H_
#define WARDEN_TOOLS_IMPORT_PROGRESS_H_

#include <iosfwd>
#include <string>

#include "tools/registry_import.h"

namespace warden::tools {

// How `registry import` shows its progress on stderr. On a terminal, one bar redrawn
// in place:
//   importing [##########..........] 12/24 files
// otherwise (a log, a CI job) one line per file as it is finished:
//   [3/24] fleet/devices.yaml: 12 devices, 2 groups
//   [4/24] fleet/bad.yaml: failed
// Not thread-safe.
class ImportProgress {
 public:
  // `out` must outlive this.
  ImportProgress(std::ostream* out, bool terminal) : out_(*out), terminal_(terminal) {}

  void FileDone(const FileProgress& p);
  // Ends the bar's line; call once after the last file.
  void Finish();

 private:
  std::ostream& out_;
  const bool terminal_;
  bool drawn_ = false;
};

// What one file imported, naming only what it had: "12 devices, 1 CA, 1 CRL";
// "nothing" when it had nothing.
std::string RenderFileCounts(const ImportCounts& c);

// The summary line of an import:
//   imported: 12 devices, 2 groups, 14 certificates (2 CAs), 3 policies; 1 file failed
// with ", N CRLs" in the brackets when CRLs came along, ", logging settings" after the
// policies when they were set, and no "failed" part when nothing failed.
std::string RenderImportSummary(const ImportCounts& c, int failed_files);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_IMPORT_PROGRESS_H_
