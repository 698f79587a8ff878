#pragma once
// Real runs of litmus tests (EXPLORE_LITMUS in kata/explore.hpp), in jcstress's way: two
// threads each run one actor over a batch of fresh objects, starting together, so that the two
// actors on the same object often run at the same time on two cores; then the outcomes of the
// batch are counted, and the next batch starts. Only the stress build includes this (compiled
// without instrumentation, so the atomics are the hardware's, memory orders and all).
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <thread>

namespace explore {

/// Outcome text -> how many runs ended with it.
using Histogram = std::map<std::string, long>;

struct Litmus {
    const char* name;
    const char* description;
    const char* relaxed;  ///< outcomes only a weak memory order allows, '|' between them
    Histogram (*stress)(long runs, double seconds);
};

/// Adds a litmus test to the stress binary's list (called by EXPLORE_LITMUS before main).
int register_litmus(const Litmus& litmus);

namespace detail {

using clock_rep = std::chrono::steady_clock::rep;

/// Two threads meet here before and after each batch. Spins (both threads are meant to be on
/// a core each), yielding now and then so that a machine with one free core still finishes.
class SpinBarrier {
  public:
    /// Returns once both threads arrived: at the same moment on the steady clock (the last to
    /// arrive sets it a few microseconds ahead and both wait for it, as litmus7's timebase
    /// does), so that their next steps overlap even when one wakes later than the other.
    void arrive_and_wait() {
        using clock = std::chrono::steady_clock;
        const unsigned phase = phase_.load(std::memory_order_acquire);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) == 1) {
            arrived_.store(0, std::memory_order_relaxed);
            go_.store((clock::now() + std::chrono::microseconds(3)).time_since_epoch().count(),
                      std::memory_order_relaxed);
            phase_.store(phase + 1, std::memory_order_release);
        } else {
            for (unsigned spins = 0; phase_.load(std::memory_order_acquire) == phase; ++spins) {
                if (spins % 256 == 255) sched_yield();
            }
        }
        const auto go = go_.load(std::memory_order_relaxed);
        while (clock::now().time_since_epoch().count() < go) {
        }
    }

  private:
    std::atomic<unsigned> arrived_{0};
    std::atomic<unsigned> phase_{0};
    std::atomic<clock_rep> go_{0};
};

}  // namespace detail

/// Runs `runs` objects of `T` (rounded up to whole batches) through T's two actors, the first
/// actor on one thread and the second on another, and counts how each ended; stops early after
/// the batch that ends past `seconds` (a machine with no free core is slow at this).
template <class T>
Histogram stress_litmus(long runs, double seconds) {
    constexpr long kBatch = 64;
    const long batches = (runs + kBatch - 1) / kBatch;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(seconds));
    std::unique_ptr<T[]> objects(new T[kBatch]);
    detail::SpinBarrier barrier;
    std::atomic<bool> stop{false};  // set by the first thread before the barrier it reads it after
    Histogram seen;
    auto second = std::thread([&] {
        while (true) {
            barrier.arrive_and_wait();
            if (stop.load(std::memory_order_relaxed)) return;
            for (long i = 0; i < kBatch; ++i) objects[i].actor2();
            barrier.arrive_and_wait();
            barrier.arrive_and_wait();  // the first thread counts and renews the batch
        }
    });
    for (long b = 0;; ++b) {
        const bool last = b >= batches || std::chrono::steady_clock::now() >= deadline;
        stop.store(last, std::memory_order_relaxed);
        barrier.arrive_and_wait();
        if (last) break;
        for (long i = 0; i < kBatch; ++i) objects[i].actor1();
        barrier.arrive_and_wait();
        char text[256];
        for (long i = 0; i < kBatch; ++i) {
            objects[i].outcome(text, sizeof text);
            ++seen[text];
            objects[i].~T();
            new (&objects[i]) T();
        }
        barrier.arrive_and_wait();
    }
    second.join();
    return seen;
}

}  // namespace explore
