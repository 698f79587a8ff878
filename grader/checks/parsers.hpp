#pragma once
/// Readers for what the tools write: GoogleTest JSON, the harness's progress file, Google
/// Benchmark JSON, ThreadSanitizer reports and compiler diagnostics. Pure functions of text.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace interleave {

// ---- GoogleTest --------------------------------------------------------------------------

struct TestCaseResult {
    std::string name;  ///< "Suite.Test"
    bool passed = false;
    bool skipped = false;
    std::vector<std::string> failures;  ///< each "file:line\nmessage"
};

struct TestRunSummary {
    std::vector<TestCaseResult> tests;
    int passed() const;
    int failed() const;
};

/// Parses the file written by --gtest_output=json:PATH. Throws std::runtime_error when the
/// text is not GoogleTest's JSON.
TestRunSummary parse_gtest_json(const std::string& text);

/// Parses --gtest_list_tests --gtest_output=json output into test names, in order.
std::vector<std::string> parse_gtest_list(const std::string& text);

/// The results channel as the harness writes it (harness/support/result_channel.hpp): lines
/// "<token> <record>", and blocks "<token> block <name> <size>" followed by size bytes.
struct ChannelContent {
    std::vector<std::string> records;  ///< the records that carried the token, without it
    std::vector<std::pair<std::string, std::string>> blocks;  ///< name, payload
    /// Lines without the token (written by something other than the harness): the first few,
    /// each cut to 200 bytes, and how many there were.
    std::vector<std::string> foreign;
    std::size_t foreign_count = 0;
};

/// Splits what arrived on the channel; `token` is the one the grader gave the binary.
ChannelContent read_channel(const std::string& text, const std::string& token);

/// The harness's results stream (harness/support/test_main.cpp): which tests started, ended
/// (pass/fail) or hung, as the test binary told the grader while it ran.
struct Progress {
    std::map<std::string, bool> ended;  ///< test -> passed, from its first "end" record
    std::vector<std::string> started;   ///< in order
    std::optional<std::string> hung;    ///< set by the watchdog
    /// Why std::terminate was called ("uncaught exception std::runtime_error: boom"), from the
    /// harness's terminate handler.
    std::optional<std::string> abort_reason;
    bool begun = false;     ///< the harness's main() started ("begin")
    bool finished = false;  ///< every test was done ("finished")
    /// Tests with a second "end" record that contradicts the first: counted as failed.
    std::set<std::string> disputed;
    /// Records that break the protocol (before "begin", after "finished", an "end" of a test
    /// that is not running, a line the harness never writes): ignored, and kept as evidence.
    std::vector<std::string> violations;
    /// The last test that started and never ended, if any.
    std::optional<std::string> running() const;
};

/// Reads the results stream's records (one per line, token removed). Only the sequence the
/// harness writes counts: begin, then for each test "start T" and one "end T pass|fail" (or
/// "hung T"), then finished. Never throws.
Progress parse_progress(const std::string& records);

/// The results stream of a test binary: its records as parse_progress reads them, and each line
/// without the token as a violation.
Progress parse_progress(const ChannelContent& channel);

// ---- Google Benchmark --------------------------------------------------------------------

struct BenchmarkSamples {
    std::vector<double> real_time_ns;
    std::vector<double> cpu_time_ns;
    std::map<std::string, std::vector<double>> counters;
    /// The error messages of repetitions that stopped with state.SkipWithError() (the harness
    /// does so when the student's code misbehaves): such a repetition adds no sample.
    std::vector<std::string> errors;
};

/// Parses --benchmark_out JSON: the repetitions (run_type "iteration") grouped by run_name,
/// times converted to nanoseconds. Throws std::runtime_error on malformed input.
std::map<std::string, BenchmarkSamples> parse_benchmark_json(const std::string& text);

/// Smallest, largest and middle value; 0 for an empty series.
double minimum(const std::vector<double>& v);
double maximum(const std::vector<double>& v);
double median(std::vector<double> v);

// ---- ThreadSanitizer ---------------------------------------------------------------------

struct SanitizerFrame {
    std::string function;
    std::string file;
    int line = 0;
};

struct SanitizerAccess {
    std::string what;    ///< "Write of size 8", "Previous read of size 4", ...
    std::string thread;  ///< "T2", "main thread"
    std::vector<SanitizerFrame> frames;
};

struct SanitizerReport {
    std::string
        kind;  ///< "data race", "heap-use-after-free", "lock-order-inversion (potential deadlock)"
    std::string summary;  ///< the SUMMARY line without its prefix
    std::vector<SanitizerAccess> accesses;
    std::string text;  ///< the full report
};

/// Every "WARNING: ThreadSanitizer: ..." block in `text`.
std::vector<SanitizerReport> parse_tsan_reports(const std::string& text);

// ---- Compiler diagnostics ----------------------------------------------------------------

struct Diagnostic {
    std::string file;
    int line = 0;
    int column = 0;
    std::string message;
};

/// The "file:line:col: error: message" lines of GCC/Clang output, in order.
std::vector<Diagnostic> parse_compiler_errors(const std::string& text);

}  // namespace interleave

namespace interleave {

// ---- AddressSanitizer / UndefinedBehaviorSanitizer ---------------------------------------

/// Every "ERROR: AddressSanitizer: ...", "ERROR: LeakSanitizer: ..." and "runtime error: ..."
/// (UndefinedBehaviorSanitizer) report in `text`. `kind` is the error kind
/// ("heap-use-after-free", "stack-use-after-return", "undefined behaviour: signed integer
/// overflow"); `accesses` holds, in order, the bad access ("READ of size 8"), then "freed" and
/// "allocated" sites when ASan names them, each with its stack frames that have a file:line.
std::vector<SanitizerReport> parse_asan_reports(const std::string& text);

}  // namespace interleave
