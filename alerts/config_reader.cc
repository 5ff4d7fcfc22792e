#include "alerts/config_reader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "alerts/payloads.h"
#include "alerts/router.h"
#include "alerts/signing.h"
#include "rules/diagnostics.h"
#include "rules/names.h"
#include "rules/suggest.h"
#include "rules/yaml_reader.h"

namespace warden::alerts {
namespace {

using rules::Field;
using rules::Fields;
using rules::FormatLocation;
using rules::NodeReader;
using rules::SourceLocation;

constexpr std::string_view kSectionKeys[] = {"external_url", "max_outbox_rows_per_target",
                                             "receivers", "routes"};
constexpr std::string_view kReceiverKeys[] = {
    "name", "alertmanager", "webhook", "timeout_seconds", "rate_limit_per_second", "retry"};
constexpr std::string_view kAlertmanagerKeys[] = {"urls", "resend_interval_seconds",
                                                  "resolved_resend_seconds"};
constexpr std::string_view kWebhookKeys[] = {"url", "secrets", "headers", "bearer_token", "tls"};
constexpr std::string_view kTlsKeys[] = {"ca_file", "cert_file", "key_file"};
constexpr std::string_view kRetryKeys[] = {"initial_backoff_seconds", "max_backoff_seconds",
                                           "give_up_after_seconds"};
constexpr std::string_view kRouteKeys[] = {"match", "receivers"};
constexpr std::string_view kMatchKeys[] = {"severity", "profile", "behaviour", "event_type",
                                           "labels"};

constexpr size_t kMaxReceiverNameSize = 64;
constexpr char kReceiverNameRule[] = "1 to 64 characters of [a-zA-Z0-9_-]";

// Headers every webhook request carries, set by the dispatcher (lower case).
constexpr std::string_view kReservedHeaders[] = {
    "content-type", "content-length",    "host",
    "webhook-id",   "webhook-timestamp", "webhook-signature"};

// Alertmanager's alert endpoints: a URL ending so is not the base URL asked for.
constexpr std::string_view kAlertmanagerApiPaths[] = {"/api/v2/alerts", "/api/v1/alerts"};

// One string of a list, with where it was written.
struct Item {
  std::string text;
  Field field;
};

// What has been read so far that later parts check against.
struct ReadState {
  std::filesystem::path config_dir;                      // for relative paths
  std::map<std::string, SourceLocation> receiver_names;  // every receiver named
};

bool IsValidReceiverName(std::string_view name) {
  return name.size() <= kMaxReceiverNameSize && rules::IsValidName(name);
}

// RFC 9110 token characters, the only ones a header name may have.
bool IsValidHeaderName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// Why `url` is not an http(s) URL with a host, or nullopt when it is one.
std::optional<std::string> UrlProblem(std::string_view url) {
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
    return "it contains a space or a control character";
  }
  std::string_view rest;
  if (absl::StartsWith(absl::string_view(url.data(), url.size()), "http://")) {
    rest = url.substr(7);
  } else if (absl::StartsWith(absl::string_view(url.data(), url.size()), "https://")) {
    rest = url.substr(8);
  } else {
    return "expected an http:// or https:// url";
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return "the ipv6 address has no closing ']'";
    port = authority.substr(close + 1);
    authority = authority.substr(0, close + 1);
  } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    port = authority.substr(colon);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return "it has no host";
  if (!port.empty()) {
    const std::string_view digits = port.substr(1);
    int number = 0;
    if (port.front() != ':' || digits.empty() ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        !absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &number) || number < 1 ||
        number > 65535) {
      return absl::StrCat("invalid port '", std::string(port), "'");
    }
  }
  return std::nullopt;
}

// A path from the config, relative to the config file's directory.
std::string ResolvePath(const std::filesystem::path& config_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (config_dir / path).lexically_normal().string();
}

// A reader whose diagnostics say "in receiver 'soc' (file:3:7)", or "in receiver #2
// (...)" when the receiver has no usable name.
NodeReader ReceiverReader(const NodeReader& reader, const YAML::Node& entry, size_t index) {
  const std::optional<std::string> name = rules::PeekScalar(entry, "name");
  const std::string which = name.has_value() && IsValidReceiverName(*name)
                                ? absl::StrCat("'", *name, "'")
                                : absl::StrCat("#", index + 1);
  return reader.WithNote(
      absl::StrCat("in receiver ", which, " (", FormatLocation(reader.Locate(entry)), ")"));
}

void ReadUrl(const NodeReader& r, const Field& field, std::string* out) {
  std::optional<std::string> url = r.String(field);
  if (!url.has_value()) return;
  if (std::optional<std::string> problem = UrlProblem(*url); problem.has_value()) {
    r.Error(r.Locate(field), "E_URL", absl::StrCat("invalid url '", *url, "': ", *problem));
    return;
  }
  *out = *std::move(url);
}

// A list of strings, or one string standing for a list of one. Entries that are not
// strings are reported and left out; an empty list is reported with `empty_message`.
std::vector<Item> ReadStrings(const NodeReader& r, const Field& field,
                              std::string_view empty_message) {
  std::vector<Item> items;
  if (field.value.IsScalar()) {
    items.push_back({field.value.Scalar(), field});
    return items;
  }
  if (!field.value.IsSequence()) {
    r.Error(
        r.Locate(field), "E_TYPE",
        absl::StrCat("expected a string or a list of strings, got ", rules::Describe(field.value)));
    return items;
  }
  if (field.value.size() == 0) {
    r.Error(r.Locate(field), "E_VALUE", std::string(empty_message));
    return items;
  }
  for (const YAML::Node& node : field.value) {
    const Field entry = Field::Entry(node);
    if (std::optional<std::string> text = r.String(entry); text.has_value()) {
      items.push_back({*std::move(text), entry});
    }
  }
  return items;
}

// Reads number `key` when present: greater than 0, or at least 0 when `zero_allowed`.
// Returns its field (nullptr when absent).
template <typename T>
const Field* ReadBounded(const NodeReader& r, const Fields& fields, std::string_view key,
                         bool zero_allowed, T* out) {
  const Field* field = fields.Find(key);
  if (field == nullptr) return nullptr;
  std::optional<T> value;
  if constexpr (std::is_integral_v<T>) {
    value = r.Integer(*field);
  } else {
    value = r.Number(*field);
  }
  if (!value.has_value()) return field;
  if (*value < 0 || (*value == 0 && !zero_allowed)) {
    r.Error(r.Locate(*field), "E_VALUE",
            absl::StrCat("'", std::string(key), "' must be ",
                         zero_allowed ? "0 or more" : "greater than 0", ", got ",
                         field->value.Scalar()));
    return field;
  }
  *out = *value;
  return field;
}

template <typename T>
const Field* ReadPositive(const NodeReader& r, const Fields& fields, std::string_view key, T* out) {
  return ReadBounded(r, fields, key, /*zero_allowed=*/false, out);
}

void ReadRetry(const NodeReader& r, const Field& field, RetryPolicy* retry) {
  std::optional<Fields> fields = r.Map(field, kRetryKeys);
  if (!fields.has_value()) return;
  const Field* initial =
      ReadPositive(r, *fields, "initial_backoff_seconds", &retry->initial_backoff_seconds);
  const Field* max = ReadPositive(r, *fields, "max_backoff_seconds", &retry->max_backoff_seconds);
  const Field* give_up =
      ReadPositive(r, *fields, "give_up_after_seconds", &retry->give_up_after_seconds);
  // The checks below compare with defaults too, so a lone setting cannot contradict them.
  if (retry->initial_backoff_seconds > retry->max_backoff_seconds) {
    r.Error(
        r.Locate(initial != nullptr ? *initial : *max), "E_VALUE",
        absl::StrCat("'initial_backoff_seconds' (", retry->initial_backoff_seconds,
                     ") must not exceed 'max_backoff_seconds' (", retry->max_backoff_seconds, ")"));
  }
  if (static_cast<double>(retry->give_up_after_seconds) < retry->max_backoff_seconds) {
    r.Error(r.Locate(give_up != nullptr ? *give_up : *max), "E_VALUE",
            absl::StrCat("'give_up_after_seconds' (", retry->give_up_after_seconds,
                         ") must be at least 'max_backoff_seconds' (", retry->max_backoff_seconds,
                         ")"));
  }
}

void ReadAlertmanager(const NodeReader& r, const Field& field, AlertmanagerReceiver* am) {
  std::optional<Fields> fields = r.Map(field, kAlertmanagerKeys);
  if (!fields.has_value()) return;
  if (const Field* urls = r.Require(*fields, "urls"); urls != nullptr) {
    std::map<std::string, SourceLocation> seen;
    for (Item& item : ReadStrings(r, *urls, "'urls' is empty: give at least one url")) {
      std::string url;
      ReadUrl(r, item.field, &url);
      if (url.empty()) continue;
      const SourceLocation at = r.Locate(item.field);
      const absl::string_view trimmed = absl::StripSuffix(url, "/");
      for (std::string_view api_path : kAlertmanagerApiPaths) {
        if (absl::EndsWith(trimmed, absl::string_view(api_path.data(), api_path.size()))) {
          r.Error(at, "E_URL",
                  absl::StrCat("'", url, "' is an api endpoint: give alertmanager's base url ",
                               "(warden adds /api/v2/alerts)"));
        }
      }
      if (auto [it, inserted] = seen.emplace(url, at); !inserted) {
        r.WithNote(absl::StrCat("first given at ", FormatLocation(it->second)))
            .Error(at, "E_DUPLICATE", absl::StrCat("duplicate url '", url, "'"));
        continue;
      }
      am->urls.push_back(std::move(url));
    }
  }
  ReadPositive(r, *fields, "resend_interval_seconds", &am->resend_interval_seconds);
  ReadPositive(r, *fields, "resolved_resend_seconds", &am->resolved_resend_seconds);
}

void ReadSecrets(const NodeReader& r, const Field& field, std::vector<std::string>* secrets) {
  std::vector<Item> items =
      ReadStrings(r, field, "'secrets' is empty: give at least one webhook secret");
  for (Item& item : items) {
    if (IsValidWebhookSecret(item.text)) {
      secrets->push_back(std::move(item.text));
      continue;
    }
    // The secret is not repeated here, and ReadAlertingConfig drops its source line.
    r.Error(r.Locate(item.field), "E_SECRET",
            absl::StartsWith(item.text, "whsec_")
                ? "invalid webhook secret: after 'whsec_' expected the base64 of 24 to 64 "
                  "random bytes"
                : "invalid webhook secret: expected 'whsec_' followed by the base64 of 24 to "
                  "64 random bytes");
  }
}

void ReadHeaders(const NodeReader& r, const Field& field, bool has_bearer_token,
                 std::map<std::string, std::string>* headers) {
  std::optional<Fields> fields = r.Map(field, {});
  if (!fields.has_value()) return;
  for (const auto& [name, pair] : fields->pairs()) {
    const std::string lower = absl::AsciiStrToLower(name);
    const SourceLocation at = r.Locate(pair.key);
    if (!IsValidHeaderName(name)) {
      r.Error(at, "E_VALUE", absl::StrCat("invalid header name '", name, "'"));
      continue;
    }
    if (std::find(std::begin(kReservedHeaders), std::end(kReservedHeaders), lower) !=
        std::end(kReservedHeaders)) {
      r.Error(at, "E_VALUE", absl::StrCat("header '", name, "' is set by warden"));
      continue;
    }
    if (lower == "authorization" && has_bearer_token) {
      r.Error(at, "E_VALUE",
              absl::StrCat("header '", name, "' conflicts with 'bearer_token'; give one of them"));
      continue;
    }
    std::optional<std::string> value = r.String(pair);
    if (!value.has_value()) continue;
    if (HasLineBreak(*value)) {
      r.Error(r.Locate(pair), "E_VALUE",
              absl::StrCat("the value of header '", name, "' has a line break"));
      continue;
    }
    (*headers)[name] = *std::move(value);
  }
}

void ReadTls(const NodeReader& r, const Field& field, const ReadState& state,
             TlsClientConfig* tls) {
  std::optional<Fields> fields = r.Map(field, kTlsKeys);
  if (!fields.has_value()) return;
  std::pair<std::string_view, std::string*> files[] = {
      {"ca_file", &tls->ca_file}, {"cert_file", &tls->cert_file}, {"key_file", &tls->key_file}};
  for (auto& [key, out] : files) {
    if (const Field* file = fields->Find(key); file != nullptr) {
      *out = ResolvePath(state.config_dir, r.String(*file).value_or(""));
    }
  }
  if (const Field* key = fields->Find("key_file");
      key != nullptr && fields->Find("cert_file") == nullptr) {
    r.Error(r.Locate(key->key), "E_MISSING_KEY", "'key_file' needs 'cert_file'");
  }
}

void ReadWebhook(const NodeReader& r, const Field& field, const ReadState& state,
                 WebhookReceiver* webhook) {
  std::optional<Fields> fields = r.Map(field, kWebhookKeys);
  if (!fields.has_value()) return;
  const Field* url = r.Require(*fields, "url");
  if (url != nullptr) ReadUrl(r, *url, &webhook->url);
  if (const Field* secrets = r.Require(*fields, "secrets"); secrets != nullptr) {
    ReadSecrets(r, *secrets, &webhook->secrets);
  }
  const Field* token = fields->Find("bearer_token");
  if (token != nullptr) {
    std::optional<std::string> text = r.String(*token);
    if (text.has_value() && (text->empty() || HasLineBreak(*text))) {
      r.Error(r.Locate(*token), "E_VALUE", "'bearer_token' is empty or has a line break");
    } else if (text.has_value()) {
      webhook->bearer_token = *std::move(text);
    }
  }
  if (const Field* headers = fields->Find("headers"); headers != nullptr) {
    ReadHeaders(r, *headers, token != nullptr, &webhook->headers);
  }
  if (const Field* tls = fields->Find("tls"); tls != nullptr) {
    ReadTls(r, *tls, state, &webhook->tls);
    if (absl::StartsWith(webhook->url, "http://")) {
      r.Error(r.Locate(tls->key), "E_VALUE",
              absl::StrCat("'tls' needs an https:// url, got '", webhook->url, "'"));
    }
  }
}

void ReadReceiver(const NodeReader& reader, const YAML::Node& entry, size_t index, ReadState* state,
                  AlertingConfig* config) {
  const NodeReader r = ReceiverReader(reader, entry, index);
  std::optional<Fields> fields = r.Map(Field::Entry(entry), kReceiverKeys);
  if (!fields.has_value()) return;
  Receiver receiver;
  if (const Field* name = r.Require(*fields, "name"); name != nullptr) {
    const SourceLocation at = r.Locate(*name);
    if (std::optional<std::string> text = r.String(*name); text.has_value()) {
      receiver.name = *std::move(text);
      if (!IsValidReceiverName(receiver.name)) {
        r.Error(at, "E_NAME",
                absl::StrCat("invalid receiver name '", receiver.name, "' (expected ",
                             kReceiverNameRule, ")"));
      }
      // Kept even when invalid, so routes naming it get no second error.
      if (auto [it, inserted] = state->receiver_names.emplace(receiver.name, at); !inserted) {
        r.WithNote(
             absl::StrCat("'", receiver.name, "' first defined at ", FormatLocation(it->second)))
            .Error(at, "E_DUPLICATE", absl::StrCat("duplicate receiver '", receiver.name, "'"));
      }
    }
  }
  const Field* alertmanager = fields->Find("alertmanager");
  const Field* webhook = fields->Find("webhook");
  if (alertmanager == nullptr && webhook == nullptr) {
    r.Error(r.Locate(fields->node()), "E_MISSING_KEY",
            "missing 'alertmanager' or 'webhook': say where the receiver delivers");
  }
  if (alertmanager != nullptr && webhook != nullptr) {
    const Field* second =
        alertmanager->key.Mark().pos < webhook->key.Mark().pos ? webhook : alertmanager;
    r.Error(r.Locate(second->key), "E_VALUE",
            "a receiver has either 'alertmanager' or 'webhook', not both");
  }
  if (alertmanager != nullptr) {
    receiver.kind = Receiver::Kind::kAlertmanager;
    ReadAlertmanager(r, *alertmanager, &receiver.alertmanager);
  }
  if (webhook != nullptr) {
    receiver.kind = Receiver::Kind::kWebhook;
    ReadWebhook(r, *webhook, *state, &receiver.webhook);
  }
  ReadPositive(r, *fields, "timeout_seconds", &receiver.timeout_seconds);
  ReadBounded(r, *fields, "rate_limit_per_second", /*zero_allowed=*/true,
              &receiver.rate_limit_per_second);
  if (const Field* retry = fields->Find("retry"); retry != nullptr) {
    ReadRetry(r, *retry, &receiver.retry);
  }
  config->receivers.push_back(std::move(receiver));
}

// Reads one list of a route's match and checks every entry with `check`, which
// reports a bad one and returns false.
template <typename Check>
std::vector<std::string> ReadMatchList(const NodeReader& r, const Field& field,
                                       std::string_view key, Check check) {
  std::vector<Item> items = ReadStrings(
      r, field,
      absl::StrCat("an empty '", std::string(key), "' matches nothing; leave it out to match any"));
  std::vector<std::string> out;
  for (Item& item : items) {
    if (check(item)) out.push_back(std::move(item.text));
  }
  return out;
}

// A checker for the names of an enum: reports `code` with the names and a suggestion.
auto OneOf(const NodeReader& r, std::vector<std::string_view> names, const char* what,
           const char* code) {
  return [&r, names = std::move(names), what, code](const Item& item) {
    if (std::find(names.begin(), names.end(), item.text) != names.end()) return true;
    r.Error(r.Locate(item.field), code,
            absl::StrCat("unknown ", what, " '", item.text, "' (expected one of: ",
                         rules::JoinNames(names), ")", rules::DidYouMean(item.text, names)));
    return false;
  };
}

auto ValidName(const NodeReader& r, const char* what) {
  return [&r, what](const Item& item) {
    if (rules::IsValidName(item.text)) return true;
    r.Error(r.Locate(item.field), "E_NAME",
            absl::StrCat("invalid ", what, " name '", item.text, "' (expected ", rules::kNameRule,
                         ")"));
    return false;
  };
}

void ReadMatch(const NodeReader& r, const Field& field, RouteMatch* match) {
  std::optional<Fields> fields = r.Map(field, kMatchKeys);
  if (!fields.has_value()) return;
  if (const Field* f = fields->Find("severity"); f != nullptr) {
    std::vector<std::string_view> names;
    for (v1::Severity s : {v1::LOW, v1::MEDIUM, v1::HIGH, v1::CRITICAL}) {
      names.push_back(SeverityName(s));
    }
    match->severities = ReadMatchList(r, *f, "severity", OneOf(r, names, "severity", "E_SEVERITY"));
  }
  if (const Field* f = fields->Find("profile"); f != nullptr) {
    // Profile names, or the pseudo-profile of audit findings.
    auto valid = ValidName(r, "profile");
    match->profiles = ReadMatchList(r, *f, "profile", [valid](const Item& item) {
      return item.text == kAuditProfile || valid(item);
    });
  }
  if (const Field* f = fields->Find("behaviour"); f != nullptr) {
    match->behaviours = ReadMatchList(r, *f, "behaviour", ValidName(r, "behaviour"));
  }
  if (const Field* f = fields->Find("event_type"); f != nullptr) {
    std::vector<std::string_view> names;
    for (v1::ViolationEventType t : {v1::IN_ALARM, v1::ALARM_CLEARED, v1::ALARM_INVALIDATED}) {
      names.push_back(EventTypeName(t));
    }
    match->event_types =
        ReadMatchList(r, *f, "event_type", OneOf(r, names, "event type", "E_EVENT_TYPE"));
  }
  if (const Field* f = fields->Find("labels"); f != nullptr) {
    std::optional<Fields> labels = r.Map(*f, {});
    if (!labels.has_value()) return;
    for (const auto& [name, pair] : labels->pairs()) {
      if (!rules::IsValidLabelName(name)) {
        r.Error(
            r.Locate(pair.key), "E_LABEL",
            absl::StrCat("invalid label name '", name, "' (expected ", rules::kLabelNameRule, ")"));
        continue;
      }
      if (std::optional<std::string> value = r.String(pair); value.has_value()) {
        match->labels[name] = *std::move(value);
      }
    }
  }
}

void ReadRoute(const NodeReader& reader, const YAML::Node& entry, size_t index,
               const ReadState& state, AlertingConfig* config) {
  const NodeReader r = reader.WithNote(
      absl::StrCat("in route #", index + 1, " (", FormatLocation(reader.Locate(entry)), ")"));
  std::optional<Fields> fields = r.Map(Field::Entry(entry), kRouteKeys);
  if (!fields.has_value()) return;
  Route route;
  if (const Field* match = fields->Find("match"); match != nullptr) {
    ReadMatch(r, *match, &route.match);
  }
  if (const Field* receivers = r.Require(*fields, "receivers"); receivers != nullptr) {
    std::vector<std::string_view> defined;
    for (const auto& [name, at] : state.receiver_names) defined.push_back(name);
    for (Item& item : ReadStrings(r, *receivers, "'receivers' is empty: name at least one")) {
      if (state.receiver_names.count(item.text) == 0) {
        r.Error(r.Locate(item.field), "E_UNKNOWN_RECEIVER",
                absl::StrCat("unknown receiver '", item.text,
                             "' (defined: ", defined.empty() ? "none" : rules::JoinNames(defined),
                             ")", rules::DidYouMean(item.text, defined)));
        continue;
      }
      route.receivers.push_back(std::move(item.text));
    }
  }
  config->routes.push_back(std::move(route));
}

void ReadSection(const NodeReader& r, const YAML::Node& section, ReadState* state,
                 AlertingConfig* config) {
  std::optional<Fields> fields = r.Map(Field::Entry(section), kSectionKeys);
  if (!fields.has_value()) return;
  if (const Field* url = fields->Find("external_url"); url != nullptr) {
    ReadUrl(r, *url, &config->external_url);
  }
  ReadPositive(r, *fields, "max_outbox_rows_per_target", &config->max_outbox_rows_per_target);
  // Receivers first: routes refer to them wherever they are written.
  if (const Field* receivers = r.Require(*fields, "receivers"); receivers != nullptr) {
    if (std::optional<std::vector<YAML::Node>> entries = r.Sequence(*receivers);
        entries.has_value()) {
      if (entries->empty()) {
        r.Error(r.Locate(*receivers), "E_VALUE", "'receivers' is empty: define at least one");
      }
      for (size_t i = 0; i < entries->size(); ++i) {
        ReadReceiver(r, (*entries)[i], i, state, config);
      }
    }
  }
  if (const Field* routes = fields->Find("routes"); routes != nullptr) {
    if (std::optional<std::vector<YAML::Node>> entries = r.Sequence(*routes); entries.has_value()) {
      for (size_t i = 0; i < entries->size(); ++i) {
        ReadRoute(r, (*entries)[i], i, *state, config);
      }
    }
  }
}

}  // namespace

AlertingConfig ReadAlertingConfig(const YAML::Node& section, const std::string& file,
                                  const std::vector<std::string>& lines,
                                  std::vector<rules::Diagnostic>* diagnostics) {
  AlertingConfig config;
  if (!section.IsDefined() || section.IsNull()) return config;
  rules::DiagnosticSink sink;
  sink.AddSource(file, absl::StrJoin(lines, "\n"));
  const NodeReader reader(file, &sink);
  ReadState state;
  state.config_dir = std::filesystem::path(file).parent_path();
  try {
    ReadSection(reader, section, &state, &config);
  } catch (const YAML::Exception& e) {
    reader.Error(reader.Locate(section), "E_YAML",
                 absl::StrCat("cannot read the alerting section: ", e.msg));
  }
  for (rules::Diagnostic& d : sink.TakeSorted()) {
    if (d.code == "E_SECRET") d.source_line.clear();  // keep secrets out of logs
    diagnostics->push_back(std::move(d));
  }
  return config;
}

}  // namespace warden::alerts
