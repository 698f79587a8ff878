#pragma once
/// Stress-test helpers shared by every kata harness.
///
/// Contract: stress tests start their threads together (a latch), check invariants rather than
/// exact interleavings, and print the seed that reproduces them. The per-test watchdog lives in
/// harness/support/test_main.cpp, so a hang in any test is reported with the test's name.

#include <kata/cpu_time.hpp>

#include <gtest/gtest.h>

#include <atomic>
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

/// A hammer loop's budget counted in the time its threads truly ran at the same time, not in
/// wall time: a race a few instructions wide needs two threads on two cores at once, and a busy
/// machine gives them far less of that per wall second than an idle one.
///
/// Each worker reports its own CPU time now and then; the overlap is the sum of those CPU times
/// minus the wall time elapsed since the budget was made. That is a lower bound of the time two
/// threads ran at once (whenever fewer than two ran, the wall clock gained at least as much as
/// their CPU times together), so the budget never ends a loop early. It is spent once the
/// overlap reaches `enough`, or after `cap` of wall time whatever the overlap: an idle machine
/// is done in about `enough`, a busy one runs as long as a plain wall budget of `cap` would.
class TogetherBudget {
  public:
    TogetherBudget(int threads, std::chrono::milliseconds enough, std::chrono::milliseconds cap)
        : enough_(enough), cap_(cap), cpu_ns_(static_cast<std::size_t>(threads)) {}

    /// Thread `t` (0-based) of the current round records its own CPU time so far. It is a system
    /// call: call it every few hundred iterations, or once at the end of a short round.
    void report(int t) {
        cpu_ns_[static_cast<std::size_t>(t)].store(thread_cpu_time().count(),
                                                   std::memory_order_relaxed);
    }

    /// Call between rounds of fresh threads (after run_together returned): the finished threads'
    /// CPU times are kept, and the next round's threads report from zero.
    void end_round() {
        for (auto& cpu : cpu_ns_) finished_ns_ += cpu.exchange(0, std::memory_order_relaxed);
    }

    /// How long the threads ran at the same time, at least (negative: no evidence yet).
    std::chrono::nanoseconds overlap() const {
        std::int64_t total = finished_ns_;
        for (const auto& cpu : cpu_ns_) total += cpu.load(std::memory_order_relaxed);
        return std::chrono::nanoseconds(total) - (std::chrono::steady_clock::now() - start_);
    }

    /// True once the threads overlapped for `enough`, or `cap` of wall time has passed.
    bool spent() const {
        return std::chrono::steady_clock::now() - start_ >= cap_ || overlap() >= enough_;
    }

  private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::chrono::nanoseconds enough_;
    std::chrono::nanoseconds cap_;
    std::vector<std::atomic<std::int64_t>> cpu_ns_;
    std::int64_t finished_ns_ = 0;  ///< only touched between rounds, by the thread that waits
};

}  // namespace kata
