// The review's CSV reading with libcsv: quoting, line ends, and errors naming file:line:field.
#include "review/csv_rows.hpp"
#include "review/class_summary.hpp"
#include "review/manual_scores.hpp"
#include "review/roster.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

/// A CSV file in a fresh temp folder, removed at the end of the test.
class CsvFile {
  public:
    CsvFile(const std::string& name, const std::string& text)
        : dir_(fs::temp_directory_path() /
               ("csv-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                std::to_string(next_++))) {
        fs::create_directories(dir_);
        path_ = dir_ / name;
        std::ofstream(path_, std::ios::binary) << text;
    }
    ~CsvFile() { fs::remove_all(dir_); }
    const fs::path& path() const { return path_; }

  private:
    static inline int next_ = 0;
    fs::path dir_;
    fs::path path_;
};

}  // namespace

TEST(CsvRows, QuotedFieldsKeepCommasAndDoubledQuotes) {
    const auto rows = parse_csv("a,\"b, c\",\"say \"\"hi\"\"\"\n", "x.csv");
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"a", "b, c", "say \"hi\""}));
    EXPECT_EQ(rows[0].line, 1);
}

TEST(CsvRows, CrlfLineEndsAndBlankLines) {
    const auto rows = parse_csv("student,path\r\n\r\nbob,repos/bob\r\nalice, /abs \r\n", "x.csv");
    ASSERT_EQ(rows.size(), 3U);
    EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"bob", "repos/bob"}));
    EXPECT_EQ(rows[1].line, 3);
    EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"alice", "/abs"}));
    EXPECT_EQ(rows[2].line, 4);
}

TEST(CsvRows, AQuotedLineBreakKeepsTheRowsStartLine) {
    const auto rows = parse_csv("a,\"two\nlines\"\nb,c", "x.csv");
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].fields[1], "two\nlines");
    EXPECT_EQ(rows[0].line, 1);
    EXPECT_EQ(rows[1].line, 3);
}

TEST(CsvRows, AStrayQuoteNamesFileLineAndField) {
    EXPECT_EQ(error_of([] { parse_csv("a,b\nc,d\"e\n", "roster.csv"); }),
              "review: roster.csv:2: field 2: malformed CSV (a quote inside an unquoted field, "
              "or text after a closing quote)");
    EXPECT_EQ(error_of([] { parse_csv("a,b\n\"open,c\n", "roster.csv"); }),
              "review: roster.csv:2: field 1: malformed CSV (a quoted field is never closed)");
}

TEST(CsvRows, RosterRejectsAMalformedLineWithFileAndLine) {
    const CsvFile f("roster.csv", "student,path\r\nbob,repos/bob\r\n\"eve\"x,repos/eve\r\n");
    const std::string e = error_of([&] { read_roster(f.path()); });
    EXPECT_NE(e.find("roster.csv:3: field 1: malformed CSV"), std::string::npos) << e;
}

TEST(CsvRows, RosterNamesTheEmptyField) {
    const CsvFile f("roster.csv", "student,path\nbob,\n");
    const std::string e = error_of([&] { read_roster(f.path()); });
    EXPECT_NE(e.find("roster.csv:2: field \"path\" is empty"), std::string::npos) << e;
}

TEST(CsvRows, ManualScoresReadQuotedCommentsAndNameABadField) {
    const CsvFile f("manual.csv",
                    "student,kata,points,comment\r\nalice,counter,2.5,\"tidy, \"\"good\"\"\"\r\n"
                    "bob,counter,many,\r\n");
    const std::string e = error_of([&] { read_manual_scores(f.path()); });
    EXPECT_NE(e.find("manual.csv:3: field \"points\" is not a number"), std::string::npos) << e;
    const CsvFile ok("manual.csv", "alice,counter,2.5,\"tidy, \"\"good\"\"\"\r\n");
    const auto scores = read_manual_scores(ok.path());
    ASSERT_EQ(scores.size(), 1U);
    EXPECT_DOUBLE_EQ(scores[0].points, 2.5);
    EXPECT_EQ(scores[0].comment, "tidy, \"good\"");
}

namespace {

TEST(CsvField, WhatTheWriterQuotesTheReaderReadsBack) {
    const std::string tricky = "Ada, \"the\" first\nline two";
    const std::string field = interleave::csv_field(tricky);
    EXPECT_EQ(field, "\"Ada, \"\"the\"\" first\nline two\"");
    EXPECT_EQ(interleave::csv_field("plain"), "plain");
    const auto rows = interleave::parse_csv("name,x\n" + field + ",1\n", "t.csv");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].fields.at(0), tricky);
}

}  // namespace
