#pragma once
// Mutant: every write holds the mutex, but value() reads without it ("it's only a read").
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
    std::int64_t value() const { return total_; }
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
