/// The main() of every kata's test binary.
///
/// Besides running GoogleTest it gives the grader two things a plain gtest_main cannot:
///  - a results stream over the results channel (result_channel.hpp, a pipe only the grader
///    reads): "begin" when main() starts, "start <test>" before each test, "end <test>
///    <pass|fail>" as it ends, "finished" when the last test is done. A binary that hangs or
///    dies still tells which test was running, and a result sent as a test ended cannot be
///    rewritten later (by a static destructor, say) the way a results file could;
///  - a per-test watchdog (KATA_TEST_TIMEOUT_MS, default 20000): a test that outlives it is
///    reported on stderr and in the results stream as "hung <test>", every thread's backtrace
///    is dumped with gdb when KATA_BACKTRACE=1 and gdb is installed, and the process exits with
///    code 87 so the grader can say "timed out, likely deadlock" with the test's name.
#include "result_channel.hpp"

#include <gtest/gtest.h>

#include <sys/prctl.h>
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

/// Arms a deadline at each test start and disarms it at the end. It is never destroyed: its
/// thread runs until the process exits, past GoogleTest's own teardown.
class Watchdog {
  public:
    explicit Watchdog(std::chrono::milliseconds limit) : limit_(limit) {
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
    void loop() {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (!armed_) {
                cv_.wait(lock);
                continue;
            }
            if (cv_.wait_until(lock, deadline_) == std::cv_status::timeout && armed_ &&
                std::chrono::steady_clock::now() >= deadline_) {
                const std::string name = current_;
                progress_line("hung " + name);
                std::fprintf(stderr,
                             "\n[ WATCHDOG ] %s still running after %lld ms: likely a deadlock, a "
                             "lost wakeup or an endless loop\n",
                             name.c_str(), static_cast<long long>(limit_.count()));
                lock.unlock();
                dump_backtraces();
                std::fflush(nullptr);
                _exit(kWatchdogExitCode);
            }
        }
    }

    std::chrono::milliseconds limit_;
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
    // Leaked on purpose: the watchdog must outlive every test, including static destructors.
    auto* watchdog = new Watchdog(std::chrono::milliseconds(limit_ms));
    ::testing::UnitTest::GetInstance()->listeners().Append(new ProgressListener(*watchdog));
    const int status = RUN_ALL_TESTS();
    progress_line("finished");
    return status;
}
