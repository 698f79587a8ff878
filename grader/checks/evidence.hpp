#pragma once
/// The evidence a check quotes, shared by every check: failures with tidy paths, the student's
/// own source lines, gdb backtraces and sanitizer accesses in the student's terms. Pure
/// functions of text and files.

#include "checks/parsers.hpp"
#include "process/process.hpp"
#include "workspace/workspace.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace interleave {

std::vector<std::string> lines_of(const std::string& text);

/// The sentence a GoogleTest failure leads with: its last line in words at the margin, skipping
/// GoogleTest's scaffolding (a "Google Test trace:" section and what follows it, indented
/// expressions and values, "Expected ..." lines, bare literals such as `""`); else the sentence
/// quoted by a `Which is: "..."` (EXPECT_EQ(problem, "")); else the last line; empty for none.
std::string failure_headline(const std::vector<std::string>& lines);

/// The last `n` lines of `text` (all of them when there are fewer).
std::vector<std::string> last_lines(const std::string& text, std::size_t n);

/// Standard types as a person writes them: "std::chrono::duration<long, std::ratio<1l,
/// 1000000000l> >" -> "std::chrono::nanoseconds", the long spelling of std::string -> std::string.
std::string readable_type_names(std::string text);

/// A GoogleTest failure ("path:line\nmessage...") with the path shortened, at most `max` lines.
std::string tidy_failure(const Workspace& ws, const std::string& failure, std::size_t max = 20);

/// Is this path one of the student's files (inside the stage folder)?
bool is_student_path(const Workspace& ws, const std::string& path);

/// Line `line` of a file, trimmed, or empty.
std::string source_line(const std::string& path, int line);

/// ": `code`" quoting line `line` of a file after a file:line, or empty when the line is unknown.
std::string quoted_source(const std::string& path, int line);

/// Summarises gdb's "thread apply all bt" output: for each thread, its innermost frame in the
/// student's code, with what the thread waits on.
std::vector<std::string> summarise_backtraces(const Workspace& ws, const std::string& text);

/// The frame of an access to show: the first in the student's files, else the innermost.
const SanitizerFrame* student_frame(const Workspace& ws, const SanitizerAccess& a);

/// A TSan access: "Read of size 8 by thread T3 in Counter::value() at 01-counter/counter.hpp:17:
/// `code`".
std::string describe_access(const Workspace& ws, const SanitizerAccess& a);

/// An ASan/UBSan access or site: "READ of size 8 by thread T3 in Queue::pop() at
/// 04-producer-consumer/bounded_queue.hpp:77: `code`".
std::string describe_asan_access(const Workspace& ws, const SanitizerAccess& a);

/// The student's file and line of an access, for the JSON report.
nlohmann::json access_json(const Workspace& ws, const SanitizerAccess& a);

/// The first line of `text` containing `needle`, trimmed, or empty.
std::string first_line_with(const std::string& text, const std::string& needle);

/// "3 of 10 tests pass".
std::string count_tests(int passed, int total);

/// A process's wall time in seconds.
double seconds_of(const ProcessOutcome& p);

}  // namespace interleave
