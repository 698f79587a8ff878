// The GitHub Classroom autograding result: `result=<base64 of JSON>`, the step output that
// github-education-resources/autograding-grading-reporter decodes (it reads `max_score` and each
// test's `name`, `status`, `score` and `message`: src/notify-classroom.js, src/console-results.js).
// The test fields match what the official runners emit: github-education-resources/
// autograding-command-grader src/main.js and classroom-resources/autograding-python-grader
// (version 1; tests with name, status, score, message, test_code, filename, line_no and
// duration in milliseconds).
#include "report/reporter.hpp"
#include "source_location.hpp"

#include <fmt/format.h>
#include <yaml-cpp/binary.h>

#include <cmath>

namespace interleave {

namespace {

/// The runners know three statuses; a check that was not run earned nothing, so it is "fail".
std::string classroom_status(CheckStatus s) {
    switch (s) {
        case CheckStatus::pass:
            return "pass";
        case CheckStatus::error:
            return "error";
        case CheckStatus::fail:
        case CheckStatus::skipped:
            return "fail";
        case CheckStatus::pending:
            return "pass";  // never sent: classroom_payload leaves pending checks out
    }
    return "error";
}

nlohmann::json classroom_payload(const GradeReport& report, const std::string& workspace) {
    bool any_error = false;
    bool any_fail = false;
    nlohmann::json tests = nlohmann::json::array();
    for (const auto& k : report.katas) {
        for (const auto& c : k.checks) {
            // A manually graded part is neither passed nor failed, and max_score (the automatic
            // total) leaves its points out: the runner would count it as lost.
            if (c.status == CheckStatus::pending || c.disabled) continue;
            // A check worth no points (build) that did not fail is left out too: the reporter's
            // job log counts passed tests over all tests, and a free pass would inflate it. A
            // failed build stays: it points at the student's line.
            if (c.max_score <= 0 && c.status != CheckStatus::fail && c.status != CheckStatus::error)
                continue;
            const std::string status = classroom_status(c.status);
            any_error = any_error || status == "error";
            any_fail = any_fail || status == "fail";
            std::string message = c.message;
            for (const auto& d : c.details) message += "\n" + d;
            const auto where = find_location(c);
            tests.push_back(nlohmann::json{
                {"name", fmt::format("{} {}", k.folder, c.name)},
                {"status", status},
                {"score", c.score},
                {"message", message},
                {"test_code", fmt::format("./kata grade {}", k.id)},
                {"filename", where ? repository_path(where->file, report.source, workspace) : ""},
                {"line_no", where ? where->line : 0},
                {"duration", std::llround(c.seconds * 1000)}});
        }
    }
    return nlohmann::json{{"version", 1},
                          {"status", any_error  ? "error"
                                     : any_fail ? "fail"
                                                : "pass"},
                          {"max_score", report.max_score},
                          {"tests", tests}};
}

class ClassroomReporter final : public Reporter {
  public:
    explicit ClassroomReporter(ReporterContext context) : context_(std::move(context)) {}

    void render(const GradeReport& report, std::ostream& out) const override {
        const auto workspace = context_.env ? context_.env("GITHUB_WORKSPACE") : std::nullopt;
        const std::string json =
            classroom_payload(report, workspace.value_or(""))
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        out << "result="
            << YAML::EncodeBase64(reinterpret_cast<const unsigned char*>(json.data()), json.size())
            << "\n";
    }

  private:
    ReporterContext context_;
};

}  // namespace

std::unique_ptr<Reporter> make_classroom_reporter(ReporterContext context) {
    return std::make_unique<ClassroomReporter>(std::move(context));
}

}  // namespace interleave
