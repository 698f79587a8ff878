#pragma once
/// Reading the review's CSV inputs (roster.csv, manual.csv) with libcsv, the RFC 4180 parser:
/// quoted fields may hold commas, doubled quotes and line breaks; LF, CRLF and CR end a row.

#include <filesystem>
#include <string>
#include <vector>

namespace interleave {

/// One record of a CSV file: its fields (surrounding spaces and tabs trimmed) and the 1-based
/// physical line on which it starts.
struct CsvRow {
    int line = 0;
    std::vector<std::string> fields;
};

/// Parses CSV text. Rows whose every field is empty (blank lines) are left out. Throws
/// std::invalid_argument "review: FILE:LINE: field N: malformed CSV (...)" on a stray quote
/// or an unterminated quoted field; `file` only names the source in that message.
std::vector<CsvRow> parse_csv(const std::string& text, const std::string& file);

/// Reads and parses a CSV file; throws std::invalid_argument naming the file when it cannot be
/// read, and as parse_csv() on malformed content.
std::vector<CsvRow> read_csv_file(const std::filesystem::path& csv, const std::string& what);

}  // namespace interleave
