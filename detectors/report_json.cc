#include "detectors/report_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace warden::detectors {
namespace {

// Keeps the document's key order, so "the first problem" is the first in the text.
using Json = nlohmann::ordered_json;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The keys of an AWS custom metric value, in the order the reference lists them.
constexpr std::array<absl::string_view, 4> kCustomMetricKinds = {"number", "number_list",
                                                                 "string_list", "ip_list"};

// What a scalar field of protobuf type `type` ("uint64", ...) accepts.
std::string ExpectedFor(absl::string_view type) {
  if (type == "uint32") return "an integer from 0 to 4294967295";
  if (type == "uint64") return "an integer from 0 to 18446744073709551615";
  if (type == "int64") return "an integer";
  if (type == "double") return "a number";
  if (type == "string") return "a string";
  return absl::StrCat("a value of type ", type);
}

// `text` for an error message: bytes outside printable ASCII become '?' (the text may
// be ill-formed UTF-8), and at most `max` bytes of it are kept.
std::string Printable(absl::string_view text, size_t max = 64) {
  std::string out(text.substr(0, max));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  if (text.size() > max) out += "...";
  return out;
}

// "an object", "the string \"x\"", ... for error messages.
std::string Describe(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return absl::StrCat("an array of ", j.size(), j.size() == 1 ? " element" : " elements");
    case Json::value_t::string:
      return absl::StrCat("the string ", Printable(j.dump(-1, ' ', /*ensure_ascii=*/true)));
    case Json::value_t::boolean:
      return absl::StrCat("the boolean ", j.dump());
    case Json::value_t::null:
      return "null";
    default:
      return absl::StrCat("the number ", Printable(j.dump()));
  }
}

absl::Status ShapeError(absl::string_view path, absl::string_view expected, const Json& got) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": expected ", expected, ", got ", Describe(got)));
}

std::string Join(absl::string_view path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

// The field `key` names in `d`: its proto (long) name or its json_name (AWS short name).
const FieldDescriptor* FindField(const Descriptor& d, const std::string& key) {
  if (const FieldDescriptor* f = d.FindFieldByName(key)) return f;
  for (int i = 0; i < d.field_count(); ++i) {
    if (d.field(i)->json_name() == key) return d.field(i);
  }
  return nullptr;
}

// Checks one list of a custom metric: every element a number (or a string).
absl::Status CheckCustomList(const Json& list, bool numbers, absl::string_view path) {
  if (!list.is_array()) return ShapeError(path, "an array", list);
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& e = list[i];
    if (numbers ? !e.is_number() : !e.is_string()) {
      return ShapeError(absl::StrCat(path, "[", i, "]"), numbers ? "a number" : "a string", e);
    }
  }
  return absl::OkStatus();
}

// Rewrites one AWS custom metric value, `[{"number_list": [1, 2]}]`, to the proto's
// JSON shape, `{"number_list": {"values": [1, 2]}}`.
absl::StatusOr<Json> AdaptCustomMetric(const Json& aws, const std::string& path) {
  if (!aws.is_array() || aws.size() != 1) {
    return ShapeError(path, "an array of one object", aws);
  }
  const Json& value = aws[0];
  const std::string value_path = path + "[0]";
  if (!value.is_object()) return ShapeError(value_path, "an object", value);
  const std::string kinds = absl::StrJoin(kCustomMetricKinds, ", ");
  if (value.size() != 1) {
    std::vector<std::string> keys;
    for (const auto& [key, unused] : value.items()) keys.push_back(absl::StrCat("'", key, "'"));
    return absl::InvalidArgumentError(
        absl::StrCat(value_path, ": expected exactly one of ", kinds, ", got ",
                     keys.empty() ? "none" : absl::StrJoin(keys, ", ")));
  }
  const auto& [kind, payload] = *value.items().begin();
  const std::string payload_path = Join(value_path, kind);
  if (kind == "number") {
    if (!payload.is_number()) return ShapeError(payload_path, "a number", payload);
    return Json{{"number", payload}};
  }
  if (std::find(kCustomMetricKinds.begin(), kCustomMetricKinds.end(), kind) ==
      kCustomMetricKinds.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(payload_path, ": unknown custom metric type (expected one of ", kinds, ")"));
  }
  if (absl::Status s = CheckCustomList(payload, kind == "number_list", payload_path); !s.ok()) {
    return s;
  }
  return Json{{kind, {{"values", payload}}}};
}

// Whether `value` has the JSON type an AWS document uses for scalar field `f`: a number
// for numbers (protobuf would also take "5"), a string for strings. Ranges and
// fractions are left to protobuf.
bool ScalarShapeFits(const FieldDescriptor& f, const Json& value) {
  if (f.cpp_type() == FieldDescriptor::CPPTYPE_STRING) return value.is_string();
  return value.is_number();
}

// Walks `j` against message type `d`: every key names a field (once), messages are
// objects, repeated fields arrays, scalars not structured. Custom metrics are rewritten
// in place. Scalar types and ranges are left to protobuf's parser. `path` uses proto
// (long) names whatever the document used, as protobuf's own errors do.
absl::Status Adapt(Json& j, const Descriptor& d, const std::string& path) {
  if (!j.is_object()) {
    return ShapeError(path.empty() ? "report" : path, "an object", j);
  }
  std::vector<std::pair<const FieldDescriptor*, std::string>> seen;
  for (auto& [key, value] : j.items()) {
    const FieldDescriptor* f = FindField(d, key);
    if (f == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(Join(path, key), ": unknown key"));
    }
    const std::string field_path = Join(path, f->name());
    for (const auto& [other, other_key] : seen) {
      if (other == f) {
        return absl::InvalidArgumentError(
            absl::StrCat(field_path, ": given twice, as '", other_key, "' and as '", key, "'"));
      }
    }
    seen.emplace_back(f, key);
    if (value.is_null()) continue;  // protobuf reads null as "not set"

    if (f->is_map()) {
      if (!value.is_object()) return ShapeError(field_path, "an object", value);
      if (f->message_type()->map_value()->message_type() != v1::CustomMetricValue::descriptor()) {
        continue;
      }
      for (auto& [name, metric] : value.items()) {
        absl::StatusOr<Json> adapted = AdaptCustomMetric(metric, Join(field_path, name));
        if (!adapted.ok()) return adapted.status();
        metric = *std::move(adapted);
      }
    } else if (f->is_repeated()) {
      if (!value.is_array()) return ShapeError(field_path, "an array", value);
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string element_path = absl::StrCat(field_path, "[", i, "]");
        if (f->message_type() != nullptr) {
          if (absl::Status s = Adapt(value[i], *f->message_type(), element_path); !s.ok()) {
            return s;
          }
        } else if (!ScalarShapeFits(*f, value[i])) {
          return ShapeError(element_path, ExpectedFor(f->type_name()), value[i]);
        }
      }
    } else if (f->message_type() != nullptr) {
      if (absl::Status s = Adapt(value, *f->message_type(), field_path); !s.ok()) return s;
    } else if (!ScalarShapeFits(*f, value)) {
      return ShapeError(field_path, ExpectedFor(f->type_name()), value);
    }
  }
  return absl::OkStatus();
}

// Protobuf's parser says "(metrics.network_stats.bytes_out): invalid value -5 for type
// TYPE_UINT64"; Warden says "metrics.network_stats.bytes_out: expected an integer from 0
// to 18446744073709551615, got -5".
absl::Status TranslateProtobufError(absl::string_view message) {
  absl::string_view path = "report";
  absl::string_view rest = message;
  if (absl::ConsumePrefix(&rest, "(")) {
    const size_t close = rest.find("): ");
    if (close != absl::string_view::npos) {
      path = rest.substr(0, close);
      rest.remove_prefix(close + 3);
    }
  }
  constexpr absl::string_view kInvalid = "invalid value ";
  constexpr absl::string_view kForType = " for type ";
  const size_t for_type = rest.rfind(kForType);
  if (absl::StartsWith(rest, kInvalid) && for_type != absl::string_view::npos) {
    absl::string_view got = rest.substr(kInvalid.size(), for_type - kInvalid.size());
    absl::string_view type = rest.substr(for_type + kForType.size());
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": expected ", ExpectedFor(absl::AsciiStrToLower(absl::StripPrefix(type, "TYPE_"))),
        ", got ", Printable(got)));
  }
  std::string text = Printable(rest, 200);
  if (!text.empty()) text[0] = absl::ascii_tolower(text[0]);
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", text));
}

// The AWS document for `m`: reflection over the set fields, so the writer follows the
// schema; custom metrics go back to the array-of-one-object shape.
Json ToAws(const Message& m, bool short_names) {
  Json out = Json::object();
  const Reflection& r = *m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string& key = short_names ? f->json_name() : f->name();
    if (f->is_map()) {
      // Only custom_metrics is a map. Sorted by name, so the output is stable.
      const FieldDescriptor* name_field = f->message_type()->map_key();
      const FieldDescriptor* value_field = f->message_type()->map_value();
      std::vector<std::pair<std::string, Json>> metrics;
      for (int i = 0; i < r.FieldSize(m, f); ++i) {
        const Message& entry = r.GetRepeatedMessage(m, f, i);
        const Reflection& er = *entry.GetReflection();
        // A custom metric value's keys have no short forms.
        Json value = ToAws(er.GetMessage(entry, value_field), /*short_names=*/false);
        for (auto& [kind, payload] : value.items()) {
          if (payload.is_object()) payload = payload.value("values", Json::array());
        }
        metrics.emplace_back(er.GetString(entry, name_field), Json::array({std::move(value)}));
      }
      std::sort(metrics.begin(), metrics.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      Json& cmet = out[key] = Json::object();
      for (auto& [name, value] : metrics) cmet[name] = std::move(value);
    } else if (f->is_repeated()) {
      Json& list = out[key] = Json::array();
      for (int i = 0; i < r.FieldSize(m, f); ++i) {
        switch (f->cpp_type()) {
          case FieldDescriptor::CPPTYPE_MESSAGE:
            list.push_back(ToAws(r.GetRepeatedMessage(m, f, i), short_names));
            break;
          case FieldDescriptor::CPPTYPE_DOUBLE:
            list.push_back(r.GetRepeatedDouble(m, f, i));
            break;
          case FieldDescriptor::CPPTYPE_STRING:
            list.push_back(r.GetRepeatedString(m, f, i));
            break;
          default:
            break;  // the report schema has no other repeated scalars
        }
      }
    } else {
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE:
          out[key] = ToAws(r.GetMessage(m, f), short_names);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          out[key] = r.GetInt64(m, f);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          out[key] = r.GetUInt64(m, f);
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          out[key] = r.GetUInt32(m, f);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          out[key] = r.GetDouble(m, f);
          break;
        case FieldDescriptor::CPPTYPE_STRING:
          out[key] = r.GetString(m, f);
          break;
        default:
          break;  // the report schema has no other scalar types
      }
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::MetricsReport> ParseReportJson(std::string_view json) {
  Json doc;
  try {
    doc = Json::parse(json);
  } catch (const Json::exception& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 1, column 5: ...".
    absl::string_view what = e.what();
    const size_t bracket = what.find("] ");
    if (bracket != absl::string_view::npos) what.remove_prefix(bracket + 2);
    return absl::InvalidArgumentError(absl::StrCat("invalid json: ", Printable(what, 200)));
  }
  if (absl::Status s = Adapt(doc, *v1::MetricsReport::descriptor(), ""); !s.ok()) return s;

  v1::MetricsReport report;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(doc.dump(), &report, options);
  if (!status.ok()) return TranslateProtobufError(status.message().as_string());
  return report;
}

std::string ReportToAwsJson(const v1::MetricsReport& report, bool short_names) {
  return ToAws(report, short_names).dump();
}

}  // namespace warden::detectors
