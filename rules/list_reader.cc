#include "rules/list_reader.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rules/names.h"
#include "rules/suggest.h"

namespace warden::rules {
namespace {

constexpr std::array<ListType, 4> kListTypes = {ListType::kCidr, ListType::kPort, ListType::kNumber,
                                                ListType::kString};

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

// A port value: a plain integer, or a string "lo-hi" (or "n"). Reports E_LIST_VALUE.
void AddPort(const NodeReader& reader, const YAML::Node& value, PortSet* ports) {
  const SourceLocation at = reader.Locate(value);
  if (std::optional<double> number = PlainNumber(value); number.has_value()) {
    if (*number != std::floor(*number) || *number < 0 || *number > 65535) {
      reader.Error(at, "E_LIST_VALUE",
                   absl::StrCat("port ", value.Scalar(), " is not a port number (0 to 65535)"));
      return;
    }
    ports->AddRange(static_cast<uint32_t>(*number), static_cast<uint32_t>(*number));
    return;
  }
  const std::string& text = value.Scalar();
  const size_t dash = text.find('-');
  std::optional<uint32_t> lo = ParsePortText(std::string_view(text).substr(0, dash));
  std::optional<uint32_t> hi =
      dash == std::string::npos ? lo : ParsePortText(std::string_view(text).substr(dash + 1));
  if (!lo.has_value() || !hi.has_value()) {
    reader.Error(
        at, "E_LIST_VALUE",
        absl::StrCat("'", text, "' is not a port or a port range such as 23 or 6000-6010"));
    return;
  }
  if (*lo > 65535 || *hi > 65535) {
    reader.Error(at, "E_LIST_VALUE", absl::StrCat("port range '", text, "' goes beyond 65535"));
    return;
  }
  if (*lo > *hi) {
    reader.Error(
        at, "E_LIST_VALUE",
        absl::StrCat("port range '", text, "' is reversed (did you mean ", *hi, "-", *lo, "?)"));
    return;
  }
  ports->AddRange(*lo, *hi);
}

const char* ValueExpected(ListType type) {
  switch (type) {
    case ListType::kCidr:
      return "a cidr block or an address";
    case ListType::kPort:
      return "a port or a port range";
    case ListType::kNumber:
      return "a number";
    case ListType::kString:
      return "a string";
  }
  return "a value";
}

}  // namespace

void CompileListValues(const NodeReader& reader, const std::vector<YAML::Node>& values,
                       NamedList* list) {
  list->entries = values.size();
  for (const YAML::Node& value : values) {
    const SourceLocation at = reader.Locate(value);
    if (!value.IsScalar()) {
      reader.Error(at, "E_LIST_VALUE",
                   absl::StrCat("expected ", ValueExpected(list->type), ", got ", Describe(value)));
      continue;
    }
    const std::string& text = value.Scalar();
    switch (list->type) {
      case ListType::kCidr:
        if (absl::Status s = list->cidrs.Add(text); !s.ok()) {
          reader.Error(at, "E_LIST_VALUE", std::string(s.message()));
        }
        break;
      case ListType::kPort:
        AddPort(reader, value, &list->ports);
        break;
      case ListType::kNumber:
        if (std::optional<double> number = PlainNumber(value); number.has_value()) {
          list->numbers.push_back(*number);
        } else {
          reader.Error(at, "E_LIST_VALUE",
                       absl::StrCat("expected a number, got ", Describe(value)));
        }
        break;
      case ListType::kString:
        list->strings.insert(text);
        break;
    }
  }
  std::sort(list->numbers.begin(), list->numbers.end());
  list->numbers.erase(std::unique(list->numbers.begin(), list->numbers.end()), list->numbers.end());
  list->cidrs.Finalize();
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
      r.Map(Field::Entry(document), {"list", "type", "values", "description"});
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

  if (const Field* values_field = r.Require(*fields, "values"); values_field != nullptr) {
    std::optional<std::vector<YAML::Node>> values = r.Sequence(*values_field);
    if (values.has_value() && type.has_value()) CompileListValues(r, *values, list.get());
  }
  if (valid) out->lists.push_back(ListDraft{std::move(list), name_at});
}

}  // namespace warden::rules
