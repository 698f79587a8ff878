// End to end: `interleave watch` on a pseudo-terminal. It checks the first kata of a copied
// exercises folder, re-checks when a student file is saved, and quits on q with exit status 0.
#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

/// A child on a pseudo-terminal, with everything it printed so far.
class PtyChild {
  public:
    explicit PtyChild(std::vector<std::string> argv) {
        pid_ = forkpty(&master_, nullptr, nullptr, nullptr);
        if (pid_ == 0) {
            std::vector<char*> args;
            for (auto& a : argv) args.push_back(a.data());
            args.push_back(nullptr);
            setenv("NO_COLOR", "1", 1);
            execv(args[0], args.data());
            _exit(127);
        }
    }
    ~PtyChild() {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (master_ >= 0) close(master_);
    }
    PtyChild(const PtyChild&) = delete;
    PtyChild& operator=(const PtyChild&) = delete;

    bool started() const { return pid_ > 0; }

    /// Reads until `needle` occurs `count` times in the whole output, or the deadline passes.
    bool wait_for(const std::string& needle, int count, std::chrono::seconds limit) {
        const auto until = Clock::now() + limit;
        while (occurrences(needle) < count) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
            if (left.count() <= 0) return false;
            pollfd p{master_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 500))) <= 0)
                continue;
            char buf[4096];
            const ssize_t n = read(master_, buf, sizeof buf);
            if (n <= 0) return occurrences(needle) >= count;
            output.append(buf, static_cast<std::size_t>(n));
        }
        return true;
    }

    void type(const std::string& keys) {
        ASSERT_EQ(write(master_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
    }

    /// Waits for the exit; -1 when it did not exit in time.
    int exit_status(std::chrono::seconds limit) {
        const auto until = Clock::now() + limit;
        while (Clock::now() < until) {
            wait_for("\x01never", 1, std::chrono::seconds(1));  // keep draining the output
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                reaped_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
        }
        return -1;
    }

    std::string output;

  private:
    int occurrences(const std::string& needle) const {
        int n = 0;
        for (auto at = output.find(needle); at != std::string::npos;
             at = output.find(needle, at + 1))
            ++n;
        return n;
    }

    int master_ = -1;
    pid_t pid_ = -1;
    bool reaped_ = false;
};

TEST(Watch, RechecksOnSaveAndQuitsOnQ) {
    std::random_device rd;
    const fs::path source =
        fs::temp_directory_path() / ("interleave-watch-e2e-" + std::to_string(rd()));
    fs::create_directories(source / "01-counter");
    const fs::path file = source / "01-counter" / "counter.hpp";
    fs::copy_file(fs::path(INTERLEAVE_PROJECT) / "exercises" / "01-counter" / "counter.hpp", file);

    PtyChild child({INTERLEAVE_BIN, "--root", INTERLEAVE_PROJECT, "--build-dir",
                    INTERLEAVE_E2E_BUILD, "watch", "--poll", "--no-tsan", "--no-timing", "--source",
                    source.string()});
    ASSERT_TRUE(child.started());
    ASSERT_TRUE(child.wait_for("watching 01-counter/counter.hpp", 1, std::chrono::seconds(240)))
        << child.output;
    EXPECT_NE(child.output.find("01-counter"), std::string::npos);
    EXPECT_NE(child.output.find("Total:"), std::string::npos) << child.output;

    // Save the file: a second report follows.
    std::ofstream(file, std::ios::app) << "\n// saved again\n";
    ASSERT_TRUE(child.wait_for("watching 01-counter/counter.hpp", 2, std::chrono::seconds(120)))
        << child.output;
    EXPECT_TRUE(child.wait_for("Total:", 2, std::chrono::seconds(1))) << child.output;

    // On a terminal the screen is cleared before each check and progress is shown; NO_COLOR
    // (set for the child) keeps every colour code out.
    EXPECT_NE(child.output.find("\033[2J"), std::string::npos);
    EXPECT_NE(child.output.find("counter : build..."), std::string::npos);
    for (const char* colour : {"\033[1m", "\033[31m", "\033[32m", "\033[0m"})
        EXPECT_EQ(child.output.find(colour), std::string::npos) << "colour with NO_COLOR set";

    child.type("q");
    EXPECT_EQ(child.exit_status(std::chrono::seconds(20)), 0) << child.output;
    EXPECT_NE(child.output.find("bye"), std::string::npos) << child.output;
    fs::remove_all(source);
}

}  // namespace
