#pragma once
// Kata 08 harness support: jobs that report on themselves (a Probe), a bounded call that never
// lets a scope that does not return freeze the test binary, and the bounds the tests hold the
// student's scopes to.
//
// Every job the harness hands to TaskGroup, gather or with_timeout counts itself while it runs
// (live, peak), notes when it started, when its token's stop was requested (a stop_callback
// registered as it starts), when it failed and when it ended; its guard's destructor is the
// job's "finally" and counts as its cleanup. So the harness knows, at the moment a scope
// returns, whether any child is still alive, whether every cleanup ran, and how long the
// cancellation took to reach each sibling after the first failure.
#include "task_group.hpp"

#include <kata/sim_tasks.hpp>
#include <kata/stress.hpp>
#include <kata/threads.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sc {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using kata::tasks::Cancelled;

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SC_SANITIZED_BUILD 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SC_SANITIZED_BUILD 1
#endif
#ifdef SC_SANITIZED_BUILD
constexpr std::int64_t kSanitizedFactor = 2;
#else
constexpr std::int64_t kSanitizedFactor = 1;
#endif

/// The bounds are wide on purpose. They must hold on a busy two-core machine, where a woken
/// thread can wait for a core for a good part of a hundred milliseconds (measured: a 40 ms
/// timeout's scope returned after 203 ms at a load average of 10, with two compilers running),
/// and the designs they catch are late by seconds: a child nobody cancels sleeps kLong.
///
/// From the first failure (or the cancellation) to the moment every sibling's token has been
/// stopped. The reference takes microseconds.
constexpr std::int64_t kStopBoundUs = 300000 * kSanitizedFactor;
/// From the first failure (or the cancellation, or the deadline) to the scope's return: every
/// child has noticed, cleaned up and been joined.
constexpr std::int64_t kReturnBoundUs = 500000 * kSanitizedFactor;
/// The same for the fan-out whose children are in the middle of digesting big pages (1,500
/// steps of 1 ms): a digest loop without a checkpoint runs 1.5 s or more past the failure.
constexpr std::int64_t kFanOutBoundUs = 400000 + 200000 * (kSanitizedFactor - 1);
/// From the last spawn() to the moment every child has started (spawn starts its child at
/// once; the reference takes well under a millisecond).
constexpr auto kStartBound = std::chrono::milliseconds(100 * kSanitizedFactor);
/// How long a long-running child would sleep if nothing cancelled it.
constexpr auto kLong = 3s;
/// How long the harness waits for a scope before giving up on it. Every bound above is well
/// under it (the longest scope a correct design runs takes about a quarter of a second, more
/// under the sanitizers), and it is short enough that a test of several scopes that all hang
/// still fails with its own message long before the per-test watchdog (exercise.yaml).
constexpr auto kGiveUp = 2500ms;

inline std::int64_t now_us() {
    static const Clock::time_point origin = Clock::now();
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - origin).count();
}

inline std::string ms(std::int64_t us) {
    std::ostringstream out;
    out.precision(us < 10000 ? 2 : 0);
    out << std::fixed << static_cast<double>(us) / 1000.0 << " ms";
    return out.str();
}

/// The exception the harness's failing jobs throw.
struct Boom : std::runtime_error {
    Boom(int id, const std::string& what) : std::runtime_error(what), id(id) {}
    int id;
};

/// Describes an exception_ptr for messages.
inline std::string describe(const std::exception_ptr& e) {
    if (!e) return "no exception (a null exception_ptr)";
    try {
        std::rethrow_exception(e);
    } catch (const Boom& b) {
        return "Boom from job " + std::to_string(b.id) + " (\"" + b.what() + "\")";
    } catch (const Cancelled&) {
        return "Cancelled";
    } catch (const TimedOut&) {
        return "TimedOut";
    } catch (const TaskGroupError& g) {
        return std::string("TaskGroupError (\"") + g.what() + "\")";
    } catch (const kata::tasks::FetchError& f) {
        return std::string("FetchError (\"") + f.what() + "\")";
    } catch (const std::exception& x) {
        return std::string("an exception: ") + x.what();
    } catch (...) {
        return "an exception of an unknown type";
    }
}

/// The id of the Boom inside `e`, or -1.
inline int boom_id(const std::exception_ptr& e) {
    if (!e) return -1;
    try {
        std::rethrow_exception(e);
    } catch (const Boom& b) {
        return b.id;
    } catch (...) {
        return -1;
    }
}

struct JobLog {
    std::int64_t start_us = -1;
    std::int64_t stop_us = -1;  ///< when its token's stop was requested
    std::int64_t fail_us = -1;  ///< when it threw its own error
    std::int64_t end_us = -1;   ///< when its cleanup ran
};

/// Makes jobs that report on themselves. Owned through a shared_ptr that every job holds, so a
/// job left running by a broken scope never touches freed memory.
class Probe : public std::enable_shared_from_this<Probe> {
  public:
    static std::shared_ptr<Probe> make() { return std::shared_ptr<Probe>(new Probe()); }

    /// A job that runs `plan` with its token inside the probe's bookkeeping.
    Job<int> job(int id, std::function<int(std::stop_token)> plan) {
        {
            std::lock_guard lock(mutex_);
            logs_[id] = JobLog{};
        }
        return [self = shared_from_this(), id, plan = std::move(plan)](std::stop_token t) -> int {
            self->arm_thread_exit();
            Guard guard(*self, id, t);
            return plan(t);
        };
    }
    /// Sleeps `d` (cancellable) and returns `value`.
    Job<int> sleeper(int id, Clock::duration d, int value = 0) {
        return job(id, [d, value](std::stop_token t) {
            kata::tasks::sleep_for(d, t);
            return value;
        });
    }
    /// Sleeps `after` (cancellable), then throws Boom(id).
    Job<int> failer(int id, Clock::duration after) {
        auto self = shared_from_this();
        return job(id, [self, id, after](std::stop_token t) -> int {
            kata::tasks::sleep_for(after, t);
            self->note_fail(id);
            throw Boom(id, "job " + std::to_string(id) + " failed");
        });
    }
    /// Sleeps kLong; when cancelled, takes `cleanup` to clean up (a sleep that ignores the
    /// token: closing a connection, say) and then lets Cancelled through.
    Job<int> slow_to_stop(int id, Clock::duration cleanup) {
        return job(id, [cleanup](std::stop_token t) -> int {
            try {
                kata::tasks::sleep_for(kLong, t);
            } catch (const Cancelled&) {
                std::this_thread::sleep_for(cleanup);
                throw;
            }
            return 0;
        });
    }
    /// Sleeps kLong; when cancelled, takes `extra` to clean up and then throws Boom(id) (a
    /// cleanup that fails: the error a group must attach, not drop).
    Job<int> fails_when_cancelled(int id, Clock::duration extra) {
        auto self = shared_from_this();
        return job(id, [self, id, extra](std::stop_token t) -> int {
            try {
                kata::tasks::sleep_for(kLong, t);
            } catch (const Cancelled&) {
                std::this_thread::sleep_for(extra);
                self->note_fail(id);
                throw Boom(id, "job " + std::to_string(id) + "'s cleanup failed");
            }
            return 0;
        });
    }

    int live() const { return live_.load(); }
    int peak() const { return peak_.load(); }
    int started() const { return started_.load(); }
    int cleaned() const { return cleaned_.load(); }
    /// Threads that ran one of this probe's jobs and have ended since (see note_thread_exits).
    int threads_ended() const { return threads_ended_.load(); }
    /// From now on, every thread that runs one of this probe's jobs counts itself in
    /// threads_ended() as it ends, `linger` after the job's own end (a thread_local destructor:
    /// the last thing a thread does). A scope that joins its children cannot return before
    /// that; a scope that detaches them and counts them down returns while they still exist.
    void note_thread_exits(Clock::duration linger) {
        std::lock_guard lock(mutex_);
        exit_linger_ = linger;
        note_exits_ = true;
    }
    JobLog log(int id) const {
        std::lock_guard lock(mutex_);
        auto it = logs_.find(id);
        return it == logs_.end() ? JobLog{} : it->second;
    }
    std::map<int, JobLog> logs() const {
        std::lock_guard lock(mutex_);
        return logs_;
    }

  private:
    Probe() = default;

    /// Runs when a thread that ran a job ends (after everything the thread did for the scope).
    struct ExitNote {
        std::shared_ptr<Probe> probe;
        Clock::duration linger{};
        ExitNote() = default;
        ExitNote(const ExitNote&) = delete;
        ExitNote& operator=(const ExitNote&) = delete;
        ~ExitNote() {
            if (!probe) return;
            std::this_thread::sleep_for(linger);
            probe->threads_ended_.fetch_add(1);
        }
    };
    void arm_thread_exit() {
        Clock::duration linger{};
        {
            std::lock_guard lock(mutex_);
            if (!note_exits_) return;
            linger = exit_linger_;
        }
        static thread_local ExitNote note;
        note.probe = shared_from_this();
        note.linger = linger;
    }

    class Guard {
      public:
        Guard(Probe& p, int id, const std::stop_token& t) : p_(p), id_(id), token_(t) {
            const int live = p_.live_.fetch_add(1) + 1;
            int seen = p_.peak_.load();
            while (seen < live && !p_.peak_.compare_exchange_weak(seen, live)) {
            }
            p_.started_.fetch_add(1);
            {
                std::lock_guard lock(p_.mutex_);
                p_.logs_[id_].start_us = now_us();
            }
            on_stop_.emplace(t, [this] {
                std::lock_guard lock(p_.mutex_);
                if (p_.logs_[id_].stop_us < 0) p_.logs_[id_].stop_us = now_us();
            });
        }
        ~Guard() {
            on_stop_.reset();
            {
                std::lock_guard lock(p_.mutex_);
                JobLog& log = p_.logs_[id_];
                log.end_us = now_us();
                // request_stop() runs the token's callbacks one after the other: the job's own
                // sleep may be woken (and the job gone) before this guard's callback had its
                // turn. The stop was requested by now, so now is a bound on when.
                if (log.stop_us < 0 && token_.stop_requested()) log.stop_us = log.end_us;
            }
            p_.cleaned_.fetch_add(1);
            p_.live_.fetch_sub(1);
        }
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;

      private:
        Probe& p_;
        int id_;
        std::stop_token token_;
        std::optional<std::stop_callback<std::function<void()>>> on_stop_;
    };

    void note_fail(int id) {
        std::lock_guard lock(mutex_);
        logs_[id].fail_us = now_us();
    }

    std::atomic<int> live_{0};
    std::atomic<int> peak_{0};
    std::atomic<int> started_{0};
    std::atomic<int> cleaned_{0};
    std::atomic<int> threads_ended_{0};
    bool note_exits_ = false;  // guarded by mutex_
    Clock::duration exit_linger_{};
    mutable std::mutex mutex_;
    std::map<int, JobLog> logs_;
};

/// What a bounded call saw.
struct Call {
    bool finished = false;     ///< returned (or threw) within the limit
    std::exception_ptr error;  ///< what it threw, if anything
    std::int64_t start_us = -1;
    std::int64_t end_us = -1;
    std::int64_t took_us() const { return end_us - start_us; }
};

/// Runs `body` on a thread of its own and waits for it at most `limit`. A body that does not
/// return in time is left behind (its thread detached, `finished` false): it must own what it
/// touches (shared_ptr captures).
inline Call call_within(std::function<void()> body, Clock::duration limit = kGiveUp) {
    struct State {
        std::mutex mutex;
        std::condition_variable cv;
        bool done = false;
        Call call;
    };
    auto state = std::make_shared<State>();
    state->call.start_us = now_us();
    std::thread runner([state, body = std::move(body)] {
        std::exception_ptr error;
        try {
            body();
        } catch (...) {
            error = std::current_exception();
        }
        const std::int64_t end = now_us();
        std::lock_guard lock(state->mutex);
        state->call.error = error;
        state->call.end_us = end;
        state->done = true;
        state->cv.notify_all();
    });
    std::unique_lock lock(state->mutex);
    if (!state->cv.wait_for(lock, limit, [&] { return state->done; })) {
        lock.unlock();
        runner.detach();
        Call late;
        late.start_us = state->call.start_us;
        return late;
    }
    Call out = state->call;
    out.finished = true;
    lock.unlock();
    runner.join();
    return out;
}

/// "did not return" message for a call that was given up on.
inline std::string not_returned(const std::string& what) {
    return what + " did not return within " +
           ms(std::chrono::duration_cast<std::chrono::microseconds>(kGiveUp).count()) +
           " (a child that is never cancelled, a join that never ends, or a wait for a child "
           "that was never started?)";
}

/// Messages about children still alive, or cleanups missing, when a scope returned.
inline std::string scope_clean(const Probe& probe, int live_at_return, int cleaned_at_return,
                               const std::string& scope) {
    std::ostringstream out;
    if (live_at_return > 0)
        out << live_at_return << " children were still running when " << scope
            << " returned: a scope waits for every child it started (join them; never detach). ";
    if (cleaned_at_return < probe.started())
        out << "only " << cleaned_at_return << " of the " << probe.started()
            << " children had finished their cleanup when " << scope << " returned. ";
    return out.str();
}

/// Waits (at most `limit`) until `cond` holds; true when it did.
inline bool eventually(const std::function<bool()>& cond, Clock::duration limit) {
    const auto until = Clock::now() + limit;
    while (!cond()) {
        if (Clock::now() >= until) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

/// The process's thread count once joined threads have left (kata/threads.hpp).
inline int settled_threads(int expected) {
    return kata::settled_thread_count(expected, 500ms);
}

inline std::string thread_leak(int before, int after, const std::string& scope) {
    if (after <= before) return "";
    return std::to_string(after - before) + " more threads existed after " + scope +
           " returned than before: every thread a scope starts (children, timers) must be "
           "joined before it returns. ";
}

}  // namespace sc
