// wardenctl replay: a scenario through the profiles, locally and in the events' own
// time. In-process against the command line for output shapes and errors; the built
// binary on a scenario made by tests/scenarios/generate.py; and the shipped profiles on
// the shared auth-brute-force scenario.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "tests/tools/wardenctl_fixture.h"

namespace warden::tools {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kSource = WARDEN_SOURCE_DIR;
const std::string kWardenctl = std::string(WARDEN_BINARY_DIR) + "/tools/wardenctl";
const std::string kDefaultProfiles = kSource + "/deploy/profiles";

constexpr char kProfiles[] = R"(profile: fleet
targets: all
behaviours:
  - name: no-telnet
    metric: aws:listening-tcp-ports
    operator: not-in-port-set
    value: [23]
    severity: critical
  - name: few-auth-failures
    metric: aws:num-authorization-failures
    operator: less-than
    value: 3
)";

constexpr char kScenario[] = R"({"name": "tiny", "start": 1742158800, "duration_s": 1800,
  "interval_s": 300, "devices": [{"name": "cam-1"}, {"name": "cam-2"}]})";

// cam-1 opens telnet in its second report; cam-2 fails authorization 5 times in the
// bucket 21:05-21:10 (the alarm is raised once the count crosses the threshold, at the
// latest when the bucket ends; the next, empty, bucket clears it: a connected device's
// buckets roll on without events).
constexpr char kEvents[] =
    R"({"t":1742158800,"device":"cam-2","broker":{"type":"connect","source_ip":"198.18.1.1","success":true}}
{"t":1742158800,"device":"cam-1","report":{"header":{"report_id":1,"version":"1.0"},"metrics":{"listening_tcp_ports":{"ports":[{"port":443}]}}}}
{"t":1742159100,"device":"cam-1","report":{"header":{"report_id":2,"version":"1.0"},"metrics":{"listening_tcp_ports":{"ports":[{"port":23},{"port":443}]}}}}
{"t":1742159101,"device":"cam-2","broker":{"type":"auth_failure","source_ip":"198.18.1.1"}}
{"t":1742159102,"device":"cam-2","broker":{"type":"auth_failure","source_ip":"198.18.1.1"}}
{"t":1742159103,"device":"cam-2","broker":{"type":"auth_failure","source_ip":"198.18.1.1"}}
{"t":1742159104,"device":"cam-2","broker":{"type":"auth_failure","source_ip":"198.18.1.1"}}
{"t":1742159105,"device":"cam-2","broker":{"type":"auth_failure","source_ip":"198.18.1.1"}}
{"t":1742159400,"device":"cam-1","report":{"header":{"report_id":3,"version":"1.0"},"metrics":{"listening_tcp_ports":{"ports":[{"port":443}]}}}}
)";

constexpr char kLabels[] = R"([
  {"device": "cam-1", "attack": "telnet", "start": 1742159000, "end": 1742159300},
  {"device": "cam-2", "attack": "brute-force", "start": 1742159100, "end": 1742159110}
])";

class ReplayTest : public WardenctlTest {
 protected:
  void SetUp() override {
    WardenctlTest::SetUp();
    profiles_ = WriteFile("profiles/fleet.yaml", kProfiles);
    WriteFile("tiny/scenario.json", kScenario);
    events_ = WriteFile("tiny/events.jsonl", kEvents);
    WriteFile("tiny/labels.json", kLabels);
    scenario_ = (fs::path(TestDir()) / "tiny").string();
  }
  std::string profiles_, scenario_, events_;
};

TEST_F(ReplayTest, PrintsTheViolationEventsInTheEventsOwnTime) {
  ASSERT_EQ(Run({"replay", "--profiles", profiles_, scenario_}), 0) << err_.str();
  EXPECT_TRUE(server_.empty()) << "replay needs no server";
  const std::string out = out_.str();
  EXPECT_THAT(out, StartsWith("TIME                  EVENT"));
  EXPECT_THAT(out, HasSubstr("2025-03-16T21:05:00Z  in-alarm       cam-1   fleet    no-telnet"));
  EXPECT_THAT(out, HasSubstr("2025-03-16T21:10:00Z  alarm-cleared  cam-1   fleet    no-telnet"));
  EXPECT_THAT(out, HasSubstr("in-alarm       cam-2   fleet    few-auth-failures"));
  EXPECT_THAT(out,
              HasSubstr("2025-03-16T21:15:00Z  alarm-cleared  cam-2   fleet    few-auth-failures"));
  EXPECT_THAT(out, HasSubstr("replayed 9 events (3 reports, 6 broker events) of 2 devices in "
                             "0.00 s; 4 violation events\n"));
}

TEST_F(ReplayTest, JsonIsOneViolationEventALineAndTheSummaryGoesToStderr) {
  ASSERT_EQ(Run({"replay", "--output", "json", "--profiles", profiles_, scenario_}), 0)
      << err_.str();
  std::vector<Json> events;
  for (absl::string_view line : absl::StrSplit(out_.str(), '\n', absl::SkipEmpty())) {
    events.push_back(Json::parse(line));
  }
  ASSERT_EQ(events.size(), 4u) << out_.str();
  EXPECT_EQ(events[0]["type"], "IN_ALARM");
  EXPECT_EQ(events[0]["device_id"], "cam-1");
  EXPECT_EQ(events[0]["behaviour"], "no-telnet");
  EXPECT_EQ(events[0]["time"], "2025-03-16T21:05:00Z");
  EXPECT_EQ(events[0]["evidence"]["offending"], Json::array({"23"}));
  EXPECT_EQ(events[0]["severity"], "CRITICAL");
  EXPECT_THAT(err_.str(), StartsWith("replayed 9 events"));
}

TEST_F(ReplayTest, ScoresAgainstTheLabels) {
  ASSERT_EQ(Run({"replay", "--profiles", profiles_, scenario_, "--score"}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("recall:          1.00 (2 of 2 labels)\n"));
  EXPECT_THAT(out_.str(), HasSubstr("false alarms:    0.0 per 1,000 device-days"));
  EXPECT_THAT(out_.str(), HasSubstr("time to detect:  p50 "));
  EXPECT_THAT(out_.str(),
              HasSubstr("telnet       2025-03-16T21:03:20Z  2025-03-16T21:05:00Z  100 s"));

  ASSERT_EQ(Run({"-o", "json", "replay", "--profiles", profiles_, scenario_, "--score"}), 0);
  const Json score = Json::parse(out_.str());
  EXPECT_EQ(score["recall"], 1.0);
  EXPECT_EQ(score["labels"], 2);
  EXPECT_EQ(score["false_alarm_device_days"], 0);
  EXPECT_EQ(score["results"][1]["behaviour"], "few-auth-failures");
  // cam-1 at its report of 21:05 (100 s after its label's start); cam-2 within its
  // bucket, which ends 300 s after its label's start.
  EXPECT_EQ(score["results"][0]["time_to_detect_s"], 100.0);
  EXPECT_LE(score["results"][1]["time_to_detect_s"].get<double>(), 300.0);
  EXPECT_EQ(score["replay"]["broker_events"], 6);

  // Other labels: cam-2's alarm is now a false alarm, on 2 devices over 1800 s.
  const std::string other = WriteFile("other.json", R"([
    {"device": "cam-1", "attack": "telnet", "start": 1742159000, "end": 1742159300}])");
  ASSERT_EQ(Run({"-o", "json", "replay", "--profiles", profiles_, scenario_, "--labels", other}),
            0);
  const Json rescored = Json::parse(out_.str());
  EXPECT_EQ(rescored["false_alarm_device_days"], 1);
  EXPECT_EQ(rescored["false_alarms"][0]["device"], "cam-2");
  EXPECT_DOUBLE_EQ(rescored["false_alarms_per_1000_device_days"].get<double>(),
                   1000.0 / (2 * 1800.0 / 86400));
}

TEST_F(ReplayTest, BadInputFailsWithOneLineNamingTheFileAndLine) {
  std::string events = kEvents;
  events.replace(events.find("\"t\":1742159102"), 14, "\"t\":1742159102,,");
  WriteFile("tiny/events.jsonl", events);
  EXPECT_EQ(Run({"replay", "--profiles", profiles_, scenario_}), 1);
  EXPECT_THAT(err_.str(), StartsWith("wardenctl: replay: " + events_ +
                                     ":5: malformed JSON: parse error at line 1, column 17"));
  const std::string err = err_.str();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;

  EXPECT_EQ(Run({"replay", "--profiles", profiles_, TestDir() + "/none"}), 1);
  EXPECT_THAT(err_.str(),
              HasSubstr("wardenctl: replay: cannot read '" + TestDir() + "/none/scenario.json'"));

  const std::string bad = WriteFile("bad/p.yaml", "profile: p\ntargets: all\nbehaviours: []\n");
  EXPECT_EQ(Run({"replay", "--profiles", bad, scenario_}), 1);
  EXPECT_THAT(err_.str(), HasSubstr(bad + ":3:13: error: a profile needs at least one behaviour"));
  EXPECT_THAT(err_.str(), HasSubstr("wardenctl: replay: cannot load the profiles"));

  EXPECT_EQ(Run({"replay", scenario_}), 2);  // --profiles is required
  EXPECT_EQ(Run({"replay", "--profiles", profiles_, scenario_, "--labels",
                 TestDir() + "/no-labels.json"}),
            1);
  EXPECT_THAT(err_.str(), HasSubstr("no-labels.json"));
}

// Runs `command` with /bin/sh; stdout (and stderr when `with_stderr`) and the exit code.
struct Shell {
  int exit_code = -1;
  std::string output;
};
Shell RunShell(const std::string& command, bool with_stderr = true) {
  Shell r;
  FILE* pipe = popen((command + (with_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The built binary, on the generator's `smoke` scenario, with the shipped profiles: the
// camera that opens TCP 4444 is caught at its first report doing so, and nothing else
// alarms.
TEST(ReplayBinaryTest, CatchesTheBackdoorOfAGeneratedScenario) {
  const std::string dir = (fs::path(testing::TempDir()) / "replay_binary").string();
  fs::remove_all(dir);
  Shell gen = RunShell("/usr/bin/python3 " + kSource + "/tests/scenarios/generate.py --out " + dir +
                       " smoke");
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  const std::string scenario = dir + "/smoke";

  Shell r = RunShell(kWardenctl + " replay -o json --profiles " + kDefaultProfiles + " " + scenario,
                     /*with_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> alarms;
  for (absl::string_view line : absl::StrSplit(r.output, '\n', absl::SkipEmpty())) {
    const Json e = Json::parse(line);
    if (e["type"] != "IN_ALARM") continue;
    alarms.insert(e["device_id"].get<std::string>() + " " + e["behaviour"].get<std::string>());
    EXPECT_EQ(e["evidence"]["offending"], Json::array({"4444"})) << line;
  }
  EXPECT_EQ(alarms, std::set<std::string>{"cam-0002 no-risky-tcp-ports"}) << r.output;

  r = RunShell(kWardenctl + " replay --output json --profiles " + kDefaultProfiles + " " +
                   scenario + " --score",
               /*with_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Json score = Json::parse(r.output);
  EXPECT_EQ(score["recall"], 1.0);
  EXPECT_EQ(score["false_alarm_device_days"], 0);
  EXPECT_LE(score["time_to_detect_max_s"].get<double>(), 300);  // by the next report

  // A corrupt line: exit 1 and the reason on one line, naming the file and line.
  r = RunShell("cd " + scenario + " && zcat events.jsonl.gz | sed '3s/\"t\"/\"t/' > events.jsonl" +
               " && rm events.jsonl.gz && " + kWardenctl + " replay --profiles " +
               kDefaultProfiles + " .");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, StartsWith("wardenctl: replay: ./events.jsonl:3: malformed JSON"));
  fs::remove_all(dir);
}

// The shipped profiles on the shared auth-brute-force scenario: both attacks are
// caught and no device alarms outside the labels.
TEST_F(WardenctlTest, ShippedProfilesCatchAuthBruteForceWithoutFalseAlarms) {
  const std::string scenario = kSource + "/../shared/scenarios/auth-brute-force";
  if (!fs::exists(scenario + "/scenario.json")) GTEST_SKIP() << scenario << " is not here";
  ASSERT_EQ(Run({"-o", "json", "replay", "--profiles", kDefaultProfiles, scenario, "--score"}), 0)
      << err_.str();
  const Json score = Json::parse(out_.str());
  EXPECT_EQ(score["recall"], 1.0) << score.dump(2);
  for (const Json& f : score["false_alarms"]) {
    EXPECT_TRUE(f["labelled_device"].get<bool>()) << "false alarm on an unlabelled device: " << f;
  }
  EXPECT_EQ(score["false_alarm_device_days"], 0) << score["false_alarms"].dump(2);
}

}  // namespace
}  // namespace warden::tools
