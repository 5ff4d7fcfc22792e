#include "rules/list_reader.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rules/geoip.h"
#include "rules/list_file.h"
#include "rules/load_context.h"
#include "rules/names.h"
#include "rules/suggest.h"

namespace warden::rules {
namespace {

constexpr std::array<ListType, 4> kListTypes = {ListType::kCidr, ListType::kPort, ListType::kNumber,
                                                ListType::kString};

// This abseil has its own string_view.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Digits only: no sign, no spaces. Values above 65535 are the caller's to reject.
std::optional<uint32_t> ParsePortText(std::string_view text) {
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint32_t port = 0;
  for (char c : text) port = port * 10 + static_cast<uint32_t>(c - '0');
  return port;
}

const char* ValueExpected(ListType type) {
  switch (type) {
    case ListType::kCidr:
      return "a cidr block, an address or a country entry";
    case ListType::kPort:
      return "a port or a port range";
    case ListType::kNumber:
      return "a number";
    case ListType::kString:
      return "a string";
  }
  return "a value";
}

// Bad lines of a list file reported one by one; the rest are counted in one error.
constexpr int kMaxListFileErrors = 100;

// One value as written: a YAML scalar, or an entry line of a list file.
struct Value {
  std::string_view text;
  SourceLocation at;
  const YAML::Node* node = nullptr;  // the YAML scalar; null for a list file line
};

// Compiles values into a list, reporting each bad one (E_LIST_VALUE) at its position,
// and the want of a geoip database (E_GEOIP) at the first country entry. One per list.
class ValueCompiler {
 public:
  ValueCompiler(const NodeReader& reader, NamedList* list) : reader_(reader), list_(list) {}

  // Diagnostics inside `file` (a list file whose text is `content`) show its lines; the
  // text is registered with the sink at the first one only, so a clean 100k-line file
  // is not split into lines twice. At most kMaxListFileErrors are reported one by one.
  void SetListFile(const std::string& file, std::string_view content) {
    list_file_ = file;
    list_file_content_ = content;
  }
  int unreported_errors() const { return unreported_errors_; }

  void Add(const Value& value) {
    switch (list_->type) {
      case ListType::kCidr:
        if (IsCountryEntry(value.text)) {
          AddCountry(value);
        } else if (absl::Status s = list_->cidrs.Add(value.text); !s.ok()) {
          Error(value.at, "E_LIST_VALUE", std::string(s.message()));
        }
        break;
      case ListType::kPort:
        AddPort(value);
        break;
      case ListType::kNumber:
        if (std::optional<double> number = Number(value); number.has_value()) {
          list_->numbers.push_back(*number);
        } else {
          Error(value.at, "E_LIST_VALUE", absl::StrCat("expected a number, got ", Describe(value)));
        }
        break;
      case ListType::kString:
        list_->strings.emplace(value.text);
        break;
    }
  }

  // Sorts and finalizes the list; hands the cidr set its geoip database.
  void Finish() {
    std::sort(list_->numbers.begin(), list_->numbers.end());
    list_->numbers.erase(std::unique(list_->numbers.begin(), list_->numbers.end()),
                         list_->numbers.end());
    list_->cidrs.Finalize();
    if (geoip_ != nullptr) list_->cidrs.SetGeoIp(std::move(geoip_));
  }

 private:
  void Error(const SourceLocation& at, const char* code, std::string message) {
    if (!list_file_.empty() && at.file == list_file_) {
      if (++list_file_errors_ > kMaxListFileErrors) {
        ++unreported_errors_;
        return;
      }
      if (list_file_errors_ == 1) reader_.AddSource(list_file_, list_file_content_);
    }
    reader_.Error(at, code, std::move(message));
  }

  static std::string Describe(const Value& value) {
    return value.node != nullptr ? rules::Describe(*value.node)
                                 : absl::StrCat("'", Absl(value.text), "'");
  }

  // A plain YAML number, or a list file line that reads as a finite number.
  static std::optional<double> Number(const Value& value) {
    if (value.node != nullptr) return PlainNumber(*value.node);
    double number = 0;
    if (!absl::SimpleAtod(Absl(value.text), &number) || !std::isfinite(number)) return std::nullopt;
    return number;
  }

  // "country:CN": a valid code, and a geoip database to look it up in.
  void AddCountry(const Value& value) {
    if (absl::Status s = list_->cidrs.AddCountry(value.text); !s.ok()) {
      Error(value.at, "E_LIST_VALUE", std::string(s.message()));
      return;
    }
    if (geoip_checked_) return;  // the database, or why there is none, once per list
    geoip_checked_ = true;
    absl::StatusOr<std::shared_ptr<const GeoIpDatabase>> geoip =
        reader_.context() != nullptr
            ? reader_.context()->GeoIp()
            : absl::FailedPreconditionError(
                  "country entries need a geoip database, and none is configured");
    if (!geoip.ok()) {
      Error(value.at, "E_GEOIP",
            absl::StrCat("cannot use country entry '", Absl(value.text),
                         "': ", geoip.status().message()));
      return;
    }
    geoip_ = *std::move(geoip);
  }

  // A port value: a plain integer, or "lo-hi" (or "n").
  void AddPort(const Value& value) {
    if (std::optional<double> number = Number(value); number.has_value()) {
      if (*number != std::floor(*number) || *number < 0 || *number > 65535) {
        Error(value.at, "E_LIST_VALUE",
              absl::StrCat("port ", Absl(value.text), " is not a port number (0 to 65535)"));
        return;
      }
      list_->ports.AddRange(static_cast<uint32_t>(*number), static_cast<uint32_t>(*number));
      return;
    }
    const std::string_view text = value.text;
    const size_t dash = text.find('-');
    std::optional<uint32_t> lo = ParsePortText(text.substr(0, dash));
    std::optional<uint32_t> hi =
        dash == std::string_view::npos ? lo : ParsePortText(text.substr(dash + 1));
    if (!lo.has_value() || !hi.has_value()) {
      Error(
          value.at, "E_LIST_VALUE",
          absl::StrCat("'", Absl(text), "' is not a port or a port range such as 23 or 6000-6010"));
      return;
    }
    if (*lo > 65535 || *hi > 65535) {
      Error(value.at, "E_LIST_VALUE",
            absl::StrCat("port range '", Absl(text), "' goes beyond 65535"));
      return;
    }
    if (*lo > *hi) {
      Error(value.at, "E_LIST_VALUE",
            absl::StrCat("port range '", Absl(text), "' is reversed (did you mean ", *hi, "-", *lo,
                         "?)"));
      return;
    }
    list_->ports.AddRange(*lo, *hi);
  }

  const NodeReader& reader_;
  NamedList* const list_;
  bool geoip_checked_ = false;
  std::shared_ptr<const GeoIpDatabase> geoip_;
  std::string list_file_;
  std::string_view list_file_content_;
  int list_file_errors_ = 0;
  int unreported_errors_ = 0;
};

// `file: name.txt`: reads the values of `list` from a list file next to the YAML file.
void ReadListFile(const NodeReader& r, const Field& file_field, NamedList* list) {
  std::optional<std::string> name = r.String(file_field);
  if (!name.has_value()) return;
  const SourceLocation at = r.Locate(file_field);
  if (name->empty()) {
    r.Error(at, "E_LIST_FILE", "'file' names no file");
    return;
  }
  if (r.context() == nullptr || !r.context()->read_list_files()) {
    r.Error(at, "E_LIST_FILE",
            absl::StrCat("list file '", *name,
                         "' cannot be read: these rules were not loaded from disk (validate them "
                         "with wardenctl validate, or give the values inline)"));
    return;
  }
  // Relative to the directory of the YAML file, as the operator sees them side by side.
  const std::filesystem::path written(*name);
  const std::string path =
      written.is_absolute()
          ? written.lexically_normal().string()
          : (std::filesystem::path(r.file()).parent_path() / written).lexically_normal().string();
  std::string error;
  std::optional<std::string> content = ReadWholeFile(path, &error);
  if (!content.has_value()) {
    r.Error(at, "E_LIST_FILE", absl::StrCat("cannot read list file '", path, "': ", error));
    return;
  }
  list->values_file = path;
  const std::vector<ListFileEntry> entries = SplitListFile(*content);
  list->entries = entries.size();
  ValueCompiler compiler(r, list);
  compiler.SetListFile(path, *content);
  for (const ListFileEntry& entry : entries) {
    compiler.Add(Value{entry.text, SourceLocation{path, entry.line, entry.column}});
  }
  compiler.Finish();
  if (compiler.unreported_errors() > 0) {
    r.Error(at, "E_LIST_VALUE",
            absl::StrCat(compiler.unreported_errors(), " more bad lines in list file '", path,
                         "' (only the first ", kMaxListFileErrors, " are shown)"));
  }
}

}  // namespace

void CompileListValues(const NodeReader& reader, const std::vector<YAML::Node>& values,
                       NamedList* list) {
  list->entries = values.size();
  ValueCompiler compiler(reader, list);
  for (const YAML::Node& value : values) {
    const SourceLocation at = reader.Locate(value);
    if (!value.IsScalar()) {
      reader.Error(at, "E_LIST_VALUE",
                   absl::StrCat("expected ", ValueExpected(list->type), ", got ", Describe(value)));
      continue;
    }
    compiler.Add(Value{value.Scalar(), at, &value});
  }
  compiler.Finish();
}

void ReadListDocument(const NodeReader& reader, const YAML::Node& document, Drafts* out) {
  // The name first, so that every diagnostic in the document can say whose it is.
  const Field name_field = PeekField(document, "list").value();
  const SourceLocation name_at = reader.Locate(name_field);
  std::optional<std::string> name = reader.String(name_field);
  bool valid = name.has_value();
  if (valid && !IsValidName(*name)) {
    reader.Error(name_at, "E_NAME",
                 absl::StrCat("invalid list name '", *name, "' (expected ", kNameRule, ")"));
    valid = false;
  }
  const NodeReader r = reader.WithNote(absl::StrCat(
      "in list ", valid ? absl::StrCat("'", *name, "' ") : "", "(", FormatLocation(name_at), ")"));
  std::optional<Fields> fields =
      r.Map(Field::Entry(document), {"list", "type", "values", "file", "description"});
  if (!fields.has_value()) return;

  if (const Field* description = fields->Find("description"); description != nullptr) {
    r.String(*description);  // only checked: lists keep no description
  }

  auto list = std::make_shared<NamedList>();
  list->name = name.value_or("");
  list->file = reader.file();
  std::optional<ListType> type;
  if (const Field* type_field = r.Require(*fields, "type"); type_field != nullptr) {
    if (std::optional<std::string> text = r.String(*type_field); text.has_value()) {
      for (ListType t : kListTypes) {
        if (ListTypeName(t) == *text) type = t;
      }
      if (!type.has_value()) {
        std::vector<std::string_view> names;
        names.reserve(kListTypes.size());
        for (ListType t : kListTypes) names.push_back(ListTypeName(t));
        r.Error(r.Locate(*type_field), "E_LIST_TYPE",
                absl::StrCat("unknown list type '", *text, "' (expected one of: ", JoinNames(names),
                             ")", DidYouMean(*text, names)));
      }
    }
  }
  valid = valid && type.has_value();
  if (type.has_value()) list->type = *type;

  // The values are inline (`values`) or in a list file (`file`): exactly one of them.
  const Field* values_field = fields->Find("values");
  const Field* file_field = fields->Find("file");
  if (values_field != nullptr && file_field != nullptr) {
    r.Error(r.Locate(file_field->key), "E_VALUE",
            "a list takes its values from 'values' or from 'file', not both");
  } else if (values_field == nullptr && file_field == nullptr) {
    r.Error(r.Locate(fields->node()), "E_MISSING_KEY",
            "missing required key 'values' (or 'file', to read the values from a list file)");
  } else if (values_field != nullptr) {
    std::optional<std::vector<YAML::Node>> values = r.Sequence(*values_field);
    if (values.has_value() && type.has_value()) CompileListValues(r, *values, list.get());
  } else if (type.has_value()) {
    ReadListFile(r, *file_field, list.get());
  }
  if (valid) out->lists.push_back(ListDraft{std::move(list), name_at});
}

}  // namespace warden::rules
