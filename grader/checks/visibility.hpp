#pragma once
/// Hidden tests: exercise.yaml's `checks.tests.hidden` names tests whose results count towards
/// the score but whose names and messages a student never sees. Reports carry only "N hidden
/// tests failed"; the JSON's per-test list marks them `"visibility": "hidden"` so a platform
/// (Gradescope) can show them to instructors only.

#include "checks/checks.hpp"

#include <string>
#include <vector>

namespace interleave {

/// Shown wherever a hidden test's name would have appeared.
inline constexpr const char* kHiddenTestLabel = "[hidden test]";

/// Whether `test` ("Suite.Test") matches a pattern: an exact name, or a prefix ending in '*'.
bool is_hidden_test(const std::string& test, const std::vector<std::string>& patterns);

/// Rewrites a check judged from `run` (the "tests" or "tsan" check) so that no hidden test's
/// name or failure message remains in its message, details or data. For the tests check it also
/// adds data["tests"] (every test with "visibility": "visible" or "hidden") and
/// data["hidden_failed"]. Does nothing when `patterns` is empty.
void apply_test_visibility(CheckResult& check, const TestBinaryRun& run,
                           const std::vector<std::string>& patterns);

}  // namespace interleave
