// Student bytes are made valid UTF-8 once, where they enter the report.
#include "report/utf8.hpp"
#include "report/reporter.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace interleave;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextIsUnchanged) {
    const std::string text = "caf\xC3\xA9 \xE2\x86\x92 \xF0\x9F\x98\x80 plain";
    EXPECT_EQ(valid_utf8(text), text);
}

TEST(Utf8, EveryBadByteBecomesOneReplacementCharacter) {
    EXPECT_EQ(valid_utf8("caf\xE9!"), "caf" + kFffd + "!");                    // Latin-1
    EXPECT_EQ(valid_utf8("\xC0\xAF"), kFffd + kFffd);                          // overlong '/'
    EXPECT_EQ(valid_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);              // a surrogate
    EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
    EXPECT_EQ(valid_utf8("ok\xE2\x86"), "ok" + kFffd + kFffd);                 // cut short
}

TEST(Utf8, EveryReportFormatRendersAReportWithStudentBytes) {
    GradeReport r;
    r.course = "Interleave";
    r.source = "exercises";
    KataReport k;
    k.id = "counter";
    k.folder = "01-counter";
    k.title = "Thread-safe counter";
    CheckResult c{"build",
                  CheckStatus::fail,
                  0,
                  0,
                  "static_assert failed: 'd\xE9j\xE0 vu'",
                  {"01-counter/counter.hpp:3: \xFF\xFE"},
                  {{"stderr_tail", {"\xC3"}}},
                  1.0};
    k.checks.push_back(c);
    r.katas.push_back(k);
    total_up(r);
    make_valid_utf8(r);
    for (const auto& name : report_format_names()) {
        const auto reporter = make_reporter(name, TerminalStyle{false, true});
        ASSERT_NE(reporter, nullptr) << name;
        std::ostringstream out;
        EXPECT_NO_THROW(reporter->render(r, out)) << name;
        EXPECT_EQ(valid_utf8(out.str()), out.str()) << name << " wrote invalid UTF-8";
    }
}

}  // namespace
