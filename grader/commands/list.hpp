#pragma once
/// `kata list`: every kata in course order with its status, last score and next check.

#include "commands/context.hpp"
#include "commands/state.hpp"
#include "commands/stub_source.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace interleave {

struct ListRow {
    std::string folder;
    std::string title;
    /// "not started", "not checked yet", "failing", "passing",
    /// or "stale (changed since last check)".
    std::string status;
    std::string last_score;  ///< "60/100", or "-" when never graded
    std::string next;        ///< the next check to pass, "-" when done
    bool current = false;    ///< the kata `kata check` grades by default
};

/// Builds the rows from the state and the files on disk; pure apart from reading files.
std::vector<ListRow> list_rows(const Course& course, const StudentState& state, StubSource& stubs,
                               const std::filesystem::path& exercises_root);

/// The table, one line per kata, the current one marked with '>'.
void render_list(const std::vector<ListRow>& rows, std::ostream& out);

int run_list(const CommandContext& ctx, StubSource& stubs);

}  // namespace interleave
