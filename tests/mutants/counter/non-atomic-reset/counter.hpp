#pragma once
// Mutant: reset() reads and then zeroes in two atomic steps; increments in between vanish.
#include <atomic>
#include <cstdint>

class Counter {
public:
    void increment() { total_.fetch_add(1); }
    void add(std::int64_t n) { total_.fetch_add(n); }
    std::int64_t value() const { return total_.load(); }
    std::int64_t reset() {
        const std::int64_t old = total_.load();
        total_.store(0);
        return old;
    }
    bool increment_if_below(std::int64_t limit) {
        std::int64_t seen = total_.load();
        while (seen < limit) {
            if (total_.compare_exchange_weak(seen, seen + 1)) return true;
        }
        return false;
    }

private:
    std::atomic<std::int64_t> total_{0};
};
