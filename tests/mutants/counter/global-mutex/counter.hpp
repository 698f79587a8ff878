#pragma once
// Mutant: correct, but every operation takes one global lock: as slow as the baseline.
#include <cstdint>
#include <mutex>

class Counter {
public:
    void increment() {
        std::lock_guard lock(mutex_);
        ++total_;
    }
    void add(std::int64_t n) {
        std::lock_guard lock(mutex_);
        total_ += n;
    }
    std::int64_t value() const {
        std::lock_guard lock(mutex_);
        return total_;
    }
    std::int64_t reset() {
        std::lock_guard lock(mutex_);
        const std::int64_t old = total_;
        total_ = 0;
        return old;
    }
    bool increment_if_below(std::int64_t limit) {
        std::lock_guard lock(mutex_);
        if (total_ >= limit) return false;
        ++total_;
        return true;
    }

private:
    mutable std::mutex mutex_;
    std::int64_t total_ = 0;
};
