#pragma once
/// The manually graded part of a kata (exercise.yaml checks.manual, e.g. DESIGN.md). The grader
/// never scores it: it reports the check as pending, with what a person grading it first wants
/// to know (is the file there, how long is it, is it still the template).

#include "course/course.hpp"
#include "report/report.hpp"

#include <optional>
#include <string>

namespace interleave {

/// Words in `text`: whitespace-separated tokens holding at least one letter or digit.
int count_words(const std::string& text);

/// How many times the template's placeholder is still in `text` (0 when it is empty).
int count_placeholders(const std::string& text, const std::string& placeholder);

/// The pending check of `spec` for the student's file, `text` (nullopt when it is missing).
/// Status is always CheckStatus::pending, score 0 and max_score spec.points; data holds file,
/// words, placeholders and `template` (true when the file is empty or still holds a
/// placeholder, so the person grading it sees that nothing was written).
CheckResult judge_manual(const ManualSpec& spec, const std::optional<std::string>& text);

}  // namespace interleave
