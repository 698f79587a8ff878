// What the repository's GitHub Actions workflows must keep for this project: the names and wiring
// that the Classroom autograding reporter depends on, grading with the course's own harness, the
// review's shards and merge, the CI matrix. Whether each workflow is well formed at all is
// actionlint's job (tests/tools/actionlint.sh). Broken fixtures (data/workflows/) prove each
// check can fail.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kData = INTERLEAVE_TEST_DATA;
const fs::path kWorkflows =
    kData.parent_path().parent_path().parent_path() / ".github" / "workflows";

bool triggered_by(const YAML::Node& on, const std::string& event) {
    if (on.IsScalar()) return on.as<std::string>() == event;
    if (on.IsSequence()) {
        for (const auto& e : on) {
            if (e.as<std::string>() == event) return true;
        }
        return false;
    }
    return on.IsMap() && on[event];
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

/// What the student-repository workflow must keep: the Classroom names, its three events, and a
/// reporter step whose `runners` each name a step id and get <ID>_RESULTS from that step's
/// `result` output (the convention of classroom-resources/autograding-grading-reporter).
std::vector<std::string> lint_classroom(const YAML::Node& w) {
    if (!w.IsMap() || !w["name"] || !w["on"] || !w["jobs"])
        return {"not a workflow (name, on, jobs)"};
    std::vector<std::string> problems;
    if (w["name"].as<std::string>() != "Autograding Tests")
        problems.emplace_back("name must be \"Autograding Tests\"");
    for (const char* e : {"push", "workflow_dispatch", "repository_dispatch"}) {
        if (!triggered_by(w["on"], e)) problems.push_back(std::string("not triggered by ") + e);
    }
    const YAML::Node job = w["jobs"]["run-autograding-tests"];
    if (!job || w["jobs"].size() != 1) {
        problems.emplace_back("needs exactly one job, run-autograding-tests");
        return problems;
    }
    std::vector<std::string> ids;
    bool reporter = false;
    bool upload = false;
    for (const auto& s : job["steps"]) {
        if (s["id"]) ids.push_back(s["id"].as<std::string>());
        const std::string uses = s["uses"] ? s["uses"].as<std::string>() : "";
        if (uses.rfind("actions/upload-artifact@v4", 0) == 0) upload = true;
        if (uses.rfind("classroom-resources/autograding-grading-reporter@v1", 0) != 0) continue;
        reporter = true;
        const std::string runners =
            s["with"] && s["with"]["runners"] ? s["with"]["runners"].as<std::string>() : "";
        if (runners.empty()) problems.emplace_back("the reporter step has no `runners`");
        std::size_t start = 0;
        while (start < runners.size()) {
            std::size_t end = runners.find(',', start);
            if (end == std::string::npos) end = runners.size();
            std::string id = runners.substr(start, end - start);
            id.erase(0, id.find_first_not_of(' '));
            id.erase(id.find_last_not_of(' ') + 1);
            start = end + 1;
            if (std::find(ids.begin(), ids.end(), id) == ids.end())
                problems.push_back("runner " + id + " is not the id of an earlier step");
            const std::string var = upper(id) + "_RESULTS";
            const std::string want = "${{ steps." + id + ".outputs.result }}";
            if (!s["env"] || !s["env"][var] || s["env"][var].as<std::string>() != want)
                problems.push_back("the reporter step needs env " + var + ": " + want);
        }
    }
    if (!reporter) problems.emplace_back("no autograding-grading-reporter@v1 step");
    if (!upload) problems.emplace_back("no actions/upload-artifact@v4 step");
    return problems;
}

/// What keeps a student from grading themselves: the course's repository is checked out at a
/// ref the course sets, the grading step runs the `kata` of that checkout, takes the student
/// files with `--source` from the submission's checkout, and gives the reporter a payload even
/// when the grade ends before writing one.
std::vector<std::string> lint_trusted_harness(const YAML::Node& w) {
    std::vector<std::string> problems;
    std::string course_path;
    std::string submission_path;
    const YAML::Node* grading = nullptr;
    const YAML::Node steps = w["jobs"]["run-autograding-tests"]["steps"];
    std::vector<YAML::Node> all(steps.begin(), steps.end());
    for (const auto& s : all) {
        const std::string uses = s["uses"] ? s["uses"].as<std::string>() : "";
        if (uses.rfind("actions/checkout@", 0) == 0) {
            const YAML::Node with = s["with"];
            const std::string path = with && with["path"] ? with["path"].as<std::string>() : "";
            if (with && with["repository"] &&
                with["repository"].as<std::string>() == "${{ vars.KATA_COURSE_REPO }}" &&
                with["ref"] && with["ref"].as<std::string>() == "${{ vars.KATA_COURSE_REF }}") {
                course_path = path;
            } else if (!(with && with["repository"])) {
                submission_path = path;
            }
        }
        if (s["id"] && s["id"].as<std::string>() == "kata") grading = &s;
    }
    if (course_path.empty())
        problems.emplace_back(
            "no checkout of ${{ vars.KATA_COURSE_REPO }} at ${{ vars.KATA_COURSE_REF }} with a "
            "path");
    if (submission_path.empty() || submission_path == course_path)
        problems.emplace_back("the submission is not checked out into a folder of its own");
    if (grading == nullptr) {
        problems.emplace_back("no grading step (id: kata)");
        return problems;
    }
    const std::string dir =
        (*grading)["working-directory"] ? (*grading)["working-directory"].as<std::string>() : "";
    const std::string run = (*grading)["run"] ? (*grading)["run"].as<std::string>() : "";
    if (course_path.empty() || dir != course_path)
        problems.emplace_back("the grading step does not run in the course's checkout");
    if (submission_path.empty() ||
        run.find("--source ../" + submission_path + "/exercises") == std::string::npos)
        problems.emplace_back("the grading step does not take the student files with --source");
    if (run.find("result=") == std::string::npos)
        problems.emplace_back("the grading step writes no payload when the grade wrote none");
    return problems;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + "\n";
    return out;
}

TEST(Workflows, ClassroomWorkflowKeepsTheReporterWiring) {
    const auto problems = lint_classroom(YAML::LoadFile((kWorkflows / "classroom.yml").string()));
    EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(Workflows, ClassroomWorkflowGradesWithTheCoursesHarness) {
    const auto w = YAML::LoadFile((kWorkflows / "classroom.yml").string());
    EXPECT_TRUE(lint_trusted_harness(w).empty()) << joined(lint_trusted_harness(w));
    // The shape it replaced, the student's checkout grading itself, is refused.
    const auto untrusted = lint_trusted_harness(
        YAML::LoadFile((kData / "workflows" / "classroom_broken.yml").string()));
    // No course checkout, no folder of its own for the submission, grading outside the course's
    // checkout, no --source, no payload when the grade writes none.
    EXPECT_EQ(untrusted.size(), 5U) << joined(untrusted);
}

TEST(Workflows, ReviewWorkflowGradesShardsThenMergesThem) {
    const auto w = YAML::LoadFile((kWorkflows / "review.yml").string());
    auto runs = [&](const char* job, const std::string& what) {
        for (const auto& s : w["jobs"][job]["steps"])
            if (s["run"] && s["run"].as<std::string>().find(what) != std::string::npos) return true;
        return false;
    };
    EXPECT_TRUE(triggered_by(w["on"], "workflow_dispatch"));
    EXPECT_EQ(w["jobs"]["shard"]["strategy"]["matrix"]["shard"].as<std::string>(),
              "${{ fromJSON(needs.plan.outputs.shards) }}");
    EXPECT_TRUE(runs("shard", "./kata review ../class --shard \"$SHARD\""));
    EXPECT_EQ(w["jobs"]["merge"]["needs"].as<std::string>(), "shard");
    EXPECT_TRUE(runs("merge", "./kata review merge shards/*"));
}

TEST(Workflows, CiRunsTheSelftestOnBothSystemsAndCompilers) {
    const YAML::Node ci = YAML::LoadFile((kWorkflows / "ci.yml").string());
    const YAML::Node matrix = ci["jobs"]["selftest"]["strategy"]["matrix"];
    ASSERT_TRUE(matrix);
    EXPECT_EQ(matrix["system"].size(), 2U);
    EXPECT_EQ(matrix["compiler"].size(), 2U);
    bool runs_ci = false;
    for (const auto& s : ci["jobs"]["selftest"]["steps"]) {
        if (s["run"] && s["run"].as<std::string>().find(".ci/run") != std::string::npos)
            runs_ci = true;
    }
    EXPECT_TRUE(runs_ci);
}

TEST(Workflows, BrokenWorkflowsAreCaught) {
    const auto classroom =
        lint_classroom(YAML::LoadFile((kData / "workflows" / "classroom_broken.yml").string()));
    EXPECT_EQ(classroom.size(), 3U) << joined(classroom);  // name, event, env variable
}

}  // namespace
