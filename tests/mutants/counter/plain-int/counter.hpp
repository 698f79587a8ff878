#pragma once
// Mutant: a plain integer. Every method is a non-atomic read-modify-write or read.
#include <cstdint>

class Counter {
public:
    void increment() { ++total_; }
    void add(std::int64_t n) { total_ += n; }
    std::int64_t value() const { return total_; }
    std::int64_t reset() {
        const std::int64_t old = total_;
        total_ = 0;
        return old;
    }
    bool increment_if_below(std::int64_t limit) {
        if (total_ >= limit) return false;
        ++total_;
        return true;
    }

private:
    std::int64_t total_ = 0;
};
