#pragma once
// Kata 03 - MUTANT (jitter_out_of_bounds): equal jitter adds uniform [0, base] instead of [0,
// base/2], exceeding the base delay
//
// The delay after the n-th failure is min(max_delay, initial_delay * multiplier^(n-1)),
// computed in floating point and compared with the cap before it is turned back into an
// integer duration, so that no attempt number can overflow. Jitter then picks a random delay
// inside a window derived from that value. The random engine is shared by every thread that
// retries with the same RandomSource, so a mutex guards it. Waits go through the clock when
// nobody can cancel them and through a condition variable that a stop request wakes otherwise.
#include <kata/clock.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <random>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <type_traits>
#include <utility>

namespace retry_kata {

using Duration = kata::Clock::duration;  // nanoseconds
using TimePoint = kata::Clock::time_point;

/// How the delay is randomised (see README.md for the formulas).
enum class Jitter { none, full, equal, decorrelated };

/// What to do between attempts. Plain data: many threads may read one policy at once.
struct BackoffPolicy {
    int max_attempts = 5;                                     // total calls, first one included
    Duration initial_delay = std::chrono::milliseconds(100);  // wait after the first failure
    double multiplier = 2.0;                                  // growth per failure, >= 1
    Duration max_delay = std::chrono::seconds(10);            // the cap, >= initial_delay
    Jitter jitter = Jitter::full;
};

/// A source of random durations that many threads may use at the same time.
class RandomSource {
  public:
    explicit RandomSource(std::uint64_t seed) : engine_(seed) {}
    RandomSource(const RandomSource&) = delete;
    RandomSource& operator=(const RandomSource&) = delete;

    /// A duration drawn uniformly from [lo, hi], both ends included; requires lo <= hi.
    /// Safe to call from many threads at once.
    Duration uniform(Duration lo, Duration hi) {
        if (hi < lo) throw std::invalid_argument("RandomSource::uniform: hi < lo");
        std::uniform_int_distribution<Duration::rep> pick(lo.count(), hi.count());
        // The engine's state changes on every draw: without the lock two threads would
        // read-modify-write it at the same time (a data race, and repeated or broken numbers).
        std::lock_guard lock(mutex_);
        return Duration(pick(engine_));
    }

  private:
    std::mutex mutex_;
    std::mt19937_64 engine_;
};

/// The delay after failure number `failed_attempts` (1 = after the first attempt) without
/// jitter: min(max_delay, initial_delay * multiplier^(failed_attempts - 1)). Must not
/// overflow, however large `failed_attempts` is.
inline Duration base_delay(const BackoffPolicy& policy, int failed_attempts) {
    if (failed_attempts < 1) failed_attempts = 1;
    const double cap = static_cast<double>(policy.max_delay.count());
    const double raw = static_cast<double>(policy.initial_delay.count()) *
                       std::pow(policy.multiplier, failed_attempts - 1);
    // `raw` may be huge or even infinite: compare it with the cap before converting, because
    // converting a double too large for an int64 is undefined behaviour.
    if (!(raw < cap)) return policy.max_delay;
    return Duration(static_cast<Duration::rep>(raw));
}

/// The delay to wait after failure number `failed_attempts`, with the policy's jitter.
/// `previous` is the delay waited before (zero if none); only Jitter::decorrelated uses it.
inline Duration next_delay(const BackoffPolicy& policy, int failed_attempts, Duration previous,
                           RandomSource& random) {
    const Duration base = base_delay(policy, failed_attempts);
    switch (policy.jitter) {
        case Jitter::none:
            return base;
        case Jitter::full:
            return random.uniform(Duration::zero(), base);
        case Jitter::equal: {
            const Duration half = base / 2;
            return half + random.uniform(Duration::zero(), base);
        }
        case Jitter::decorrelated: {
            const Duration low = std::min(policy.initial_delay, policy.max_delay);
            const Duration prev = previous > Duration::zero() ? previous : policy.initial_delay;
            // 3 x previous, saturating at the cap without overflowing.
            Duration high = prev > policy.max_delay / 3 ? policy.max_delay : prev * 3;
            if (high < low) high = low;
            return random.uniform(low, high);
        }
    }
    return base;
}

/// Why retry() gave up.
enum class GiveUpReason { exhausted, deadline, cancelled };

inline const char* to_string(GiveUpReason reason) {
    switch (reason) {
        case GiveUpReason::exhausted:
            return "attempts exhausted";
        case GiveUpReason::deadline:
            return "deadline reached";
        case GiveUpReason::cancelled:
            return "cancelled";
    }
    return "?";
}

/// Thrown by retry() when it gives up on retryable failures (never for a non-retryable one).
class RetryError : public std::runtime_error {
  public:
    RetryError(GiveUpReason reason, int attempts, std::exception_ptr last_error)
        : std::runtime_error(describe(reason, attempts, last_error)),
          reason_(reason),
          attempts_(attempts),
          last_error_(std::move(last_error)) {}

    GiveUpReason reason() const noexcept { return reason_; }
    /// How many times the operation was called.
    int attempts() const noexcept { return attempts_; }
    /// The error of the last attempt (null when no attempt was made).
    std::exception_ptr last_error() const noexcept { return last_error_; }

  private:
    static std::string describe(GiveUpReason reason, int attempts, const std::exception_ptr& last) {
        std::string text = "retry gave up (" + std::string(to_string(reason)) + ") after " +
                           std::to_string(attempts) + " attempt(s)";
        if (last) {
            try {
                std::rethrow_exception(last);
            } catch (const std::exception& e) {
                text += "; last error: ";
                text += e.what();
            } catch (...) {
                text += "; last error is not a std::exception";
            }
        }
        return text;
    }

    GiveUpReason reason_;
    int attempts_;
    std::exception_ptr last_error_;
};

/// What the observer is told just before retry() starts a wait.
struct RetryEvent {
    int attempt;               // the attempt that just failed (1 = the first)
    Duration delay;            // the wait about to start
    std::exception_ptr error;  // that attempt's error
};

/// Everything retry() needs from its surroundings.
struct RetryContext {
    kata::Clock& clock;                     // every reading of time and every uncancellable wait
    RandomSource& random;                   // may be shared by many threads
    std::stop_token stop{};                 // a stop request ends the retrying at once
    TimePoint deadline = TimePoint::max();  // on `clock`
    std::function<bool(const std::exception&)> is_retryable{};  // empty: all std::exception
    std::function<void(const RetryEvent&)> on_retry{};          // empty: nobody to tell
};

/// Calls `operation()` until it returns, retrying retryable failures with backoff; returns
/// what it returned. See README.md for the full contract.
namespace detail {

/// Waits `delay`; returns false when a stop was requested before or during the wait.
inline bool wait_or_stop(kata::Clock& clock, Duration delay, const std::stop_token& stop) {
    if (!stop.stop_possible()) {
        clock.sleep_for(delay);  // nobody can cancel: let the clock wait (and a fake one record)
        return true;
    }
    std::mutex mutex;
    std::condition_variable_any wakeup;
    std::unique_lock lock(mutex);
    // The predicate is never true: the wait ends on the timeout or on a stop request, and this
    // overload registers the stop callback that notifies the condition variable.
    wakeup.wait_for(lock, stop, delay, [] { return false; });
    return !stop.stop_requested();
}

inline void check_policy(const BackoffPolicy& p) {
    if (p.max_attempts < 1) throw std::invalid_argument("BackoffPolicy: max_attempts must be >= 1");
    if (p.initial_delay < Duration::zero())
        throw std::invalid_argument("BackoffPolicy: initial_delay must not be negative");
    if (!(p.multiplier >= 1.0))
        throw std::invalid_argument("BackoffPolicy: multiplier must be >= 1");
    if (p.max_delay < p.initial_delay)
        throw std::invalid_argument("BackoffPolicy: max_delay must be >= initial_delay");
}

}  // namespace detail

template <class Operation>
std::invoke_result_t<Operation&> retry(Operation&& operation, const BackoffPolicy& policy,
                                       const RetryContext& ctx) {
    detail::check_policy(policy);
    int attempts = 0;
    std::exception_ptr last_error;
    Duration previous = Duration::zero();
    for (;;) {
        if (ctx.stop.stop_requested()) {
            throw RetryError(GiveUpReason::cancelled, attempts, last_error);
        }
        ++attempts;
        try {
            return operation();
        } catch (const std::exception& e) {
            if (ctx.is_retryable && !ctx.is_retryable(e)) throw;  // at once, the same object
            last_error = std::current_exception();
        }
        // Anything else than a std::exception was not caught: it propagates unchanged.
        if (attempts >= policy.max_attempts) {
            throw RetryError(GiveUpReason::exhausted, attempts, last_error);
        }
        if (ctx.stop.stop_requested()) {
            throw RetryError(GiveUpReason::cancelled, attempts, last_error);
        }
        const Duration delay = next_delay(policy, attempts, previous, ctx.random);
        // Written as a difference so that a deadline of TimePoint::max() cannot overflow.
        if (ctx.deadline - ctx.clock.now() < delay) {
            throw RetryError(GiveUpReason::deadline, attempts, last_error);
        }
        if (ctx.on_retry) ctx.on_retry(RetryEvent{attempts, delay, last_error});
        previous = delay;
        if (!detail::wait_or_stop(ctx.clock, delay, ctx.stop)) {
            throw RetryError(GiveUpReason::cancelled, attempts, last_error);
        }
    }
}

}  // namespace retry_kata
