#include "checks/source_scan.hpp"

#include <fmt/format.h>

#include <regex>
#include <set>
#include <sstream>

namespace interleave {

namespace {

/// The text with every comment replaced by spaces (newlines kept, so lines still count).
std::string without_comments(const std::string& text) {
    std::string out = text;
    enum { code, line_comment, block_comment, string, character } state = code;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const char c = out[i];
        const char next = i + 1 < out.size() ? out[i + 1] : '\0';
        switch (state) {
            case code:
                if (c == '/' && next == '/') {
                    state = line_comment;
                    out[i] = ' ';
                } else if (c == '/' && next == '*') {
                    state = block_comment;
                    out[i] = out[i + 1] = ' ';
                    ++i;
                } else if (c == '"') {
                    state = string;
                } else if (c == '\'') {
                    state = character;
                }
                break;
            case line_comment:
                if (c == '\n') {
                    state = code;
                } else {
                    out[i] = ' ';
                }
                break;
            case block_comment:
                if (c == '*' && next == '/') {
                    out[i] = out[i + 1] = ' ';
                    ++i;
                    state = code;
                } else if (c != '\n') {
                    out[i] = ' ';
                }
                break;
            case string:
            case character:
                if (c == '\\') {
                    ++i;
                } else if ((state == string && c == '"') || (state == character && c == '\'') ||
                           c == '\n') {
                    state = code;
                }
                break;
        }
    }
    return out;
}

struct Rule {
    std::regex pattern;
    const char* what;
};

const std::vector<Rule>& rules() {
    static const std::vector<Rule> all = [] {
        const auto flags = std::regex::ECMAScript | std::regex::optimize;
        return std::vector<Rule>{
            {std::regex(R"(__SANITIZE_(THREAD|ADDRESS)__|__has_feature\s*\(\s*\w*sanitizer)",
                        flags),
             "tests for a sanitizer build: code that behaves differently under ThreadSanitizer "
             "or AddressSanitizer is not what those checks grade"},
            {std::regex(R"(/proc/)", flags),
             "reads /proc (the process's command line, environment or descriptors)"},
            {std::regex(
                 R"(\b(fork|vfork|execl|execlp|execle|execv|execvp|execvpe|posix_spawnp?|popen|system)\s*\()",
                 flags),
             "starts or replaces processes"},
            {std::regex(R"(\b(asm|__asm__|__asm)\b)", flags), "uses inline assembly"},
            {std::regex(
                 R"(__attribute__\s*\(\(\s*(constructor|destructor)|\.(pre)?init_array|\.fini_array)",
                 flags),
             "runs code before main() or after exit through a constructor attribute or a linker "
             "section"},
            {std::regex(
                 R"(KATA_RESULT|KATA_PROGRESS|TEST_PREMATURE_EXIT_FILE|gtest_output|benchmark_out|\bdup2\s*\(|\bdup3\s*\(|close_range)",
                 flags),
             "refers to the grader's channels, result files or the process's descriptors"},
        };
    }();
    return all;
}

/// An #include of a test framework's header: no student file needs one.
const std::regex& framework_include() {
    static const std::regex r(
        R"(^\s*#\s*include\s*[<"]\s*(gtest|gmock|benchmark|rapidcheck)([/.]|\s*[">]))");
    return r;
}

/// A #define or #undef of a macro the harness's checks are made of (GoogleTest's assertions and
/// test declarations, the explorer's and Google Benchmark's).
const std::regex& framework_macro() {
    static const std::regex r(
        R"(^\s*#\s*(define|undef)\s+((EXPECT|ASSERT|GTEST|GMOCK|EXPLORE|BENCHMARK|RC)_\w*|TEST|TEST_F|TEST_P|TYPED_TEST\w*|FAIL|SUCCEED|ADD_FAILURE\w*)\b)");
    return r;
}

/// An #include "..." or <...> whose path is absolute or climbs out with "..".
const std::regex& escaping_include() {
    static const std::regex r(R"(^\s*#\s*include\s*["<]\s*(/|[^">]*\.\.[/\\]))");
    return r;
}

}  // namespace

std::vector<SourceFinding> scan_student_source(const std::string& shown_name,
                                               const std::string& text) {
    std::vector<SourceFinding> found;
    std::istringstream lines(without_comments(text));
    std::string line;
    int number = 0;
    std::vector<bool> reported(rules().size(), false);
    std::set<std::string> changed_macros;
    while (std::getline(lines, line)) {
        ++number;
        if (std::regex_search(line, escaping_include())) {
            found.push_back(SourceFinding{
                shown_name, number,
                "includes a file outside the kata's folder (only the kata's own files, the "
                "harness's <kata/...> headers and the system's are allowed)",
                true});
        }
        if (std::regex_search(line, framework_include())) {
            found.push_back(SourceFinding{
                shown_name, number,
                "includes a test framework's header (GoogleTest, Google Benchmark, RapidCheck): "
                "the harness's tests are not a student file's to include or change",
                true});
        }
        std::smatch macro;
        // Once per macro and file: an #undef and the #define after it are one change.
        if (std::regex_search(line, macro, framework_macro()) &&
            changed_macros.insert(macro[2].str()).second) {
            found.push_back(SourceFinding{
                shown_name, number,
                fmt::format("redefines {}, a macro of the harness's checks: what the tests "
                            "assert is not a student file's to change",
                            macro[2].str()),
                true});
        }
        for (std::size_t r = 0; r < rules().size(); ++r) {
            if (reported[r] || !std::regex_search(line, rules()[r].pattern)) continue;
            reported[r] = true;  // once per rule and file: the first place says enough
            found.push_back(SourceFinding{shown_name, number, rules()[r].what, false});
        }
    }
    return found;
}

}  // namespace interleave
