#pragma once
/// Time as a dependency: student code that waits takes a `kata::Clock&`, so the harness can test
/// exact arithmetic on a FakeClock (no real waiting, every sleep recorded) and real behaviour on
/// a SteadyClock.
///
/// Contract shared by both clocks: now() never goes backwards; sleep_for(d) with d <= 0 returns
/// at once; sleep_until(t) returns no earlier than t on this clock.

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace kata {

class Clock {
  public:
    using duration = std::chrono::nanoseconds;
    using time_point = std::chrono::time_point<std::chrono::steady_clock, duration>;

    virtual ~Clock() = default;
    virtual time_point now() = 0;
    virtual void sleep_for(duration d) = 0;
    virtual void sleep_until(time_point t) = 0;
};

/// The real monotonic clock; sleeps block the calling thread.
class SteadyClock final : public Clock {
  public:
    time_point now() override { return std::chrono::steady_clock::now(); }
    void sleep_for(duration d) override {
        if (d > duration::zero()) std::this_thread::sleep_for(d);
    }
    void sleep_until(time_point t) override { std::this_thread::sleep_until(t); }
};

/// A deterministic clock. Time moves only through advance() or a sleep: a sleep advances
/// virtual time by exactly the requested amount, returns at once, and is recorded. Safe to share
/// between threads (each call is serialised).
class FakeClock final : public Clock {
  public:
    explicit FakeClock(time_point start = time_point{} + std::chrono::hours(1)) : now_(start) {}

    time_point now() override {
        std::lock_guard lock(mutex_);
        return now_;
    }
    void sleep_for(duration d) override {
        std::lock_guard lock(mutex_);
        const duration step = std::max(d, duration::zero());
        sleeps_.push_back(step);
        now_ += step;
    }
    void sleep_until(time_point t) override {
        std::lock_guard lock(mutex_);
        const duration step = std::max(t - now_, duration::zero());
        sleeps_.push_back(step);
        now_ += step;
    }

    /// Moves time forward without recording a sleep (time passing while nobody waits).
    void advance(duration d) {
        std::lock_guard lock(mutex_);
        now_ += d;
    }
    /// Every sleep requested so far, in call order.
    std::vector<duration> sleeps() const {
        std::lock_guard lock(mutex_);
        return sleeps_;
    }
    /// Total virtual time spent sleeping.
    duration slept() const {
        std::lock_guard lock(mutex_);
        duration total{};
        for (auto s : sleeps_) total += s;
        return total;
    }

  private:
    mutable std::mutex mutex_;
    time_point now_;
    std::vector<duration> sleeps_;
};

}  // namespace kata
