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

/// One graded check of one kata (build, tests, tsan, timing).
struct CheckResult {
    std::string name;
    CheckStatus status = CheckStatus::skipped;
    double score = 0;
    double max_score = 0;
    /// One or a few lines a student reads first.
    std::string message;
    /// Longer evidence: failing assertions, race summaries, compiler errors, ratios.
    std::vector<std::string> details;
    /// Machine-readable extras (per-test results, full TSan reports, measured ratios).
    nlohmann::json data = nlohmann::json::object();
    double seconds = 0;
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

    const CheckResult* find(const std::string& check) const;
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
};

/// Fills in the totals of a kata from its checks, and of the report from its katas. Pending
/// checks add to pending_points only.
void total_up(KataReport& kata);
void total_up(GradeReport& report);

}  // namespace interleave
