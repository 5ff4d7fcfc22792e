#include "detectors/cloud_metrics.h"

namespace warden::detectors {

CloudEvent ClassifyBrokerEvent(const v1::BrokerEvent& event) {
  using rules::BuiltinMetric;
  CloudEvent c;
  switch (event.event_case()) {
    case v1::BrokerEvent::kConnect:
      c.counter = BuiltinMetric::kNumConnectionAttempts;
      break;
    case v1::BrokerEvent::kAuthorizationFailure:
      c.counter = BuiltinMetric::kNumAuthorizationFailures;
      c.topic = event.authorization_failure().topic();
      break;
    case v1::BrokerEvent::kPublish:
      c.counter = BuiltinMetric::kNumMessagesSent;
      c.topic = event.publish().topic();
      break;
    case v1::BrokerEvent::kDeliver:
      c.counter = BuiltinMetric::kNumMessagesReceived;
      c.topic = event.deliver().topic();
      break;
    case v1::BrokerEvent::kDisconnect:
      c.counter = BuiltinMetric::kNumDisconnects;
      break;
    case v1::BrokerEvent::EVENT_NOT_SET:
      break;
  }
  return c;
}

double BucketValue(const v1::CloudState& cloud, std::string_view series) {
  for (const v1::SeriesValue& v : cloud.bucket()) {
    if (v.series() == series) return v.value();
  }
  return 0;
}

void AddToBucket(v1::CloudState* cloud, const std::string& series, double amount) {
  for (v1::SeriesValue& v : *cloud->mutable_bucket()) {
    if (v.series() == series) {
      v.set_value(v.value() + amount);
      return;
    }
  }
  v1::SeriesValue* v = cloud->add_bucket();
  v->set_series(series);
  v->set_value(amount);
}

}  // namespace warden::detectors
