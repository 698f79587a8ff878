// Kata 01 hidden test: a heavier contention variant of the visible increment_if_below tests.
// Listed under checks.tests.hidden in exercise.yaml: students see only whether it passed.
#include "counter.hpp"

#include <kata/stress.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>

namespace {

TEST(CounterHidden, IncrementIfBelowUnderHeavyContention) {
    // Eight threads race to fill the counter up to a limit, many times over. Every round the
    // number of successful calls must equal the limit exactly, and the value must stop there.
    constexpr int kThreads = 8;
    constexpr std::int64_t kLimit = 1000;
    const int rounds = kata::scaled(40);
    for (int r = 0; r < rounds; ++r) {
        Counter c;
        std::atomic<std::int64_t> successes{0};
        kata::run_together(kThreads, [&](int) {
            while (c.increment_if_below(kLimit)) successes.fetch_add(1);
        });
        ASSERT_EQ(successes.load(), kLimit) << "round " << r << ": successful calls != limit";
        ASSERT_EQ(c.value(), kLimit) << "round " << r << ": the counter passed the limit";
    }
}

}  // namespace
