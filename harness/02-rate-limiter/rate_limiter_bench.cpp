// Kata 02 timing: what one try_acquire() costs, uncontended and with 2 threads hammering the same
// bucket, against a minimal mutex-protected token bucket measured in the same run. Both read the
// same real clock and both buckets are configured so that every call succeeds, so the comparison
// is about the cost of the admission path itself. exercise.yaml compares CPU time per call, which
// other processes on a busy machine disturb far less than wall time.
#include "token_bucket.hpp"

#include <kata/clock.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <mutex>

namespace {

// A rate and burst so large that the bucket never runs dry during a benchmark run.
constexpr double kRate = 1e12;
constexpr double kBurst = 1e12;

/// The baseline: the plainest correct bucket, one mutex, one clock read, one refill.
class MutexBucket {
  public:
    explicit MutexBucket(kata::Clock& clock) : clock_(clock), last_(clock.now()) {}

    bool try_acquire() {
        std::lock_guard lock(mutex_);
        const auto now = clock_.now();
        if (now > last_) {
            tokens_ = std::min(
                kBurst, tokens_ + std::chrono::duration<double>(now - last_).count() * kRate);
            last_ = now;
        }
        if (tokens_ < 1.0) return false;
        tokens_ -= 1.0;
        return true;
    }

  private:
    kata::Clock& clock_;
    std::mutex mutex_;
    double tokens_ = kBurst;
    kata::Clock::time_point last_;
};

kata::SteadyClock g_clock;
MutexBucket g_baseline(g_clock);
TokenBucket g_student(kRate, kBurst, g_clock);

void BM_MutexBucketBaseline(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(g_baseline.try_acquire());
}

void BM_StudentTryAcquire(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(g_student.try_acquire());
}

BENCHMARK(BM_MutexBucketBaseline)->UseRealTime();
BENCHMARK(BM_StudentTryAcquire)->UseRealTime();
BENCHMARK(BM_MutexBucketBaseline)->Threads(2)->UseRealTime();
BENCHMARK(BM_StudentTryAcquire)->Threads(2)->UseRealTime();

}  // namespace
