// Kata 01 timing: the student's Counter::increment against a mutex-protected integer, both
// hammered by 2 threads. The two run alternately in short phases and each adjacent pair gives a
// ratio (kata/paired.hpp); the benchmark reports the median ratio as the counter "ratio",
// which exercise.yaml grades. It also reports "free_cores", the cores two spinning threads got
// just before and just after (the smaller): with one core taken by another program the mutex
// baseline stops contending and the ratio of a correct lock-free counter rises, so the grader
// does not judge a run that lacked its two cores (`min_free_cores` in exercise.yaml), unless
// "uncontended_ratio" (the same pairing with one thread) shows that a call costs what a locked
// call costs even alone: that design cannot earn the points on any machine, busy or not.
#include "counter.hpp"

#include <kata/paired.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <mutex>

namespace {

constexpr int kThreads = 2;
constexpr int kOpsPerThread = 100000;
constexpr int kRoundsPerRepetition = 15;

/// The baseline: what one global lock costs on this machine, right now.
struct MutexCounter {
    std::mutex mutex;
    std::int64_t total = 0;
    void increment() {
        std::lock_guard lock(mutex);
        ++total;
    }
};

/// One thread alone: what a call costs before any contention (a lock costs the same either way).
template <class C>
std::chrono::nanoseconds alone(C& counter) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kOpsPerThread; ++i) counter.increment();
    return std::chrono::steady_clock::now() - t0;
}

template <class C>
std::chrono::nanoseconds hammer(C& counter) {
    return kata::time_together(kThreads, [&](int) {
        for (int i = 0; i < kOpsPerThread; ++i) counter.increment();
    });
}

void BM_IncrementRatio(benchmark::State& state) {
    double ratio = 0;
    double uncontended = 0;
    double cores = 0;
    for (auto _ : state) {
        cores = kata::free_cores(kThreads);
        Counter student;
        MutexCounter baseline;
        ratio = kata::paired_ratio(
            kRoundsPerRepetition, [&] { return hammer(student); },
            [&] { return hammer(baseline); });
        Counter student_alone;
        MutexCounter baseline_alone;
        uncontended = kata::paired_ratio(
            kRoundsPerRepetition, [&] { return alone(student_alone); },
            [&] { return alone(baseline_alone); });
        benchmark::DoNotOptimize(student);
        benchmark::DoNotOptimize(baseline.total);
        benchmark::DoNotOptimize(student_alone);
        benchmark::DoNotOptimize(baseline_alone.total);
        cores = std::min(cores, kata::free_cores(kThreads));
    }
    state.counters["ratio"] = ratio;
    state.counters["free_cores"] = cores;
    state.counters["uncontended_ratio"] = uncontended;
}

BENCHMARK(BM_IncrementRatio)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
