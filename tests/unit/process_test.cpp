// The real process runner, on small shell commands.
#include "process/process.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
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

TEST(PosixProcessRunner, NicenessIsAddedBeforeExecAndInherited) {
    PosixProcessRunner r;
    ProcessSpec s = shell("nice; sh -c nice");
    s.niceness = 19;  // the kernel caps the sum at 19
    const auto o = r.run(s);
    EXPECT_EQ(o.out, "19\n19\n");
    s.argv = {"/bin/sh", "-c", "chrt -p $$"};
    EXPECT_NE(r.run(s).out.find("SCHED_IDLE"), std::string::npos) << r.run(s).out;
    EXPECT_EQ(r.run(shell("nice")).out, std::to_string(nice(0)) + "\n") << "unchanged by default";
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

/// Starts `script` on a thread through `r` and waits for it to write its process group id
/// (its shell's $$) to `pid_file`; 0 if it did not within 5 s.
pid_t start_group(PosixProcessRunner& r, const std::string& script,
                  const std::filesystem::path& pid_file, std::thread& runner) {
    std::filesystem::remove(pid_file);
    runner = std::thread([&r, script] { r.run(shell(script, 60s)); });
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < give_up) {
        std::ifstream in(pid_file);
        pid_t pgid = 0;
        if (in >> pgid && pgid > 0) return pgid;
        std::this_thread::sleep_for(10ms);
    }
    return 0;
}

TEST(PosixProcessRunner, InterruptTermsThenKillsAGroupThatIgnoresSigterm) {
    PosixProcessRunner r;
    const auto pid_file = std::filesystem::temp_directory_path() /
                          ("interleave-interrupt-" + std::to_string(getpid()));
    std::thread runner;
    // The shell and its child both ignore SIGTERM; only SIGKILL ends them.
    const pid_t pgid = start_group(
        r, "trap '' TERM; sleep 30 & echo $$ > " + pid_file.string() + "; wait", pid_file, runner);
    ASSERT_GT(pgid, 0) << "the shell never started";
    EXPECT_GE(process_group_usage(pgid).processes, 2) << "the shell and its sleep";
    const auto start = std::chrono::steady_clock::now();
    PosixProcessRunner::kill_all_running(400ms);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 400ms) << "SIGKILL must wait for the grace period";
    EXPECT_LT(took, 3s);
    EXPECT_EQ(process_group_usage(pgid).processes, 0) << "a process of the group survived";
    runner.join();
    EXPECT_EQ(process_group_usage(pgid).processes, 0);
    std::filesystem::remove(pid_file);
}

TEST(PosixProcessRunner, InterruptEndsEarlyWhenTheGroupObeysSigterm) {
    PosixProcessRunner r;
    const auto pid_file = std::filesystem::temp_directory_path() /
                          ("interleave-interrupt-term-" + std::to_string(getpid()));
    std::thread runner;
    // The shell cleans up its child on SIGTERM, as ninja does with its compilers.
    const pid_t pgid =
        start_group(r,
                    "sleep 30 & child=$!; trap 'kill $child; exit 143' TERM; echo $$ > " +
                        pid_file.string() + "; wait",
                    pid_file, runner);
    ASSERT_GT(pgid, 0) << "the shell never started";
    const auto start = std::chrono::steady_clock::now();
    PosixProcessRunner::kill_all_running(10s);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s)
        << "the stop ends as soon as the group is gone, not after the grace period";
    EXPECT_EQ(process_group_usage(pgid).processes, 0);
    runner.join();
    std::filesystem::remove(pid_file);
}

TEST(PosixProcessRunner, InterruptReachesChildrenInGroupsOfTheirOwn) {
    PosixProcessRunner r;
    const auto pid_file = std::filesystem::temp_directory_path() /
                          ("interleave-interrupt-tree-" + std::to_string(getpid()));
    std::thread runner;
    // Like ninja with its compilers: the child runs in a process group (and session) of its
    // own, and the leader dies on SIGTERM without passing it on.
    const pid_t pgid = start_group(r,
                                   "setsid sleep 30 & echo $! > " + pid_file.string() +
                                       ".child; echo $$ > " + pid_file.string() + "; wait",
                                   pid_file, runner);
    ASSERT_GT(pgid, 0) << "the shell never started";
    std::ifstream in(pid_file.string() + ".child");
    pid_t child = 0;
    ASSERT_TRUE(in >> child);
    const auto give_up = std::chrono::steady_clock::now() + 2s;
    while (process_group_usage(child).processes == 0 && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(10ms);
    ASSERT_EQ(process_group_usage(child).processes, 1) << "the child's own group";
    PosixProcessRunner::kill_all_running(2s);
    EXPECT_EQ(process_group_usage(pgid).processes, 0);
    EXPECT_EQ(process_group_usage(child).processes, 0) << "the child in its own group survived";
    runner.join();
    std::filesystem::remove(pid_file);
    std::filesystem::remove(pid_file.string() + ".child");
}

TEST(PosixProcessRunner, DeadlineWaitsForTheGroupNotOnlyTheLeader) {
    PosixProcessRunner r(300ms);
    const auto pid_file = std::filesystem::temp_directory_path() /
                          ("interleave-deadline-" + std::to_string(getpid()));
    std::filesystem::remove(pid_file);
    // The leader obeys SIGTERM at once; its child ignores it and must still be killed.
    const auto o = r.run(
        shell("(trap '' TERM; exec sleep 30) & echo $$ > " + pid_file.string() + "; wait", 500ms));
    EXPECT_EQ(o.termination, Termination::timed_out);
    std::ifstream in(pid_file);
    pid_t pgid = 0;
    ASSERT_TRUE(in >> pgid);
    // SIGKILL has been sent when run() returns; give the kernel a moment to deliver it.
    const auto give_up = std::chrono::steady_clock::now() + 1s;
    while (process_group_usage(pgid).processes > 0 && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(process_group_usage(pgid).processes, 0) << "the child ignoring SIGTERM survived";
    std::filesystem::remove(pid_file);
}

TEST(PosixProcessRunner, ChildOfAThreadThatBlocksSigtermStillObeysIt) {
    // The grader blocks SIGINT and SIGTERM in every thread (one thread sigwaits for them). The
    // mask is inherited across fork and exec: a child that kept it could not be stopped
    // politely and would always cost the whole grace period.
    std::thread([] {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &set, nullptr), 0);
        PosixProcessRunner r(5s);
        ProcessSpec s = shell("", 300ms);
        s.argv = {"sleep", "30"};  // no shell: some reset the signal mask when they start
        const auto o = r.run(s);
        EXPECT_EQ(o.termination, Termination::timed_out);
        EXPECT_LT(o.elapsed, 2500ms) << "the child waited out the grace period: SIGTERM blocked";
    }).join();
}

TEST(Sandbox, PidNamespaceEndsADescendantThatLeftTheGroup) {
    if (!bubblewrap_usable()) GTEST_SKIP() << "bubblewrap is not usable here";
    const auto base = std::filesystem::temp_directory_path() / "interleave-pidns-test";
    std::filesystem::remove_all(base);
    std::filesystem::create_directories(base);
    PosixProcessRunner r;
    // setsid leaves the process group; the marker names the escaped process for the scan below.
    ProcessSpec s = shell(
        "setsid sh -c 'touch left; exec sleep 61.5' </dev/null >/dev/null 2>&1 & "
        "while [ ! -e left ] && [ $((n+=1)) -lt 200 ]; do sleep 0.01; done; echo started");
    s.cwd = base;
    s.sandbox.containment = Containment::read_only;
    s.sandbox.writable = {base};
    const auto o = r.run(s);
    EXPECT_EQ(o.out, "started\n");
    bool alive = false;
    for (int attempt = 0; attempt < 50; ++attempt) {
        alive = false;
        for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
            std::ifstream cmdline(entry.path() / "cmdline");
            std::string text((std::istreambuf_iterator<char>(cmdline)), {});
            if (text.find("61.5") != std::string::npos && text.find("sleep") == 0) alive = true;
        }
        if (!alive) break;
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_FALSE(alive) << "a process that called setsid() outlived the contained run";
    std::filesystem::remove_all(base);
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

TEST(Sandbox, ProcessWatchdogKillsAForkBomb) {
    PosixProcessRunner r;
    ProcessSpec s = shell("i=0; while [ $i -lt 300 ]; do sleep 20 & i=$((i+1)); done; wait", 20s);
    s.sandbox.max_processes = 20;
    const auto start = std::chrono::steady_clock::now();
    const auto o = r.run(s);
    EXPECT_EQ(o.termination, Termination::signaled);
    EXPECT_NE(o.describe().find("killed: too many processes (fork bomb?)"), std::string::npos)
        << o.describe();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(Sandbox, MemoryWatchdogKillsTheGroup) {
    PosixProcessRunner r;
    // dd holds a 300 MiB buffer full of zeros while sleep never reads the pipe.
    ProcessSpec s = shell("dd if=/dev/zero bs=300M count=1 2>/dev/null | sleep 20", 20s);
    s.sandbox.max_rss_bytes = 100LL << 20;
    const auto start = std::chrono::steady_clock::now();
    const auto o = r.run(s);
    EXPECT_EQ(o.describe(), "killed: exceeded the memory limit of 100 MiB (resident memory)");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(Sandbox, FileSizeLimitIsItsOwnVerdict) {
    PosixProcessRunner r;
    const auto dir = std::filesystem::temp_directory_path() / "interleave-fsize-test";
    std::filesystem::create_directories(dir);
    ProcessSpec s = shell("exec head -c 3000000 /dev/zero > big");
    s.cwd = dir;
    s.max_file_bytes = 1 << 20;
    const auto o = r.run(s);
    EXPECT_EQ(o.describe(), "killed: file size limit (a file reached 1 MiB)");
    std::filesystem::remove_all(dir);
}

TEST(Sandbox, GroupUsageCountsTheGroup) {
    const GroupUsage self = process_group_usage(getpgrp());
    EXPECT_GE(self.processes, 1);
    EXPECT_GT(self.rss_bytes, 0);
    EXPECT_EQ(process_group_usage(999999999).processes, 0);
}

TEST(Sandbox, EnvironmentIsReducedAndHomeIsTheScratchFolder) {
    ::setenv("SECRET_FROM_PARENT", "leaked", 1);
    const auto env = sandbox_environment("/scratch/run");
    EXPECT_EQ(env.at("HOME"), "/scratch/run");
    EXPECT_EQ(env.at("TMPDIR"), "/scratch/run");
    EXPECT_EQ(env.count("SECRET_FROM_PARENT"), 0u);
    EXPECT_EQ(env.count("USER"), 0u);
    EXPECT_EQ(env.count("PATH"), 1u);
}

TEST(Sandbox, BubblewrapLeavesOnlyTheScratchFolderWritable) {
    if (!bubblewrap_usable()) GTEST_SKIP() << "bubblewrap is not usable here";
    const auto base = std::filesystem::temp_directory_path() / "interleave-bwrap-test";
    std::filesystem::remove_all(base);
    std::filesystem::create_directories(base / "scratch");
    std::filesystem::create_directories(base / "outside");
    PosixProcessRunner r;
    ProcessSpec s = shell(
        "touch inside; touch ../outside/escaped; tail -n +3 /proc/net/dev | grep -vc 'lo:'; "
        "kill -SEGV $$");
    s.cwd = base / "scratch";
    s.sandbox.containment = Containment::offline;
    s.sandbox.writable = {base / "scratch"};
    const auto o = r.run(s);
    EXPECT_TRUE(std::filesystem::exists(base / "scratch" / "inside"));
    EXPECT_FALSE(std::filesystem::exists(base / "outside" / "escaped"));
    EXPECT_EQ(o.out, "0\n") << "no network interface but loopback";
    EXPECT_EQ(o.termination, Termination::signaled) << o.describe();
    EXPECT_EQ(o.signal, SIGSEGV);
    std::filesystem::remove_all(base);
}

TEST(PosixProcessRunner, ResultChannelCarriesWhatTheChildWritesToItsDescriptor) {
    PosixProcessRunner r;
    ProcessSpec s = shell("echo begin >&3; echo out; echo end >&3; ls /proc/self/fd");
    s.result_channel = true;
    const auto o = r.run(s);
    EXPECT_EQ(o.channel, "begin\nend\n");
    EXPECT_EQ(o.out.rfind("out\n", 0), 0u) << "stdout stays apart from the channel";
    EXPECT_EQ(o.channel_dropped, 0u);
}

TEST(PosixProcessRunner, NoChannelUnlessAsked) {
    PosixProcessRunner r;
    const auto o = r.run(shell("echo x >&3 2>/dev/null || echo closed"));
    EXPECT_EQ(o.out, "closed\n");
    EXPECT_TRUE(o.channel.empty());
}

TEST(PosixProcessRunner, ResultChannelKeepsTheFirstBytesOfAFlood) {
    PosixProcessRunner r;
    ProcessSpec s = shell("echo first >&3; yes flood | head -c 100000 >&3");
    s.result_channel = true;
    s.output_cap = 1000;
    const auto o = r.run(s);
    EXPECT_EQ(o.channel.size(), 1000u);
    EXPECT_EQ(o.channel.rfind("first\n", 0), 0u);
    EXPECT_EQ(o.channel_dropped, 100006u - 1000u);
}

TEST(Sandbox, ResultChannelReachesAChildInsideBubblewrap) {
    if (!bubblewrap_usable()) GTEST_SKIP() << "bubblewrap is not usable here";
    const auto scratch = std::filesystem::temp_directory_path() / "interleave-channel-test";
    std::filesystem::create_directories(scratch);
    PosixProcessRunner r;
    ProcessSpec s = shell("echo through >/dev/fd/3");
    s.cwd = scratch;
    s.result_channel = true;
    s.sandbox.containment = Containment::read_only;
    s.sandbox.writable = {scratch};
    const auto o = r.run(s);
    EXPECT_EQ(o.channel, "through\n") << o.describe() << o.err;
    std::filesystem::remove_all(scratch);
}

}  // namespace
