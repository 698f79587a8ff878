// The grade switches every grading command shares: what each turns off.
#include "commands/grade_switches.hpp"

#include <gtest/gtest.h>

using namespace interleave;

namespace {

GradeOptions parse(std::vector<std::string> args) {
    CLI::App app;
    GradeSwitches switches;
    switches.add_to(app);
    std::reverse(args.begin(), args.end());
    app.parse(args);
    GradeOptions options;
    switches.apply(options);
    return options;
}

}  // namespace

TEST(GradeSwitches, EveryCheckRunsByDefault) {
    const GradeOptions o = parse({});
    EXPECT_TRUE(o.tsan && o.explore && o.asan && o.timing);
}

TEST(GradeSwitches, QuickLeavesBuildAndTestsOnly) {
    const GradeOptions o = parse({"--quick"});
    EXPECT_FALSE(o.tsan || o.explore || o.asan || o.timing);
}

TEST(GradeSwitches, NoExploreTurnsOffTheExplorerAlone) {
    const GradeOptions o = parse({"--no-explore"});
    EXPECT_FALSE(o.explore);
    EXPECT_TRUE(o.tsan && o.asan && o.timing);
}
