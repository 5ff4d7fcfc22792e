// List files: values read from a plain-text file next to the YAML (`file:`).
#include "rules/list_file.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/loader.h"

namespace warden::rules {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "line:column:text" per entry.
std::vector<std::string> Split(std::string_view content) {
  std::vector<std::string> out;
  for (const ListFileEntry& e : SplitListFile(content)) {
    out.push_back(absl::StrCat(e.line, ":", e.column, ":", std::string(e.text)));
  }
  return out;
}

TEST(SplitListFileTest, OneEntryPerLineWithoutCommentsAndBlanks) {
  EXPECT_THAT(Split("# header\n\n10.0.0.0/8\n  \t\n  192.0.2.0/24\t# a comment\n"
                    "   # indented comment\n2001:db8::/32"),
              ElementsAre("3:1:10.0.0.0/8", "5:3:192.0.2.0/24", "7:1:2001:db8::/32"));
}

TEST(SplitListFileTest, CrLfByteOrderMarkAndTrailingBlanks) {
  EXPECT_THAT(Split("\xEF\xBB\xBF"
                    "23\r\n8000-8100  \r\n\r\n# done\r\n"),
              ElementsAre("1:1:23", "2:1:8000-8100"));
}

TEST(SplitListFileTest, AHashWithoutABlankBeforeItIsPartOfTheEntry) {
  EXPECT_THAT(Split("a#b\nc #d\nwith inner space\n"),
              ElementsAre("1:1:a#b", "2:1:c", "3:1:with inner space"));
}

TEST(SplitListFileTest, EmptyFiles) {
  EXPECT_THAT(Split(""), ElementsAre());
  EXPECT_THAT(Split("\n\n# nothing\n"), ElementsAre());
}

class ListFileLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("warden_list_file_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& relative, const std::string& content) {
    const fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
    return path.string();
  }
  std::string Path(const std::string& relative) const { return (dir_ / relative).string(); }

  LoadResult Load() { return LoadRulesFromPaths({dir_.string()}); }

  fs::path dir_;
};

TEST_F(ListFileLoaderTest, EveryTypeReadsItsValuesFromAFile) {
  Write("lists/lists.yaml", R"(list: deny
type: cidr
file: feeds/deny.txt
---
list: ports
type: port
file: ports.txt
description: ranges too
---
list: codes
type: number
file: codes.txt
---
list: firmware
type: string
file: firmware.txt
)");
  Write("lists/feeds/deny.txt", "# feed\n10.0.0.0/8\n10.1.0.0/16\n11.0.0.0/8\n2001:db8::/32\n");
  Write("lists/ports.txt", "23\n2323\n8000-8100  # dev servers\n");
  Write("lists/codes.txt", "3\n-1.5\n1e3\n");
  Write("lists/firmware.txt", "v1.2.3\nv2 beta\n");
  LoadResult result = Load();
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);

  const NamedList& deny = *result.rules->lists.at("deny");
  EXPECT_EQ(deny.entries, 4u);
  EXPECT_EQ(deny.file, Path("lists/lists.yaml"));
  EXPECT_EQ(deny.values_file, Path("lists/feeds/deny.txt"));
  EXPECT_EQ(deny.cidrs.size(), 3u);  // 10.1.0.0/16 is inside 10.0.0.0/8
  EXPECT_EQ(*deny.cidrs.Find(*ParseIp("11.2.3.4")), "11.0.0.0/8");
  EXPECT_EQ(*deny.cidrs.Find(*ParseIp("::ffff:10.1.2.3")), "10.0.0.0/8");

  const NamedList& ports = *result.rules->lists.at("ports");
  EXPECT_TRUE(ports.ports.Contains(23));
  EXPECT_TRUE(ports.ports.Contains(8000));
  EXPECT_TRUE(ports.ports.Contains(8100));
  EXPECT_FALSE(ports.ports.Contains(8101));
  EXPECT_EQ(ports.ports.size(), 103u);

  EXPECT_THAT(result.rules->lists.at("codes")->numbers, ElementsAre(-1.5, 3, 1000));
  EXPECT_TRUE(result.rules->lists.at("firmware")->ContainsString("v2 beta"));
}

TEST_F(ListFileLoaderTest, BadLinesAreReportedAtTheirFileLineAndColumn) {
  Write("deny.yaml", "list: deny\ntype: cidr\nfile: deny.txt\n");
  Write("deny.txt", "10.0.0.0/8\n  10.0.0.1/8   # typo\n# fine\n300.1.1.1\n");
  Write("ports.yaml", "list: ports\ntype: port\nfile: ports.txt\n");
  Write("ports.txt", "23\n8100-8000\nhttp\n");
  LoadResult result = Load();
  EXPECT_FALSE(result.ok());
  const std::string deny = Path("deny.txt");
  const std::string ports = Path("ports.txt");
  EXPECT_EQ(FormatDiagnostics(result.diagnostics),
            deny +
                ":2:3: error: cidr '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?) "
                "[E_LIST_VALUE]\n"
                "      10.0.0.1/8   # typo\n"
                "      ^\n"
                "  in list 'deny' (" +
                Path("deny.yaml") + ":1:7)\n" + deny +
                ":4:1: error: cidr '300.1.1.1' has an invalid address '300.1.1.1' [E_LIST_VALUE]\n"
                "    300.1.1.1\n"
                "    ^\n"
                "  in list 'deny' (" +
                Path("deny.yaml") + ":1:7)\n" + ports +
                ":2:1: error: port range '8100-8000' is reversed (did you mean 8000-8100?) "
                "[E_LIST_VALUE]\n"
                "    8100-8000\n"
                "    ^\n"
                "  in list 'ports' (" +
                Path("ports.yaml") + ":1:7)\n" + ports +
                ":3:1: error: 'http' is not a port or a port range such as 23 or 6000-6010 "
                "[E_LIST_VALUE]\n"
                "    http\n"
                "    ^\n"
                "  in list 'ports' (" +
                Path("ports.yaml") +
                ":1:7)\n"
                "4 errors\n");
}

TEST_F(ListFileLoaderTest, AFileOfGarbageReportsTheFirstHundredLines) {
  std::string garbage;
  for (int i = 0; i < 150; ++i) garbage += "not-a-number\n";
  Write("codes.yaml", "list: codes\ntype: number\nfile: codes.txt\n");
  Write("codes.txt", garbage);
  LoadResult result = Load();
  ASSERT_EQ(result.diagnostics.size(), 101u);
  EXPECT_EQ(result.diagnostics[0].file, Path("codes.txt"));
  EXPECT_EQ(result.diagnostics[0].message, "expected a number, got 'not-a-number'");
  EXPECT_EQ(result.diagnostics[99].line, 100);
  const Diagnostic& summary = result.diagnostics[100];
  EXPECT_EQ(summary.file, Path("codes.yaml"));
  EXPECT_EQ(summary.line, 3);
  EXPECT_EQ(summary.column, 7);
  EXPECT_EQ(summary.message, "50 more bad lines in list file '" + Path("codes.txt") +
                                 "' (only the first 100 are shown)");
}

TEST_F(ListFileLoaderTest, UnreadableFileIsReportedAtTheFileKey) {
  Write("deny.yaml", "list: deny\ntype: cidr\nfile: missing.txt\n");
  Write("profile.yaml",
        "profile: p\ntargets: all\nbehaviours:\n"
        "  - {name: b, metric: aws:destination-ip-addresses, operator: not-in-cidr-set, "
        "list: deny}\n");
  LoadResult result = Load();
  EXPECT_FALSE(result.ok());
  // Only the file: the list is defined, so the profile naming it is not blamed too.
  EXPECT_EQ(FormatDiagnostics(result.diagnostics),
            Path("deny.yaml") + ":3:7: error: cannot read list file '" + Path("missing.txt") +
                "': No such file or directory [E_LIST_FILE]\n"
                "    file: missing.txt\n"
                "          ^\n"
                "  in list 'deny' (" +
                Path("deny.yaml") + ":1:7)\n1 error\n");
}

TEST_F(ListFileLoaderTest, ValuesAndFileAreExclusiveAndOneIsRequired) {
  Write("both.yaml", "list: both\ntype: port\nvalues: [23]\nfile: ports.txt\n");
  Write("neither.yaml", "list: neither\ntype: port\n");
  Write("empty.yaml", "list: empty\ntype: port\nfile: ''\n");
  LoadResult result = Load();
  ASSERT_EQ(result.diagnostics.size(), 3u) << FormatDiagnostics(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].code, "E_VALUE");
  EXPECT_EQ(result.diagnostics[0].message,
            "a list takes its values from 'values' or from 'file', not both");
  EXPECT_EQ(result.diagnostics[0].line, 4);
  EXPECT_EQ(result.diagnostics[0].column, 1);
  EXPECT_EQ(result.diagnostics[1].code, "E_LIST_FILE");
  EXPECT_EQ(result.diagnostics[1].message, "'file' names no file");
  EXPECT_EQ(result.diagnostics[2].code, "E_MISSING_KEY");
  EXPECT_EQ(result.diagnostics[2].message,
            "missing required key 'values' (or 'file', to read the values from a list file)");
}

TEST_F(ListFileLoaderTest, SourcesNotFromDiskReadNoListFiles) {
  // ValidateProfiles sends YAML text with client-chosen paths: nothing is read from
  // the server's disk on their behalf.
  Write("deny.txt", "10.0.0.0/8\n");
  LoadResult result = LoadRules({{Path("deny.yaml"), "list: deny\ntype: cidr\nfile: deny.txt\n"}});
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].code, "E_LIST_FILE");
  EXPECT_THAT(result.diagnostics[0].message, HasSubstr("these rules were not loaded from disk"));
}

TEST_F(ListFileLoaderTest, AbsolutePathsAndParentDirectories) {
  const std::string feed = Write("feeds/deny.txt", "198.51.100.0/24\n");
  Write("rules/a.yaml", "list: a\ntype: cidr\nfile: ../feeds/deny.txt\n");
  Write("rules/b.yaml", "list: b\ntype: cidr\nfile: " + feed + "\n");
  LoadResult result = LoadRulesFromPaths({Path("rules")});
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  EXPECT_EQ(result.rules->lists.at("a")->values_file, feed);
  EXPECT_EQ(result.rules->lists.at("b")->values_file, feed);
  EXPECT_NE(result.rules->lists.at("a")->cidrs.Find(*ParseIp("198.51.100.1")), nullptr);
}

TEST_F(ListFileLoaderTest, HundredThousandLineFile) {
  std::string text = "# 100,000 /24 blocks\n";
  for (int i = 0; i < 100000; ++i) {
    absl::StrAppend(&text, 1 + i / 65536, ".", (i / 256) % 256, ".", i % 256, ".0/24\n");
  }
  Write("big.txt", text);
  Write("big.yaml", "list: big\ntype: cidr\nfile: big.txt\n");
  LoadResult result = Load();
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const NamedList& big = *result.rules->lists.at("big");
  EXPECT_EQ(big.entries, 100000u);
  EXPECT_EQ(big.cidrs.size(), 100000u);
  EXPECT_EQ(*big.cidrs.Find(*ParseIp("2.134.159.7")), "2.134.159.0/24");  // entry 99999
  EXPECT_EQ(big.cidrs.Find(*ParseIp("2.134.160.0")), nullptr);
}

}  // namespace
}  // namespace warden::rules
