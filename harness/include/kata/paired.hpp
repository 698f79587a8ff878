#pragma once
/// Paired timing: the student's code and a baseline run alternately (A B B A ...) in short
/// phases, and each adjacent pair gives one ratio. Noise from other processes hits both halves
/// of a pair alike, so the median of the pair ratios is far steadier on a busy 2-core machine
/// than two separately timed benchmarks (the idea behind timing reference and student binaries
/// alternately).

#include <kata/cpu_time.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <latch>
#include <thread>
#include <vector>

namespace kata {

/// Runs `body(thread_index)` on `threads` threads that start together; returns the wall time
/// from the common start until the last thread finished. Thread creation is not timed.
template <class Body>
std::chrono::nanoseconds time_together(int threads, Body body) {
    std::latch ready(threads + 1);
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
        pool.emplace_back([&, i] {
            ready.count_down();
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            body(i);
        });
    }
    ready.arrive_and_wait();
    const auto start = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    for (auto& t : pool) t.join();
    return std::chrono::steady_clock::now() - start;
}

/// How many cores `threads` busy threads really got: they spin together for `window`, and the
/// sum of their CPU times is divided by the wall time. On an idle machine with enough cores it
/// is close to `threads`; it drops when other programs compete for the cores (on 2 cores, two
/// spinners got 1.88-1.96 idle and about 0.96 beside one unrelated busy loop). A benchmark
/// whose threads must run in parallel reports it, so the grader can tell a busy machine from a
/// slow solution.
inline double free_cores(int threads,
                         std::chrono::milliseconds window = std::chrono::milliseconds(40)) {
    std::vector<std::chrono::nanoseconds> cpu(static_cast<std::size_t>(threads));
    const auto wall = time_together(threads, [&](int i) {
        const auto cpu0 = thread_cpu_time();
        const auto until = std::chrono::steady_clock::now() + window;
        while (std::chrono::steady_clock::now() < until) {
        }
        cpu[static_cast<std::size_t>(i)] = thread_cpu_time() - cpu0;
    });
    CpuUsage usage{wall, {}};
    for (const auto& c : cpu) usage.cpu += c;
    return usage.fraction();
}

/// Times `student` and `baseline` (each a callable returning a duration) alternately for
/// `rounds` rounds, swapping the order every round, and returns the median of the per-round
/// ratios student / baseline.
template <class Student, class Baseline>
double paired_ratio(int rounds, Student student, Baseline baseline) {
    std::vector<double> ratios;
    ratios.reserve(static_cast<std::size_t>(rounds));
    for (int r = 0; r < rounds; ++r) {
        std::chrono::nanoseconds s{};
        std::chrono::nanoseconds b{};
        if (r % 2 == 0) {
            s = student();
            b = baseline();
        } else {
            b = baseline();
            s = student();
        }
        if (b.count() > 0)
            ratios.push_back(static_cast<double>(s.count()) / static_cast<double>(b.count()));
    }
    if (ratios.empty()) return 0.0;
    std::nth_element(ratios.begin(), ratios.begin() + static_cast<long>(ratios.size() / 2),
                     ratios.end());
    return ratios[ratios.size() / 2];
}

}  // namespace kata
