#pragma once
// Kata 02 - a token-bucket rate limiter shared by many threads.
// Read README.md in this folder, then implement every function below.
//
// Time comes only from `clock`: read it with clock.now() and wait with clock.sleep_for() or
// clock.sleep_until(). The tests hand you a fake clock whose sleeps return at once, so never
// call std::this_thread::sleep_for or std::chrono::steady_clock yourself.
#include <kata/clock.hpp>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

class TokenBucket {
  public:
    using duration = kata::Clock::duration;

    /// A bucket that earns `rate_per_second` tokens per second, holds at most `burst` tokens and
    /// starts full. Throws std::invalid_argument unless rate_per_second > 0, burst >= 1 and both
    /// are finite.
    TokenBucket(double rate_per_second, double burst, kata::Clock& clock) {
        (void)rate_per_second;
        (void)burst;
        (void)clock;  // TODO: keep what you need (a reference to the clock, not a copy)
    }

    TokenBucket(const TokenBucket&) = delete;
    TokenBucket& operator=(const TokenBucket&) = delete;

    /// Takes `n` tokens if they are all there right now and returns true; otherwise takes
    /// nothing and returns false. Never waits. Throws std::invalid_argument if n < 0 or
    /// n > burst (such a request could never succeed).
    bool try_acquire(std::int64_t n = 1) {
        (void)n;
        return false;  // TODO
    }

    /// Waits (sleeping on the clock, never spinning) until `n` tokens can be taken, takes them
    /// and returns how long it waited (zero when they were there already). Throws
    /// std::invalid_argument if n < 0 or n > burst, instead of waiting forever.
    duration acquire(std::int64_t n = 1) {
        (void)n;
        return duration::zero();  // TODO
    }

    /// Like acquire(), but never waits longer than `timeout`. If the tokens cannot be there
    /// within `timeout`, returns false at once, without sleeping and without taking anything.
    /// Throws std::invalid_argument like try_acquire().
    bool try_acquire_for(std::int64_t n, duration timeout) {
        (void)n;
        (void)timeout;
        return false;  // TODO
    }

    /// The tokens in the bucket right now (after refilling), a number between 0 and burst when
    /// nobody is waiting. For tests and monitoring.
    double available() {
        return 0.0;  // TODO
    }
};

/// Calls `fetch(url)` once for every URL, from up to `workers` threads, starting at most
/// `per_second` calls per second (use a TokenBucket with burst 1 so the calls are spread out),
/// and returns the results in the order of `urls`. If a fetch throws, starts no new fetch, waits
/// for the workers and rethrows the first exception. Throws std::invalid_argument for a bad
/// per_second or workers < 1.
inline std::vector<std::string> fetch_all(
    const std::vector<std::string>& urls, double per_second,
    const std::function<std::string(const std::string&)>& fetch, kata::Clock& clock,
    int workers = 4) {
    (void)urls;
    (void)per_second;
    (void)fetch;
    (void)clock;
    (void)workers;
    return {};  // TODO
}
