// The real process runner, on small shell commands.
#include "process.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <thread>

using namespace interleave;
using namespace std::chrono_literals;

namespace {

ProcessSpec shell(const std::string& script, std::chrono::milliseconds deadline = 10s) {
    ProcessSpec s;
    s.argv = {"/bin/sh", "-c", script};
    s.env = base_environment();
    s.deadline = deadline;
    return s;
}

TEST(PosixProcessRunner, ExitCodeAndOutput) {
    PosixProcessRunner r;
    const auto o = r.run(shell("echo out; echo err >&2; exit 3"));
    EXPECT_EQ(o.termination, Termination::exited);
    EXPECT_EQ(o.exit_code, 3);
    EXPECT_EQ(o.out, "out\n");
    EXPECT_EQ(o.err, "err\n");
    EXPECT_EQ(o.describe(), "exited with code 3");
}

TEST(PosixProcessRunner, Signal) {
    PosixProcessRunner r;
    const auto o = r.run(shell("kill -SEGV $$"));
    EXPECT_EQ(o.termination, Termination::signaled);
    EXPECT_EQ(o.signal, SIGSEGV);
    EXPECT_NE(o.describe().find("segmentation fault"), std::string::npos);
}

TEST(PosixProcessRunner, DeadlineKillsTheWholeGroup) {
    PosixProcessRunner r(100ms);
    const auto start = std::chrono::steady_clock::now();
    // A child that ignores SIGTERM and leaves a grandchild behind.
    const auto o = r.run(shell("trap '' TERM; sleep 30 & sleep 30", 300ms));
    EXPECT_EQ(o.termination, Termination::timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(PosixProcessRunner, DetachedGrandchildDoesNotHoldTheRunOpen) {
    PosixProcessRunner r;
    const auto start = std::chrono::steady_clock::now();
    const auto o = r.run(shell("sleep 30 & echo started", 20s));
    EXPECT_TRUE(o.ok()) << o.describe();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s)
        << "the leftover sleep must be killed, not waited for";
}

TEST(PosixProcessRunner, OutputFloodIsCappedKeepingHeadAndTail) {
    PosixProcessRunner r;
    ProcessSpec s = shell("echo FIRST; head -c 5000000 /dev/zero | tr '\\0' x; echo; echo LAST");
    s.output_cap = 64 * 1024;
    const auto o = r.run(s);
    EXPECT_TRUE(o.ok());
    EXPECT_LT(o.out.size(), 200u * 1024);
    EXPECT_GT(o.dropped_bytes, 4000000u);
    EXPECT_EQ(o.out.rfind("FIRST", 0), 0u);
    EXPECT_NE(o.out.find("LAST"), std::string::npos);
    EXPECT_NE(o.out.find("bytes dropped"), std::string::npos);
}

TEST(PosixProcessRunner, MissingProgram) {
    PosixProcessRunner r;
    ProcessSpec s;
    s.argv = {"/nonexistent/program"};
    const auto o = r.run(s);
    EXPECT_EQ(o.termination, Termination::failed_to_start);
    EXPECT_NE(o.describe().find("No such file"), std::string::npos) << o.describe();
}

TEST(PosixProcessRunner, StdinIsEmptyAndEnvironmentIsExplicit) {
    PosixProcessRunner r;
    ProcessSpec s = shell("cat; echo \"[$SECRET_FROM_PARENT][$GIVEN]\"");
    ::setenv("SECRET_FROM_PARENT", "leaked", 1);
    s.env["GIVEN"] = "yes";
    const auto o = r.run(s);
    EXPECT_EQ(o.out, "[][yes]\n");
}

}  // namespace
