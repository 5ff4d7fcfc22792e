#ifndef WARDEN_TOOLS_TABLE_H_
#define WARDEN_TOOLS_TABLE_H_

#include <string>
#include <utility>
#include <vector>

namespace warden::tools {

// A text table as wardenctl prints it: a header row, then the rows, each column
// left-aligned and as wide as its widest cell (counted in UTF-8 characters), columns
// two spaces apart, no trailing spaces. Not thread-safe.
class Table {
 public:
  explicit Table(std::vector<std::string> header);

  // Adds a row. A row shorter than the header is padded with empty cells; cells beyond
  // the header's are dropped.
  void AddRow(std::vector<std::string> cells);

  bool empty() const { return rows_.empty(); }

  // The header and every row, each line ending in '\n'.
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "key: value" lines with the values aligned:
//   device:          dev-00001
//   last report id:  1764151200001
std::string RenderKeyValues(const std::vector<std::pair<std::string, std::string>>& rows);

}  // namespace warden::tools

#endif  // WARDEN_TOOLS_TABLE_H_
