// wardend's own metrics as a scrape shows them.
#include "services/metrics.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "prometheus/registry.h"

namespace warden::services {
namespace {

// The value of `name`{profile="p", behaviour="b"} in the registry, if it has that series.
std::optional<double> Sample(const Metrics& metrics, const std::string& name) {
  for (const prometheus::MetricFamily& f : metrics.registry()->Collect()) {
    if (f.name != name) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      int matched = 0;
      for (const prometheus::ClientMetric::Label& l : m.label) {
        matched +=
            (l.name == "profile" && l.value == "p") || (l.name == "behaviour" && l.value == "b");
      }
      if (matched == 2) return m.gauge.value;
    }
  }
  return std::nullopt;
}

TEST(MetricsTest, AFleetThresholdThatIsNoLongerReadyLeavesNoStaleValue) {
  Metrics metrics(1);
  metrics.SetFleetThreshold("p", "b", /*ready=*/true, 9000, 10);
  EXPECT_EQ(Sample(metrics, "warden_fleet_threshold"), 9000);
  EXPECT_EQ(Sample(metrics, "warden_fleet_threshold_ready"), 1);

  // The next window had too few devices: insufficient data.
  metrics.SetFleetThreshold("p", "b", /*ready=*/false, 0, 3);
  EXPECT_EQ(Sample(metrics, "warden_fleet_threshold"), std::nullopt);
  EXPECT_EQ(Sample(metrics, "warden_fleet_threshold_ready"), 0);
  EXPECT_EQ(Sample(metrics, "warden_fleet_threshold_devices"), 3);
  metrics.SetFleetThreshold("p", "b", /*ready=*/false, 0, 2);  // and again: still none
  EXPECT_EQ(Sample(metrics, "warden_fleet_threshold"), std::nullopt);

  metrics.SetFleetThreshold("p", "b", /*ready=*/true, 7000, 12);
  EXPECT_EQ(Sample(metrics, "warden_fleet_threshold"), 7000);
}

}  // namespace
}  // namespace warden::services
