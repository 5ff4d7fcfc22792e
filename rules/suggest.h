#ifndef WARDEN_RULES_SUGGEST_H_
#define WARDEN_RULES_SUGGEST_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"

namespace warden::rules {

// The candidate closest to `word` by edit distance (insertions, deletions,
// substitutions and swaps of neighbours), when close enough to be a likely typo:
// at most a third of the word's length, between 1 and 3 edits. Empty otherwise.
std::string ClosestMatch(std::string_view word, absl::Span<const std::string_view> candidates);

// "; did you mean 'x'?" for the closest candidate, or "" when none is close.
std::string DidYouMean(std::string_view word, absl::Span<const std::string_view> candidates);

// "a, b, c": the candidates joined for an "expected one of: ..." message.
std::string JoinNames(absl::Span<const std::string_view> names);

}  // namespace warden::rules

#endif  // WARDEN_RULES_SUGGEST_H_
