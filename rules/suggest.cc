#include "rules/suggest.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace warden::rules {
namespace {

// Optimal string alignment distance: Levenshtein plus transposition of neighbours,
// so "hgih" is one edit from "high".
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string ClosestMatch(std::string_view word, absl::Span<const std::string_view> candidates) {
  const size_t limit = std::clamp<size_t>(word.size() / 3, 1, 3);
  std::string_view best;
  size_t best_distance = limit + 1;
  for (std::string_view c : candidates) {
    const size_t distance = EditDistance(word, c);
    if (distance > 0 && distance < best_distance) {
      best = c;
      best_distance = distance;
    }
  }
  return std::string(best);
}

std::string DidYouMean(std::string_view word, absl::Span<const std::string_view> candidates) {
  std::string match = ClosestMatch(word, candidates);
  if (match.empty()) return "";
  return absl::StrCat("; did you mean '", match, "'?");
}

std::string JoinNames(absl::Span<const std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace warden::rules
