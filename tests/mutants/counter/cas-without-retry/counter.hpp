#pragma once
// Mutant: increment_if_below tries its compare-exchange once. When another thread moves the
// total between the load and the CAS, the CAS fails and the call answers "at the limit" although
// the total is still below it. No data race (TSan is silent) and a window of two instructions
// (the stress tests rarely land in it).
#include <atomic>
#include <cstdint>

class Counter {
public:
    void increment() { total_.fetch_add(1); }
    void add(std::int64_t n) { total_.fetch_add(n); }
    std::int64_t value() const { return total_.load(); }
    std::int64_t reset() { return total_.exchange(0); }
    bool increment_if_below(std::int64_t limit) {
        std::int64_t seen = total_.load();
        if (seen >= limit) return false;
        return total_.compare_exchange_weak(seen, seen + 1);
    }

private:
    std::atomic<std::int64_t> total_{0};
};
