#include "detectors/judge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace warden::detectors {
namespace {

using rules::Operator;
using rules::ValueType;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

rules::Behaviour NumberBehaviour(Operator op, double value) {
  rules::Behaviour b;
  b.name = "b";
  b.metric.id = "aws:all-bytes-out";
  b.metric.builtin = rules::BuiltinMetric::kAllBytesOut;
  b.metric.type = ValueType::kNumber;
  b.op = op;
  b.value = value;
  return b;
}

std::shared_ptr<const rules::NamedList> CidrList(const std::vector<std::string>& cidrs) {
  auto list = std::make_shared<rules::NamedList>();
  list->name = "allowed-destinations";
  list->type = rules::ListType::kCidr;
  for (const std::string& c : cidrs) {
    absl::Status s = list->cidrs.Add(c);
    EXPECT_TRUE(s.ok()) << s;
  }
  list->cidrs.Finalize();
  list->entries = cidrs.size();
  return list;
}

std::shared_ptr<const rules::NamedList> PortList() {
  auto list = std::make_shared<rules::NamedList>();
  list->name = "service-ports";
  list->type = rules::ListType::kPort;
  list->ports.AddRange(22, 22);
  list->ports.AddRange(8000, 8080);
  return list;
}

std::shared_ptr<const rules::NamedList> NumberList() {
  auto list = std::make_shared<rules::NamedList>();
  list->name = "codes";
  list->type = rules::ListType::kNumber;
  list->numbers = {1, 2.5, 7};  // sorted
  return list;
}

std::shared_ptr<const rules::NamedList> StringList() {
  auto list = std::make_shared<rules::NamedList>();
  list->name = "users";
  list->type = rules::ListType::kString;
  list->strings = {"pi", "admin"};
  return list;
}

rules::Behaviour ListBehaviour(Operator op, std::shared_ptr<const rules::NamedList> list) {
  rules::Behaviour b;
  b.name = "b";
  b.op = op;
  b.list = std::move(list);
  return b;
}

Datapoint IpDatapoint(const std::vector<std::string>& ips) {
  Datapoint d;
  d.type = ValueType::kIpList;
  for (const std::string& s : ips) {
    std::optional<rules::IpAddress> ip = rules::ParseIp(s);
    EXPECT_TRUE(ip.has_value()) << s;
    if (ip) d.ips.push_back(*ip);
  }
  return d;
}

Datapoint PortDatapoint(const std::vector<uint32_t>& ports) {
  Datapoint d;
  d.type = ValueType::kPortList;
  d.ports = ports;
  return d;
}

Datapoint NumberListDatapoint(const std::vector<double>& numbers) {
  Datapoint d;
  d.type = ValueType::kNumberList;
  d.numbers = numbers;
  return d;
}

Datapoint StringListDatapoint(const std::vector<std::string>& strings) {
  Datapoint d;
  d.type = ValueType::kStringList;
  d.strings = strings;
  return d;
}

std::vector<std::string> ToVector(const google::protobuf::RepeatedPtrField<std::string>& f) {
  return {f.begin(), f.end()};
}

// --- Number operators ---------------------------------------------------------------------

TEST(NumberConformsTest, LessThanIsStrict) {
  EXPECT_TRUE(NumberConforms(Operator::kLessThan, 99, 100));
  EXPECT_FALSE(NumberConforms(Operator::kLessThan, 100, 100));
  EXPECT_FALSE(NumberConforms(Operator::kLessThan, 101, 100));
}

TEST(NumberConformsTest, LessThanEqualsIncludesTheThreshold) {
  EXPECT_TRUE(NumberConforms(Operator::kLessThanEquals, 99, 100));
  EXPECT_TRUE(NumberConforms(Operator::kLessThanEquals, 100, 100));
  EXPECT_FALSE(NumberConforms(Operator::kLessThanEquals, 100.5, 100));
}

TEST(NumberConformsTest, GreaterThanIsStrict) {
  EXPECT_TRUE(NumberConforms(Operator::kGreaterThan, 101, 100));
  EXPECT_FALSE(NumberConforms(Operator::kGreaterThan, 100, 100));
  EXPECT_FALSE(NumberConforms(Operator::kGreaterThan, 99, 100));
}

TEST(NumberConformsTest, GreaterThanEqualsIncludesTheThreshold) {
  EXPECT_TRUE(NumberConforms(Operator::kGreaterThanEquals, 101, 100));
  EXPECT_TRUE(NumberConforms(Operator::kGreaterThanEquals, 100, 100));
  EXPECT_FALSE(NumberConforms(Operator::kGreaterThanEquals, 99.5, 100));
}

TEST(NumberConformsTest, NegativeAndZeroThresholds) {
  EXPECT_FALSE(NumberConforms(Operator::kLessThan, 0, 0));
  EXPECT_TRUE(NumberConforms(Operator::kLessThanEquals, 0, 0));
  EXPECT_TRUE(NumberConforms(Operator::kGreaterThan, -1, -2));
  EXPECT_FALSE(NumberConforms(Operator::kGreaterThanEquals, -3, -2));
}

TEST(JudgeNumberTest, ViolatingDatapointCarriesValueThresholdAndOperator) {
  Judgement j = JudgeNumber(NumberBehaviour(Operator::kLessThan, 1000), 1000, 1);
  EXPECT_TRUE(j.violating);
  ASSERT_TRUE(j.evidence.has_number());
  EXPECT_EQ(j.evidence.number(), 1000);
  ASSERT_TRUE(j.evidence.has_threshold());
  EXPECT_EQ(j.evidence.threshold(), 1000);
  EXPECT_EQ(j.evidence.operator_(), "less-than");
  EXPECT_EQ(j.evidence.datapoints(), 1);
  EXPECT_EQ(j.evidence.duration_seconds(), 0);
}

TEST(JudgeNumberTest, ConformingDatapoint) {
  Judgement j = JudgeNumber(NumberBehaviour(Operator::kLessThanEquals, 1000), 1000, 1);
  EXPECT_FALSE(j.violating);
  EXPECT_EQ(j.evidence.operator_(), "less-than-equals");
}

TEST(JudgeNumberTest, WindowSumEvidenceSaysDurationAndDatapoints) {
  rules::Behaviour b = NumberBehaviour(Operator::kGreaterThanEquals, 500);
  b.duration_seconds = 300;
  Judgement j = JudgeNumber(b, 450, 3);
  EXPECT_TRUE(j.violating);
  EXPECT_EQ(j.evidence.number(), 450);
  EXPECT_EQ(j.evidence.operator_(), "greater-than-equals");
  EXPECT_EQ(j.evidence.duration_seconds(), 300);
  EXPECT_EQ(j.evidence.datapoints(), 3);

  Judgement gt = JudgeNumber(NumberBehaviour(Operator::kGreaterThan, 500), 500, 1);
  EXPECT_TRUE(gt.violating);
  EXPECT_EQ(gt.evidence.operator_(), "greater-than");
}

// --- CIDR sets ----------------------------------------------------------------------------

TEST(JudgeListTest, InCidrSetConformsWhenEveryIpIsInABlock) {
  rules::Behaviour b =
      ListBehaviour(Operator::kInCidrSet, CidrList({"10.0.0.0/24", "2001:db8::/32"}));
  Judgement j = JudgeList(b, IpDatapoint({"10.0.0.7", "2001:db8::1"}));
  EXPECT_FALSE(j.violating);
  EXPECT_THAT(j.evidence.offending(), IsEmpty());
  EXPECT_THAT(ToVector(j.evidence.elements()), ElementsAre("10.0.0.7", "2001:db8::1"));
  EXPECT_EQ(j.evidence.operator_(), "in-cidr-set");
  EXPECT_EQ(j.evidence.list(), "allowed-destinations");
}

TEST(JudgeListTest, InCidrSetViolationNamesTheIpsOutside) {
  rules::Behaviour b =
      ListBehaviour(Operator::kInCidrSet, CidrList({"10.0.0.0/24", "2001:db8::/32"}));
  Judgement j = JudgeList(b, IpDatapoint({"10.0.0.7", "8.8.8.8", "2001:db9::1"}));
  EXPECT_TRUE(j.violating);
  EXPECT_THAT(ToVector(j.evidence.offending()), ElementsAre("8.8.8.8", "2001:db9::1"));
  // For in-* sets the offending elements matched nothing.
  EXPECT_THAT(j.evidence.matched_entries(), IsEmpty());
  EXPECT_EQ(j.evidence.datapoints(), 1);
}

TEST(JudgeListTest, NotInCidrSetViolationNamesTheBlockEachIpMatched) {
  rules::Behaviour b = ListBehaviour(
      Operator::kNotInCidrSet, CidrList({"192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32"}));
  Judgement j = JudgeList(b, IpDatapoint({"10.1.1.1", "198.51.100.9", "2001:db8::1"}));
  EXPECT_TRUE(j.violating);
  EXPECT_EQ(j.evidence.operator_(), "not-in-cidr-set");
  EXPECT_THAT(ToVector(j.evidence.offending()), ElementsAre("198.51.100.9", "2001:db8::1"));
  EXPECT_THAT(ToVector(j.evidence.matched_entries()),
              ElementsAre("198.51.100.0/24", "2001:db8::/32"));
}

TEST(JudgeListTest, NotInCidrSetConformsWhenNoIpIsInABlock) {
  rules::Behaviour b = ListBehaviour(Operator::kNotInCidrSet, CidrList({"192.0.2.0/24"}));
  Judgement j = JudgeList(b, IpDatapoint({"10.1.1.1", "192.0.3.0"}));
  EXPECT_FALSE(j.violating);
  EXPECT_THAT(j.evidence.offending(), IsEmpty());
  EXPECT_THAT(j.evidence.matched_entries(), IsEmpty());
}

TEST(JudgeListTest, CidrBlockBoundariesIpv4) {
  rules::Behaviour in = ListBehaviour(Operator::kInCidrSet, CidrList({"10.0.1.0/24"}));
  // First and last address of the block are in it.
  EXPECT_FALSE(JudgeList(in, IpDatapoint({"10.0.1.0"})).violating);
  EXPECT_FALSE(JudgeList(in, IpDatapoint({"10.0.1.255"})).violating);
  // One before and one past are not.
  EXPECT_TRUE(JudgeList(in, IpDatapoint({"10.0.0.255"})).violating);
  EXPECT_TRUE(JudgeList(in, IpDatapoint({"10.0.2.0"})).violating);

  rules::Behaviour not_in = ListBehaviour(Operator::kNotInCidrSet, CidrList({"10.0.1.0/24"}));
  EXPECT_TRUE(JudgeList(not_in, IpDatapoint({"10.0.1.0"})).violating);
  EXPECT_TRUE(JudgeList(not_in, IpDatapoint({"10.0.1.255"})).violating);
  EXPECT_FALSE(JudgeList(not_in, IpDatapoint({"10.0.0.255"})).violating);
  EXPECT_FALSE(JudgeList(not_in, IpDatapoint({"10.0.2.0"})).violating);
}

TEST(JudgeListTest, CidrBlockBoundariesIpv6) {
  rules::Behaviour in = ListBehaviour(Operator::kInCidrSet, CidrList({"2001:db8::/32"}));
  EXPECT_FALSE(JudgeList(in, IpDatapoint({"2001:db8::"})).violating);
  EXPECT_FALSE(JudgeList(in, IpDatapoint({"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"})).violating);
  EXPECT_TRUE(JudgeList(in, IpDatapoint({"2001:db9::"})).violating);
  EXPECT_TRUE(JudgeList(in, IpDatapoint({"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"})).violating);
}

TEST(JudgeListTest, SingleAddressEntryMatchesOnlyThatAddress) {
  rules::Behaviour in = ListBehaviour(Operator::kInCidrSet, CidrList({"203.0.113.5"}));
  EXPECT_FALSE(JudgeList(in, IpDatapoint({"203.0.113.5"})).violating);
  EXPECT_TRUE(JudgeList(in, IpDatapoint({"203.0.113.4"})).violating);
  EXPECT_TRUE(JudgeList(in, IpDatapoint({"203.0.113.6"})).violating);
}

TEST(JudgeListTest, NestedBlocksStillMatchTheOuterRange) {
  rules::Behaviour in =
      ListBehaviour(Operator::kInCidrSet, CidrList({"10.0.0.0/8", "10.1.0.0/16", "172.16.0.0/12"}));
  EXPECT_FALSE(JudgeList(in, IpDatapoint({"10.1.2.3", "10.255.0.1", "172.31.255.255"})).violating);
  EXPECT_TRUE(JudgeList(in, IpDatapoint({"172.32.0.0"})).violating);
}

TEST(JudgeListTest, Ipv6RemoteAddrIsMatchedAgainstIpv6Blocks) {
  // The address a device reports as "[2001:db8::1]:443".
  std::optional<rules::IpAddress> ip = rules::ParseRemoteAddr("[2001:db8::1]:443");
  ASSERT_TRUE(ip.has_value());
  Datapoint d;
  d.type = ValueType::kIpList;
  d.ips.push_back(*ip);

  rules::Behaviour in =
      ListBehaviour(Operator::kInCidrSet, CidrList({"10.0.0.0/8", "2001:db8::/32"}));
  EXPECT_FALSE(JudgeList(in, d).violating);

  rules::Behaviour in_v4_only = ListBehaviour(Operator::kInCidrSet, CidrList({"10.0.0.0/8"}));
  Judgement j = JudgeList(in_v4_only, d);
  EXPECT_TRUE(j.violating);
  EXPECT_THAT(ToVector(j.evidence.offending()), ElementsAre("2001:db8::1"));

  rules::Behaviour not_in =
      ListBehaviour(Operator::kNotInCidrSet, CidrList({"10.0.0.0/8", "2001:db8::/32"}));
  Judgement k = JudgeList(not_in, d);
  EXPECT_TRUE(k.violating);
  EXPECT_THAT(ToVector(k.evidence.matched_entries()), ElementsAre("2001:db8::/32"));
}

// --- Port sets ----------------------------------------------------------------------------

TEST(JudgeListTest, InPortSet) {
  rules::Behaviour b = ListBehaviour(Operator::kInPortSet, PortList());
  EXPECT_FALSE(JudgeList(b, PortDatapoint({22, 8000, 8080})).violating);
  Judgement j = JudgeList(b, PortDatapoint({22, 7999, 8081, 23}));
  EXPECT_TRUE(j.violating);
  EXPECT_EQ(j.evidence.operator_(), "in-port-set");
  EXPECT_EQ(j.evidence.list(), "service-ports");
  EXPECT_THAT(ToVector(j.evidence.offending()), ElementsAre("7999", "8081", "23"));
  EXPECT_THAT(ToVector(j.evidence.elements()), ElementsAre("22", "7999", "8081", "23"));
}

TEST(JudgeListTest, NotInPortSet) {
  rules::Behaviour b = ListBehaviour(Operator::kNotInPortSet, PortList());
  EXPECT_FALSE(JudgeList(b, PortDatapoint({21, 23, 7999, 8081})).violating);
  Judgement j = JudgeList(b, PortDatapoint({443, 22, 8080}));
  EXPECT_TRUE(j.violating);
  EXPECT_EQ(j.evidence.operator_(), "not-in-port-set");
  EXPECT_THAT(ToVector(j.evidence.offending()), ElementsAre("22", "8080"));
  EXPECT_THAT(ToVector(j.evidence.matched_entries()), ElementsAre("22", "8080"));
}

// --- in-set / not-in-set --------------------------------------------------------------------

TEST(JudgeListTest, InSetWithNumbers) {
  rules::Behaviour b = ListBehaviour(Operator::kInSet, NumberList());
  EXPECT_FALSE(JudgeList(b, NumberListDatapoint({1, 7, 2.5})).violating);
  Judgement j = JudgeList(b, NumberListDatapoint({1, 3, 2.5001}));
  EXPECT_TRUE(j.violating);
  EXPECT_EQ(j.evidence.operator_(), "in-set");
  EXPECT_THAT(ToVector(j.evidence.offending()), ElementsAre("3", "2.5001"));
}

TEST(JudgeListTest, NotInSetWithNumbers) {
  rules::Behaviour b = ListBehaviour(Operator::kNotInSet, NumberList());
  EXPECT_FALSE(JudgeList(b, NumberListDatapoint({0, 3, 8})).violating);
  Judgement j = JudgeList(b, NumberListDatapoint({0, 2.5}));
  EXPECT_TRUE(j.violating);
  EXPECT_EQ(j.evidence.operator_(), "not-in-set");
  EXPECT_THAT(ToVector(j.evidence.offending()), ElementsAre("2.5"));
  EXPECT_THAT(ToVector(j.evidence.matched_entries()), ElementsAre("2.5"));
}

TEST(JudgeListTest, InSetWithStrings) {
  rules::Behaviour b = ListBehaviour(Operator::kInSet, StringList());
  EXPECT_FALSE(JudgeList(b, StringListDatapoint({"pi", "admin", "pi"})).violating);
  Judgement j = JudgeList(b, StringListDatapoint({"pi", "root", "Admin"}));
  EXPECT_TRUE(j.violating);
  EXPECT_THAT(ToVector(j.evidence.offending()), ElementsAre("root", "Admin"));
  EXPECT_EQ(j.evidence.list(), "users");
}

TEST(JudgeListTest, NotInSetWithStrings) {
  rules::Behaviour b = ListBehaviour(Operator::kNotInSet, StringList());
  EXPECT_FALSE(JudgeList(b, StringListDatapoint({"root", "guest"})).violating);
  Judgement j = JudgeList(b, StringListDatapoint({"root", "admin"}));
  EXPECT_TRUE(j.violating);
  EXPECT_THAT(ToVector(j.evidence.offending()), ElementsAre("admin"));
  EXPECT_THAT(ToVector(j.evidence.matched_entries()), ElementsAre("admin"));
}

TEST(JudgeListTest, EmptyListConformsToEveryListOperator) {
  struct Case {
    Operator op;
    std::shared_ptr<const rules::NamedList> list;
    Datapoint empty;
  };
  const std::vector<Case> cases = {
      {Operator::kInCidrSet, CidrList({"10.0.0.0/8"}), IpDatapoint({})},
      {Operator::kNotInCidrSet, CidrList({"10.0.0.0/8"}), IpDatapoint({})},
      {Operator::kInPortSet, PortList(), PortDatapoint({})},
      {Operator::kNotInPortSet, PortList(), PortDatapoint({})},
      {Operator::kInSet, NumberList(), NumberListDatapoint({})},
      {Operator::kNotInSet, NumberList(), NumberListDatapoint({})},
      {Operator::kInSet, StringList(), StringListDatapoint({})},
      {Operator::kNotInSet, StringList(), StringListDatapoint({})},
  };
  for (const Case& c : cases) {
    Judgement j = JudgeList(ListBehaviour(c.op, c.list), c.empty);
    EXPECT_FALSE(j.violating) << rules::OperatorName(c.op) << " on " << c.list->name;
    EXPECT_THAT(j.evidence.elements(), IsEmpty());
    EXPECT_THAT(j.evidence.offending(), IsEmpty());
  }
}

// --- Evidence bounds ------------------------------------------------------------------------

TEST(JudgeListTest, EvidenceListsAtMostTheBoundAndCountsTheRest) {
  // 40 reported ports, all outside the set.
  std::vector<uint32_t> ports;
  for (uint32_t p = 10000; p < 10040; ++p) ports.push_back(p);
  Judgement j = JudgeList(ListBehaviour(Operator::kInPortSet, PortList()), PortDatapoint(ports));
  EXPECT_TRUE(j.violating);
  ASSERT_EQ(j.evidence.offending_size(), kMaxEvidenceElements + 1);
  EXPECT_EQ(j.evidence.offending(0), "10000");
  EXPECT_EQ(j.evidence.offending(kMaxEvidenceElements - 1), "10031");
  EXPECT_EQ(j.evidence.offending(kMaxEvidenceElements), "(8 more)");
  ASSERT_EQ(j.evidence.elements_size(), kMaxEvidenceElements + 1);
  EXPECT_EQ(j.evidence.elements(kMaxEvidenceElements), "(8 more)");
}

TEST(JudgeListTest, EvidenceCountsMoreOffendingElementsNotMoreReportedOnes) {
  // 60 reported ports: 20 allowed (8000-8019), then 40 outside the set.
  std::vector<uint32_t> ports;
  for (uint32_t p = 8000; p < 8020; ++p) ports.push_back(p);
  for (uint32_t p = 10000; p < 10040; ++p) ports.push_back(p);
  Judgement j = JudgeList(ListBehaviour(Operator::kInPortSet, PortList()), PortDatapoint(ports));
  EXPECT_TRUE(j.violating);
  ASSERT_EQ(j.evidence.offending_size(), kMaxEvidenceElements + 1);
  // 40 offending, 32 listed: 8 more offending (not 60 - 32 = 28).
  EXPECT_EQ(j.evidence.offending(kMaxEvidenceElements), "(8 more)");
  // 60 reported, 32 listed.
  ASSERT_EQ(j.evidence.elements_size(), kMaxEvidenceElements + 1);
  EXPECT_EQ(j.evidence.elements(kMaxEvidenceElements), "(28 more)");
}

TEST(JudgeListTest, MatchedEntriesAreBoundedLikeOffendingElements) {
  // 50 reported ports: 10 outside the set, then 40 inside (8000-8039) for not-in-port-set.
  std::vector<uint32_t> ports;
  for (uint32_t p = 100; p < 110; ++p) ports.push_back(p);
  for (uint32_t p = 8000; p < 8040; ++p) ports.push_back(p);
  Judgement j = JudgeList(ListBehaviour(Operator::kNotInPortSet, PortList()), PortDatapoint(ports));
  EXPECT_TRUE(j.violating);
  ASSERT_EQ(j.evidence.matched_entries_size(), kMaxEvidenceElements + 1);
  EXPECT_EQ(j.evidence.matched_entries(0), "8000");
  EXPECT_EQ(j.evidence.matched_entries(kMaxEvidenceElements), "(8 more)");
  EXPECT_EQ(j.evidence.offending(kMaxEvidenceElements), "(8 more)");
}

TEST(JudgeListTest, ExactlyTheBoundIsListedWithoutACountLine) {
  std::vector<uint32_t> ports;
  for (uint32_t p = 10000; p < 10000 + kMaxEvidenceElements; ++p) ports.push_back(p);
  Judgement j = JudgeList(ListBehaviour(Operator::kInPortSet, PortList()), PortDatapoint(ports));
  EXPECT_EQ(j.evidence.offending_size(), kMaxEvidenceElements);
  EXPECT_EQ(j.evidence.elements_size(), kMaxEvidenceElements);
  EXPECT_EQ(j.evidence.offending(kMaxEvidenceElements - 1),
            absl::StrCat(10000 + kMaxEvidenceElements - 1));
}

}  // namespace
}  // namespace warden::detectors
