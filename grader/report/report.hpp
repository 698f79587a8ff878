#pragma once
/// The grade report: a plain value produced once by the scorer and only read afterwards.
/// Reporters render it; nothing downstream recomputes a score.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace interleave {

/// `pending`: a manually graded part (checks.manual); its points are neither earned nor lost
/// until a person grades it, so totals leave them out (KataReport::pending_points).
enum class CheckStatus { pass, fail, error, skipped, pending };

/// "pass", "fail", "error", "skipped", "pending": the spelling used in every report format.
std::string to_string(CheckStatus status);

/// The automatic checks, in the order a kata runs them (a manual check is named by its
/// exercise.yaml instead).
enum class CheckKind { build, tests, tsan, explore, asan, timing, predict };

/// "build", "tests", "tsan", "explore", "asan", "timing", "predict": the check's name in every
/// report format.
const char* check_name(CheckKind kind);

/// One timing comparison as judged: the measured ratio against its thresholds.
struct TimingComparison {
    std::string name;
    double ratio = 0;
    double full_credit_ratio = 0;
    double zero_credit_ratio = 0;
    double fraction = 0;               ///< share of the comparison's points earned, 0..1
    double spread = 0;                 ///< (median - min) / min of the noisier side
    std::optional<double> free_cores;  ///< set when the kata requires free cores
};

/// A compiler error, located in the student's file where possible.
struct SourceError {
    std::string file;  ///< as shown to the student ("01-counter/counter.hpp")
    int line = 0;
    int column = 0;
    std::string message;
};

/// One graded check of one kata (build, tests, tsan, asan, timing, or a manual one).
struct CheckResult {
    std::string name;
    CheckStatus status = CheckStatus::skipped;
    double score = 0;
    double max_score = 0;
    /// One or a few lines a student reads first.
    std::string message;
    /// Longer evidence: failing assertions, race summaries, compiler errors, ratios.
    std::vector<std::string> details;
    /// Machine-readable extras passed through to the JSON report as they are (per-test results,
    /// full sanitizer reports). What the grader itself reads is typed below.
    nlohmann::json data = nlohmann::json::object();
    double seconds = 0;
    /// The grader or the machine failed (never the student): the command exits with 2.
    bool infrastructure = false;
    /// Switched off for this grade (--no-tsan, --no-asan, --no-timing: a quick loop, or a
    /// platform where the check cannot run): status skipped, and its points are out of the
    /// kata's maximum (KataReport::disabled_points) instead of lost.
    bool disabled = false;
    /// Timing: the comparisons as judged, and whether the run was too noisy to judge.
    std::vector<TimingComparison> comparisons;
    bool inconclusive = false;
    /// Timing: full credit earned in a run that did not show an effect the exercise names
    /// (checks.timing.must_show). It stands, but proves nothing about a design that suffers
    /// from that effect: verify grades such a mutant again.
    bool unproven = false;
    /// Build: the first compiler errors.
    std::vector<SourceError> errors;
    /// Evidence that the submission tried to change how it is graded (its results, the
    /// sanitizer it runs under, files outside its folder): for the people who trust the score.
    /// Every reporter shows it; it never raises a score.
    std::vector<std::string> tamper;

    bool is(CheckKind kind) const { return name == check_name(kind); }
};

struct KataReport {
    std::string id;
    std::string folder;
    std::string title;
    double score = 0;
    double max_score = 0;
    std::vector<CheckResult> checks;
    /// Points of pending (manually graded) checks: not in score or max_score.
    double pending_points = 0;
    /// Points of disabled checks: not in score or max_score.
    double disabled_points = 0;

    const CheckResult* find(const std::string& check) const;
    const CheckResult* find(CheckKind kind) const { return find(check_name(kind)); }
};

struct GradeReport {
    std::string course;
    /// What was graded: "exercises", "solutions" or the --source folder.
    std::string source;
    double score = 0;
    double max_score = 0;
    double seconds = 0;
    std::vector<KataReport> katas;
    /// Notes about the environment that affect every kata (e.g. TSan rerun under setarch -R).
    std::vector<std::string> notes;
    /// Points of every kata's pending (manually graded) checks: not in score or max_score.
    double pending_points = 0;
    /// Points of every kata's disabled checks: not in score or max_score.
    double disabled_points = 0;
};

/// Fills in the totals of a kata from its checks, and of the report from its katas. Pending
/// checks add to pending_points only, disabled ones to disabled_points only.
void total_up(KataReport& kata);
void total_up(GradeReport& report);

/// The report's percentage as every format prints it: rounded down (99.81 of 100 is not 100%),
/// 0 when there is no maximum.
double percent_of(const GradeReport& report);

/// Whether any check of the report failed because of the grader or the machine.
bool infrastructure_failed(const GradeReport& report);

}  // namespace interleave
