#pragma once
/// What a student's source says about how it means to be graded, read before it is compiled:
/// code that changes its behaviour under a sanitizer, reaches into the process's own /proc
/// entries or the grader's channels, starts processes, runs before main() or hides in inline
/// assembly. None of it is needed to solve a kata; each is evidence for the people who trust
/// the score (tamper flags), never a penalty. An #include that leaves the kata's folder is
/// different: it could pull in the reference solution, so the build refuses it.

#include <string>
#include <vector>

namespace interleave {

struct SourceFinding {
    std::string file;  ///< as shown to the student, "01-counter/counter.hpp"
    int line = 0;
    std::string what;  ///< "tests for a sanitizer build (__SANITIZE_THREAD__)"
    /// An #include that reaches outside the kata's folder: the build fails on it.
    bool forbidden_include = false;
};

/// Scans one student file (its text, and its name as shown). Comments are ignored; string
/// literals are not (a path is written in one).
std::vector<SourceFinding> scan_student_source(const std::string& shown_name,
                                               const std::string& text);

}  // namespace interleave
