#pragma once
// Mutant: every step is atomic, but increment_if_below checks and increments in two steps,
// so two threads can both see "below the limit" and both increment.
#include <atomic>
#include <cstdint>

class Counter {
public:
    void increment() { total_.fetch_add(1); }
    void add(std::int64_t n) { total_.fetch_add(n); }
    std::int64_t value() const { return total_.load(); }
    std::int64_t reset() { return total_.exchange(0); }
    bool increment_if_below(std::int64_t limit) {
        if (total_.load() >= limit) return false;
        total_.fetch_add(1);
        return true;
    }

private:
    std::atomic<std::int64_t> total_{0};
};
