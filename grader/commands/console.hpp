#pragma once
/// The terminal rules the commands share, as pure functions of what was detected, so that
/// tests can check them: colours only on a terminal and only without NO_COLOR; progress lines
/// only on a terminal.

#include "grade/grade.hpp"

#include <ostream>

namespace interleave {

/// Colours when the output is a terminal and NO_COLOR is unset (`no_color`: its value, or
/// nullptr). Any value of NO_COLOR, even empty, turns colours off, as for `kata grade`.
bool colour_wanted(bool output_is_terminal, const char* no_color);

/// A progress function that rewrites one status line on `err`, or an empty function (no
/// output at all) when `err` is not a terminal.
ProgressFn progress_to(bool err_is_terminal, std::ostream& err);

}  // namespace interleave
