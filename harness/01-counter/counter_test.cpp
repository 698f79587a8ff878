// Kata 01 harness: the counter's contract, checked single-threaded and under contention.
#include "counter.hpp"

#include <kata/stress.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <string>
#include <vector>

namespace {

constexpr int kThreads = 4;
// How long the two hammering tests below run when nothing goes wrong. On an idle machine the
// check-then-act and two-step-reset mutants fail within 12 ms and 50 ms of their threads
// running at once; with the machine busy (the selftest grades two things at once) the two-step
// reset survived a 500 ms wall-clock budget, because the threads seldom ran at the same time.
// So the budget counts the time the threads truly overlapped (kata::TogetherBudget): 300 ms of
// it, or 1.5 s of wall time on a machine too busy to give them that.
constexpr int kOverlapMs = 300;
constexpr int kHammerMs = 1500;

kata::TogetherBudget hammer_budget(int threads) {
    return kata::TogetherBudget(threads, kata::scaled_budget(std::chrono::milliseconds(kOverlapMs)),
                                kata::scaled_budget(std::chrono::milliseconds(kHammerMs)));
}

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
        for (int i = 0; i < per_thread; ++i) {
            c.increment();
            kata::opaque(c);  // each call stays a call: no folding into one addition
        }
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
        for (int i = 0; i < per_thread; ++i) {
            c.add(t + 1);
            kata::opaque(c);
        }
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
                kata::opaque(c);  // every read is a fresh read
                if (now < last || now > 2LL * per_thread) backwards = true;
                last = now;
            }
        } else {
            for (int i = 0; i < per_thread; ++i) {
                c.increment();
                kata::opaque(c);
            }
        }
    });
    EXPECT_FALSE(backwards.load()) << "value() went backwards or past the number of increments";
    EXPECT_EQ(c.value(), 2LL * per_thread);
}

// The invariants below are ones ThreadSanitizer cannot see: two atomic steps (a load, then an
// increment) are race-free yet still let two threads pass the same check. The window is a few
// instructions wide, so the tests keep the counter at its limit and hammer it until either the
// violation shows or the time budget is spent.
TEST(CounterConcurrency, IncrementIfBelowNeverOvershoots) {
    // The counter used as a semaphore with one slot: take it with increment_if_below(1), hold
    // it briefly, give it back with add(-1). Two holders at once means the check was not atomic.
    constexpr std::int64_t kLimit = 1;
    kata::TogetherBudget budget = hammer_budget(kThreads);
    Counter c;
    std::atomic<int> holders{0};
    std::atomic<std::int64_t> overshoots{0};
    std::atomic<std::int64_t> highest{0};
    std::atomic<int> most_holders{0};
    std::atomic<std::int64_t> taken{0};
    std::atomic<bool> stop{false};
    auto raise = [](auto& record, auto value) {
        auto r = record.load();
        while (value > r && !record.compare_exchange_weak(r, value)) {
        }
    };
    kata::run_together(kThreads, [&](int t) {
        for (unsigned i = 0; !stop.load(std::memory_order_relaxed); ++i) {
            if (c.increment_if_below(kLimit)) {
                taken.fetch_add(1, std::memory_order_relaxed);
                const std::int64_t seen = c.value();
                const int now_holding = holders.fetch_add(1) + 1;
                if (now_holding > kLimit || seen > kLimit) {
                    overshoots.fetch_add(1);
                    raise(highest, seen);
                    raise(most_holders, now_holding);
                    stop = true;
                }
                for (int spin = 0; spin < 64; ++spin)
                    std::atomic_signal_fence(std::memory_order_seq_cst);
                holders.fetch_sub(1);
                c.add(-1);
            }
            if (i % 256 == 0) {
                budget.report(t);
                if (t == 0 && budget.spent()) stop = true;
            }
        }
    });
    EXPECT_EQ(overshoots.load(), 0)
        << "increment_if_below(" << kLimit << ") let " << std::max(2, most_holders.load())
        << " threads hold the single slot at once"
        << (highest.load() > kLimit
                ? " (a holder read the counter at " + std::to_string(highest.load()) + ")"
                : std::string())
        << ": two threads passed the check before either incremented. Check and increment must "
           "be one atomic step (a compare-exchange loop)";
    EXPECT_GT(taken.load(), 0) << "increment_if_below(1) on a free counter never succeeded";
    EXPECT_EQ(c.value(), 0) << "after every holder gave its slot back the counter must be 0";
}

TEST(CounterConcurrency, IncrementIfBelowStopsExactlyAtTheLimit) {
    const int rounds = kata::scaled(400);
    constexpr std::int64_t kLimit = 64;
    Counter c;
    std::atomic<std::int64_t> worst{0};
    std::atomic<std::int64_t> wrong_rounds{0};
    std::atomic<std::int64_t> successes{0};
    std::barrier sync(kThreads, [&]() noexcept {
        const std::int64_t v = c.value();
        if (v > worst.load()) worst = v;
        if (successes.load() != kLimit) wrong_rounds.fetch_add(1);
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
        << "racing threads pushed the counter past the limit " << kLimit;
    EXPECT_EQ(wrong_rounds.load(), 0)
        << "in " << wrong_rounds.load() << " of " << rounds
        << " rounds the number of successful increment_if_below calls differed from the limit";
}

TEST(CounterConcurrency, ResetLosesNothing) {
    // One thread increments while another keeps resetting. Every increment must end up either in
    // a value that reset() returned or in the final total; a reset that reads and then zeroes
    // in two steps drops the increments that land in between.
    kata::TogetherBudget budget = hammer_budget(2);
    for (; !budget.spent(); budget.end_round()) {
        Counter c;
        std::atomic<bool> stop{false};
        std::int64_t increments = 0;
        std::int64_t collected = 0;
        kata::run_together(2, [&](int t) {
            if (t == 0) {
                while (!stop.load(std::memory_order_relaxed)) {
                    c.increment();
                    ++increments;
                }
            } else {
                const auto round_end =
                    std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
                while (std::chrono::steady_clock::now() < round_end) collected += c.reset();
                stop = true;
            }
            budget.report(t);  // a fresh thread: its CPU time is this round's
        });
        collected += c.reset();
        ASSERT_EQ(collected, increments)
            << increments << " increments were made but reset() returned " << collected
            << " in total: "
            << (collected < increments
                    ? std::to_string(increments - collected) +
                          " were lost between reading the old value and storing 0"
                    : std::to_string(collected - increments) +
                          " were counted twice (returned by two resets: the old value was read "
                          "again before the first reset stored 0)")
            << ". Use one atomic exchange";
    }
}

}  // namespace
