#pragma once
/// Stress-test helpers shared by every kata harness.
///
/// Contract: stress tests start their threads together (a latch), check invariants rather than
/// exact interleavings, and print the seed that reproduces them. The per-test watchdog lives in
/// harness/support/test_main.cpp, so a hang in any test is reported with the test's name.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace kata {

/// Runs `body(index)` on `threads` threads that all wait on one latch before starting, so that
/// they contend from the first instruction. Returns after every thread has been joined.
template <class Body>
void run_together(int threads, Body body) {
    std::latch start(threads);
    std::vector<std::jthread> pool;
    pool.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
        pool.emplace_back([&, i] {
            start.arrive_and_wait();
            body(i);
        });
    }
}

/// A wall the optimiser cannot see through: after `kata::opaque(object)` the compiler must
/// assume the object was read and changed, so it cannot merge a loop of calls into one (a
/// million `++total_` on a plain integer folded into one addition would lose no update, and a
/// racy counter would pass). Costs nothing at run time. Call it after each operation of a
/// stress loop.
template <class T>
inline void opaque(T& object) {
    asm volatile("" : : "r"(&object) : "memory");
}

/// A measured figure as people read it in a failure message (GoogleTest streams doubles with
/// 17 digits: "204.05600999999999"): at most one decimal from 10 up, two below, none from 1000.
inline std::string for_people(double value) {
    const double a = value < 0 ? -value : value;
    char text[48];
    std::snprintf(text, sizeof text, a >= 1000 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", value);
    return text;
}

/// The seed for randomised tests: KATA_SEED when set (to reproduce a failure), otherwise a fresh
/// random one. It is recorded in the GoogleTest output and printed, so a failure names it.
inline std::uint64_t test_seed() {
    std::uint64_t seed = 0;
    if (const char* env = std::getenv("KATA_SEED"); env != nullptr && *env != '\0') {
        seed = std::strtoull(env, nullptr, 10);
    } else {
        seed = std::random_device{}();
    }
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    std::printf("[   SEED   ] reproduce with KATA_SEED=%llu\n",
                static_cast<unsigned long long>(seed));
    return seed;
}

/// Number of iterations for stress loops, scaled down under sanitizers (KATA_STRESS_SCALE,
/// a percentage set by the grader; 100 when unset).
inline int scaled(int iterations) {
    int percent = 100;
    if (const char* env = std::getenv("KATA_STRESS_SCALE"); env != nullptr && *env != '\0') {
        percent = std::atoi(env);
    }
    const long long scaled = static_cast<long long>(iterations) * percent / 100;
    return scaled < 1 ? 1 : static_cast<int>(scaled);
}

/// A time budget for "hammer until the bug shows or time runs out" loops, scaled like
/// scaled(). Races that need two threads inside a window a few instructions wide are caught
/// by repetition, not luck: a loop runs until it sees the violation or the budget is spent.
inline std::chrono::milliseconds scaled_budget(std::chrono::milliseconds budget) {
    return std::chrono::milliseconds(scaled(static_cast<int>(budget.count())));
}

}  // namespace kata
