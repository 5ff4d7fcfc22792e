#include "rules/yaml_reader.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rules/suggest.h"

namespace warden::rules {
namespace {

// yaml-cpp tags plain scalars "?" and quoted ones "!": only plain scalars are
// numbers or booleans.
bool IsPlainScalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

std::optional<bool> PlainBool(const YAML::Node& node) {
  if (!IsPlainScalar(node)) return std::nullopt;
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

// Long values are cut so a message stays one readable line.
std::string Quote(const std::string& text) {
  constexpr size_t kMax = 64;
  if (text.size() <= kMax) return absl::StrCat("'", text, "'");
  return absl::StrCat("'", text.substr(0, kMax), "...'");
}

// Whether 0-based line `line` of `content` has a tab in its indentation, the usual
// cause of yaml-cpp's less obvious syntax errors.
bool IndentedWithTab(const std::string& content, int line) {
  if (line < 0) return false;
  size_t start = 0;
  for (int i = 0; i < line; ++i) {
    start = content.find('\n', start);
    if (start == std::string::npos) return false;
    ++start;
  }
  for (size_t i = start; i < content.size() && (content[i] == ' ' || content[i] == '\t'); ++i) {
    if (content[i] == '\t') return true;
  }
  return false;
}

}  // namespace

std::optional<std::vector<YAML::Node>> ParseYamlDocuments(const std::string& file,
                                                          const std::string& content,
                                                          DiagnosticSink* sink) {
  std::vector<YAML::Node> documents;
  try {
    for (YAML::Node& doc : YAML::LoadAll(content)) {
      if (!doc.IsNull()) documents.push_back(doc);
    }
  } catch (const YAML::Exception& e) {
    // Mark is 0-based, and -1 when yaml-cpp does not know where.
    SourceLocation at{file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                      e.mark.column >= 0 ? e.mark.column + 1 : 0};
    sink->Error(at, "E_YAML",
                absl::StrCat("yaml syntax error: ", e.msg,
                             IndentedWithTab(content, e.mark.line)
                                 ? " (indent with spaces: YAML does not allow tabs there)"
                                 : ""));
    return std::nullopt;
  }
  return documents;
}

const Field* Fields::Find(std::string_view key) const {
  for (const auto& [name, field] : pairs_) {
    if (name == key) return &field;
  }
  return nullptr;
}

std::string Describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  if (PlainNumber(node).has_value()) return absl::StrCat("a number ", node.Scalar());
  if (PlainBool(node).has_value()) return absl::StrCat("a boolean ", node.Scalar());
  return absl::StrCat("a string ", Quote(node.Scalar()));
}

std::optional<double> PlainNumber(const YAML::Node& node) {
  double value = 0;
  if (!IsPlainScalar(node) || !absl::SimpleAtod(node.Scalar(), &value) || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<Field> PeekField(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return Field{it->first, it->second};
  }
  return std::nullopt;
}

std::optional<std::string> PeekScalar(const YAML::Node& map, std::string_view key) {
  std::optional<Field> field = PeekField(map, key);
  if (!field.has_value() || !field->value.IsScalar()) return std::nullopt;
  return field->value.Scalar();
}

NodeReader NodeReader::WithNote(std::string note) const {
  NodeReader reader = *this;
  reader.notes_.push_back(std::move(note));
  return reader;
}

SourceLocation NodeReader::Locate(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  return SourceLocation{file_, mark.line >= 0 ? mark.line + 1 : 0,
                        mark.column >= 0 ? mark.column + 1 : 0};
}

SourceLocation NodeReader::Locate(const Field& field) const {
  return Locate(field.value.IsNull() ? field.key : field.value);
}

void NodeReader::Error(const SourceLocation& at, std::string code, std::string message) const {
  sink_->Error(at, std::move(code), std::move(message), notes_);
}

void NodeReader::TypeError(const Field& field, const char* expected) const {
  Error(Locate(field), "E_TYPE",
        absl::StrCat("expected ", expected, ", got ", Describe(field.value)));
}

std::optional<Fields> NodeReader::Map(const Field& field,
                                      absl::Span<const std::string_view> allowed) const {
  if (!field.value.IsMap()) {
    TypeError(field, "a mapping");
    return std::nullopt;
  }
  Fields fields;
  fields.node_ = field.value;
  for (auto it = field.value.begin(); it != field.value.end(); ++it) {
    Field pair{it->first, it->second};
    if (!pair.key.IsScalar()) {
      Error(Locate(pair.key), "E_TYPE", absl::StrCat("expected a key, got ", Describe(pair.key)));
      continue;
    }
    const std::string& key = pair.key.Scalar();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string suggestion = DidYouMean(key, allowed);
      Error(Locate(pair.key), "E_UNKNOWN_KEY",
            suggestion.empty() ? absl::StrCat("unknown key ", Quote(key),
                                              " (expected one of: ", JoinNames(allowed), ")")
                               : absl::StrCat("unknown key ", Quote(key), suggestion));
      continue;
    }
    if (const Field* first = fields.Find(key); first != nullptr) {
      WithNote(absl::StrCat("'", key, "' first given at ", FormatLocation(Locate(first->key))))
          .Error(Locate(pair.key), "E_DUPLICATE", absl::StrCat("duplicate key ", Quote(key)));
      continue;
    }
    fields.pairs_.emplace_back(key, std::move(pair));
  }
  return fields;
}

const Field* NodeReader::Require(const Fields& fields, std::string_view key) const {
  const Field* field = fields.Find(key);
  if (field == nullptr) {
    Error(Locate(fields.node()), "E_MISSING_KEY",
          absl::StrCat("missing required key '", std::string(key), "'"));
  }
  return field;
}

std::optional<std::string> NodeReader::String(const Field& field) const {
  if (!field.value.IsScalar()) {
    TypeError(field, "a string");
    return std::nullopt;
  }
  return field.value.Scalar();
}

std::optional<double> NodeReader::Number(const Field& field) const {
  std::optional<double> value = PlainNumber(field.value);
  if (!value.has_value()) TypeError(field, "a number");
  return value;
}

std::optional<int64_t> NodeReader::Integer(const Field& field) const {
  int64_t value = 0;
  if (!IsPlainScalar(field.value) || !absl::SimpleAtoi(field.value.Scalar(), &value)) {
    TypeError(field, "an integer");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> NodeReader::Bool(const Field& field) const {
  std::optional<bool> value = PlainBool(field.value);
  if (!value.has_value()) TypeError(field, "true or false");
  return value;
}

std::optional<std::vector<YAML::Node>> NodeReader::Sequence(const Field& field) const {
  if (!field.value.IsSequence()) {
    TypeError(field, "a list");
    return std::nullopt;
  }
  std::vector<YAML::Node> entries;
  for (const YAML::Node& entry : field.value) entries.push_back(entry);
  return entries;
}

}  // namespace warden::rules
