#include "alerts/router.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warden::alerts {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Receivers 0 "am", 1 "soc", 2 "pager".
AlertingConfig ThreeReceivers() {
  AlertingConfig config;
  for (const char* name : {"am", "soc", "pager"}) {
    Receiver r;
    r.name = name;
    config.receivers.push_back(r);
  }
  return config;
}

Route To(std::vector<std::string> receivers, RouteMatch match = {}) {
  Route route;
  route.match = std::move(match);
  route.receivers = std::move(receivers);
  return route;
}

v1::ViolationEvent Event() {
  v1::ViolationEvent e;
  e.set_type(v1::IN_ALARM);
  e.set_profile("camera");
  e.set_behaviour("bytes-out-spike");
  e.set_severity(v1::HIGH);
  (*e.mutable_labels())["team"] = "video";
  (*e.mutable_labels())["site"] = "berlin";
  return e;
}

TEST(RouterTest, NoRoutesSendsEverythingEverywhere) {
  EXPECT_THAT(Router(ThreeReceivers()).Route(Event()), ElementsAre(0, 1, 2));
}

TEST(RouterTest, SuppressedBehavioursGoNowhere) {
  v1::ViolationEvent e = Event();
  e.set_suppress_alerts(true);
  EXPECT_THAT(Router(ThreeReceivers()).Route(e), IsEmpty());
  AlertingConfig config = ThreeReceivers();
  config.routes.push_back(To({"soc"}));
  EXPECT_THAT(Router(config).Route(e), IsEmpty());
}

TEST(RouterTest, SeverityMatchesAnyListed) {
  AlertingConfig config = ThreeReceivers();
  RouteMatch match;
  match.severities = {"high", "critical"};
  config.routes.push_back(To({"pager"}, match));
  const Router router(config);
  EXPECT_THAT(router.Route(Event()), ElementsAre(2));
  v1::ViolationEvent low = Event();
  low.set_severity(v1::LOW);
  EXPECT_THAT(router.Route(low), IsEmpty());
}

TEST(RouterTest, ProfileBehaviourAndEventTypeMustAllMatch) {
  AlertingConfig config = ThreeReceivers();
  RouteMatch match;
  match.profiles = {"camera", "router"};
  match.behaviours = {"bytes-out-spike"};
  match.event_types = {"in-alarm", "alarm-cleared"};
  config.routes.push_back(To({"soc"}, match));
  const Router router(config);
  EXPECT_THAT(router.Route(Event()), ElementsAre(1));

  v1::ViolationEvent other_profile = Event();
  other_profile.set_profile("thermostat");
  EXPECT_THAT(router.Route(other_profile), IsEmpty());

  v1::ViolationEvent other_behaviour = Event();
  other_behaviour.set_behaviour("listening-ports");
  EXPECT_THAT(router.Route(other_behaviour), IsEmpty());

  v1::ViolationEvent cleared = Event();
  cleared.set_type(v1::ALARM_CLEARED);
  EXPECT_THAT(router.Route(cleared), ElementsAre(1));
  v1::ViolationEvent invalidated = Event();
  invalidated.set_type(v1::ALARM_INVALIDATED);
  EXPECT_THAT(router.Route(invalidated), IsEmpty());
}

TEST(RouterTest, EveryLabelMustBePresentAndEqual) {
  AlertingConfig config = ThreeReceivers();
  RouteMatch match;
  match.labels = {{"team", "video"}, {"site", "berlin"}};
  config.routes.push_back(To({"soc"}, match));
  const Router router(config);
  EXPECT_THAT(router.Route(Event()), ElementsAre(1));

  v1::ViolationEvent other_site = Event();
  (*other_site.mutable_labels())["site"] = "paris";
  EXPECT_THAT(router.Route(other_site), IsEmpty());

  v1::ViolationEvent unlabelled = Event();
  unlabelled.mutable_labels()->erase("site");
  EXPECT_THAT(router.Route(unlabelled), IsEmpty());
}

TEST(RouterTest, MatchingRoutesUniteInConfigOrderWithoutDuplicates) {
  AlertingConfig config = ThreeReceivers();
  RouteMatch high;
  high.severities = {"high"};
  RouteMatch camera;
  camera.profiles = {"camera"};
  RouteMatch thermostat_profile;
  thermostat_profile.profiles = {"thermostat"};
  config.routes.push_back(To({"pager", "soc"}, high));
  config.routes.push_back(To({"soc", "am"}, camera));
  config.routes.push_back(To({"am"}, thermostat_profile));
  const Router router(config);
  EXPECT_THAT(router.Route(Event()), ElementsAre(0, 1, 2));

  v1::ViolationEvent thermostat = Event();
  thermostat.set_profile("thermostat");
  thermostat.set_severity(v1::LOW);
  EXPECT_THAT(router.Route(thermostat), ElementsAre(0));
}

TEST(RouterTest, EnumNames) {
  EXPECT_EQ(SeverityName(v1::CRITICAL), "critical");
  EXPECT_EQ(SeverityName(v1::SEVERITY_UNSPECIFIED), "unspecified");
  EXPECT_EQ(EventTypeName(v1::ALARM_INVALIDATED), "alarm-invalidated");
  EXPECT_EQ(EventTypeName(v1::VIOLATION_EVENT_TYPE_UNSPECIFIED), "unspecified");
}

}  // namespace
}  // namespace warden::alerts
