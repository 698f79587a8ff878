// The student state file under concurrent commands: two processes updating different katas
// many times (as `kata watch` and `kata check` in two terminals do) lose no update, and the
// lock is short and never left behind.
#include "commands/file_lock.hpp"
#include "commands/state.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

struct TempFolder {
    fs::path root;
    TempFolder() {
        std::random_device rd;
        root = fs::temp_directory_path() / ("interleave-state-lock-" + std::to_string(rd()));
        fs::create_directories(root);
    }
    ~TempFolder() { fs::remove_all(root); }
};

/// Forks a process that adds one to `kata`'s hint count `times` times through update_state;
/// it exits 0 when every update went through.
pid_t start_updater(const fs::path& file, const std::string& kata, int times) {
    const pid_t pid = fork();
    if (pid != 0) return pid;
    int code = 0;
    try {
        for (int i = 0; i < times; ++i) {
            update_state(file, [&](StudentState& s) { ++s.katas[kata].hints_shown; });
        }
    } catch (...) {
        code = 1;
    }
    _exit(code);
}

TEST(StateLock, TwoProcessesUpdatingDifferentKatasLoseNothing) {
    TempFolder dir;
    const fs::path file = dir.root / "build" / "state.json";
    constexpr int kTimes = 300;
    const pid_t a = start_updater(file, "counter", kTimes);
    const pid_t b = start_updater(file, "retry", kTimes);
    ASSERT_GT(a, 0);
    ASSERT_GT(b, 0);
    for (const pid_t p : {a, b}) {
        int status = 0;
        ASSERT_EQ(waitpid(p, &status, 0), p);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "an update failed";
    }
    const StudentState s = load_state(file);
    EXPECT_EQ(s.katas.at("counter").hints_shown, kTimes) << "an update of counter was lost";
    EXPECT_EQ(s.katas.at("retry").hints_shown, kTimes) << "an update of retry was lost";
    for (const auto& e : fs::directory_iterator(file.parent_path())) {
        EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos)
            << "temporary file left behind: " << e.path();
    }
}

TEST(StateLock, ThreadsOfOneProcessTakeTurnsToo) {
    TempFolder dir;
    const fs::path file = dir.root / "state.json";
    constexpr int kTimes = 100;
    auto updater = [&](const std::string& kata) {
        for (int i = 0; i < kTimes; ++i) {
            update_state(file, [&](StudentState& s) { ++s.katas[kata].hints_shown; });
        }
    };
    std::thread t1(updater, "counter");
    std::thread t2(updater, "retry");
    t1.join();
    t2.join();
    const StudentState s = load_state(file);
    EXPECT_EQ(s.katas.at("counter").hints_shown, kTimes);
    EXPECT_EQ(s.katas.at("retry").hints_shown, kTimes);
}

TEST(StateLock, AnUpdateWaitsForTheLockHolder) {
    TempFolder dir;
    const fs::path file = dir.root / "state.json";
    const auto start = std::chrono::steady_clock::now();
    std::thread other;
    {
        const FileLock held(state_lock_file(file));
        other = std::thread([&] {
            update_state(file, [](StudentState& s) { s.katas["counter"].hints_shown = 1; });
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        EXPECT_FALSE(fs::exists(file)) << "the update ran while another process held the lock";
    }
    other.join();
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
    EXPECT_EQ(load_state(file).katas.at("counter").hints_shown, 1);
}

TEST(StateLock, AFailedChangeSavesNothingAndReleasesTheLock) {
    TempFolder dir;
    const fs::path file = dir.root / "state.json";
    update_state(file, [](StudentState& s) { s.katas["counter"].hints_shown = 2; });
    EXPECT_THROW(update_state(file,
                              [](StudentState& s) {
                                  s.katas["counter"].hints_shown = 99;
                                  throw std::runtime_error("boom");
                              }),
                 std::runtime_error);
    EXPECT_EQ(load_state(file).katas.at("counter").hints_shown, 2);
    update_state(file, [](StudentState& s) { ++s.katas["counter"].hints_shown; });
    EXPECT_EQ(load_state(file).katas.at("counter").hints_shown, 3) << "the lock was released";
}

}  // namespace
