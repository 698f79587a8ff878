/// The main() of every kata's test binary.
///
/// Besides running GoogleTest it gives the grader two things a plain gtest_main cannot:
///  - a results stream over the results channel (result_channel.hpp, a pipe only the grader
///    reads): "begin" when main() starts, "start <test>" before each test, "end <test>
///    <pass|fail>" as it ends, "finished" when the last test is done. A binary that hangs or
///    dies still tells which test was running, and a result sent as a test ended cannot be
///    rewritten later (by a static destructor, say) the way a results file could;
///  - a per-test watchdog (KATA_TEST_TIMEOUT_MS, default 20000; and KATA_STALL_MS, default
///    5000, for a process in which no thread runs at all): a test that outlives it is
///    reported on stderr and in the results stream as "hung <test>", every thread's backtrace
///    is dumped with gdb when KATA_BACKTRACE=1 and gdb is installed, and the process exits with
///    code 87 so the grader can say "timed out, likely deadlock" with the test's name.
#include "result_channel.hpp"

#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace {

constexpr int kWatchdogExitCode = 87;

void progress_line(const std::string& line) {
    kata_support::send_record(line);
}

std::string full_name(const ::testing::TestInfo& info) {
    return std::string(info.test_suite_name()) + "." + info.name();
}

/// Dumps every thread's backtrace of this process to stderr with gdb in batch mode.
void dump_backtraces() {
    const char* enabled = std::getenv("KATA_BACKTRACE");
    if (enabled == nullptr || std::string(enabled) != "1") return;
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    const std::string pid = std::to_string(getpid());
    std::fflush(nullptr);
    const pid_t child = fork();
    if (child == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execlp("gdb", "gdb", "-p", pid.c_str(), "-batch", "-nx", "-q", "-ex", "set pagination off",
               "-ex", "thread apply all bt", static_cast<char*>(nullptr));
        _exit(127);
    }
    if (child > 0) {
        int status = 0;
        waitpid(child, &status, 0);
    }
}

/// How much the threads of this process other than `except` have run so far: the sum of
/// their time slices (/proc/self/task/*/schedstat) plus their thread ids, so that a thread
/// starting or ending counts as activity too. -1 when the kernel does not tell.
long long activity_except(pid_t except) {
    DIR* tasks = opendir("/proc/self/task");
    if (tasks == nullptr) return -1;
    long long total = 0;
    bool readable = true;
    while (dirent* e = readdir(tasks)) {
        const pid_t tid = static_cast<pid_t>(std::atoll(e->d_name));
        if (tid <= 0 || tid == except) continue;
        const std::string path = std::string("/proc/self/task/") + e->d_name + "/schedstat";
        std::FILE* f = std::fopen(path.c_str(), "r");
        unsigned long long run_ns = 0;
        unsigned long long wait_ns = 0;
        unsigned long long slices = 0;
        if (f == nullptr || std::fscanf(f, "%llu %llu %llu", &run_ns, &wait_ns, &slices) != 3)
            readable = false;
        if (f != nullptr) std::fclose(f);
        total += static_cast<long long>(slices) + tid;
    }
    closedir(tasks);
    return readable ? total : -1;
}

/// Arms a deadline at each test start and disarms it at the end. Two ways to fire:
///  - the test outlives its deadline (KATA_TEST_TIMEOUT_MS): an endless loop, a livelock;
///  - no thread of the process but the watchdog has run at all for KATA_STALL_MS (default
///    5000): every thread is blocked, a deadlock or a lost wake-up, found in seconds instead
///    of at the deadline. A thread that sleeps, polls or spins counts as running.
/// It is never destroyed: its thread runs until the process exits, past GoogleTest's own
/// teardown.
class Watchdog {
  public:
    Watchdog(std::chrono::milliseconds limit, std::chrono::milliseconds stall)
        : limit_(limit), stall_(stall) {
        std::thread([this] { loop(); }).detach();
    }

    void arm(const std::string& test) {
        std::lock_guard lock(mutex_);
        current_ = test;
        deadline_ = std::chrono::steady_clock::now() + limit_;
        armed_ = true;
        cv_.notify_all();
    }

    void disarm() {
        std::lock_guard lock(mutex_);
        armed_ = false;
    }

  private:
    [[noreturn]] void fire(std::unique_lock<std::mutex>& lock, const char* why,
                           long long after_ms) {
        const std::string name = current_;
        progress_line("hung " + name);
        std::fprintf(stderr, "\n[ WATCHDOG ] %s: %s %lld ms\n", name.c_str(), why, after_ms);
        lock.unlock();
        dump_backtraces();
        std::fflush(nullptr);
        _exit(kWatchdogExitCode);
    }

    void loop() {
        const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
        constexpr auto kTick = std::chrono::milliseconds(250);
        std::unique_lock lock(mutex_);
        long long last_activity = -2;
        auto last_change = std::chrono::steady_clock::now();
        for (;;) {
            if (!armed_) {
                cv_.wait(lock);
                last_activity = -2;
                continue;
            }
            cv_.wait_until(lock, std::min(deadline_, std::chrono::steady_clock::now() + kTick));
            if (!armed_) continue;
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline_)
                fire(lock,
                     "still running (likely a deadlock, a lost wake-up or an endless loop) after",
                     static_cast<long long>(limit_.count()));
            if (stall_.count() <= 0) continue;
            const long long activity = activity_except(self);
            if (activity < 0) continue;  // the kernel does not say: the deadline alone decides
            if (activity != last_activity) {
                last_activity = activity;
                last_change = now;
            } else if (now - last_change >= stall_) {
                fire(lock,
                     "every thread is blocked (a deadlock or a lost wake-up): no thread ran for",
                     static_cast<long long>(stall_.count()));
            }
        }
    }

    std::chrono::milliseconds limit_;
    std::chrono::milliseconds stall_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::string current_;
    std::chrono::steady_clock::time_point deadline_{};
    bool armed_ = false;
};

/// Writes the progress file and drives the watchdog. GoogleTest owns (and deletes) this
/// listener; the watchdog it points to outlives it.
class ProgressListener : public ::testing::EmptyTestEventListener {
  public:
    explicit ProgressListener(Watchdog& watchdog) : watchdog_(watchdog) {}

    void OnTestStart(const ::testing::TestInfo& info) override {
        progress_line("start " + full_name(info));
        watchdog_.arm(full_name(info));
    }

    void OnTestEnd(const ::testing::TestInfo& info) override {
        watchdog_.disarm();
        // A skipped test is not a failure; the results file says it was skipped.
        const bool passed = info.result() != nullptr && !info.result()->Failed();
        progress_line("end " + full_name(info) + (passed ? " pass" : " fail"));
    }

  private:
    Watchdog& watchdog_;
};

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    progress_line("begin");
    long long limit_ms = 20000;
    if (const char* env = std::getenv("KATA_TEST_TIMEOUT_MS"); env != nullptr && *env != '\0') {
        limit_ms = std::atoll(env);
    }
    long long stall_ms = 5000;
    if (const char* env = std::getenv("KATA_STALL_MS"); env != nullptr && *env != '\0') {
        stall_ms = std::atoll(env);
    }
    // Leaked on purpose: the watchdog must outlive every test, including static destructors.
    auto* watchdog =
        new Watchdog(std::chrono::milliseconds(limit_ms), std::chrono::milliseconds(stall_ms));
    ::testing::UnitTest::GetInstance()->listeners().Append(new ProgressListener(*watchdog));
    const int status = RUN_ALL_TESTS();
    progress_line("finished");
    return status;
}
