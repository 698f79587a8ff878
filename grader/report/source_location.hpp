#pragma once
/// Finds where in the repository a check points: the student's file and line named by a compiler
/// error, a ThreadSanitizer access, a hung thread's frame or a failed assertion.

#include "report/report.hpp"

#include <optional>
#include <string>

namespace interleave {

struct SourceLocation {
    std::string file;  ///< as the grader shows it: "01-counter/counter.hpp", "harness/..."
    int line = 0;
    int column = 0;
};

/// The most useful location of a check: the first compiler error in `data.errors`, else the
/// first "path:line" in the details or message that names a student file, else the first that
/// names any source file. nullopt when nothing names a source file.
std::optional<SourceLocation> find_location(const CheckResult& check);

/// The path of `shown` inside the repository, for a report of `source` ("exercises",
/// "solutions", a --source folder): student files ("01-counter/x.hpp") live under the source
/// folder, everything else ("harness/...") is already relative to the repository. An absolute
/// source folder inside `workspace` (the checkout, e.g. $GITHUB_WORKSPACE) is made relative to it.
std::string repository_path(const std::string& shown, const std::string& source,
                            const std::string& workspace = "");

}  // namespace interleave
