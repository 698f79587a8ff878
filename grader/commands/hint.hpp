#pragma once
/// `kata hint [KATA]`: the kata's hints from exercise.yaml, one more each time it is asked.

#include "commands/context.hpp"
#include "commands/state.hpp"

#include <string>

namespace interleave {

/// Shows one more hint of `e` (recording it in `state`) and returns the text to print: every
/// hint shown so far, numbered, or a note that there are no (more) hints.
std::string next_hint(StudentState& state, const Exercise& e);

/// KATA empty: the current kata.
int run_hint(const CommandContext& ctx, const std::string& kata);

}  // namespace interleave
