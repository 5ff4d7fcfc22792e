#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tools/ctl_registry.h"
#include "tools/wardenctl_cli_commands.h"

namespace warden::tools {
namespace {

const std::map<std::string, RegistryKind>& RegistryKinds() {
  static const auto* kinds = new std::map<std::string, RegistryKind>{
      {"devices", RegistryKind::kDevices},           {"groups", RegistryKind::kGroups},
      {"certificates", RegistryKind::kCertificates}, {"cas", RegistryKind::kCas},
      {"policies", RegistryKind::kPolicies},
  };
  return *kinds;
}

}  // namespace

void AddRegistryCommands(CLI::App* app, CommandRunner* run) {
  CLI::App* registry =
      app->add_subcommand("registry", "Devices, groups, certificates, CAs and policies");
  registry->require_subcommand(1);

  CLI::App* import_command = registry->add_subcommand(
      "import", "Register a directory of YAML/JSON documents and PEM certificates");
  auto dir = std::make_shared<std::string>();
  import_command->add_option("dir", *dir, "the directory (layout: tools/README.md)")->required();
  import_command->callback([run, dir] {
    *run = [dir](const CommandContext& ctx) { return ImportRegistry(ctx, *dir); };
  });

  CLI::App* list = registry->add_subcommand("list", "A table of one kind of registry entry");
  auto kind = std::make_shared<std::string>();
  auto limit = std::make_shared<int>(0);
  list->add_option("kind", *kind, "what to list")
      ->required()
      ->check(CLI::IsMember({"devices", "groups", "certificates", "cas", "policies"}));
  list->add_option("--limit", *limit, "at most this many (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  list->callback([run, kind, limit] {
    *run = [kind, limit](const CommandContext& ctx) {
      return ListRegistry(ctx, RegistryKinds().at(*kind), *limit);
    };
  });

  CLI::App* show = registry->add_subcommand("show", "One registry entry in full");
  show->require_subcommand(1);
  CLI::App* device = show->add_subcommand("device", "A registered device");
  auto name = std::make_shared<std::string>();
  device->add_option("name", *name, "the device (thing name)")->required();
  device->callback([run, name] {
    *run = [name](const CommandContext& ctx) { return ShowRegisteredDevice(ctx, *name); };
  });
  CLI::App* certificate = show->add_subcommand("certificate", "A device or CA certificate, by id");
  auto id = std::make_shared<std::string>();
  certificate->add_option("id", *id, "the certificate id (SHA-256 fingerprint, hex)")->required();
  certificate->callback(
      [run, id] { *run = [id](const CommandContext& ctx) { return ShowCertificate(ctx, *id); }; });
}

}  // namespace warden::tools
