// Keeps deploy/grafana/warden-dashboard.json honest: every PromQL expression in it
// parses (`promtool check rules`, Debian's prometheus package), and every metric it
// shows is on the /metrics of the built wardend — so renaming a metric without
// updating the dashboard fails here rather than as an empty panel in a user's Grafana.
// wardend runs with a small profile set and three webhook targets (accepting,
// refusing, down) so that every labelled family has at least one series to scrape.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "e2e_util.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"
#include "warden/v1/broker.grpc.pb.h"

namespace warden::e2e {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const fs::path kDashboard =
    fs::path(WARDEN_SOURCE_DIR) / "deploy" / "grafana" / "warden-dashboard.json";
constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// One PromQL expression of the dashboard and where it is, for messages.
struct Expr {
  std::string where;
  std::string promql;
};

Json LoadDashboard() {
  Json j = Json::parse(ReadFile(kDashboard), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << kDashboard << " is not valid JSON";
  return j;
}

// Every "expr" (panel targets and annotations), named by the panel title or annotation
// name and the target's refId.
void CollectExprs(const Json& j, const std::string& where, std::vector<Expr>* out) {
  if (j.is_array()) {
    for (const Json& e : j) CollectExprs(e, where, out);
    return;
  }
  if (!j.is_object()) return;
  std::string here = where;
  if (j.contains("title") && j["title"].is_string()) {
    here = "panel '" + j["title"].get<std::string>() + "'";
  } else if (j.contains("name") && j["name"].is_string()) {
    here = "'" + j["name"].get<std::string>() + "'";
  }
  if (j.contains("refId") && j["refId"].is_string()) {
    here += " target " + j["refId"].get<std::string>();
  }
  if (j.contains("expr") && j["expr"].is_string()) {
    out->push_back({here, j["expr"].get<std::string>()});
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "expr") CollectExprs(value, here, out);
  }
}

std::vector<Expr> DashboardExprs(const Json& dashboard) {
  std::vector<Expr> out;
  CollectExprs(dashboard.value("panels", Json::array()), "", &out);
  CollectExprs(dashboard.value("annotations", Json::object()).value("list", Json::array()),
               "annotation", &out);
  return out;
}

const Json& Variables(const Json& dashboard) {
  static const Json kNone = Json::array();
  const auto templating = dashboard.find("templating");
  if (templating == dashboard.end() || !templating->contains("list")) return kNone;
  return (*templating)["list"];
}

// The uid of a panel's, target's or variable's data source ("" when it has none).
std::string DatasourceUid(const Json& j) {
  const auto ds = j.find("datasource");
  return ds != j.end() && ds->is_object() ? ds->value("uid", "") : "";
}

// The selectors inside the `label_values(selector, label)` queries of the query variables.
std::vector<Expr> VariableSelectors(const Json& dashboard) {
  std::vector<Expr> out;
  for (const Json& v : Variables(dashboard)) {
    if (v.value("type", "") != "query") continue;
    const Json& q = v["query"];
    const std::string query = q.is_string() ? q.get<std::string>() : q.value("query", "");
    const std::string kPrefix = "label_values(";
    const size_t comma = query.rfind(',');
    if (query.rfind(kPrefix, 0) == 0 && comma != std::string::npos && comma > kPrefix.size()) {
      out.push_back({"variable '" + v.value("name", "") + "'",
                     query.substr(kPrefix.size(), comma - kPrefix.size())});
    }
  }
  return out;
}

// Grafana's interval variables are not PromQL; promtool gets a fixed duration instead.
std::string ForPromtool(std::string expr) {
  for (const std::string_view var : {"$__rate_interval", "$__interval", "$__range"}) {
    for (size_t at = expr.find(var); at != std::string::npos; at = expr.find(var, at)) {
      expr.replace(at, var.size(), "5m");
    }
  }
  return expr;
}

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsIdent(char c) { return IsIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

// The metric names a PromQL expression selects: identifiers outside strings, label
// matchers ({...}), ranges ([...]) and grouping lists (by/without/on/ignoring/group_*),
// that are neither function calls nor keywords. Names are as written: a histogram
// appears as name_bucket, name_sum or name_count.
std::set<std::string> MetricNames(const std::string& expr) {
  static const std::set<std::string> kGrouping = {"by",       "without",    "on",
                                                  "ignoring", "group_left", "group_right"};
  // Binary operators and modifiers, number literals, and the aggregation operators
  // (which may come before their `by (...)`, so they are not always followed by `(`).
  static const std::set<std::string> kKeywords = {
      "and",   "or",           "unless", "offset",  "bool",    "inf",    "nan",
      "sum",   "min",          "max",    "avg",     "group",   "stddev", "stdvar",
      "count", "count_values", "topk",   "bottomk", "quantile"};
  std::set<std::string> names;
  const size_t n = expr.size();
  // Returns the index just past the string literal that starts at `i`.
  auto skip_string = [&](size_t i) {
    const char quote = expr[i];
    for (++i; i < n && expr[i] != quote; ++i) {
      if (expr[i] == '\\' && quote != '`') ++i;
    }
    return std::min(i + 1, n);
  };
  // Returns the index just past the bracketed span that starts at `i`, minding strings.
  auto skip_span = [&](size_t i, char open, char close) {
    int depth = 0;
    while (i < n) {
      const char c = expr[i];
      if (c == '"' || c == '\'' || c == '`') {
        i = skip_string(i);
        continue;
      }
      ++i;
      if (c == open) {
        ++depth;
      } else if (c == close && --depth == 0) {
        return i;
      }
    }
    return n;
  };
  auto next_non_space = [&](size_t i) {
    while (i < n && std::isspace(static_cast<unsigned char>(expr[i]))) ++i;
    return i;
  };
  for (size_t i = 0; i < n;) {
    const char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = skip_string(i);
    } else if (c == '{') {
      i = skip_span(i, '{', '}');
    } else if (c == '[') {
      i = skip_span(i, '[', ']');
    } else if (c == '#') {
      while (i < n && expr[i] != '\n') ++i;
    } else if (c == '$' || std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      // A Grafana variable or a number/duration (1e3, 0.99, 5m).
      for (++i; i < n && (IsIdent(expr[i]) || expr[i] == '.'); ++i) {
      }
    } else if (IsIdentStart(c)) {
      const size_t start = i;
      while (i < n && IsIdent(expr[i])) ++i;
      const std::string word = expr.substr(start, i - start);
      const size_t next = next_non_space(i);
      const bool call = next < n && expr[next] == '(';
      if (kGrouping.count(word) > 0) {
        if (call) i = skip_span(next, '(', ')');
      } else if (!call && kKeywords.count(word) == 0) {
        names.insert(word);
      }
    } else {
      ++i;
    }
  }
  return names;
}

TEST(GrafanaDashboardLexerTest, FindsMetricNamesOnly) {
  EXPECT_THAT(
      MetricNames("histogram_quantile(0.99, sum by (instance, le) "
                  "(rate(warden_x_seconds_bucket{job=~\"$job\", a=\"b}\"}[$__rate_interval])))"),
      ::testing::ElementsAre("warden_x_seconds_bucket"));
  EXPECT_THAT(MetricNames("sum(rate(a_total[5m])) by (code) / ignoring(code) group_left "
                          "b offset 1h > bool 0 and on() c"),
              ::testing::ElementsAre("a_total", "b", "c"));
  EXPECT_THAT(MetricNames("clamp_min(sum(x:rec{l='v\\''}), 1e3)"), ::testing::ElementsAre("x:rec"));
}

// The dashboard works on any Grafana with a Prometheus data source: it picks the data
// source and the job/instance with variables, and every query uses them.
TEST(GrafanaDashboardTest, UsesTheDatasourceJobAndInstanceVariables) {
  const Json dashboard = LoadDashboard();
  ASSERT_FALSE(dashboard.is_discarded());
  std::map<std::string, Json> vars;
  for (const Json& v : Variables(dashboard)) vars[v.value("name", "")] = v;
  ASSERT_EQ(vars.count("datasource"), 1u);
  EXPECT_EQ(vars["datasource"].value("type", ""), "datasource");
  EXPECT_EQ(vars["datasource"].value("query", ""), "prometheus");
  for (const char* name : {"job", "instance"}) {
    ASSERT_EQ(vars.count(name), 1u) << "no '" << name << "' variable";
    EXPECT_EQ(vars[name].value("type", ""), "query");
    EXPECT_EQ(DatasourceUid(vars[name]), "${datasource}");
  }

  std::set<int> ids;
  std::set<std::string> rows;
  for (const Json& panel : dashboard.value("panels", Json::array())) {
    const std::string title = panel.value("title", "");
    EXPECT_TRUE(ids.insert(panel.value("id", -1)).second) << "duplicate id of '" << title << "'";
    if (panel.value("type", "") == "row") {
      rows.insert(title);
      continue;
    }
    EXPECT_EQ(DatasourceUid(panel), "${datasource}") << title;
    ASSERT_FALSE(panel.value("targets", Json::array()).empty()) << title;
    for (const Json& t : panel["targets"]) {
      EXPECT_EQ(DatasourceUid(t), "${datasource}") << title;
    }
  }
  EXPECT_THAT(rows, ::testing::IsSupersetOf({"Ingest", "Broker events", "Detection", "Alerting",
                                             "Profiles", "Process"}));

  for (const Expr& e : DashboardExprs(dashboard)) {
    EXPECT_THAT(e.promql, ::testing::HasSubstr("job=~\"$job\"")) << e.where;
    EXPECT_THAT(e.promql, ::testing::HasSubstr("instance=~\"$instance\"")) << e.where;
  }
}

// Every expression, as a recording rule, passes `promtool check rules`.
TEST(GrafanaDashboardTest, EveryExpressionParsesWithPromtool) {
  const Json dashboard = LoadDashboard();
  ASSERT_FALSE(dashboard.is_discarded());
  const std::vector<Expr> exprs = DashboardExprs(dashboard);
  ASSERT_GE(exprs.size(), 20u) << "the dashboard lost its queries";

  // Each rule is named after its panel and target, so promtool's message says which one
  // is wrong. JSON strings are YAML double-quoted scalars: the expressions need no other
  // quoting.
  std::ostringstream rules;
  rules << "groups:\n  - name: warden-dashboard\n    rules:\n";
  for (size_t i = 0; i < exprs.size(); ++i) {
    std::string name = "warden_dashboard:expr" + std::to_string(i) + "_";
    for (const char c : exprs[i].where) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (name.back() != '_') {
        name += '_';
      }
    }
    rules << "      - record: " << name << "\n"
          << "        expr: " << Json(ForPromtool(exprs[i].promql)).dump() << "\n";
  }
  const fs::path dir = MakeTempDir("warden-grafana");
  WriteFile(dir / "dashboard-rules.yml", rules.str());
  const Result r =
      RunShell("/usr/bin/promtool check rules " + (dir / "dashboard-rules.yml").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              ::testing::HasSubstr("SUCCESS: " + std::to_string(exprs.size()) + " rules found"))
      << r.output;
  fs::remove_all(dir);
}

// wardend with traffic on every path the dashboard shows.
class GrafanaDashboardScrapeTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir("warden-grafana-e2e"); }
  void TearDown() override {
    wardend_.reset();
    for (Process& p : receivers_) p.Stop();
    fs::remove_all(dir_);
  }

  // tests/e2e/webhook_receiver.py answering `status`; returns its port.
  int StartReceiver(int i, int status) {
    const std::string n = std::to_string(i);
    WriteFile(dir_ / ("status" + n), std::to_string(status));
    receivers_[i].Start(
        {"/usr/bin/python3", std::string(WARDEN_SOURCE_DIR) + "/tests/e2e/webhook_receiver.py",
         (dir_ / ("port" + n)).string(), (dir_ / ("hook" + n + ".log")).string(),
         (dir_ / ("status" + n)).string(), kSecret},
        dir_ / ("hook" + n + ".stderr"));
    if (!Eventually([&] { return fs::exists(dir_ / ("port" + n)); })) return 0;
    return std::stoi(ReadFile(dir_ / ("port" + n)));
  }

  fs::path dir_;
  Process receivers_[2];
  std::unique_ptr<Wardend> wardend_;
};

// A fleet-percentile behaviour with 1 s windows and one device needed, so its threshold
// is ready a second after the first report; and a list behaviour that raises an alarm.
constexpr char kProfile[] = R"(profile: grafana
targets: all
behaviours:
  - name: no-telnet
    metric: aws:listening-tcp-ports
    operator: not-in-port-set
    value: [23]
    severity: critical
  - name: cpu-temperature-p90
    metric: cpu_temperature
    operator: less-than-equals
    statistic: p90
    min_devices: 1
    duration_seconds: 1
)";

constexpr char kReport[] = R"({"header": {"report_id": 1, "version": "1.0"},
  "metrics": {"listening_tcp_ports": {"ports": [{"port": 22}, {"port": 23}]}},
  "custom_metrics": {"cpu_temperature": [{"number": 61.5}]}})";

TEST_F(GrafanaDashboardScrapeTest, EveryMetricItShowsIsOnWardendsMetrics) {
  const Json dashboard = LoadDashboard();
  ASSERT_FALSE(dashboard.is_discarded());
  std::map<std::string, std::string> referenced;  // metric name → first place it is used
  std::vector<Expr> exprs = DashboardExprs(dashboard);
  for (const Expr& e : VariableSelectors(dashboard)) exprs.push_back(e);
  for (const Expr& e : exprs) {
    for (const std::string& name : MetricNames(e.promql)) referenced.emplace(name, e.where);
  }
  ASSERT_GE(referenced.size(), 20u);

  const int accepting = StartReceiver(0, 200);
  const int refusing = StartReceiver(1, 400);
  ASSERT_GT(accepting, 0) << ReadFile(dir_ / "hook0.stderr");
  ASSERT_GT(refusing, 0) << ReadFile(dir_ / "hook1.stderr");
  const int down = FreePort();  // nothing listens: transport failures and retries

  fs::create_directories(dir_ / "profiles");
  WriteFile(dir_ / "profiles" / "grafana.yaml", kProfile);
  std::ostringstream config;
  config << "profiles: " << (dir_ / "profiles").string() << "\n"
         << "data_dir: " << (dir_ / "data").string() << "\n"
         << "alerting:\n  receivers:\n";
  for (const auto& [name, port] : std::vector<std::pair<std::string, int>>{
           {"ok", accepting}, {"refusing", refusing}, {"down", down}}) {
    config << "    - name: " << name << "\n"
           << "      webhook: {url: 'http://127.0.0.1:" << port << "/hook', secrets: [" << kSecret
           << "]}\n"
           << "      retry: {initial_backoff_seconds: 0.1, max_backoff_seconds: 0.5, "
              "give_up_after_seconds: 3600}\n";
  }
  WriteFile(dir_ / "wardend.yaml", config.str());
  wardend_ = std::make_unique<Wardend>();
  std::string error;
  ASSERT_TRUE(wardend_->Start(dir_, {"--config", (dir_ / "wardend.yaml").string()}, &error))
      << error;

  // A report: ingest, store, a violation and its alerts, a fleet contribution.
  WriteFile(dir_ / "report.json", kReport);
  const Result push = wardend_->Ctl("push --device cam-1 " + (dir_ / "report.json").string());
  ASSERT_EQ(push.exit_code, 0) << push.output;

  // A broker event (wardenctl has no command for these).
  auto stub = v1::BrokerEventService::NewStub(
      grpc::CreateChannel(wardend_->grpc(), grpc::InsecureChannelCredentials()));
  v1::BrokerEventBatch batch;
  v1::BrokerEvent* event = batch.add_events();
  event->set_device_id("cam-1");
  *event->mutable_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  event->mutable_connect()->set_client_id("cam-1");
  event->mutable_connect()->set_source_ip("198.51.100.7");
  event->mutable_connect()->set_success(true);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::BrokerEventAcks acks;
  const grpc::Status status = stub->PublishEvents(&context, batch, &acks);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(acks.acks_size(), 1);
  EXPECT_EQ(acks.acks(0).status(), v1::BrokerEventAck::ACCEPTED) << acks.acks(0).message();

  // Sample names on /metrics (histograms as _bucket/_sum/_count) and each family's type.
  std::set<std::string> samples;
  std::map<std::string, std::string> types;
  std::vector<std::string> missing;
  auto scrape = [&] {
    samples.clear();
    types.clear();
    const Result r = RunShell("curl -fsS http://" + wardend_->metrics() + "/metrics");
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("# TYPE ", 0) == 0) {
        std::istringstream words(line.substr(7));
        std::string name, type;
        words >> name >> type;
        types[name] = type;
      } else if (!line.empty() && line[0] != '#') {
        samples.insert(line.substr(0, line.find_first_of("{ ")));
      }
    }
    missing.clear();
    for (const auto& [name, where] : referenced) {
      if (samples.count(name) == 0) missing.push_back(name);
    }
    return missing.empty();
  };
  // The alarm, the deliveries and the fleet window (1 s) take a moment; what is still
  // missing after that is reported below, name by name.
  Eventually(scrape, std::chrono::seconds(8));

  for (const std::string& name : missing) {
    const std::string& where = referenced[name];
    if (types.count(name) > 0 && (types[name] == "histogram" || types[name] == "summary")) {
      ADD_FAILURE() << where << " selects " << name << ", a " << types[name]
                    << ": it has no series of that name; use " << name << "_bucket, " << name
                    << "_sum or " << name << "_count";
    } else {
      ADD_FAILURE() << where << " selects " << name
                    << ", which wardend does not export (renamed or removed in "
                       "services/metrics.cc?); update deploy/grafana/warden-dashboard.json";
    }
  }

  // Not a failure: what wardend exports that the dashboard does not show.
  std::set<std::string> shown;
  for (const auto& [name, where] : referenced) {
    shown.insert(name);
    for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        shown.insert(name.substr(0, name.size() - suffix.size()));
      }
    }
  }
  for (const auto& [family, type] : types) {
    if (family.rfind("warden_", 0) == 0 && shown.count(family) == 0) {
      std::cout << "note: " << family << " (" << type << ") is not on the dashboard\n";
    }
  }
}

}  // namespace
}  // namespace warden::e2e
