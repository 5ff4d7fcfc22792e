#ifndef WARDEN_RULES_TOPIC_FILTER_H_
#define WARDEN_RULES_TOPIC_FILTER_H_

#include <string>
#include <string_view>

#include "rules/model.h"

// MQTT topic filters (MQTT 3.1.1 §4.7) for the TOPIC_FILTER dimension.

namespace warden::rules {

// Empty when `filter` is a valid MQTT topic filter; otherwise why not ("'#' must be
// the last level", ...). Levels are split on '/'; '+' and '#' must fill a level.
std::string TopicFilterError(std::string_view filter);

// Whether `topic` matches the valid filter `filter`. '+' matches one level, '#' the
// parent level and any number of levels below. Topics starting with '$' are not
// matched by a filter starting with a wildcard.
bool TopicMatches(std::string_view filter, std::string_view topic);

// Whether a message on `topic` counts for a behaviour with this dimension.
bool TopicCounts(const TopicFilter& dimension, std::string_view topic);

}  // namespace warden::rules

#endif  // WARDEN_RULES_TOPIC_FILTER_H_
