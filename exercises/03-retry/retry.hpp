#pragma once
// Kata 03 - retry with capped exponential backoff and jitter.
// Read README.md in this folder first. The types below are complete; the places marked TODO
// are yours: the random source, the delay formulas and retry() itself.
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
    explicit RandomSource(std::uint64_t seed) {
        (void)seed;  // TODO: seed a random engine (std::mt19937_64 is a good choice)
    }
    RandomSource(const RandomSource&) = delete;
    RandomSource& operator=(const RandomSource&) = delete;

    /// A duration drawn uniformly from [lo, hi], both ends included; requires lo <= hi.
    /// Safe to call from many threads at once.
    Duration uniform(Duration lo, Duration hi) {
        (void)hi;
        return lo;  // TODO
    }
};

/// The delay after failure number `failed_attempts` (1 = after the first attempt) without
/// jitter: min(max_delay, initial_delay * multiplier^(failed_attempts - 1)). Must not
/// overflow, however large `failed_attempts` is.
inline Duration base_delay(const BackoffPolicy& policy, int failed_attempts) {
    (void)policy;
    (void)failed_attempts;
    return Duration::zero();  // TODO
}

/// The delay to wait after failure number `failed_attempts`, with the policy's jitter.
/// `previous` is the delay waited before (zero if none); only Jitter::decorrelated uses it.
inline Duration next_delay(const BackoffPolicy& policy, int failed_attempts, Duration previous,
                           RandomSource& random) {
    (void)policy;
    (void)failed_attempts;
    (void)previous;
    (void)random;
    return Duration::zero();  // TODO
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
template <class Operation>
std::invoke_result_t<Operation&> retry(Operation&& operation, const BackoffPolicy& policy,
                                       const RetryContext& ctx) {
    (void)operation;
    (void)policy;
    (void)ctx;
    throw std::logic_error("retry(): not implemented yet");  // TODO
}

}  // namespace retry_kata
