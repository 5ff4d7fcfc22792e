#ifndef WARDEN_RULES_LIST_FILE_H_
#define WARDEN_RULES_LIST_FILE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::rules {

// One entry of a plain-text list file (rules/README.md, "List files").
struct ListFileEntry {
  std::string_view text;  // without the blanks around it and without a trailing comment
  int line = 0;           // 1-based
  int column = 0;         // 1-based byte column where the entry starts
};

// Splits the text of a list file into its entries, one per line. Blank lines and lines
// whose first non-blank character is '#' are skipped, and a '#' after a blank (space
// or tab) starts a comment: "203.0.113.0/24   # from feed X". Lines may end in LF or
// CR LF; a leading UTF-8 byte order mark is skipped. The views point into `content`.
std::vector<ListFileEntry> SplitListFile(std::string_view content);

// The whole file at `path`, or nullopt with errno's message in `error`.
std::optional<std::string> ReadWholeFile(const std::string& path, std::string* error);

}  // namespace warden::rules

#endif  // WARDEN_RULES_LIST_FILE_H_
