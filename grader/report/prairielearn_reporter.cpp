// PrairieLearn's external grading results.json (prairielearn.readthedocs.io, "External
// Grading", grading results): gradable, score in [0, 1], message, output and tests, each with
// name, description, points, max_points, message and output. "gradable" is false when the
// submission could not be graded: the grader itself could not run (an installation problem),
// or the student's code does not compile, which PrairieLearn then does not charge as an
// attempt (the output still shows the compiler's errors). A later check that this host could
// not run (ThreadSanitizer that cannot start in the container, say) leaves the submission
// gradable: that check is shown with no points either way and is out of the score's maximum,
// as a check the course switched off is.
#include "report/reporter.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace interleave {

namespace {

class PrairieLearnReporter final : public Reporter {
  public:
    void render(const GradeReport& report, std::ostream& out) const override {
        bool gradable = true;
        nlohmann::json tests = nlohmann::json::array();
        std::string output;
        double host_max = 0;    // points of checks this host could not run
        double host_score = 0;  // ... and what the report counted of them
        for (const auto& k : report.katas) {
            for (const auto& c : k.checks) {
                const bool grader_could_not_run =
                    c.infrastructure && (c.is(CheckKind::build) || c.is(CheckKind::tests));
                if (grader_could_not_run) gradable = false;
                if (c.is(CheckKind::build) && c.status == CheckStatus::fail) gradable = false;
                std::string details;
                for (const auto& d : c.details) details += (details.empty() ? "" : "\n") + d;
                // A check shown with no points either way, and why (`label`).
                auto without_points = [&](const std::string& label, const std::string& shown) {
                    tests.push_back(nlohmann::json{{"name", fmt::format("{} {}", k.folder, c.name)},
                                                   {"description", k.title},
                                                   {"points", 0},
                                                   {"max_points", 0},
                                                   {"message", label + ": " + c.message},
                                                   {"output", shown}});
                    output += fmt::format("{} {}: {}  {}\n", k.folder, c.name, label, c.message);
                };
                if (c.infrastructure && !grader_could_not_run) {
                    // The host could not run it: out of the score's maximum, as if switched off.
                    host_max += c.max_score;
                    host_score += c.score;
                    without_points("not graded on this host", "");
                    continue;
                }
                if (c.disabled) {
                    // Switched off by the course: out of the total, shown with no points.
                    without_points("switched off", details);
                    continue;
                }
                if (c.status == CheckStatus::pending) {
                    // Graded by hand: no points either way here (score is the automatic total).
                    without_points(
                        fmt::format("pending manual review ({:.4g} points)", c.max_score), details);
                    continue;
                }
                tests.push_back(nlohmann::json{{"name", fmt::format("{} {}", k.folder, c.name)},
                                               {"description", k.title},
                                               {"points", c.score},
                                               {"max_points", c.max_score},
                                               {"message", c.message},
                                               {"output", details}});
                output += fmt::format("{} {}: {} {:.4g}/{:.4g}  {}\n", k.folder, c.name,
                                      to_string(c.status), c.score, c.max_score, c.message);
            }
        }
        for (const auto& n : report.notes) output += "note: " + n + "\n";
        const double score = report.score - host_score;
        const double max_score = report.max_score - host_max;
        const double fraction = max_score > 0 ? std::clamp(score / max_score, 0.0, 1.0) : 0.0;
        nlohmann::json doc{{"gradable", gradable},
                           {"score", fraction},
                           {"message", fmt::format("{}: {:.4g}/{:.4g} ({:.0f}%)", report.course,
                                                   score, max_score, fraction * 100)},
                           {"output", output},
                           {"tests", tests}};
        out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
};

}  // namespace

std::unique_ptr<Reporter> make_prairielearn_reporter() {
    return std::make_unique<PrairieLearnReporter>();
}

}  // namespace interleave
