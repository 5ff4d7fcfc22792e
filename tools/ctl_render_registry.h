#ifndef WARDEN_TOOLS_CTL_RENDER_REGISTRY_H_
#define WARDEN_TOOLS_CTL_RENDER_REGISTRY_H_

#include <string>

#include "warden/v1/registry.pb.h"

namespace warden::tools {

// wardenctl's human output for the registry, in the style of ctl_render.h: aligned
// tables, times in RFC3339 UTC, enum values in kebab case, whole lines. Pure;
// thread-safe.

// Tables of registry entries; "no devices" (and so on) when there are none.
std::string RenderDevices(const v1::ListDevicesResponse& r);
std::string RenderGroups(const v1::ListGroupsResponse& r);
// Device certificates, or CA certificates with their CRL counts when `cas`.
std::string RenderCertificates(const v1::ListCertificatesResponse& r, bool cas);
std::string RenderPolicies(const v1::ListPoliciesResponse& r);

// One device as "key: value" lines, its attributes and certificate ids one a line.
std::string RenderRegisteredDevice(const v1::RegisteredDevice& d);
// One certificate as "key: value" lines (not its PEM: use -o json).
std::string RenderCertificate(const v1::CertificateDescription& c);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_CTL_RENDER_REGISTRY_H_
