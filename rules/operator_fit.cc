#include "rules/operator_fit.h"

namespace warden::rules {
namespace {

constexpr Operator kAllOperators[] = {
    Operator::kLessThan,          Operator::kLessThanEquals, Operator::kGreaterThan,
    Operator::kGreaterThanEquals, Operator::kInCidrSet,      Operator::kNotInCidrSet,
    Operator::kInPortSet,         Operator::kNotInPortSet,   Operator::kInSet,
    Operator::kNotInSet,
};

bool IsCidrOperator(Operator op) {
  return op == Operator::kInCidrSet || op == Operator::kNotInCidrSet;
}

bool IsPortOperator(Operator op) {
  return op == Operator::kInPortSet || op == Operator::kNotInPortSet;
}

}  // namespace

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNumber:
      return "number";
    case ValueType::kPortList:
      return "port list";
    case ValueType::kIpList:
      return "IP address list";
    case ValueType::kNumberList:
      return "number list";
    case ValueType::kStringList:
      return "string list";
  }
  return "?";
}

bool OperatorFits(Operator op, ValueType type) {
  switch (type) {
    case ValueType::kNumber:
      return IsNumberOperator(op);
    case ValueType::kPortList:
      return IsPortOperator(op);
    case ValueType::kIpList:
      return IsCidrOperator(op);
    case ValueType::kNumberList:
    case ValueType::kStringList:
      return op == Operator::kInSet || op == Operator::kNotInSet;
  }
  return false;
}

std::vector<std::string_view> OperatorNamesFor(ValueType type) {
  std::vector<std::string_view> names;
  for (Operator op : kAllOperators) {
    if (OperatorFits(op, type)) names.push_back(OperatorName(op));
  }
  return names;
}

std::vector<std::string_view> AllOperatorNames() {
  std::vector<std::string_view> names;
  for (Operator op : kAllOperators) names.push_back(OperatorName(op));
  return names;
}

bool ListFits(Operator op, ListType list) {
  if (IsCidrOperator(op)) return list == ListType::kCidr;
  if (IsPortOperator(op)) return list == ListType::kPort;
  if (IsNumberOperator(op)) return false;
  return list == ListType::kNumber || list == ListType::kString;
}

const char* ListNeededBy(Operator op) {
  if (IsCidrOperator(op)) return "a cidr list";
  if (IsPortOperator(op)) return "a port list";
  return "a number or string list";
}

}  // namespace warden::rules
