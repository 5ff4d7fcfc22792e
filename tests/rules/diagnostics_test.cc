#include "rules/diagnostics.h"

#include "gtest/gtest.h"
#include "rules/loader.h"

namespace warden::rules {
namespace {

Diagnostic Make(std::string source_line, int column) {
  Diagnostic d;
  d.file = "profiles/camera.yaml";
  d.line = 12;
  d.column = column;
  d.code = "E_OPERATOR";
  d.message = "unknown operator 'greater-then'";
  d.source_line = std::move(source_line);
  return d;
}

TEST(FormatDiagnosticTest, GnuHeaderSourceLineCaretAndNotes) {
  Diagnostic d = Make("    operator: greater-then", 15);
  d.notes = {"in behaviour 'bytes-out-spike' of profile 'camera' (profiles/camera.yaml:9:5)"};
  EXPECT_EQ(FormatDiagnostic(d),
            "profiles/camera.yaml:12:15: error: unknown operator 'greater-then' [E_OPERATOR]\n"
            "        operator: greater-then\n"
            "                  ^\n"
            "  in behaviour 'bytes-out-spike' of profile 'camera' (profiles/camera.yaml:9:5)");
}

TEST(FormatDiagnosticTest, TabsAreMirroredSoTheCaretLinesUp) {
  Diagnostic d = Make("\tvalue: \tx", 10);
  EXPECT_EQ(FormatDiagnostic(d),
            "profiles/camera.yaml:12:10: error: unknown operator 'greater-then' [E_OPERATOR]\n"
            "    \tvalue: \tx\n"
            "    \t       \t^");
}

TEST(FormatDiagnosticTest, MultiByteCharactersTakeOneCell) {
  // "é" is two bytes; yaml-cpp columns count bytes, so 'x' is at column 9.
  Diagnostic d = Make("a: [é, x]", 9);
  EXPECT_EQ(FormatDiagnostic(d),
            "profiles/camera.yaml:12:9: error: unknown operator 'greater-then' [E_OPERATOR]\n"
            "    a: [é, x]\n"
            "           ^");
}

TEST(FormatDiagnosticTest, FileLevelProblemHasNoPosition) {
  Diagnostic d;
  d.file = "profiles/missing.yaml";
  d.code = "E_IO";
  d.message = "cannot read: No such file or directory";
  EXPECT_EQ(FormatDiagnostic(d),
            "profiles/missing.yaml: error: cannot read: No such file or directory [E_IO]");
}

TEST(FormatDiagnosticsTest, EachEndsWithNewlineThenASummary) {
  Diagnostic error = Make("", 1);
  Diagnostic warning = Make("", 2);
  warning.severity = "warning";
  warning.code = "W_EMPTY_TARGET";
  warning.message = "m";
  EXPECT_EQ(FormatDiagnostics({error, error, warning}),
            "profiles/camera.yaml:12:1: error: unknown operator 'greater-then' [E_OPERATOR]\n"
            "profiles/camera.yaml:12:1: error: unknown operator 'greater-then' [E_OPERATOR]\n"
            "profiles/camera.yaml:12:2: warning: m [W_EMPTY_TARGET]\n"
            "2 errors, 1 warning\n");
  EXPECT_EQ(FormatDiagnostics({warning}),
            "profiles/camera.yaml:12:2: warning: m [W_EMPTY_TARGET]\n1 warning\n");
  EXPECT_EQ(FormatDiagnostics({}), "");
}

TEST(DiagnosticSinkTest, FillsSourceLinesAndSortsByFileLineColumn) {
  DiagnosticSink sink;
  sink.AddSource("b.yaml", "one\r\ntwo\n");
  sink.AddSource("a.yaml", "alpha\n");
  sink.Error({"b.yaml", 2, 3}, "E_X", "second");
  sink.Error({"b.yaml", 1, 9}, "E_X", "first");
  sink.Warning({"a.yaml", 1, 1}, "W_X", "a");
  sink.Error({"b.yaml", 7, 1}, "E_X", "past the end");
  EXPECT_EQ(sink.error_count(), 3);
  std::vector<Diagnostic> ds = sink.TakeSorted();
  ASSERT_EQ(ds.size(), 4u);
  EXPECT_EQ(ds[0].file, "a.yaml");
  EXPECT_EQ(ds[0].source_line, "alpha");
  EXPECT_EQ(ds[1].message, "first");
  EXPECT_EQ(ds[1].source_line, "one");  // without the \r
  EXPECT_EQ(ds[2].message, "second");
  EXPECT_EQ(ds[2].source_line, "two");
  EXPECT_EQ(ds[3].source_line, "");
}

}  // namespace
}  // namespace warden::rules
