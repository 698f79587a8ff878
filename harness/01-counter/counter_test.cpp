// Kata 01 harness: the counter's contract, checked single-threaded and under contention.
#include "counter.hpp"

#include <kata/stress.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <vector>

namespace {

constexpr int kThreads = 4;

TEST(CounterBasics, StartsAtZeroAndCounts) {
    Counter c;
    EXPECT_EQ(c.value(), 0) << "a new Counter must start at 0";
    c.increment();
    c.increment();
    EXPECT_EQ(c.value(), 2) << "two increment() calls must give 2";
    c.add(40);
    EXPECT_EQ(c.value(), 42) << "add(40) after two increments must give 42";
    c.add(0);
    EXPECT_EQ(c.value(), 42) << "add(0) must change nothing";
}

TEST(CounterBasics, ResetReturnsWhatItReplaced) {
    Counter c;
    c.add(7);
    EXPECT_EQ(c.reset(), 7) << "reset() must return the value it replaced";
    EXPECT_EQ(c.value(), 0) << "after reset() the value must be 0";
    EXPECT_EQ(c.reset(), 0) << "reset() of a zero counter returns 0";
}

TEST(CounterBasics, IncrementIfBelowStopsAtTheLimit) {
    Counter c;
    EXPECT_TRUE(c.increment_if_below(2)) << "0 < 2, so the first call must increment";
    EXPECT_TRUE(c.increment_if_below(2)) << "1 < 2, so the second call must increment";
    EXPECT_FALSE(c.increment_if_below(2)) << "2 is not below 2: the third call must refuse";
    EXPECT_EQ(c.value(), 2);
    EXPECT_FALSE(c.increment_if_below(0)) << "nothing is below a limit of 0";
}

TEST(CounterConcurrency, NoIncrementIsLost) {
    const int per_thread = kata::scaled(200000);
    Counter c;
    kata::run_together(kThreads, [&](int) {
        for (int i = 0; i < per_thread; ++i) c.increment();
    });
    EXPECT_EQ(c.value(), std::int64_t{kThreads} * per_thread)
        << kThreads << " threads each called increment() " << per_thread
        << " times; a smaller total means updates were lost (a read-modify-write that is not "
           "atomic)";
}

TEST(CounterConcurrency, NoAddIsLost) {
    const int per_thread = kata::scaled(100000);
    Counter c;
    kata::run_together(kThreads, [&](int t) {
        for (int i = 0; i < per_thread; ++i) c.add(t + 1);
    });
    const std::int64_t expected = std::int64_t{per_thread} * (1 + 2 + 3 + 4);
    EXPECT_EQ(c.value(), expected) << "concurrent add() calls lost updates";
}

TEST(CounterConcurrency, ValueIsNeverTornOrBackwards) {
    const int per_thread = kata::scaled(100000);
    Counter c;
    std::atomic<bool> backwards{false};
    kata::run_together(3, [&](int t) {
        if (t == 0) {
            std::int64_t last = 0;
            for (int i = 0; i < per_thread; ++i) {
                const std::int64_t now = c.value();
                if (now < last || now > 2LL * per_thread) backwards = true;
                last = now;
            }
        } else {
            for (int i = 0; i < per_thread; ++i) c.increment();
        }
    });
    EXPECT_FALSE(backwards.load()) << "value() went backwards or past the number of increments";
    EXPECT_EQ(c.value(), 2LL * per_thread);
}

// The invariant here is one ThreadSanitizer cannot see: two atomic steps (a load, then an
// increment) are race-free yet still let two threads pass the same check.
TEST(CounterConcurrency, IncrementIfBelowNeverOvershoots) {
    const int rounds = kata::scaled(3000);
    constexpr std::int64_t kLimit = 64;
    Counter c;
    std::atomic<std::int64_t> worst{0};
    std::atomic<std::int64_t> wrong_successes{0};
    std::atomic<std::int64_t> successes{0};
    std::barrier sync(kThreads, [&]() noexcept {
        const std::int64_t v = c.value();
        if (v > worst.load()) worst = v;
        if (successes.load() != kLimit) wrong_successes.fetch_add(1);
        successes = 0;
        c.reset();
    });
    kata::run_together(kThreads, [&](int) {
        for (int r = 0; r < rounds; ++r) {
            while (c.increment_if_below(kLimit)) successes.fetch_add(1);
            sync.arrive_and_wait();
        }
    });
    EXPECT_LE(worst.load(), kLimit)
        << "increment_if_below(" << kLimit << ") let the counter reach " << worst.load()
        << ": two threads passed the check before either incremented (check-then-act)";
    EXPECT_EQ(wrong_successes.load(), 0)
        << "in " << wrong_successes.load() << " of " << rounds
        << " rounds the number of true results differed from the limit";
}

TEST(CounterConcurrency, ResetLosesNothing) {
    const int per_thread = kata::scaled(200000);
    constexpr int kIncrementers = 3;
    Counter c;
    std::atomic<int> running{kIncrementers};
    std::int64_t collected = 0;
    kata::run_together(kIncrementers + 1, [&](int t) {
        if (t == kIncrementers) {
            while (running.load() > 0) collected += c.reset();
            collected += c.reset();
        } else {
            for (int i = 0; i < per_thread; ++i) c.increment();
            running.fetch_sub(1);
        }
    });
    const std::int64_t expected = std::int64_t{kIncrementers} * per_thread;
    EXPECT_EQ(collected + c.value(), expected)
        << "the values returned by reset() plus the final value must account for every "
           "increment; a reset that reads and then zeroes in two steps loses the increments in "
           "between";
}

}  // namespace
