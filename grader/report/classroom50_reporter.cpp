// result.json in the classroom50/result/v1 schema that the Classroom 50 runner collects
// (foundation50/classroom50, wiki "Advanced Autograding": the result.json contract; the
// collector checks the "schema" sentinel). Top-level keys: schema, classroom, assignment,
// submission, commit, release, review, datetime, score, max-score, tests; each test has
// test-name, passed, score and max-score. Scores are whole points: each check's score is
// rounded, and the totals are the sums of the rounded values. `datetime` is COMMIT_DATETIME
// (the graded commit's committer date) when set. Checks switched off are left out.
#include "report/reporter.hpp"

#include <fmt/format.h>

#include <cmath>

namespace interleave {

namespace {

class Classroom50Reporter final : public Reporter {
  public:
    explicit Classroom50Reporter(ReporterContext context) : context_(std::move(context)) {}

    void render(const GradeReport& report, std::ostream& out) const override {
        nlohmann::json tests = nlohmann::json::array();
        long long score = 0;
        long long max_score = 0;
        for (const auto& k : report.katas) {
            for (const auto& c : k.checks) {
                // A manually graded part is left out: max-score is the automatic total, and a
                // test that did not pass would read as points lost.
                if (c.status == CheckStatus::pending || c.disabled) continue;
                const long long s = std::llround(c.score);
                const long long m = std::llround(c.max_score);
                score += s;
                max_score += m;
                tests.push_back(
                    nlohmann::json{{"test-name", fmt::format("{} {}", k.folder, c.name)},
                                   {"passed", c.status == CheckStatus::pass},
                                   {"score", s},
                                   {"max-score", m}});
            }
        }
        const std::string commit = commit_url();
        nlohmann::json doc{
            {"schema", "classroom50/result/v1"},
            {"classroom", env_or("CLASSROOM", "local")},
            {"assignment", env_or("ASSIGNMENT", report.course)},
            {"submission", env_or("SUBMISSION_TAG", "local")},
            {"commit", commit},
            {"release", env_or("RELEASE_URL", commit)},
            {"review", env_or("REVIEW_URL", commit)},
            // The graded commit's date (the same on every regrade, which is
            // what lateness is judged on); the time of writing only without it.
            {"datetime",
             env_or("COMMIT_DATETIME", context_.now_utc ? context_.now_utc() : std::string())},
            {"score", score},
            {"max-score", max_score},
            {"tests", tests}};
        out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }

  private:
    std::string env_or(const std::string& name, const std::string& fallback) const {
        const auto v = context_.env ? context_.env(name) : std::nullopt;
        return v && !v->empty() ? *v : fallback;
    }

    /// $COMMIT_URL, else the commit page built from GitHub's variables, else "local".
    std::string commit_url() const {
        const std::string repo = env_or("GITHUB_REPOSITORY", "");
        const std::string sha = env_or("GITHUB_SHA", "");
        const std::string built =
            repo.empty() || sha.empty()
                ? "local"
                : fmt::format("{}/{}/commit/{}", env_or("GITHUB_SERVER_URL", "https://github.com"),
                              repo, sha);
        return env_or("COMMIT_URL", built);
    }

    ReporterContext context_;
};

}  // namespace

std::unique_ptr<Reporter> make_classroom50_reporter(ReporterContext context) {
    return std::make_unique<Classroom50Reporter>(std::move(context));
}

}  // namespace interleave
