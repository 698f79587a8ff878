#pragma once
// Kata 02 mutant: tokens are whole numbers. Each refill adds the whole tokens earned since the
// last call and drops the fraction, so a bucket that is polled often earns less than its rate.
//
// (Below: the reference solution's notes, which no longer all hold.)
//
// The bucket holds a (fractional) number of tokens and the time it was last brought up to date.
// Every operation first "refills": it adds rate x (now - last) tokens, capped at the burst, and
// moves `last` to now. Refill, check and take happen under one mutex, so no two threads can both
// see the same token and both take it.
//
// Waiting uses reservations: acquire() takes its tokens at once, even when that drives the
// balance below zero, and then sleeps until the refill has paid the debt back. Each waiter
// therefore wakes exactly once, in the order it asked, and a late wake-up costs nothing: the
// refill is computed from the clock, not from when anyone woke. try_acquire() refuses while
// there is debt, so it never jumps the queue of sleeping acquire() callers.
#include <kata/clock.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

class TokenBucket {
  public:
    using duration = kata::Clock::duration;

    TokenBucket(double rate_per_second, double burst, kata::Clock& clock)
        : rate_(rate_per_second), burst_(burst), clock_(clock) {
        if (!std::isfinite(rate_per_second) || rate_per_second <= 0.0) {
            throw std::invalid_argument(
                "TokenBucket: rate_per_second must be a finite number above 0, got " +
                std::to_string(rate_per_second));
        }
        if (!std::isfinite(burst) || burst < 1.0) {
            throw std::invalid_argument(
                "TokenBucket: burst must be a finite number of at least 1, got " +
                std::to_string(burst));
        }
        tokens_ = burst_;
        last_ = clock_.now();
    }

    TokenBucket(const TokenBucket&) = delete;
    TokenBucket& operator=(const TokenBucket&) = delete;

    bool try_acquire(std::int64_t n = 1) {
        const double need = checked(n);
        std::lock_guard lock(mutex_);
        refill_locked();
        if (tokens_ + kSlack < need) return false;
        tokens_ -= need;
        return true;
    }

    duration acquire(std::int64_t n = 1) {
        const double need = checked(n);
        const auto start = clock_.now();
        duration wait{};
        {
            std::lock_guard lock(mutex_);
            refill_locked();
            wait = wait_for_locked(need);
            tokens_ -= need;  // the reservation: the debt is paid back by the refill while we sleep
        }
        if (wait > duration::zero()) clock_.sleep_for(wait);
        return clock_.now() - start;
    }

    bool try_acquire_for(std::int64_t n, duration timeout) {
        const double need = checked(n);
        duration wait{};
        {
            std::lock_guard lock(mutex_);
            refill_locked();
            wait = wait_for_locked(need);
            // Decided at once: nothing taken, nothing slept. A negative timeout means "no wait".
            if (wait > std::max(timeout, duration::zero())) return false;
            tokens_ -= need;
        }
        if (wait > duration::zero()) clock_.sleep_for(wait);
        return true;
    }

    double available() {
        std::lock_guard lock(mutex_);
        refill_locked();
        return tokens_;
    }

  private:
    // Absorbs the rounding of many small refills (0.1 + 0.2 != 0.3): a bucket that has earned
    // 2.9999999999 tokens by arithmetic that should give 3 still grants 3.
    static constexpr double kSlack = 1e-9;

    double checked(std::int64_t n) const {
        if (n < 0 || static_cast<double>(n) > burst_) {
            throw std::invalid_argument("TokenBucket: a request for " + std::to_string(n) +
                                        " tokens can never be granted by a bucket whose burst is " +
                                        std::to_string(burst_));
        }
        return static_cast<double>(n);
    }

    void refill_locked() {
        const auto now = clock_.now();
        if (now <= last_) return;
        // Seconds as a double: no integer overflow however long the bucket sat idle, and no
        // truncation of the fraction of a token earned since the last call.
        const double earned = std::chrono::duration<double>(now - last_).count() * rate_;
        // BUG: the fraction of a token earned since the last call is thrown away.
        tokens_ = std::min(burst_, tokens_ + std::trunc(earned));
        last_ = now;
    }

    /// How long until `need` tokens are there, assuming nobody else takes any.
    duration wait_for_locked(double need) const {
        const double missing = need - tokens_;
        if (missing <= kSlack) return duration::zero();
        const double nanos = std::ceil(missing / rate_ * 1e9);
        return duration(static_cast<duration::rep>(nanos));
    }

    const double rate_;
    const double burst_;
    kata::Clock& clock_;
    std::mutex mutex_;
    double tokens_ = 0.0;
    kata::Clock::time_point last_{};
};

/// Calls `fetch(url)` for every URL from up to `workers` threads, starting at most `per_second`
/// calls per second (a TokenBucket with burst 1 spaces them evenly), and returns the results in
/// the order of `urls`. If a fetch throws, no new fetch starts, the workers are joined and the
/// first exception is rethrown.
inline std::vector<std::string> fetch_all(
    const std::vector<std::string>& urls, double per_second,
    const std::function<std::string(const std::string&)>& fetch, kata::Clock& clock,
    int workers = 4) {
    if (workers < 1) throw std::invalid_argument("fetch_all: workers must be at least 1");
    TokenBucket bucket(per_second, 1.0, clock);  // also validates per_second
    std::vector<std::string> results(urls.size());
    if (urls.empty()) return results;

    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_mutex;
    std::exception_ptr first_error;

    auto work = [&] {
        while (!failed.load()) {
            const std::size_t i = next.fetch_add(1);
            if (i >= urls.size()) return;
            bucket.acquire();
            if (failed.load()) return;
            try {
                results[i] = fetch(urls[i]);  // each index is written by exactly one worker
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!first_error) first_error = std::current_exception();
                failed.store(true);
            }
        }
    };
    {
        const std::size_t count = std::min(urls.size(), static_cast<std::size_t>(workers));
        std::vector<std::jthread> pool;
        pool.reserve(count);
        for (std::size_t i = 0; i < count; ++i) pool.emplace_back(work);
    }  // jthreads join here; their writes to `results` happen-before the return below
    if (first_error) std::rethrow_exception(first_error);
    return results;
}
