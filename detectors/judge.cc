#include "detectors/judge.h"

#include <algorithm>
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"

namespace warden::detectors {
namespace {

using rules::Operator;

// Appends `text` to a bounded repeated field; the element past the bound says how
// many more there were.
void AddBounded(google::protobuf::RepeatedPtrField<std::string>* field, std::string text,
                int total) {
  if (field->size() < kMaxEvidenceElements) {
    *field->Add() = std::move(text);
  } else if (field->size() == kMaxEvidenceElements) {
    *field->Add() = absl::StrCat("(", total - kMaxEvidenceElements, " more)");
  }
}

std::string FormatNumber(double v) { return absl::StrCat(v); }

// Walks a list datapoint as text + membership. `member` answers whether element i is
// in the set and, for evidence, which entry matched.
template <typename Member>
Judgement JudgeElements(const rules::Behaviour& b, int size,
                        const std::function<std::string(int)>& render, Member member) {
  Judgement j;
  v1::Evidence& e = j.evidence;
  e.set_operator_(std::string(rules::OperatorName(b.op)));
  e.set_list(b.list ? b.list->name : "");
  e.set_datapoints(1);
  const bool want_in =
      b.op == Operator::kInCidrSet || b.op == Operator::kInPortSet || b.op == Operator::kInSet;
  int offending = 0;
  for (int i = 0; i < size; ++i) {
    std::string text = render(i);
    std::string entry;
    const bool in = member(i, &entry);
    if (in != want_in) {
      ++offending;
      AddBounded(e.mutable_offending(), text, size);
      if (!want_in) AddBounded(e.mutable_matched_entries(), entry, size);
    }
    AddBounded(e.mutable_elements(), std::move(text), size);
  }
  // AddBounded counted the rest against every reported element; offending elements
  // and their matched entries have `offending` in all.
  if (offending > kMaxEvidenceElements) {
    const std::string more = absl::StrCat("(", offending - kMaxEvidenceElements, " more)");
    *e.mutable_offending(kMaxEvidenceElements) = more;
    if (!want_in) *e.mutable_matched_entries(kMaxEvidenceElements) = more;
  }
  j.violating = offending > 0;
  return j;
}

}  // namespace

bool NumberConforms(Operator op, double value, double threshold) {
  switch (op) {
    case Operator::kLessThan:
      return value < threshold;
    case Operator::kLessThanEquals:
      return value <= threshold;
    case Operator::kGreaterThan:
      return value > threshold;
    case Operator::kGreaterThanEquals:
      return value >= threshold;
    default:
      return true;
  }
}

bool Violates(const rules::Behaviour& b, const Datapoint& d, double value) {
  if (d.type == rules::ValueType::kNumber) return !NumberConforms(b.op, value, b.value);
  const rules::NamedList* list = b.list.get();
  if (list == nullptr) return false;
  const bool want_in =
      b.op == Operator::kInCidrSet || b.op == Operator::kInPortSet || b.op == Operator::kInSet;
  auto offends = [&](bool in) { return in != want_in; };
  switch (d.type) {
    case rules::ValueType::kPortList:
      return std::any_of(d.ports.begin(), d.ports.end(),
                         [&](uint32_t p) { return offends(list->ports.Contains(p)); });
    case rules::ValueType::kIpList:
      return std::any_of(d.ips.begin(), d.ips.end(), [&](const rules::IpAddress& ip) {
        return offends(list->cidrs.Find(ip) != nullptr);
      });
    case rules::ValueType::kNumberList:
      return std::any_of(d.numbers.begin(), d.numbers.end(),
                         [&](double n) { return offends(list->ContainsNumber(n)); });
    case rules::ValueType::kStringList:
      return std::any_of(d.strings.begin(), d.strings.end(),
                         [&](const std::string& s) { return offends(list->ContainsString(s)); });
    case rules::ValueType::kNumber:
      break;
  }
  return false;
}

Judgement JudgeNumber(const rules::Behaviour& b, double value, int datapoints) {
  Judgement j;
  j.violating = !NumberConforms(b.op, value, b.value);
  v1::Evidence& e = j.evidence;
  e.set_number(value);
  e.set_operator_(std::string(rules::OperatorName(b.op)));
  e.set_threshold(b.value);
  e.set_duration_seconds(b.duration_seconds);
  e.set_datapoints(datapoints);
  return j;
}

Judgement JudgeList(const rules::Behaviour& b, const Datapoint& d) {
  const rules::NamedList* list = b.list.get();
  if (list == nullptr) return Judgement{};
  switch (d.type) {
    case rules::ValueType::kPortList:
      return JudgeElements(
          b, static_cast<int>(d.ports.size()), [&](int i) { return absl::StrCat(d.ports[i]); },
          [&](int i, std::string* entry) {
            if (!list->ports.Contains(d.ports[i])) return false;
            *entry = absl::StrCat(d.ports[i]);
            return true;
          });
    case rules::ValueType::kIpList:
      return JudgeElements(
          b, static_cast<int>(d.ips.size()), [&](int i) { return rules::FormatIp(d.ips[i]); },
          [&](int i, std::string* entry) {
            const std::string* cidr = list->cidrs.Find(d.ips[i]);
            if (cidr == nullptr) return false;
            *entry = *cidr;
            return true;
          });
    case rules::ValueType::kNumberList:
      return JudgeElements(
          b, static_cast<int>(d.numbers.size()), [&](int i) { return FormatNumber(d.numbers[i]); },
          [&](int i, std::string* entry) {
            if (!list->ContainsNumber(d.numbers[i])) return false;
            *entry = FormatNumber(d.numbers[i]);
            return true;
          });
    case rules::ValueType::kStringList:
      return JudgeElements(
          b, static_cast<int>(d.strings.size()), [&](int i) { return d.strings[i]; },
          [&](int i, std::string* entry) {
            if (!list->ContainsString(d.strings[i])) return false;
            *entry = d.strings[i];
            return true;
          });
    case rules::ValueType::kNumber:
      break;
  }
  return Judgement{};
}

}  // namespace warden::detectors
