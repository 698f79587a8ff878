#pragma once
/// What a student's source says about how it means to be graded, read before it is compiled:
/// code that changes its behaviour under a sanitizer, reaches into the process's own /proc
/// entries or the grader's channels, starts processes, runs before main() or hides in inline
/// assembly. None of it is needed to solve a kata; each is evidence for the people who trust
/// the score (tamper flags), never a penalty. Three things are different, and the build refuses
/// them: an #include that leaves the kata's folder (it could pull in the reference solution),
/// an #include of a test framework, and a #define or #undef of the macros the harness's checks
/// are made of (EXPECT_*, ASSERT_*, TEST, EXPLORE_*, ...): each can change what the tests assert.

#include <string>
#include <vector>

namespace interleave {

struct SourceFinding {
    std::string file;  ///< as shown to the student, "01-counter/counter.hpp"
    int line = 0;
    std::string what;  ///< "tests for a sanitizer build (__SANITIZE_THREAD__)"
    /// Refused: the build fails on it (an #include outside the kata's folder or of a test
    /// framework, a redefinition of a test macro).
    bool forbidden_include = false;
};

/// Scans one student file (its text, and its name as shown). Comments are ignored; string
/// literals are not (a path is written in one).
std::vector<SourceFinding> scan_student_source(const std::string& shown_name,
                                               const std::string& text);

}  // namespace interleave
