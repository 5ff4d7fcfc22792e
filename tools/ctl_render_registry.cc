#include "tools/ctl_render_registry.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/names.h"
#include "tools/table.h"
#include "tools/time_args.h"

namespace warden::tools {
namespace {

// Policy documents are cut to this many characters in a table.
constexpr size_t kDocumentWidth = 60;

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

// "k1=v1,k2=v2", sorted by key; "-" when empty.
std::string FormatMap(const google::protobuf::Map<std::string, std::string>& m) {
  const std::map<std::string, std::string> sorted(m.begin(), m.end());
  return OrDash(absl::StrJoin(sorted, ",", absl::PairFormatter("=")));
}

std::string FormatList(const google::protobuf::RepeatedPtrField<std::string>& items) {
  return OrDash(absl::StrJoin(items, ","));
}

// "rsa 2048", "ec 256 prime256v1", "ed25519 255".
std::string FormatKey(const v1::CertificateDescription& c) {
  std::string key = absl::StrCat(OrDash(c.key_type()), " ", c.key_bits());
  if (!c.curve().empty()) absl::StrAppend(&key, " ", c.curve());
  return key;
}

std::string StatusName(v1::CertificateStatus s) { return KebabName(v1::CertificateStatus_Name(s)); }

// The document on one line, cut to kDocumentWidth characters.
std::string DocumentPreview(const std::string& document) {
  std::string line;
  bool space = false;
  for (char c : document) {
    const bool blank = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (blank && !line.empty()) space = true;
    if (blank) continue;
    if (space) line += ' ';
    space = false;
    line += c;
  }
  if (line.size() > kDocumentWidth) line = line.substr(0, kDocumentWidth - 3) + "...";
  return OrDash(line);
}

}  // namespace

std::string RenderDevices(const v1::ListDevicesResponse& r) {
  if (r.devices().empty()) return "no devices\n";
  Table t({"DEVICE", "ACTIVE", "GROUPS", "CLIENT ID", "FIRMWARE", "CERTIFICATES", "ATTRIBUTES"});
  for (const v1::RegisteredDevice& d : r.devices()) {
    t.AddRow({d.name(), d.active() ? "yes" : "no", FormatList(d.groups()), OrDash(d.client_id()),
              OrDash(d.firmware_version()), absl::StrCat(d.certificate_ids_size()),
              FormatMap(d.attributes())});
  }
  return t.Render();
}

std::string RenderGroups(const v1::ListGroupsResponse& r) {
  if (r.groups().empty()) return "no groups\n";
  Table t({"GROUP", "ATTRIBUTE SELECTOR", "MIN FIRMWARE", "DESCRIPTION"});
  for (const v1::DeviceGroup& g : r.groups()) {
    t.AddRow({g.name(), FormatMap(g.attribute_selector()), OrDash(g.min_firmware_version()),
              OrDash(g.description())});
  }
  return t.Render();
}

std::string RenderCertificates(const v1::ListCertificatesResponse& r, bool cas) {
  if (r.certificates().empty()) return cas ? "no CA certificates\n" : "no certificates\n";
  std::vector<std::string> header = {"ID", "SUBJECT", "STATUS", "NOT AFTER", "KEY", "ISSUER CA"};
  if (cas) {
    header.push_back("CRLS");
    header.push_back("REVOKED SERIALS");
  }
  Table t(std::move(header));
  for (const v1::CertificateDescription& c : r.certificates()) {
    t.AddRow({c.id(), c.subject(), StatusName(c.status()), FormatTimestamp(c.not_after()),
              FormatKey(c), OrDash(c.issuer_ca_id()), absl::StrCat(c.crls()),
              absl::StrCat(c.revoked_serials())});
  }
  return t.Render();
}

std::string RenderPolicies(const v1::ListPoliciesResponse& r) {
  if (r.policies().empty()) return "no policies\n";
  Table t({"POLICY", "CERTIFICATES", "DOCUMENT"});
  for (const v1::Policy& p : r.policies()) {
    t.AddRow(
        {p.name(), absl::StrCat(p.attached_certificate_ids_size()), DocumentPreview(p.document())});
  }
  return t.Render();
}

std::string RenderRegisteredDevice(const v1::RegisteredDevice& d) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"device", d.name()},
      {"active", d.active() ? "yes" : "no"},
      {"client id", d.client_id().empty() ? d.name() + " (the device name)" : d.client_id()},
      {"firmware", OrDash(d.firmware_version())},
      {"groups", FormatList(d.groups())},
  };
  std::string out = RenderKeyValues(rows);
  out += "\nattributes:\n";
  if (d.attributes().empty()) out += "none\n";
  const std::map<std::string, std::string> attributes(d.attributes().begin(), d.attributes().end());
  out += RenderKeyValues({attributes.begin(), attributes.end()});
  out += "\ncertificates:\n";
  if (d.certificate_ids().empty()) out += "none\n";
  for (const std::string& id : d.certificate_ids()) absl::StrAppend(&out, id, "\n");
  return out;
}

std::string RenderCertificate(const v1::CertificateDescription& c) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"certificate", c.id()},
      {"kind", c.is_ca() ? "CA" : "device"},
      {"status", StatusName(c.status())},
      {"subject", c.subject()},
      {"issuer", c.issuer()},
      {"issuer ca", OrDash(c.issuer_ca_id())},
      {"serial", c.serial()},
      {"not before", FormatTimestamp(c.not_before())},
      {"not after", FormatTimestamp(c.not_after())},
      {"key", FormatKey(c)},
  };
  if (c.is_ca()) {
    rows.emplace_back("crls", absl::StrCat(c.crls()));
    rows.emplace_back("revoked serials", absl::StrCat(c.revoked_serials()));
  }
  return RenderKeyValues(rows);
}

}  // namespace warden::tools
