// Every report format renders six fixed scenarios; each rendering is compared with an approved
// golden file in tests/unit/golden/<scenario>.<format>. After an intended change, regenerate
// them with INTERLEAVE_UPDATE_GOLDEN=1 and review the diff. The JSON formats are also checked
// structurally against the fields their platforms require.
#include "report/markdown_table.hpp"
#include "report/reporter.hpp"
#include "report/source_location.hpp"
#include "report_scenarios.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/binary.h>
#include <pugixml.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace interleave;

namespace {

using Env = std::map<std::string, std::string>;

ReporterContext fake_context(Env env = {}) {
    ReporterContext c;
    c.env = [env](const std::string& name) -> std::optional<std::string> {
        const auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    c.now_utc = [] { return std::string("2026-01-31T12:00:00Z"); };
    return c;
}

/// The environment a GitHub-hosted runner gives, with the checkout at scenarios::kRoot.
Env ci_env() {
    return {{"GITHUB_WORKSPACE", scenarios::kRoot},
            {"CLASSROOM", "cpp-concurrency"},
            {"ASSIGNMENT", "interleave"},
            {"SUBMISSION_TAG", "submit/2026-01-31T12-00-00Z"},
            {"COMMIT_URL", "https://github.com/example/interleave-ada/commit/0123abc"},
            {"RELEASE_URL", "https://github.com/example/interleave-ada/releases/tag/submit"}};
}

std::string render(const std::string& format, const GradeReport& report, Env env = ci_env()) {
    const auto reporter = make_reporter(format, TerminalStyle{false, false}, fake_context(env));
    if (!reporter) return "no reporter for " + format;
    std::ostringstream out;
    reporter->render(report, out);
    return out.str();
}

/// Machine-specific parts as placeholders: the absolute checkout root.
std::string normalise(std::string text) {
    for (std::size_t at = text.find(scenarios::kRoot); at != std::string::npos;
         at = text.find(scenarios::kRoot, at)) {
        text.replace(at, scenarios::kRoot.size(), "@ROOT@");
    }
    return text;
}

void expect_golden(const std::string& file, const std::string& actual) {
    const std::string path = std::string(INTERLEAVE_GOLDEN_DIR) + "/" + file;
    if (std::getenv("INTERLEAVE_UPDATE_GOLDEN") != nullptr) {
        std::ofstream(path) << actual;
        return;
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << "missing golden file " << path << " (run with INTERLEAVE_UPDATE_GOLDEN=1)";
    std::stringstream expected;
    expected << in.rdbuf();
    EXPECT_EQ(actual, expected.str()) << "rendering changed; if intended, regenerate " << path;
}

nlohmann::json decode_classroom(const std::string& text) {
    const std::string prefix = "result=";
    EXPECT_EQ(text.rfind(prefix, 0), 0u) << text;
    std::string b64 = text.substr(prefix.size());
    while (!b64.empty() && b64.back() == '\n') b64.pop_back();
    const auto bytes = YAML::DecodeBase64(b64);
    EXPECT_FALSE(bytes.empty()) << "not base64: " << b64;
    return nlohmann::json::parse(std::string(bytes.begin(), bytes.end()));
}

class Formats : public ::testing::TestWithParam<std::string> {};

TEST_P(Formats, EveryScenarioMatchesItsGolden) {
    for (const auto& s : scenarios::all()) {
        SCOPED_TRACE(s.name);
        expect_golden(s.name + "." + GetParam(), normalise(render(GetParam(), s.report)));
    }
}

INSTANTIATE_TEST_SUITE_P(ReportFormats, Formats, ::testing::ValuesIn(report_format_names()),
                         [](const auto& info) { return info.param; });

TEST(ReportFormats, EveryListedNameHasAReporter) {
    for (const auto& n : report_format_names())
        EXPECT_NE(make_reporter(n, {}, fake_context()), nullptr) << n;
    EXPECT_EQ(make_reporter("xml", {}, fake_context()), nullptr);
}

TEST(ReportFormats, ClassroomPayloadDecodesToTheRunnerSchema) {
    for (const auto& s : scenarios::all()) {
        SCOPED_TRACE(s.name);
        const auto doc = decode_classroom(render("classroom", s.report));
        EXPECT_EQ(doc.at("version"), 1);
        EXPECT_TRUE(std::set<std::string>({"pass", "fail", "error"}).count(doc.at("status")));
        ASSERT_TRUE(doc.at("max_score").is_number());
        EXPECT_DOUBLE_EQ(doc["max_score"].get<double>(), s.report.max_score);
        double sum = 0;
        for (const auto& t : doc.at("tests")) {
            for (const char* key : {"name", "status", "message", "test_code", "filename"})
                EXPECT_TRUE(t.at(key).is_string()) << key;
            for (const char* key : {"score", "line_no", "duration"})
                EXPECT_TRUE(t.at(key).is_number()) << key;
            sum += t["score"].get<double>();
        }
        EXPECT_DOUBLE_EQ(sum, s.report.score);
        EXPECT_LE(sum, doc["max_score"].get<double>());
    }
    EXPECT_EQ(decode_classroom(render("classroom", scenarios::all_pass()))["status"], "pass");
    EXPECT_EQ(decode_classroom(render("classroom", scenarios::partial()))["status"], "fail");
    EXPECT_EQ(decode_classroom(render("classroom", scenarios::inconclusive()))["status"], "error");
}

TEST(ReportFormats, JsonWritersReplaceBytesThatAreNotUtf8) {
    // A report that skipped make_valid_utf8 (the pipeline never does): the JSON formats write
    // U+FFFD instead of throwing.
    GradeReport raw = scenarios::all_pass();
    raw.katas[0].checks[1].message = "printed \xff\xfe and caf\xe9";
    for (const char* format : {"json", "gradescope", "prairielearn", "classroom"}) {
        SCOPED_TRACE(format);
        std::string text;
        ASSERT_NO_THROW(text = render(format, raw));
        const auto doc = std::string(format) == "classroom" ? decode_classroom(text)
                                                            : nlohmann::json::parse(text);
        EXPECT_NE(doc.dump().find("\xef\xbf\xbd"), std::string::npos) << "U+FFFD";
    }
}

TEST(ReportFormats, ClassroomPointsAtTheStudentsLine) {
    const auto doc = decode_classroom(render("classroom", scenarios::compile_error()));
    EXPECT_EQ(doc["tests"][0]["filename"], "exercises/01-counter/counter.hpp");
    EXPECT_EQ(doc["tests"][0]["line_no"], 12);
    const auto race = decode_classroom(render("classroom", scenarios::race()));
    EXPECT_EQ(race["tests"][1]["filename"], "submissions/01-counter/counter.hpp");
    EXPECT_EQ(race["tests"][1]["line_no"], 17);
}

TEST(ReportFormats, TheClassroomJobLogArithmeticGivesOurTotal) {
    // The reporter's job log: passed tests over all tests, times the maximum. With no free
    // zero-point passes and no switched-off checks, an untouched course shows 0 and the
    // reference its full total, as the Points notice (the sum of the scores) does.
    for (const auto& scenario : {scenarios::all_pass(), scenarios::compile_error()}) {
        const auto doc = decode_classroom(render("classroom", scenario));
        double passed = 0;
        double points = 0;
        for (const auto& t : doc["tests"]) {
            passed += t["status"] == "pass" ? 1 : 0;
            points += t["score"].get<double>();
        }
        const double log_total =
            passed / static_cast<double>(doc["tests"].size()) * doc["max_score"].get<double>();
        EXPECT_DOUBLE_EQ(log_total, points) << doc.dump();
    }
}

TEST(ReportFormats, Classroom50MatchesTheResultV1Contract) {
    for (const auto& s : scenarios::all()) {
        SCOPED_TRACE(s.name);
        const auto doc = nlohmann::json::parse(render("classroom50", s.report));
        std::set<std::string> keys;
        for (const auto& [k, v] : doc.items()) keys.insert(k);
        EXPECT_EQ(keys, (std::set<std::string>{"schema", "classroom", "assignment", "submission",
                                               "commit", "release", "review", "datetime", "score",
                                               "max-score", "tests"}));
        EXPECT_EQ(doc["schema"], "classroom50/result/v1");
        for (const char* key :
             {"classroom", "assignment", "submission", "commit", "release", "review", "datetime"})
            EXPECT_TRUE(doc[key].is_string() && !doc[key].get<std::string>().empty()) << key;
        ASSERT_TRUE(doc["score"].is_number_integer());
        ASSERT_TRUE(doc["max-score"].is_number_integer());
        long long sum = 0;
        long long max_sum = 0;
        for (const auto& t : doc["tests"]) {
            EXPECT_TRUE(t.at("test-name").is_string());
            EXPECT_TRUE(t.at("passed").is_boolean());
            sum += t.at("score").get<long long>();
            max_sum += t.at("max-score").get<long long>();
            EXPECT_LE(t["score"].get<long long>(), t["max-score"].get<long long>());
        }
        EXPECT_EQ(sum, doc["score"].get<long long>());
        EXPECT_EQ(max_sum, doc["max-score"].get<long long>());
    }
}

TEST(ReportFormats, Classroom50FallsBackOutsideTheRunner) {
    const auto doc = nlohmann::json::parse(
        render("classroom50", scenarios::all_pass(),
               Env{{"GITHUB_REPOSITORY", "example/kata"}, {"GITHUB_SHA", "abc"}}));
    EXPECT_EQ(doc["classroom"], "local");
    EXPECT_EQ(doc["commit"], "https://github.com/example/kata/commit/abc");
    EXPECT_EQ(doc["review"], doc["commit"]);
}

TEST(ReportFormats, Classroom50DatetimeIsTheCommitsDate) {
    const auto doc = nlohmann::json::parse(render(
        "classroom50", scenarios::all_pass(), Env{{"COMMIT_DATETIME", "2026-11-30T23:59:00Z"}}));
    EXPECT_EQ(doc["datetime"], "2026-11-30T23:59:00Z");
}

TEST(ReportFormats, ASwitchedOffCheckIsOutOfEveryPlatformsTotal) {
    GradeReport r = scenarios::all_pass();
    for (auto& k : r.katas)
        for (auto& c : k.checks)
            if (c.name == "timing") {
                c.status = CheckStatus::skipped;
                c.score = 0;
                c.disabled = true;
            }
    total_up(r);
    ASSERT_GT(r.disabled_points, 0);
    ASSERT_DOUBLE_EQ(r.score, r.max_score) << "the reference keeps full marks";
    const auto gs = nlohmann::json::parse(render("gradescope", r));
    double gs_max = 0;
    for (const auto& t : gs["tests"]) gs_max += t.value("max_score", 0.0);
    EXPECT_DOUBLE_EQ(gs_max, r.max_score);
    EXPECT_DOUBLE_EQ(gs["score"].get<double>(), r.max_score);
    const auto c50 = nlohmann::json::parse(render("classroom50", r));
    EXPECT_EQ(c50["score"], c50["max-score"]);
    const auto pl = nlohmann::json::parse(render("prairielearn", r));
    EXPECT_DOUBLE_EQ(pl["score"].get<double>(), 1.0);
}

TEST(ReportFormats, GradescopeResultsFollowTheSpecification) {
    for (const auto& s : scenarios::all()) {
        SCOPED_TRACE(s.name);
        const auto doc = nlohmann::json::parse(render("gradescope", s.report));
        ASSERT_TRUE(doc.at("score").is_number());
        EXPECT_TRUE(doc.at("execution_time").is_number());
        EXPECT_TRUE(doc.at("output").is_string());
        EXPECT_FALSE(doc.contains("leaderboard")) << "only when asked for";
        for (const auto& t : doc.at("tests")) {
            EXPECT_TRUE(t.at("name").is_string());
            EXPECT_TRUE(t.at("output").is_string());
            EXPECT_TRUE(
                std::set<std::string>({"visible", "hidden", "after_due_date", "after_published"})
                    .count(t.at("visibility")));
            // Status, score and max_score are optional in the specification: a check the course
            // switched off is listed for information only, with none of them.
            if (!t.contains("max_score")) {
                EXPECT_FALSE(t.contains("score") || t.contains("status")) << t.dump();
                EXPECT_NE(t["name"].get<std::string>().find("switched off"), std::string::npos);
                continue;
            }
            EXPECT_TRUE(std::set<std::string>({"passed", "failed"}).count(t.at("status")));
            EXPECT_GE(t.at("score").get<double>(), 0);
            EXPECT_LE(t.at("score").get<double>(), t.at("max_score").get<double>());
        }
    }
}

TEST(ReportFormats, GradescopeLeaderboardListsTimingRatios) {
    Env env = ci_env();
    env["KATA_GRADESCOPE_LEADERBOARD"] = "1";
    const auto doc = nlohmann::json::parse(render("gradescope", scenarios::all_pass(), env));
    ASSERT_EQ(doc.at("leaderboard").size(), 1u);
    EXPECT_EQ(doc["leaderboard"][0]["name"], "01-counter sharded_vs_atomic ratio");
    EXPECT_DOUBLE_EQ(doc["leaderboard"][0]["value"].get<double>(), 0.85);
    EXPECT_EQ(doc["leaderboard"][0]["order"], "asc");
}

TEST(ReportFormats, PrairieLearnResultsFollowTheExternalGradingFormat) {
    for (const auto& s : scenarios::all()) {
        SCOPED_TRACE(s.name);
        const auto doc = nlohmann::json::parse(render("prairielearn", s.report));
        // Not gradable (no attempt charged) only for code that does not compile.
        EXPECT_EQ(doc.at("gradable").get<bool>(), s.name != "compile_error") << s.name;
        const double score = doc.at("score").get<double>();
        EXPECT_GE(score, 0.0);
        EXPECT_LE(score, 1.0);
        EXPECT_TRUE(doc.at("message").is_string());
        EXPECT_TRUE(doc.at("output").is_string());
        for (const auto& t : doc.at("tests")) {
            for (const char* key : {"name", "message", "output"})
                EXPECT_TRUE(t.at(key).is_string()) << key;
            EXPECT_LE(t.at("points").get<double>(), t.at("max_points").get<double>());
        }
    }
    EXPECT_DOUBLE_EQ(
        nlohmann::json::parse(render("prairielearn", scenarios::all_pass()))["score"].get<double>(),
        1.0);
}

TEST(ReportFormats, PrairieLearnIsNotGradableWhenTheGraderCouldNotRun) {
    GradeReport r = scenarios::compile_error();
    r.katas[0].checks[0].status = CheckStatus::error;
    r.katas[0].checks[0].infrastructure = true;
    EXPECT_FALSE(nlohmann::json::parse(render("prairielearn", r))["gradable"].get<bool>());
}

TEST(ReportFormats, PrairieLearnStaysGradableWhenOnlyALaterCheckCouldNotRunOnTheHost) {
    GradeReport r = scenarios::all_pass();
    CheckResult& tsan = r.katas[0].checks[2];
    ASSERT_EQ(tsan.name, "tsan");
    tsan.status = CheckStatus::error;
    tsan.infrastructure = true;
    tsan.score = 0;
    tsan.message = "ThreadSanitizer could not start, so races were not checked";
    total_up(r);  // 80 of 100
    const auto doc = nlohmann::json::parse(render("prairielearn", r));
    EXPECT_TRUE(doc["gradable"].get<bool>()) << "every submission would be refused otherwise";
    EXPECT_DOUBLE_EQ(doc["score"].get<double>(), 1.0) << "80 of the 80 this host could grade";
    bool shown = false;
    for (const auto& t : doc["tests"]) {
        if (t["name"] != "01-counter tsan") continue;
        shown = true;
        EXPECT_EQ(t["max_points"], 0);
        EXPECT_NE(t["message"].get<std::string>().find("not graded on this host"),
                  std::string::npos);
    }
    EXPECT_TRUE(shown);
}

TEST(ReportFormats, JunitEscapesXmlAndCountsChecks) {
    GradeReport r = scenarios::all_pass();
    r.katas[0].checks[1].status = CheckStatus::fail;
    r.katas[0].checks[1].message = "expected <5> & got \"3\" ('x')\x01";
    const std::string xml = render("junit", r);
    EXPECT_NE(xml.find("expected &lt;5"), std::string::npos) << xml;
    EXPECT_EQ(xml.find('\x01'), std::string::npos);
    EXPECT_EQ(xml.find("&#"), std::string::npos) << "no character reference XML 1.0 forbids";
    // An XML parser reads the message back as it was, minus the control character.
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
    EXPECT_EQ(std::string(doc.select_node("//failure").node().attribute("message").value()),
              "expected <5> & got \"3\" ('x')");
    EXPECT_NE(xml.find(R"(<testsuite name="01-counter" tests="4" failures="1")"),
              std::string::npos);
}

TEST(ReportFormats, GithubEscapesDataAndProperties) {
    GradeReport r = scenarios::race();
    r.katas[0].folder = "01-counter";
    r.katas[0].checks[2].message = "100% racy, a:b\r\nnext";
    const std::string out = render("github", r);
    EXPECT_NE(out.find("::100%25 racy, a:b%0D%0Anext%0A"), std::string::npos) << out;
    EXPECT_NE(out.find("title=01-counter tsan%3A 0/20::"), std::string::npos) << out;
}

TEST(ReportFormats, GithubAnnotatesTheStudentsFileRelativeToTheRepository) {
    const std::string race = render("github", scenarios::race());
    EXPECT_NE(race.find("::error file=submissions/01-counter/counter.hpp,line=17,"),
              std::string::npos)
        << race;
    const std::string build = render("github", scenarios::compile_error());
    EXPECT_NE(build.find("::error file=exercises/01-counter/counter.hpp,line=12,col=9,"),
              std::string::npos)
        << build;
    const std::string hang = render("github", scenarios::timeout());
    EXPECT_NE(hang.find("file=exercises/04-producer-consumer/bounded_queue.hpp,line=41,"),
              std::string::npos)
        << hang;
    const std::string noisy = render("github", scenarios::inconclusive());
    EXPECT_NE(noisy.find("::warning title=05-url-pipeline timing"), std::string::npos) << noisy;
}

TEST(ReportFormats, LocationsPreferTheStudentsFile) {
    const auto assertion = find_location(scenarios::partial().katas[1].checks[1]);
    ASSERT_TRUE(assertion);
    EXPECT_EQ(assertion->file, "harness/02-rate-limiter/rate_limiter_test.cpp");
    EXPECT_EQ(assertion->line, 57);
    const auto hang = find_location(scenarios::timeout().katas[0].checks[1]);
    ASSERT_TRUE(hang);
    EXPECT_EQ(hang->file, "04-producer-consumer/bounded_queue.hpp");
    EXPECT_FALSE(find_location(scenarios::all_pass().katas[0].checks[0]));
    EXPECT_EQ(repository_path("01-counter/counter.hpp", "./submissions/"),
              "submissions/01-counter/counter.hpp");
    EXPECT_EQ(repository_path("harness/x_test.cpp", "exercises"), "harness/x_test.cpp");
    EXPECT_EQ(repository_path("01-counter/counter.hpp", "/ci/repo/mine", "/ci/repo"),
              "mine/01-counter/counter.hpp");
    EXPECT_EQ(repository_path("01-counter/counter.hpp", "/elsewhere/mine", "/ci/repo"),
              "/elsewhere/mine/01-counter/counter.hpp");
    EXPECT_EQ(repository_path("01-counter/counter.hpp", "mutant lost-update"),
              "01-counter/counter.hpp");
}

TEST(ReportFormats, MarkdownCellsKeepTheirColumns) {
    EXPECT_EQ(markdown_cell("a|b\nc"), "a\\|b<br>c");
    EXPECT_EQ(markdown_table({"x", "y"}, {{"1"}}), "| x | y |\n| --- | --- |\n| 1 |  |\n");
}

TEST(ReportFormats, CiFilesAreTheDefaultDestinations) {
    const auto env =
        fake_context({{"GITHUB_STEP_SUMMARY", "/tmp/summary.md"}, {"GITHUB_OUTPUT", "/tmp/output"}})
            .env;
    const auto md = default_destination("markdown", env);
    EXPECT_EQ(md.path, "/tmp/summary.md");
    EXPECT_TRUE(md.append);
    EXPECT_EQ(default_destination("classroom", env).path, "/tmp/output");
    EXPECT_EQ(default_destination("json", env).path, "");
    EXPECT_EQ(default_destination("markdown", fake_context().env).path, "");
}

}  // namespace
