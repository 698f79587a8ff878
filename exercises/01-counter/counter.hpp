#pragma once
// Kata 01 - a counter that many threads update at once.
// Read README.md in this folder, then make every method below thread-safe.
#include <cstdint>

class Counter {
  public:
    /// Adds one.
    void increment() {
        // TODO: make this safe when many threads call it at once.
    }

    /// Adds n (n may be zero).
    void add(std::int64_t n) {
        (void)n;  // TODO
    }

    /// The current total. Safe to call while other threads increment.
    std::int64_t value() const {
        return 0;  // TODO
    }

    /// Sets the total back to zero and returns the value it replaced, as one indivisible step:
    /// every increment is counted either in a returned value or in the total that follows.
    std::int64_t reset() {
        return 0;  // TODO
    }

    /// Adds one only if the total is below `limit`; returns whether it did. The total must never
    /// exceed `limit` through this method, whatever the interleaving.
    bool increment_if_below(std::int64_t limit) {
        (void)limit;
        return false;  // TODO
    }
};
