#pragma once
/// A shared virtual timeline for simulations with many threads (the thundering-herd test).
///
/// Unlike kata::FakeClock, where every sleep moves the one clock forward at once, here a
/// sleeping thread really blocks until virtual time reaches its wake-up time, and virtual time
/// only moves when every participant is asleep (or has left): it then jumps to the earliest
/// wake-up time and releases exactly the threads due then. This is a small discrete-event
/// simulation, so 100 clients can back off for seconds of virtual time in a few milliseconds of
/// real time, and the order of events does not depend on how the OS schedules the threads.
///
/// Usage: construct with the number of participant threads; each participant calls leave()
/// when it is finished. Time does not move while any participant is running.

#include <kata/clock.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>

namespace retry_harness {

class VirtualClock final : public kata::Clock {
  public:
    explicit VirtualClock(int participants, time_point start = time_point{} + std::chrono::hours(1))
        : now_(start), running_(participants) {}

    time_point now() override {
        std::lock_guard lock(mutex_);
        return now_;
    }

    void sleep_for(duration d) override {
        std::unique_lock lock(mutex_);
        block_until(lock, now_ + std::max(d, duration::zero()));
    }

    void sleep_until(time_point t) override {
        std::unique_lock lock(mutex_);
        block_until(lock, t);
    }

    /// The calling participant is done; time may move without it.
    void leave() {
        std::lock_guard lock(mutex_);
        --running_;
        advance_if_idle();
    }

  private:
    struct Sleeper {
        std::condition_variable wake;
        bool due = false;
    };

    void block_until(std::unique_lock<std::mutex>& lock, time_point t) {
        if (t <= now_) return;  // a zero wait yields nothing: time only moves when all sleep
        Sleeper self;
        sleepers_.emplace(t, &self);
        --running_;
        advance_if_idle();
        self.wake.wait(lock, [&] { return self.due; });
    }

    /// Called with the mutex held. When nobody runs, jump to the earliest wake-up and release
    /// every sleeper due at that instant (counting them as running before anyone else can
    /// observe an idle timeline).
    void advance_if_idle() {
        if (running_ < 0)
            throw std::logic_error("VirtualClock: more leave()/sleeps than participants");
        if (running_ > 0 || sleepers_.empty()) return;
        now_ = sleepers_.begin()->first;
        while (!sleepers_.empty() && sleepers_.begin()->first <= now_) {
            Sleeper* s = sleepers_.begin()->second;
            sleepers_.erase(sleepers_.begin());
            s->due = true;
            ++running_;
            s->wake.notify_one();
        }
    }

    std::mutex mutex_;
    time_point now_;
    int running_;
    std::multimap<time_point, Sleeper*> sleepers_;
};

}  // namespace retry_harness
