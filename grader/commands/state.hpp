#pragma once
/// A student's progress, remembered between runs in build/state.json: for each kata the last
/// score, the next check to pass, the content hash of the student files when it was last
/// graded, and how many hints were shown.

#include "course/course.hpp"
#include "report/report.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace interleave {

/// The suffix of KataProgress::next_check for a check that was not run ("tsan (not run)").
inline constexpr const char* kNotRun = " (not run)";

struct KataProgress {
    bool graded = false;  ///< false until a grade of exercises/ covered this kata
    double score = 0;
    double max_score = 0;
    std::string hash;        ///< hash_student_files() at the time of the last grade
    std::string next_check;  ///< the first check without full points; empty at full marks
    int hints_shown = 0;

    bool full_marks() const { return graded && max_score > 0 && score >= max_score; }
};

struct StudentState {
    std::map<std::string, KataProgress> katas;  ///< by kata id
};

/// PROJECT/build/state.json.
std::filesystem::path state_file(const std::filesystem::path& project);

/// Reads the state file; an absent file is an empty state. A corrupt file throws
/// std::runtime_error naming it (and how to start afresh).
StudentState load_state(const std::filesystem::path& file);

/// Writes the state file atomically (a temporary file renamed over it).
void save_state(const std::filesystem::path& file, const StudentState& state);

/// The lock file beside the state file ("state.json.lock"), taken by update_state().
std::filesystem::path state_lock_file(const std::filesystem::path& file);

/// Loads the state file, applies `change` and saves it, all under an exclusive lock on
/// state_lock_file(file): `kata watch` in one terminal and `kata check` in another never lose
/// each other's update. The lock is held only for this read-modify-write (never during a
/// grade), so a command that runs beside a grade waits at most a few milliseconds. Throws
/// what load_state and save_state throw; when `change` throws, nothing is saved.
void update_state(const std::filesystem::path& file,
                  const std::function<void(StudentState&)>& change);

/// The student files of a kata under `exercises_root`/NN-name/, as relative paths
/// ("01-counter/counter.hpp") in the order exercise.yaml lists them.
std::vector<std::string> student_paths(const Exercise& e);

/// A content hash of the kata's student files (names and bytes; a missing file counts as
/// missing, not as empty). Stable across runs and machines.
std::string hash_student_files(const Exercise& e, const std::filesystem::path& exercises_root);

/// The name of the first check of `kata` that did not earn all its points ("tests", "tsan",
/// "timing", or "build" when it does not compile); empty at full marks.
std::string next_check(const KataReport& kata);

/// Records every kata of a grade of exercises/ into `state`, keeping the hint counts.
void record_grade(StudentState& state, const GradeReport& report, const Course& course,
                  const std::filesystem::path& exercises_root);

/// Whether the kata's files are unchanged since a grade that gave full marks.
bool done(const StudentState& state, const Exercise& e,
          const std::filesystem::path& exercises_root);

/// The current kata: the first in course order that is not done(); nullptr when all are.
const Exercise* current_kata(const Course& course, const StudentState& state,
                             const std::filesystem::path& exercises_root);

/// Finds a kata by id or folder; throws std::invalid_argument naming the known ones.
const Exercise& find_kata(const Course& course, const std::string& name,
                          const std::string& command);

}  // namespace interleave

namespace interleave {

/// The hook after a grade of exercises/: loads PROJECT/build/state.json, records the report,
/// saves it. Never throws: a problem is a warning on stderr (grading already succeeded).
void remember_grade(const std::filesystem::path& project, const Course& course,
                    const GradeReport& report);

}  // namespace interleave
