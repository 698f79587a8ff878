#pragma once
// Kata 01 - reference solution.
//
// One std::atomic holds the total. Each operation is a single atomic read-modify-write, so
// no update is lost (increment, add), no increment is counted twice or missed across a reset
// (exchange), and increment_if_below's check and its increment cannot be separated by another
// thread (a compare-exchange loop retries when the value moved under us).
#include <atomic>
#include <cstdint>

class Counter {
  public:
    void increment() { total_.fetch_add(1, std::memory_order_relaxed); }

    void add(std::int64_t n) { total_.fetch_add(n, std::memory_order_relaxed); }

    std::int64_t value() const { return total_.load(std::memory_order_relaxed); }

    std::int64_t reset() { return total_.exchange(0, std::memory_order_relaxed); }

    bool increment_if_below(std::int64_t limit) {
        std::int64_t seen = total_.load(std::memory_order_relaxed);
        while (seen < limit) {
            // On failure compare_exchange_weak reloads `seen`, and the loop re-checks the limit.
            if (total_.compare_exchange_weak(seen, seen + 1, std::memory_order_relaxed)) {
                return true;
            }
        }
        return false;
    }

  private:
    // Relaxed ordering is enough: the counter publishes no other data, it only counts.
    std::atomic<std::int64_t> total_{0};
};
