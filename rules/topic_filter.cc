#include "rules/topic_filter.h"

#include <algorithm>

namespace warden::rules {
namespace {

// The next level of `s` starting at `*pos`; advances past the '/' that ends it.
std::string_view NextLevel(std::string_view s, size_t* pos) {
  const size_t slash = s.find('/', *pos);
  std::string_view level =
      s.substr(*pos, slash == std::string_view::npos ? std::string_view::npos : slash - *pos);
  *pos = slash == std::string_view::npos ? s.size() + 1 : slash + 1;
  return level;
}

}  // namespace

std::string TopicFilterError(std::string_view filter) {
  if (filter.empty()) return "a topic filter cannot be empty";
  if (filter.size() > 65535) return "a topic filter is at most 65535 bytes";
  size_t pos = 0;
  while (pos <= filter.size()) {
    const std::string_view level = NextLevel(filter, &pos);
    const bool last = pos > filter.size();
    if (level.find('#') != std::string_view::npos) {
      if (level != "#") return "'#' must fill a whole level (e.g. 'sensors/#')";
      if (!last) return "'#' must be the last level";
    }
    if (level.find('+') != std::string_view::npos && level != "+") {
      return "'+' must fill a whole level (e.g. 'sensors/+/temperature')";
    }
  }
  return "";
}

bool TopicMatches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic[0] == '$' && !filter.empty() &&
      (filter[0] == '+' || filter[0] == '#')) {
    return false;
  }
  size_t fpos = 0;
  size_t tpos = 0;
  while (fpos <= filter.size()) {
    const std::string_view f = NextLevel(filter, &fpos);
    if (f == "#") return true;              // the parent level and everything below
    if (tpos > topic.size()) return false;  // the topic has fewer levels
    const std::string_view t = NextLevel(topic, &tpos);
    if (f != "+" && f != t) return false;
  }
  return tpos > topic.size();  // both ended together
}

bool TopicCounts(const TopicFilter& dimension, std::string_view topic) {
  const bool any = std::any_of(dimension.filters.begin(), dimension.filters.end(),
                               [&](const std::string& f) { return TopicMatches(f, topic); });
  return any == dimension.in;
}

}  // namespace warden::rules
