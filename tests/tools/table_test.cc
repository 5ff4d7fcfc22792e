#include "tools/table.h"

#include <gtest/gtest.h>

namespace warden::tools {
namespace {

TEST(TableTest, AlignsColumnsTwoSpacesApartWithoutTrailingSpaces) {
  Table t({"DEVICE", "STATE", "VALUE"});
  t.AddRow({"dev-00001", "in-alarm", "20971520"});
  t.AddRow({"cam", "ok", ""});
  EXPECT_EQ(t.Render(),
            "DEVICE     STATE     VALUE\n"
            "dev-00001  in-alarm  20971520\n"
            "cam        ok\n");
}

TEST(TableTest, CountsUtf8CharactersNotBytes) {
  Table t({"NAME", "X"});
  t.AddRow({"température", "1"});
  t.AddRow({"t", "2"});
  EXPECT_EQ(t.Render(),
            "NAME         X\n"
            "température  1\n"
            "t            2\n");
}

TEST(TableTest, PadsShortRowsAndDropsExtraCells) {
  Table t({"A", "B"});
  EXPECT_TRUE(t.empty());
  t.AddRow({"1"});
  t.AddRow({"2", "3", "dropped"});
  EXPECT_FALSE(t.empty());
  EXPECT_EQ(t.Render(), "A  B\n1\n2  3\n");
}

TEST(RenderKeyValuesTest, AlignsValues) {
  EXPECT_EQ(RenderKeyValues({{"device", "dev-00001"}, {"last report id", "17"}, {"note", ""}}),
            "device:          dev-00001\n"
            "last report id:  17\n"
            "note:\n");
}

}  // namespace
}  // namespace warden::tools
