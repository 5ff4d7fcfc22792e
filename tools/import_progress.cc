#include "tools/import_progress.h"

#include <ostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace warden::tools {
namespace {

constexpr int kBarWidth = 30;

std::string Count(int n, const char* singular, const char* plural) {
  return absl::StrCat(n, " ", n == 1 ? singular : plural);
}

}  // namespace

void ImportProgress::FileDone(const FileProgress& p) {
  if (!terminal_) {
    out_ << "[" << p.done << "/" << p.total << "] " << p.file << ": "
         << (p.failed ? "failed" : RenderFileCounts(p.imported)) << "\n";
    return;
  }
  const int filled = p.total == 0 ? kBarWidth : kBarWidth * p.done / p.total;
  // "\r" returns to the start of the line and "\033[K" clears what a longer one left.
  out_ << "\rimporting [" << std::string(filled, '#') << std::string(kBarWidth - filled, '.')
       << "] " << p.done << "/" << p.total << " files\033[K" << std::flush;
  drawn_ = true;
}

void ImportProgress::Finish() {
  if (drawn_) out_ << "\n";
  drawn_ = false;
}

std::string RenderFileCounts(const ImportCounts& c) {
  std::vector<std::string> parts;
  if (c.devices > 0) parts.push_back(Count(c.devices, "device", "devices"));
  if (c.groups > 0) parts.push_back(Count(c.groups, "group", "groups"));
  const int device_certificates = c.certificates - c.cas;
  if (device_certificates > 0) {
    parts.push_back(Count(device_certificates, "certificate", "certificates"));
  }
  if (c.cas > 0) parts.push_back(Count(c.cas, "CA", "CAs"));
  if (c.crls > 0) parts.push_back(Count(c.crls, "CRL", "CRLs"));
  if (c.policies > 0) parts.push_back(Count(c.policies, "policy", "policies"));
  if (c.logging) parts.push_back("logging settings");
  return parts.empty() ? "nothing" : absl::StrJoin(parts, ", ");
}

std::string RenderImportSummary(const ImportCounts& c, int failed_files) {
  std::string out = absl::StrCat(
      "imported: ", Count(c.devices, "device", "devices"), ", ", Count(c.groups, "group", "groups"),
      ", ", Count(c.certificates, "certificate", "certificates"), " (", Count(c.cas, "CA", "CAs"));
  if (c.crls > 0) absl::StrAppend(&out, ", ", Count(c.crls, "CRL", "CRLs"));
  absl::StrAppend(&out, "), ", Count(c.policies, "policy", "policies"));
  if (c.logging) out += ", logging settings";
  if (failed_files > 0) {
    absl::StrAppend(&out, "; ", Count(failed_files, "file", "files"), " failed");
  }
  return out + "\n";
}

}  // namespace warden::tools
