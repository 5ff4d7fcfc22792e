#include "rules/list_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace warden::rules {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::vector<ListFileEntry> SplitListFile(std::string_view content) {
  std::vector<ListFileEntry> entries;
  size_t start = 0;
  if (content.substr(0, 3) == "\xEF\xBB\xBF") start = 3;  // UTF-8 byte order mark
  for (int line = 1; start < content.size(); ++line) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    const size_t next = end + 1;
    if (end > start && content[end - 1] == '\r') --end;

    size_t first = start;
    while (first < end && IsBlank(content[first])) ++first;
    if (first < end && content[first] != '#') {
      // The entry runs to a '#' after a blank, or to the end of the line.
      size_t last = first;
      for (size_t i = first; i < end; ++i) {
        if (content[i] == '#' && IsBlank(content[i - 1])) break;
        if (!IsBlank(content[i])) last = i + 1;
      }
      entries.push_back(ListFileEntry{content.substr(first, last - first), line,
                                      static_cast<int>(first - start) + 1});
    }
    start = next;
  }
  return entries;
}

std::optional<std::string> ReadWholeFile(const std::string& path, std::string* error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  std::string content;
  char buffer[64 * 1024];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) content.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  if (failed) {
    *error = std::strerror(read_errno);
    return std::nullopt;
  }
  return content;
}

}  // namespace warden::rules
