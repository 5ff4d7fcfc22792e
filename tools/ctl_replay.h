#ifndef WARDEN_TOOLS_CTL_REPLAY_H_
#define WARDEN_TOOLS_CTL_REPLAY_H_

#include <string>
#include <vector>

#include "tools/ctl_commands.h"

namespace warden::tools {

struct ReplayArgs {
  // Profile, list and inventory files or directories (as for validate). Required.
  std::vector<std::string> profiles;
  // The scenario folder: scenario.json, events.jsonl.gz (or events.jsonl), labels.json.
  std::string scenario_dir;
  // Score the replay against the labels instead of printing its events.
  bool score = false;
  // The labels to score against; "" : SCENARIO_DIR/labels.json. Implies `score`.
  std::string labels;
  // As rules::LoadOptions::geoip_database.
  std::string geoip_database;
};

// replay --profiles DIR SCENARIO_DIR [--score] [--labels FILE]: runs the scenario
// (tools/scenario.h) locally, no server, through the daemon's evaluator in the events'
// own time, and prints
//  - by default, the violation events: a table, or with JSON output one
//    warden.v1.ViolationEvent a line (proto field names, every field present);
//  - with --score, the score (tools/scenario_score.h): recall, false alarms per 1,000
//    device-days, time to detect, each label and each false alarm; JSON: one object.
// Then a summary line, "replayed N events (R reports, B broker events) of D devices in
// S s (E events/s); V violation events", on stdout after a table and on stderr with
// JSON output (stdout stays machine-readable).
// Exit 1 with one line naming the file (and line) for bad input, or the loader's
// diagnostics for bad profiles.
int Replay(const CommandContext& ctx, const ReplayArgs& args);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_CTL_REPLAY_H_
