#pragma once
/// The course model: course.yaml and every exercise.yaml, validated into plain value types.
/// See docs/exercise-yaml.md for every field and its default.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace interleave {

/// A metadata problem. what() reads "FILE:LINE: FIELD: problem".
class MetadataError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct Comparison {
    std::string name;
    std::string student;
    std::string baseline;  ///< empty when `counter` is used
    std::string counter;   ///< empty when `baseline` is used
    std::string metric = "real_time";
    double full_credit_ratio = 0;
    double zero_credit_ratio = 0;
    /// A counter of the student benchmark that needs no free cores: one call's cost from a
    /// single thread against the baseline's. When the machine is too busy to judge this
    /// comparison (min_free_cores) and the counter's median is at or past zero_credit_ratio, the
    /// design costs as much as the baseline even alone: the comparison is judged (no credit,
    /// with the advice), not left inconclusive. Empty: not measured.
    std::string uncontended_counter;
};

/// checks.timing.must_show: an effect a bad design suffers from (false sharing, contention)
/// that the machine must show in the same run for full credit to prove anything. The benchmark
/// measures it with a probe of its own (a harness-written version that suffers from it) and
/// reports the probe's time on the comparison's scale (over the same yardstick) as a counter.
struct MachineEffect {
    std::string counter;  ///< a user counter of every compared student benchmark
    double at_least = 0;  ///< the effect shows when the counter's median is at least this
    std::string effect;   ///< for messages: "false sharing (two cores writing one cache line)"
};

struct TimingSpec {
    int points = 0;
    int repetitions = 10;
    double min_time = 0.1;
    std::string statistic = "min";
    double max_spread = 0.5;
    /// When above 0, every compared student benchmark reports a `free_cores` counter (the cores
    /// its threads could really use, kata::free_cores); a run whose median is below this is
    /// not judged unless it earned full credit: a busy machine, not the solution, set its ratio.
    double min_free_cores = 0;
    /// Effects the run must show (see MachineEffect) for full credit to prove anything: when
    /// one did not show, full credit stands but is marked unproven. A miss is judged as usual
    /// (a hidden effect only ever makes a design look faster).
    std::vector<MachineEffect> must_show;
    std::vector<Comparison> comparisons;
    std::string advice;
};

/// checks.manual: a part a person grades (e.g. DESIGN.md). The grader reports it as pending,
/// with its points outside the automatic total.
struct ManualSpec {
    int points = 0;
    std::string file;   ///< one of the kata's student_files
    std::string title;  ///< what the grader reads it for, shown in reports
    /// Text the template leaves where an answer goes; a file still holding it is flagged.
    std::string placeholder = "_Your answer._";
    /// The check's name in reports: the file's stem in lower case ("design").
    std::string check_name() const;
};

/// checks.explore: the search for a schedule that breaks the student's code (harness/explore/).
struct ExploreSpec {
    int points = 0;
    /// Wall-time budget of the whole search, shared by the kata's scenarios.
    double seconds = 8;
    /// Most schedules per scenario.
    int runs = 2000;
};

/// checks.predict: a kata whose student predicts, without running them, every outcome of the
/// harness's small programs (harness/NN-name/*_explore.cpp, scenarios with EXPLORE_OBSERVE);
/// the explorer enumerates every interleaving to find the true sets. Answers are read, never
/// run: such a kata has no tests check.
struct PredictSpec {
    int points = 0;
    /// The student file (YAML) holding the predictions, one of student_files.
    std::string answers = "answers.yaml";
    /// Wall-time budget of the enumeration, and most schedules per program.
    double seconds = 30;
    int runs = 200000;
    /// Real runs of each litmus test (EXPLORE_LITMUS, the `<id>_stress` binary) whose outcome
    /// counts are shown beside the prediction; 0: none.
    int stress_runs = 200000;
};

struct Exercise {
    std::string id;
    std::string folder;  ///< "01-counter"
    std::string title;
    std::string summary;
    std::vector<std::string> student_files;
    double timeout_seconds = 120;
    double test_timeout_seconds = 20;
    int tsan_stress_scale = 25;
    std::optional<int> tests_points;
    std::optional<int> tsan_points;
    std::optional<TimingSpec> timing;
    std::vector<std::string> hints;
    std::filesystem::path yaml_path;
    /// Points of the AddressSanitizer + UndefinedBehaviorSanitizer check (`checks.asan`).
    std::optional<int> asan_points;
    /// checks.explore: harness/NN-name/*_explore.cpp scenarios run under controlled schedules.
    std::optional<ExploreSpec> explore;
    /// checks.tests.hidden: GoogleTest names ("Suite.Test") or prefixes ("Suite.Prefix*") whose
    /// results are reported only as a count; their sources live in harness/NN-name/hidden/.
    std::vector<std::string> hidden_tests;
    /// checks.tests.uses_every_core: the tests keep every core busy (stress tests whose threads
    /// must run at once), so the sanitizer trees compile after them, not beside them.
    bool tests_use_every_core = false;
    /// checks.predict: the outcomes of the harness's programs, predicted in a YAML file.
    std::optional<PredictSpec> predict;
    /// checks.manual, graded by hand; not part of max_points().
    std::optional<ManualSpec> manual;

    int max_points() const;
};

struct Course {
    std::string title;
    std::filesystem::path root;
    std::vector<Exercise> exercises;  ///< in course order
    /// course.yaml `instructor_only`: globs (relative to the root) that `kata export` leaves out,
    /// besides solutions/, tests/mutants/ and harness/*/hidden/, which it always leaves out.
    std::vector<std::string> instructor_only{"docs/instructors.md", "tests/tools",
                                             ".github/workflows/ci.yml",
                                             ".github/workflows/review.yml", ".ci"};
    /// course.yaml `verify.safety_factor`: the smallest timing margin `kata verify` accepts.
    double verify_safety_factor = 1.1;

    /// Finds a kata by id ("counter") or folder name ("01-counter"); nullptr when unknown.
    const Exercise* find(const std::string& id_or_folder) const;
};

/// Loads ROOT/course.yaml and every ROOT/exercises/NN-name/exercise.yaml.
/// Throws MetadataError naming the file, line and field of the first problem.
Course load_course(const std::filesystem::path& root);

/// Loads one exercise.yaml; `folder` is the kata folder's name. Defaults come from the course.
Exercise load_exercise(const std::filesystem::path& yaml_path, const std::string& folder,
                       const Exercise& defaults);

/// What a mutant must do: tests/mutants/<id>/<bug>/expect.yaml.
struct MutantExpectation {
    std::string description;
    std::vector<std::string> fails;
    std::vector<std::string> may_fail;
};

MutantExpectation load_mutant_expectation(const std::filesystem::path& yaml_path);

}  // namespace interleave
