#include "tools/wardenctl_cli.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <vector>

#include "tools/ctl_commands.h"
#include "tools/ctl_replay.h"
#include "tools/names.h"
#include "tools/wardenctl_cli_commands.h"

namespace warden::tools {

int RunWardenctl(int argc, const char* const* argv, const CliEnvironment& env) {
  CLI::App app{
      "wardenctl: validate profiles, push reports, read violations, manage the registry and "
      "audits of wardend.",
      "wardenctl"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command

  std::string server = "127.0.0.1:7600";
  app.add_option("--server", server, "wardend address, host:port")
      ->envname("WARDEN_SERVER")
      ->capture_default_str();
  std::string output = "table";
  app.add_option("-o,--output", output, "table (for people) or json (for scripts)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  double timeout_seconds = 10;
  app.add_option("--timeout", timeout_seconds, "deadline of each RPC, in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  // Set by the parsed command's callback.
  CommandRunner run;
  bool needs_server = true;

  CLI::App* validate = app.add_subcommand(
      "validate", "Check profile, list and inventory YAML files locally (no server)");
  std::vector<std::string> paths;
  validate->add_option("paths", paths, "files, or directories read recursively")->required();
  rules::LoadOptions validate_options;
  validate->add_option("--geoip-database", validate_options.geoip_database,
                       "MaxMind DB (.mmdb) for the country:XX entries of cidr lists, as "
                       "wardend's geoip_database");
  validate->callback([&] {
    needs_server = false;
    run = [&](const CommandContext& ctx) { return Validate(ctx, paths, validate_options); };
  });

  CLI::App* replay_scenario = app.add_subcommand(
      "replay",
      "Run a detection scenario through the profiles locally, in the events' own time (no "
      "server)");
  ReplayArgs replay_args;
  replay_scenario
      ->add_option("--profiles", replay_args.profiles,
                   "profile, list and inventory files or directories (repeatable)")
      ->required()
      ->allow_extra_args(false);  // one path per --profiles: the scenario follows
  replay_scenario
      ->add_option("scenario", replay_args.scenario_dir,
                   "the scenario folder: scenario.json, events.jsonl.gz, labels.json")
      ->required();
  replay_scenario->add_flag("--score", replay_args.score,
                            "score against the labels: recall, false alarms per 1,000 "
                            "device-days, time to detect");
  replay_scenario->add_option("--labels", replay_args.labels,
                              "the labels to score against (implies --score; default: "
                              "SCENARIO/labels.json)");
  replay_scenario->add_option("--geoip-database", replay_args.geoip_database,
                              "a MaxMind DB for the country:XX entries of cidr lists");
  replay_scenario->callback([&] {
    needs_server = false;
    run = [&](const CommandContext& ctx) { return Replay(ctx, replay_args); };
  });

  CLI::App* push =
      app.add_subcommand("push", "Send one AWS Device Defender report document to wardend");
  std::string push_device, push_file;
  push->add_option("--device", push_device, "the reporting device (thing name)")->required();
  push->add_option("file", push_file, "the report JSON, long or short names; - for stdin")
      ->required();
  push->callback(
      [&] { run = [&](const CommandContext& ctx) { return Push(ctx, push_device, push_file); }; });

  CLI::App* violations = app.add_subcommand("violations", "Active violations and their history");
  violations->require_subcommand(1);
  const std::vector<std::string> state_names = VerificationStateNames();

  CLI::App* list = violations->add_subcommand("list", "Active violations, by device");
  ListViolationsArgs list_args;
  std::vector<std::string> list_states;
  list->add_option("--device", list_args.device, "only this device");
  list->add_option("--profile", list_args.profile, "only this profile");
  list->add_option("--behaviour", list_args.behaviour, "only this behaviour");
  list->add_option("--state", list_states, "only these verification states (repeatable)")
      ->check(CLI::IsMember(state_names));
  list->add_option("--limit", list_args.limit, "at most this many (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  list->callback([&] {
    for (const std::string& s : list_states) list_args.states.push_back(*ParseVerificationState(s));
    run = [&](const CommandContext& ctx) { return ListViolations(ctx, list_args); };
  });

  CLI::App* events = violations->add_subcommand("events", "Violation events, oldest first");
  ListEventsArgs event_args;
  events->add_option("--since", event_args.since,
                     "from: a duration back from now (30m, 1h, 2d) or RFC3339 (default: all)");
  events->add_option("--until", event_args.until, "to (exclusive), same forms (default: now)");
  events->add_option("--device", event_args.device, "only this device");
  events->add_option("--profile", event_args.profile, "only this profile");
  events->add_option("--behaviour", event_args.behaviour, "only this behaviour");
  events->add_option("--limit", event_args.limit, "at most this many (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  events->callback(
      [&] { run = [&](const CommandContext& ctx) { return ListEvents(ctx, event_args); }; });

  CLI::App* verify = violations->add_subcommand("verify", "Set a violation's verification state");
  std::string verify_id, verify_state, verify_description;
  verify->add_option("violation_id", verify_id, "the violation")->required();
  verify->add_option("--state", verify_state, "the verdict")
      ->required()
      ->check(CLI::IsMember(state_names));
  verify->add_option("--description", verify_description, "why, in free text");
  verify->callback([&] {
    run = [&](const CommandContext& ctx) {
      return VerifyViolation(ctx, verify_id, *ParseVerificationState(verify_state),
                             verify_description);
    };
  });

  CLI::App* device = app.add_subcommand("device", "Per-device state");
  device->require_subcommand(1);
  CLI::App* show =
      device->add_subcommand("show", "A device's last report, metric windows and alarm states");
  std::string show_device;
  show->add_option("name", show_device, "the device (thing name)")->required();
  show->callback(
      [&] { run = [&](const CommandContext& ctx) { return ShowDevice(ctx, show_device); }; });

  CLI::App* profiles = app.add_subcommand("profiles", "The profiles wardend is running");
  profiles->require_subcommand(1);
  profiles->add_subcommand("list", "Profiles, behaviours and lists now running")->callback([&] {
    run = [](const CommandContext& ctx) { return ListProfiles(ctx); };
  });
  profiles
      ->add_subcommand("reload",
                       "Re-read the profiles directory; the old set keeps running if the new "
                       "one has errors")
      ->callback([&] { run = [](const CommandContext& ctx) { return ReloadProfiles(ctx); }; });

  CLI::App* alerts = app.add_subcommand("alerts", "Alert delivery: dead letters and targets");
  alerts->require_subcommand(1);
  alerts->add_subcommand("status", "Per delivery target: queued events, oldest age, failures")
      ->callback([&] { run = [](const CommandContext& ctx) { return AlertingStatus(ctx); }; });
  CLI::App* dead = alerts->add_subcommand(
      "dead-letter", "Events a receiver did not take (refused, gone, retries exhausted)");
  dead->require_subcommand(1);
  CLI::App* dead_list = dead->add_subcommand("list", "Dead letters, oldest first");
  std::string dead_receiver;
  int dead_limit = 0;
  dead_list->add_option("--receiver", dead_receiver, "only this receiver's");
  dead_list->add_option("--limit", dead_limit, "at most this many (0: all)")
      ->check(CLI::NonNegativeNumber);
  dead_list->callback([&] {
    run = [&](const CommandContext& ctx) {
      return ListDeadLetters(ctx, dead_receiver, dead_limit);
    };
  });
  CLI::App* replay =
      dead->add_subcommand("replay", "Queue a receiver's dead letters for delivery again");
  std::string replay_receiver;
  std::vector<std::string> replay_events;
  replay->add_option("--receiver", replay_receiver, "the receiver")->required();
  replay->add_option("--event", replay_events, "only these event ids (repeatable; default: all)");
  replay->callback([&] {
    run = [&](const CommandContext& ctx) {
      return ReplayDeadLetters(ctx, replay_receiver, replay_events);
    };
  });

  AddRegistryCommands(&app, &run);
  AddAuditCommands(&app, &run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, *env.out, *env.err) == 0 ? 0 : 2;
  }

  std::unique_ptr<WardenApi> api;
  if (needs_server) {
    api = env.api_factory(server, absl::Milliseconds(timeout_seconds * 1000));
  }
  CommandContext ctx;
  ctx.api = api.get();
  ctx.output = output == "json" ? OutputFormat::kJson : OutputFormat::kTable;
  ctx.in = env.in;
  ctx.out = env.out;
  ctx.err = env.err;
  ctx.clock = env.clock;
  ctx.sleep = env.sleep;
  ctx.err_is_terminal = env.err_is_terminal;
  return run(ctx);
}

}  // namespace warden::tools
