// Kata 01 timing: the student's Counter::increment against a mutex-protected integer measured
// in the same run, both hammered by 2 threads. The grader compares the two (see exercise.yaml).
#include "counter.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <mutex>

namespace {

/// The baseline: what a single global lock costs on this machine, right now.
struct MutexCounter {
    std::mutex mutex;
    std::int64_t total = 0;
    void increment() {
        std::lock_guard lock(mutex);
        ++total;
    }
};

MutexCounter g_baseline;
Counter g_student;

void BM_MutexBaseline(benchmark::State& state) {
    for (auto _ : state) g_baseline.increment();
    benchmark::DoNotOptimize(g_baseline.total);
}

void BM_StudentIncrement(benchmark::State& state) {
    for (auto _ : state) g_student.increment();
    benchmark::DoNotOptimize(g_student);
}

BENCHMARK(BM_MutexBaseline)->Threads(2)->UseRealTime();
BENCHMARK(BM_StudentIncrement)->Threads(2)->UseRealTime();

}  // namespace
