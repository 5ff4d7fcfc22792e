#ifndef WARDEN_RULES_OPERATOR_FIT_H_
#define WARDEN_RULES_OPERATOR_FIT_H_

#include <string_view>
#include <vector>

#include "rules/lists.h"
#include "rules/model.h"

// Which operators apply to which metric types, and which lists to which operators.

namespace warden::rules {

// "number", "port list", "IP address list", "number list", "string list".
const char* ValueTypeName(ValueType type);

// Whether `op` applies to a metric of `type`: number operators to numbers, cidr
// operators to IP lists, port operators to port lists, in-set and not-in-set to
// number and string lists.
bool OperatorFits(Operator op, ValueType type);

// The names of the operators that apply to `type`, for messages.
std::vector<std::string_view> OperatorNamesFor(ValueType type);

// The names of all ten operators, in model order.
std::vector<std::string_view> AllOperatorNames();

// Whether a list of type `list` can be the operand of list operator `op`.
bool ListFits(Operator op, ListType list);

// "a cidr list", "a port list" or "a number or string list": what `op` needs.
const char* ListNeededBy(Operator op);

}  // namespace warden::rules

#endif  // WARDEN_RULES_OPERATOR_FIT_H_
