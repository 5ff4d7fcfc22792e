#ifndef WARDEN_RULES_YAML_READER_H_
#define WARDEN_RULES_YAML_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "rules/diagnostics.h"
#include "rules/model.h"
#include "yaml-cpp/yaml.h"

namespace warden::rules {

class LoadContext;

// The yaml-cpp adapter: parses every document of `content`. No yaml-cpp exception
// leaves it; a syntax error becomes one E_YAML diagnostic (1-based position) and
// nullopt, and none of the file's documents are used. Empty documents are dropped.
std::optional<std::vector<YAML::Node>> ParseYamlDocuments(const std::string& file,
                                                          const std::string& content,
                                                          DiagnosticSink* sink);

// One `key: value` pair of a mapping, or one entry of a sequence (key == value).
// A missing value (`key:`) is a Null node that yaml-cpp places on the next token, so
// problems with a value are reported at the value, or at its key when it is missing.
struct Field {
  YAML::Node key;
  YAML::Node value;

  static Field Entry(const YAML::Node& node) { return Field{node, node}; }
};

// The pairs of a mapping that passed the key checks of NodeReader::Map, in document
// order. A view over yaml-cpp nodes; not thread-safe.
class Fields {
 public:
  // The pair for `key`, or nullptr when absent.
  const Field* Find(std::string_view key) const;
  // The mapping itself (its position is its first key).
  const YAML::Node& node() const { return node_; }
  const std::vector<std::pair<std::string, Field>>& pairs() const { return pairs_; }

 private:
  friend class NodeReader;
  YAML::Node node_;
  std::vector<std::pair<std::string, Field>> pairs_;
};

// "nothing", "a list", "a mapping", "a number 5", "a boolean true" or "a string 'x'":
// what a node is, for "expected ..., got ..." messages.
std::string Describe(const YAML::Node& node);

// Reads typed values out of the YAML of one file and reports every problem to a
// DiagnosticSink with the position and the context notes of the reader ("in behaviour
// 'x' of profile 'y' (...)"). Readers are cheap values; WithNote() derives one for a
// nested context. Not thread-safe (the sink is shared).
class NodeReader {
 public:
  // `context`: what the load shares (the geoip database, list files); may be null, and
  // then country entries and list files are errors.
  NodeReader(std::string file, DiagnosticSink* sink, LoadContext* context = nullptr)
      : file_(std::move(file)), sink_(sink), context_(context) {}

  // A reader whose diagnostics also carry `note`.
  NodeReader WithNote(std::string note) const;
  const std::vector<std::string>& notes() const { return notes_; }
  const std::string& file() const { return file_; }
  LoadContext* context() const { return context_; }
  // Registers the text of another file (a list file) so diagnostics in it show the line.
  void AddSource(const std::string& file, std::string_view content) const {
    sink_->AddSource(file, content);
  }

  // The 1-based position of a node.
  SourceLocation Locate(const YAML::Node& node) const;
  // The position of a value, or of its key when the value is missing.
  SourceLocation Locate(const Field& field) const;

  void Error(const SourceLocation& at, std::string code, std::string message) const;

  // Checks that the value is a mapping whose keys are in `allowed` (any key when
  // `allowed` is empty), each given once. Reports E_TYPE, E_UNKNOWN_KEY (with the
  // closest allowed key) and E_DUPLICATE, and leaves such keys out. nullopt when the
  // value is not a mapping.
  std::optional<Fields> Map(const Field& field, absl::Span<const std::string_view> allowed) const;
  // The pair for required `key`; nullptr after E_MISSING_KEY at the mapping.
  const Field* Require(const Fields& fields, std::string_view key) const;

  // Typed values. Each reports E_TYPE ("expected a number, got a string 'x'") and
  // returns nullopt when the value has another type.
  std::optional<std::string> String(const Field& field) const;  // any scalar
  std::optional<double> Number(const Field& field) const;       // finite
  std::optional<int64_t> Integer(const Field& field) const;
  std::optional<bool> Bool(const Field& field) const;  // true or false
  std::optional<std::vector<YAML::Node>> Sequence(const Field& field) const;

 private:
  void TypeError(const Field& field, const char* expected) const;

  std::string file_;
  DiagnosticSink* sink_;
  LoadContext* context_;
  std::vector<std::string> notes_;
};

// The first pair for `key` in mapping `map`, without any checks; nullopt when `map`
// is not a mapping or has no such key. For naming a context before reading it.
std::optional<Field> PeekField(const YAML::Node& map, std::string_view key);
// The value of PeekField when it is a scalar.
std::optional<std::string> PeekScalar(const YAML::Node& map, std::string_view key);

// A plain (unquoted) scalar's value as a finite number; nullopt for anything else.
std::optional<double> PlainNumber(const YAML::Node& node);

}  // namespace warden::rules

#endif  // WARDEN_RULES_YAML_READER_H_
