// The scenario reader (tools/scenario.h): scenario.json, labels.json, events files
// plain and gzip-compressed, the errors a user sees for bad input, and the rule set a
// replay builds from profiles plus the scenario's devices and lists.

#include "tools/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "google/protobuf/util/time_util.h"

namespace warden::tools {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ScenarioTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::path(testing::TempDir()) /
        ("scenario_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
    return path.string();
  }
  std::string WriteGz(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
    gzclose(f);
    return path;
  }
  // Every event of `path`, or the first error.
  absl::StatusOr<std::vector<ScenarioEvent>> ReadAll(const std::string& path) {
    absl::StatusOr<std::unique_ptr<ScenarioEventReader>> reader = ScenarioEventReader::Open(path);
    if (!reader.ok()) return reader.status();
    std::vector<ScenarioEvent> events;
    while (true) {
      ScenarioEvent e;
      absl::StatusOr<bool> more = (*reader)->Next(&e);
      if (!more.ok()) return more.status();
      if (!*more) return events;
      events.push_back(std::move(e));
    }
  }

  fs::path dir_;
};

constexpr char kScenario[] = R"({
  "name": "tiny",
  "description": "two devices",
  "start": 1742158800,
  "duration_s": 3600,
  "interval_s": 300,
  "devices": [
    {"name": "cam-1", "groups": ["cameras"], "attributes": {"model": "x"}},
    {"name": "thermo-1", "groups": ["thermostats"]}
  ],
  "lists": {
    "risky-ports": {"type": "port", "values": [23, 4444]},
    "fleet-egress": {"type": "cidr", "values": ["198.18.0.0/16"]}
  }
})";

TEST_F(ScenarioTest, ReadsTheScenarioFile) {
  Write("scenario.json", kScenario);
  absl::StatusOr<Scenario> s = ReadScenario(dir_.string());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "tiny");
  EXPECT_EQ(s->start, 1742158800);
  EXPECT_EQ(s->end_us(), (1742158800LL + 3600) * 1'000'000);
  EXPECT_EQ(s->interval_s, 300);
  ASSERT_EQ(s->devices.size(), 2u);
  EXPECT_EQ(s->devices[0].name, "cam-1");
  EXPECT_THAT(s->devices[0].groups, ElementsAre("cameras"));
  EXPECT_EQ(s->devices[0].attributes.at("model"), "x");
  ASSERT_EQ(s->lists.size(), 2u);
  EXPECT_EQ(s->lists[1].name, "risky-ports");
  EXPECT_EQ(s->lists[1].type, "port");
  EXPECT_THAT(s->lists[1].values, ElementsAre("23", "4444"));
}

TEST_F(ScenarioTest, BadScenarioFilesNameTheFileAndTheField) {
  const std::string path = (dir_ / "scenario.json").string();
  EXPECT_THAT(std::string(ReadScenario(dir_.string()).status().message()),
              HasSubstr("cannot read '" + path + "'"));

  struct Case {
    std::string json, message;
  };
  const std::vector<Case> cases = {
      {"{", "malformed JSON: parse error at line 1, column 2"},
      {R"({"name": "x", "start": 1, "duration_s": 1, "interval_s": 300, "devices": [],
           "interval": 5})",
       "interval: unknown key"},
      {R"({"name": "x", "start": 1, "duration_s": 1, "devices": []})", "missing key 'interval_s'"},
      {R"({"name": "x", "start": 1, "duration_s": 0, "interval_s": 300, "devices": []})",
       "duration_s: must be 1 to"},
      {R"({"name": "x", "start": 1, "duration_s": 60, "interval_s": 300,
           "devices": [{"name": "a", "groups": "cameras"}]})",
       "devices[0].groups: expected an array of strings, got a string"},
      {R"({"name": "x", "start": 1, "duration_s": 60, "interval_s": 300,
           "devices": [{"name": "a"}, {"name": "a"}]})",
       "devices[1].name: device 'a' is listed twice"},
      {R"({"name": "x", "start": 1, "duration_s": 60, "interval_s": 300, "devices": [],
           "lists": {"l": {"type": "ports", "values": []}}})",
       "lists.l.type: unknown list type 'ports'"},
  };
  for (const Case& c : cases) {
    Write("scenario.json", c.json);
    absl::StatusOr<Scenario> s = ReadScenario(dir_.string());
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.status().message()), StartsWith(path + ": ")) << c.json;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.message)) << c.json;
  }
}

TEST_F(ScenarioTest, ReadsLabels) {
  const std::string path = Write("labels.json", R"([
    {"device": "cam-1", "attack": "x", "start": 100, "end": 200, "signals": ["aws:all-bytes-out"]}
  ])");
  absl::StatusOr<std::vector<Label>> labels = ReadLabels(path);
  ASSERT_TRUE(labels.ok()) << labels.status();
  ASSERT_EQ(labels->size(), 1u);
  EXPECT_EQ((*labels)[0].device, "cam-1");
  EXPECT_EQ((*labels)[0].end, 200);
  EXPECT_THAT((*labels)[0].signals, ElementsAre("aws:all-bytes-out"));

  Write("labels.json", R"([{"device": "cam-1", "start": 300, "end": 200}])");
  EXPECT_EQ(ReadLabels(path).status().message(), path + ": labels[0].end: 200 is before start 300");
}

constexpr char kEvents[] =
    R"({"t":1742158800,"device":"cam-1","broker":{"type":"connect","client_id":"cam-1","source_ip":"198.18.1.10","success":true,"cert":"ab12"}}
{"t":1742158801.5,"device":"cam-1","broker":{"type":"publish","client_id":"cam-1","topic":"dt/camera/cam-1/telemetry","bytes":512}}

{"t":1742158802,"device":"cam-1","broker":{"type":"auth_failure","client_id":"cam-1","source_ip":"198.18.1.10","success":false}}
{"t":1742158803,"device":"cam-1","broker":{"type":"deliver","topic":"cmd/camera/cam-1/config","bytes":300}}
{"t":1742158860,"device":"cam-1","report":{"header":{"report_id":1742158860,"version":"1.0"},"metrics":{"listening_tcp_ports":{"ports":[{"port":4444,"interface":"eth0"}],"total":1},"network_stats":{"bytes_in":10,"bytes_out":20,"packets_in":1,"packets_out":2}}}}
{"t":1742158900,"device":"cam-1","broker":{"type":"disconnect","client_id":"cam-1","source_ip":"198.18.1.10"}})";

TEST_F(ScenarioTest, ReadsPlainAndGzipEventsAlike) {
  for (const std::string& path :
       {Write("events.jsonl", kEvents), WriteGz("events.jsonl.gz", kEvents)}) {
    absl::StatusOr<std::vector<ScenarioEvent>> events = ReadAll(path);
    ASSERT_TRUE(events.ok()) << events.status();
    ASSERT_EQ(events->size(), 6u) << path;
    const std::vector<ScenarioEvent>& e = *events;

    EXPECT_FALSE(e[0].is_report);
    EXPECT_EQ(e[0].broker.device_id(), "cam-1");
    EXPECT_EQ(google::protobuf::util::TimeUtil::TimestampToMicroseconds(e[0].broker.time()),
              1742158800LL * 1'000'000);
    ASSERT_TRUE(e[0].broker.has_connect());
    EXPECT_EQ(e[0].broker.connect().source_ip(), "198.18.1.10");
    EXPECT_EQ(e[0].broker.connect().certificate_id(), "ab12");
    EXPECT_TRUE(e[0].broker.connect().success());

    EXPECT_EQ(e[1].time_us, 1742158801'500'000LL);  // fractions of a second
    ASSERT_TRUE(e[1].broker.has_publish());
    EXPECT_EQ(e[1].broker.publish().topic(), "dt/camera/cam-1/telemetry");
    EXPECT_EQ(e[1].broker.publish().bytes(), 512);

    EXPECT_TRUE(e[2].broker.has_authorization_failure());
    ASSERT_TRUE(e[3].broker.has_deliver());
    EXPECT_EQ(e[3].broker.deliver().bytes(), 300);

    ASSERT_TRUE(e[4].is_report);
    EXPECT_EQ(e[4].time_us, 1742158860LL * 1'000'000);
    EXPECT_EQ(e[4].report.header().report_id(), 1742158860);
    EXPECT_EQ(e[4].report.metrics().listening_tcp_ports().ports(0).port(), 4444u);
    EXPECT_EQ(e[4].report.metrics().network_stats().bytes_out(), 20u);

    EXPECT_TRUE(e[5].broker.has_disconnect());
  }
}

TEST_F(ScenarioTest, BadLinesNameTheFileAndLine) {
  const std::string good =
      R"({"t":100,"device":"d","broker":{"type":"publish","topic":"a","bytes":1}})";
  struct Case {
    std::string line, message;
  };
  const std::vector<Case> cases = {
      {R"({"t":100,"device":"d","broker":{"type":"publish","topic":"a","bytes":1})",
       ""},  // checked below
      {R"({"t":100,"device":"d","broker":{"type":"subscribe"}})",
       ":2: broker.type: unknown event type 'subscribe' (expected connect, auth_failure, "
       "publish, deliver or disconnect)"},
      {R"({"t":100,"device":"d","broker":{"type":"publish","topic":"a","bytes":"x"}})",
       ":2: broker.bytes: expected a non-negative integer, got a string"},
      {R"({"t":100,"device":"d","broker":{"type":"connect","source":"1.2.3.4"}})",
       ":2: broker.source: unknown key"},
      {R"({"t":"soon","device":"d","broker":{"type":"disconnect"}})",
       ":2: t: expected epoch seconds, got a string"},
      {R"({"t":100,"device":"d"})", ":2: expected exactly one of 'report' and 'broker'"},
      {R"({"t":100,"device":"d","report":{"header":{"report_id":1,"version":"1.0"},"metrics":{"network_stats":{"bytes_out":-5}}}})",
       ":2: report: metrics.network_stats.bytes_out: "},
      {R"({"t":99,"device":"d","broker":{"type":"disconnect"}})",
       ":2: t 99 is before the previous line's 100 (events must be sorted by time)"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = Write("events.jsonl", good + "\n" + cases[i].line + "\n" + good);
    absl::StatusOr<std::vector<ScenarioEvent>> events = ReadAll(path);
    ASSERT_FALSE(events.ok()) << cases[i].line;
    EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
    if (i == 0) {
      EXPECT_THAT(std::string(events.status().message()),
                  StartsWith(path + ":2: malformed JSON: parse error at line 1, column 72"));
      continue;
    }
    EXPECT_THAT(std::string(events.status().message()), StartsWith(path + cases[i].message))
        << cases[i].line;
  }
}

TEST_F(ScenarioTest, ATruncatedGzipStreamIsDataLoss) {
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    text += R"({"t":)" + std::to_string(100 + i) +
            R"(,"device":"d","broker":{"type":"publish","topic":"a","bytes":1}})"
            "\n";
  }
  const std::string path = WriteGz("events.jsonl.gz", text);
  const auto size = fs::file_size(path);
  fs::resize_file(path, size / 2);
  absl::StatusOr<std::vector<ScenarioEvent>> events = ReadAll(path);
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(events.status().message()),
              StartsWith(path + ": cannot decompress after line "));

  EXPECT_EQ(ScenarioEventReader::Open((dir_ / "nope.jsonl.gz").string()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ScenarioTest, EventsPathPrefersTheCompressedFile) {
  Write("events.jsonl", "");
  EXPECT_EQ(ScenarioEventsPath(dir_.string()), (dir_ / "events.jsonl").string());
  WriteGz("events.jsonl.gz", "");
  EXPECT_EQ(ScenarioEventsPath(dir_.string()), (dir_ / "events.jsonl.gz").string());
}

// The profiles define risky-ports (a scenario list replaces it) and use fleet-egress,
// which only the scenario defines; the scenario's devices fill the profiles' groups.
TEST_F(ScenarioTest, RulesMergeTheScenarioDevicesAndLists) {
  Write("profiles/p.yaml", R"(profile: cams
targets: {groups: [cameras]}
behaviours:
  - name: risky
    metric: aws:listening-tcp-ports
    operator: not-in-port-set
    list: risky-ports
  - name: egress
    metric: aws:source-ip-address
    operator: in-cidr-set
    list: fleet-egress
---
list: risky-ports
type: port
values: [23]
---
devices:
  - {name: cam-1, groups: [lab], attributes: {site: a}}
)");
  Write("scenario.json", kScenario);
  absl::StatusOr<Scenario> scenario = ReadScenario(dir_.string());
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  ScenarioRules built = BuildScenarioRules({(dir_ / "profiles").string()}, *scenario);
  ASSERT_NE(built.rules, nullptr) << built.error << rules::FormatDiagnostics(built.diagnostics);
  EXPECT_TRUE(built.diagnostics.empty()) << rules::FormatDiagnostics(built.diagnostics);
  const rules::RuleSet& r = *built.rules;

  const rules::Behaviour& risky = r.profiles[0].behaviours[0];
  EXPECT_TRUE(risky.list->ports.Contains(4444));  // the scenario's values
  EXPECT_EQ(r.lists.at("risky-ports"), risky.list);
  const rules::Behaviour& egress = r.profiles[0].behaviours[1];
  ASSERT_NE(egress.list, nullptr);
  EXPECT_NE(egress.list->cidrs.Find(*rules::ParseIp("198.18.3.4")), nullptr);

  const rules::Device& cam = r.devices.at("cam-1");
  EXPECT_THAT(cam.groups, ElementsAre("lab", "cameras"));
  EXPECT_EQ(cam.attributes.at("site"), "a");
  EXPECT_EQ(cam.attributes.at("model"), "x");
  EXPECT_TRUE(r.TargetsDevice(r.profiles[0], "cam-1"));
  EXPECT_FALSE(r.TargetsDevice(r.profiles[0], "thermo-1"));
}

TEST_F(ScenarioTest, AScenarioListOfAnotherTypeIsAnError) {
  Write("profiles/p.yaml", R"(list: risky-ports
type: cidr
values: [10.0.0.0/8]
)");
  Write("scenario.json", kScenario);
  absl::StatusOr<Scenario> scenario = ReadScenario(dir_.string());
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  ScenarioRules built = BuildScenarioRules({(dir_ / "profiles").string()}, *scenario);
  EXPECT_EQ(built.rules, nullptr);
  EXPECT_THAT(built.error, HasSubstr("lists.risky-ports: a port list, but the profiles' "
                                     "'risky-ports'"));
  EXPECT_THAT(built.error, HasSubstr("is a cidr list"));
}

}  // namespace
}  // namespace warden::tools
