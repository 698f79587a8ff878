// Kata 02 harness: the token bucket's arithmetic on a fake clock, its admission invariant under
// contention, its waiting behaviour in real time, and the fetch_all driver observed from the
// fetch callback the harness hands it.
#include "token_bucket.hpp"

#include <kata/clock.hpp>
#include <kata/cpu_time.hpp>
#include <kata/stress.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Duration = kata::Clock::duration;

double ms(Duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

/// ms(d) rounded for a failure message.
std::string shown_ms(Duration d) {
    return kata::for_people(ms(d));
}

double seconds(Duration d) {
    return std::chrono::duration<double>(d).count();
}

/// A FakeClock that notices busy-waiting. Code that waits correctly sleeps on the clock; code
/// that spins calls now() over and over without sleeping, which on a plain FakeClock would loop
/// forever because fake time only moves when someone sleeps. After kPollLimit consecutive now()
/// calls with no sleep in between, this clock records that the caller spins and moves time 10 ms
/// forward on every further call, so the spinning loop ends and the test can fail with a message.
class SpinDetectingClock final : public kata::Clock {
  public:
    static constexpr long kPollLimit = 100000;

    time_point now() override {
        if (polls_.fetch_add(1) + 1 > kPollLimit) {
            spun_.store(true);
            inner_.advance(10ms);
        }
        return inner_.now();
    }
    void sleep_for(duration d) override {
        polls_.store(0);
        inner_.sleep_for(d);
    }
    void sleep_until(time_point t) override {
        polls_.store(0);
        inner_.sleep_until(t);
    }
    void advance(duration d) {
        polls_.store(0);
        inner_.advance(d);
    }
    Duration slept() const { return inner_.slept(); }
    bool spun() const { return spun_.load(); }

  private:
    kata::FakeClock inner_;
    std::atomic<long> polls_{0};
    std::atomic<bool> spun_{false};
};

/// A clock that gives up the processor on every read. Reading the time is a natural point for
/// a thread to be switched out; this clock makes it a certain one, so that a bucket whose check
/// and take are separate steps is interleaved with other threads between them far more often
/// than by chance alone. Time itself comes from `Inner`.
template <class Inner>
class YieldingClock final : public kata::Clock {
  public:
    time_point now() override {
        std::this_thread::yield();
        return inner_.now();
    }
    void sleep_for(duration d) override { inner_.sleep_for(d); }
    void sleep_until(time_point t) override { inner_.sleep_until(t); }
    Inner& inner() { return inner_; }

  private:
    Inner inner_;
};

constexpr const char* kSpinMessage =
    "the code polled the clock 100000 times in a row without sleeping: it spins instead of "
    "sleeping on the clock (call clock.sleep_for()/sleep_until() for the time still missing)";

/// The real steady clock, plus a note of when each thread's latest sleep was meant to end. The
/// limiter admits a sleeping worker no earlier than that moment, so "fetch start - intended
/// wake-up" bounds how late the harness sees an admission; taken() consumes the note.
class WakeRecordingClock final : public kata::Clock {
  public:
    time_point now() override { return inner_.now(); }
    void sleep_for(duration d) override {
        const auto wake = inner_.now() + std::max(d, duration::zero());
        inner_.sleep_for(d);
        note(wake);
    }
    void sleep_until(time_point t) override {
        inner_.sleep_until(t);
        note(t);
    }
    /// How long after the calling thread's last intended wake-up `at` is (zero if it has not
    /// slept since the previous call).
    Duration taken(time_point at) {
        std::lock_guard lock(mutex_);
        const auto it = wakes_.find(std::this_thread::get_id());
        if (it == wakes_.end()) return Duration::zero();
        const Duration late = std::max(at - it->second, Duration::zero());
        wakes_.erase(it);
        return late;
    }

  private:
    void note(time_point wake) {
        std::lock_guard lock(mutex_);
        wakes_[std::this_thread::get_id()] = wake;
    }
    kata::SteadyClock inner_;
    std::mutex mutex_;
    std::map<std::thread::id, time_point> wakes_;
};

/// Measures how late this machine wakes sleeping threads right now. While it lives, a thread
/// sleeps 2 ms at a time and records the largest overshoot. Real-time tolerances below are
/// derived from it: on a loaded machine a worker admitted by the limiter may reach the fetch
/// (where the harness takes its timestamp) that much later, which bunches timestamps together.
class WakeupLatencyProbe {
  public:
    WakeupLatencyProbe()
        : thread_([this](std::stop_token stop) {
              while (!stop.stop_requested()) {
                  const auto before = std::chrono::steady_clock::now();
                  std::this_thread::sleep_for(2ms);
                  const auto late = std::chrono::steady_clock::now() - before - 2ms;
                  Duration seen = worst_.load();
                  while (late > seen && !worst_.compare_exchange_weak(seen, late)) {
                  }
              }
          }) {}
    /// The worst wake-up delay seen so far.
    Duration worst() const { return worst_.load(); }

  private:
    std::atomic<Duration> worst_{Duration::zero()};
    std::jthread thread_;  // declared last: joined before worst_ goes away
};

// ---------------------------------------------------------------------------------------------
// Contract: construction, request validation, starting state, all-or-nothing.

TEST(TokenBucketContract, RejectsAnInvalidConfiguration) {
    kata::FakeClock clock;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_THROW(TokenBucket(0.0, 5.0, clock), std::invalid_argument)
        << "a rate of 0 tokens per second would never refill: the constructor must refuse it";
    EXPECT_THROW(TokenBucket(-2.0, 5.0, clock), std::invalid_argument)
        << "a negative rate makes no sense: the constructor must refuse it";
    EXPECT_THROW(TokenBucket(nan, 5.0, clock), std::invalid_argument)
        << "a NaN rate must be refused";
    EXPECT_THROW(TokenBucket(inf, 5.0, clock), std::invalid_argument)
        << "an infinite rate must be refused (it is no limit at all)";
    EXPECT_THROW(TokenBucket(10.0, 0.5, clock), std::invalid_argument)
        << "a burst below 1 could never grant even a single token: it must be refused";
    EXPECT_THROW(TokenBucket(10.0, nan, clock), std::invalid_argument)
        << "a NaN burst must be refused";
    EXPECT_NO_THROW(TokenBucket(0.25, 1.0, clock)) << "rate 0.25/s with burst 1 is a valid bucket";
}

TEST(TokenBucketContract, RejectsRequestsLargerThanTheBurstInsteadOfHanging) {
    SpinDetectingClock clock;
    TokenBucket bucket(10.0, 3.0, clock);
    EXPECT_THROW(bucket.try_acquire(4), std::invalid_argument)
        << "try_acquire(4) on a bucket that holds at most 3 tokens can never succeed: it must "
           "throw";
    EXPECT_THROW(bucket.acquire(4), std::invalid_argument)
        << "acquire(4) on a bucket that holds at most 3 tokens would wait forever: it must throw";
    EXPECT_THROW(bucket.try_acquire_for(4, 10s), std::invalid_argument)
        << "try_acquire_for(4, ...) on a bucket that holds at most 3 tokens must throw";
    EXPECT_THROW(bucket.try_acquire(-1), std::invalid_argument) << "a negative request must throw";
    EXPECT_EQ(clock.slept(), Duration::zero()) << "a rejected request must not sleep first";
    EXPECT_FALSE(clock.spun()) << kSpinMessage;
    EXPECT_NEAR(bucket.available(), 3.0, 1e-9) << "rejected requests must not take any token";
    EXPECT_TRUE(bucket.try_acquire(3))
        << "a request of exactly the burst is valid and must succeed on a full bucket";
}

TEST(TokenBucketContract, StartsFullAndAdmitsExactlyTheBurst) {
    kata::FakeClock clock;  // time stands still: no refill at all
    TokenBucket bucket(10.0, 5.0, clock);
    EXPECT_NEAR(bucket.available(), 5.0, 1e-9) << "a new bucket must start full (burst tokens)";
    int admitted = 0;
    for (int i = 0; i < 10; ++i) admitted += bucket.try_acquire() ? 1 : 0;
    EXPECT_EQ(admitted, 5) << "with time standing still a bucket of burst 5 must admit exactly 5 "
                              "single-token requests out of 10";
    EXPECT_TRUE(bucket.try_acquire(0)) << "a request for 0 tokens always succeeds";
}

TEST(TokenBucketContract, TryAcquireIsAllOrNothing) {
    kata::FakeClock clock;
    TokenBucket bucket(10.0, 5.0, clock);
    ASSERT_TRUE(bucket.try_acquire(3)) << "a full bucket of 5 must grant 3 tokens";
    EXPECT_FALSE(bucket.try_acquire(3)) << "only 2 tokens are left, so a request for 3 must fail";
    EXPECT_NEAR(bucket.available(), 2.0, 1e-9)
        << "a failed try_acquire(3) must take nothing: partial grants would leak tokens";
    EXPECT_TRUE(bucket.try_acquire(2)) << "the 2 remaining tokens must still be there";
    EXPECT_FALSE(bucket.try_acquire(1)) << "the bucket is empty and time did not move";
}

// ---------------------------------------------------------------------------------------------
// Refill arithmetic on a fake clock: exact, with fractions, capped after long idle periods.

TEST(TokenBucketRefill, EarnsTokensInProportionToElapsedTimeIncludingFractions) {
    kata::FakeClock clock;
    TokenBucket bucket(2.5, 10.0, clock);
    ASSERT_TRUE(bucket.try_acquire(10)) << "a full bucket must grant its whole burst";
    clock.advance(400ms);
    EXPECT_NEAR(bucket.available(), 1.0, 1e-6) << "0.4 s at 2.5 tokens/s must earn exactly 1 token";
    clock.advance(200ms);
    EXPECT_NEAR(bucket.available(), 1.5, 1e-6)
        << "0.6 s at 2.5 tokens/s must give 1.5 tokens: the half token must be kept, not dropped";
    EXPECT_FALSE(bucket.try_acquire(2)) << "1.5 tokens are not enough for a request of 2";
    clock.advance(210ms);
    EXPECT_TRUE(bucket.try_acquire(2))
        << "after 0.81 s at 2.5 tokens/s there are 2.025 tokens; a request of 2 must succeed "
           "(a bucket that truncates to whole tokens at each refill has only 2 by luck, or less)";
    EXPECT_NEAR(bucket.available(), 0.025, 1e-6) << "the fraction left over must be kept";
}

TEST(TokenBucketRefill, KeepsFractionsAcrossManySmallRefills) {
    kata::FakeClock clock;
    TokenBucket bucket(3.0, 10.0, clock);
    ASSERT_TRUE(bucket.try_acquire(10));
    int admitted = 0;
    for (int step = 0; step < 300; ++step) {  // 300 steps of 7 ms = 2.1 s = 6.3 tokens
        clock.advance(7ms);
        if (bucket.try_acquire()) ++admitted;
    }
    EXPECT_EQ(admitted, 6)
        << "2.1 s at 3 tokens/s earns 6.3 tokens, polled every 7 ms (0.021 tokens per poll); the "
           "bucket admitted "
        << admitted
        << ". Fewer means the fraction earned at each refill was truncated away, so the real rate "
           "drifts below the configured one whenever the bucket is polled often";
    EXPECT_NEAR(bucket.available(), 0.3, 1e-6) << "0.3 of a token must be left over";
}

TEST(TokenBucketRefill, LongIdlePeriodsCapAtTheBurst) {
    kata::FakeClock clock;
    TokenBucket bucket(1000.0, 5.0, clock);
    ASSERT_TRUE(bucket.try_acquire(5));
    clock.advance(std::chrono::hours(24 * 30));
    EXPECT_LE(bucket.available(), 5.0 + 1e-9)
        << "after 30 idle days the bucket must hold at most its burst of 5, not rate x idle time";
    int admitted = 0;
    for (int i = 0; i < 20; ++i) admitted += bucket.try_acquire() ? 1 : 0;
    EXPECT_EQ(admitted, 5) << "after a long idle period the bucket admitted " << admitted
                           << " requests at once; the burst (5) bounds how many may pass together, "
                              "however long nobody asked";
}

TEST(TokenBucketRefill, HugeRatesAndIdlePeriodsDoNotOverflow) {
    kata::FakeClock clock;
    TokenBucket bucket(1e9, 1000.0, clock);
    ASSERT_TRUE(bucket.try_acquire(1000));
    clock.advance(std::chrono::hours(24 * 365 * 200));  // 200 years: about 6.3e18 ns
    const double tokens = bucket.available();
    EXPECT_TRUE(std::isfinite(tokens) && tokens >= 1000.0 - 1e-6 && tokens <= 1000.0 + 1e-6)
        << "1e9 tokens/s for 200 years must simply fill the bucket to its burst of 1000; got "
        << tokens << " (an integer product of nanoseconds and rate overflows)";
    EXPECT_TRUE(bucket.try_acquire(1000))
        << "the full burst must be grantable after the idle period";
    EXPECT_FALSE(bucket.try_acquire(1)) << "and then nothing more, since time stands still";
}

TEST(TokenBucketRefill, AcquireSleepsExactlyTheMissingTime) {
    SpinDetectingClock clock;
    TokenBucket bucket(4.0, 2.0, clock);
    ASSERT_TRUE(bucket.try_acquire(2));
    const Duration first = bucket.acquire();
    ASSERT_FALSE(clock.spun()) << kSpinMessage;
    EXPECT_NEAR(ms(first), 250.0, 0.1)
        << "an empty bucket earning 4 tokens/s has one token after 250 ms; acquire() returned "
        << shown_ms(first) << " ms";
    EXPECT_NEAR(ms(clock.slept()), 250.0, 0.1)
        << "acquire() must sleep on the clock for the missing 250 ms (it slept "
        << shown_ms(clock.slept()) << " ms in total)";
    const Duration second = bucket.acquire(2);
    EXPECT_NEAR(ms(second), 500.0, 0.1)
        << "2 missing tokens at 4 tokens/s take 500 ms; acquire(2) returned " << shown_ms(second)
        << " ms";
    clock.advance(75ms);  // 0.3 of a token
    const Duration partial = bucket.acquire();
    EXPECT_NEAR(ms(partial), 175.0, 0.1)
        << "with 0.3 tokens in the bucket only 0.7 of a token (175 ms) is missing; acquire() "
           "returned "
        << shown_ms(partial) << " ms";
    clock.advance(10s);
    const Duration before = clock.slept();
    EXPECT_EQ(bucket.acquire(), Duration::zero()) << "tokens were there: acquire() must not wait";
    EXPECT_EQ(clock.slept(), before) << "tokens were there: acquire() must not sleep";
    EXPECT_FALSE(clock.spun()) << kSpinMessage;
}

TEST(TokenBucketRefill, TryAcquireForNeverSleepsPastItsTimeout) {
    SpinDetectingClock clock;
    TokenBucket bucket(1.0, 1.0, clock);
    ASSERT_TRUE(bucket.try_acquire());
    EXPECT_FALSE(bucket.try_acquire_for(1, 100ms))
        << "the next token comes in 1 s, so try_acquire_for(1, 100 ms) must fail";
    EXPECT_EQ(clock.slept(), Duration::zero())
        << "try_acquire_for(1, 100 ms) slept " << shown_ms(clock.slept())
        << " ms: the wait (1 s) is known to exceed the timeout, so it must return false at once, "
           "and it must never sleep past its timeout";
    ASSERT_FALSE(clock.spun()) << kSpinMessage;
    EXPECT_NEAR(bucket.available(), 0.0, 1e-9) << "a failed try_acquire_for must take no token";

    const Duration before = clock.slept();
    EXPECT_TRUE(bucket.try_acquire_for(1, 1500ms))
        << "the token comes in 1 s, within the 1.5 s timeout: try_acquire_for must succeed";
    const Duration slept = clock.slept() - before;
    EXPECT_NEAR(ms(slept), 1000.0, 0.1)
        << "try_acquire_for must sleep just until the token is there (1000 ms), "
           "it slept "
        << shown_ms(slept) << " ms";
    EXPECT_FALSE(bucket.try_acquire_for(1, 990ms))
        << "the next token is 1 s away: a 990 ms timeout is too short";
    EXPECT_FALSE(bucket.try_acquire_for(1, Duration::zero()))
        << "a zero timeout on an empty bucket must fail like try_acquire()";
    clock.advance(1s);
    EXPECT_TRUE(bucket.try_acquire_for(1, Duration::zero()))
        << "a zero timeout with a token there must succeed";
    EXPECT_FALSE(clock.spun()) << kSpinMessage;
}

// ---------------------------------------------------------------------------------------------
// Contention: the check and the take must be one indivisible step.

TEST(TokenBucketConcurrency, FrozenTimeAdmitsExactlyTheBurstPerRound) {
    constexpr int kThreads = 8;
    constexpr int kBurst = 4;
    const int rounds = kata::scaled(1000);
    YieldingClock<kata::FakeClock>
        clock;  // frozen within a round: extra admissions are over-admissions
    TokenBucket bucket(1000.0, kBurst, clock);
    std::atomic<int> admitted{0};
    std::atomic<int> bad_rounds{0};
    int fewest = kBurst;
    int most = kBurst;
    int played = 0;
    bool stop = false;
    // Bounded in wall time as well: on a very busy machine every yield can cost a time slice.
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    std::barrier sync(kThreads, [&]() noexcept {
        const int got = admitted.exchange(0);
        if (got != kBurst) bad_rounds.fetch_add(1);
        fewest = std::min(fewest, got);
        most = std::max(most, got);
        ++played;
        // Refill to exactly the burst for the next round (the cap must hold the rest back).
        clock.inner().advance(std::chrono::milliseconds(2 * kBurst));
        stop = played >= rounds || bad_rounds.load() >= 3 ||
               std::chrono::steady_clock::now() > deadline;
    });
    kata::run_together(kThreads, [&](int) {
        for (;;) {
            while (bucket.try_acquire()) admitted.fetch_add(1);
            sync.arrive_and_wait();
            if (stop) return;  // written by the completion step, which happens-before release
        }
    });
    EXPECT_EQ(bad_rounds.load(), 0)
        << "in " << bad_rounds.load() << " of " << played << " rounds " << kThreads
        << " threads racing on a bucket holding " << kBurst
        << " tokens (time standing still) were not admitted exactly " << kBurst
        << " times (rounds admitted between " << fewest << " and " << most
        << "). More than the burst means two threads saw the same token before either took it: "
           "the check and the take must happen under one lock. Fewer means tokens were lost";
}

TEST(TokenBucketConcurrency, RealTimeAdmissionsNeverExceedBurstPlusRateTimesElapsed) {
    constexpr int kThreads = 8;
    constexpr double kRate = 400.0;
    constexpr double kBurst = 10.0;
    const auto run_for = 400ms;
    YieldingClock<kata::SteadyClock> clock;
    kata::SteadyClock& real = clock.inner();  // the harness reads the time without yielding
    const auto start = real.now();  // before the bucket exists: the bound can only be looser
    TokenBucket bucket(kRate, kBurst, clock);
    std::atomic<std::int64_t> admitted{0};
    std::mutex worst_mutex;
    double worst_excess = -1e9;
    double worst_at = 0.0;
    const auto stop_at = start + run_for;

    auto record = [&] {
        // The count includes this admission and every earlier one; all of them happened before
        // the clock is read below, so the bound at that moment must cover them.
        const std::int64_t count = admitted.fetch_add(1) + 1;
        const double elapsed = seconds(real.now() - start);
        const double excess = static_cast<double>(count) - (kBurst + kRate * elapsed);
        if (excess > 1e-3) {
            std::lock_guard lock(worst_mutex);
            if (excess > worst_excess) {
                worst_excess = excess;
                worst_at = elapsed;
            }
        }
    };
    kata::run_together(kThreads, [&](int t) {
        if (t < 2) {
            while (real.now() < stop_at) {
                bucket.acquire();
                record();
            }
        } else {
            while (real.now() < stop_at) {
                if (bucket.try_acquire()) record();
            }
        }
    });
    const double elapsed = seconds(real.now() - start);
    const double total = static_cast<double>(admitted.load());
    EXPECT_LE(worst_excess, 1e-3)
        << kThreads << " threads (2 in acquire(), 6 in try_acquire()) were admitted "
        << worst_excess << " more times than burst + rate x elapsed allows, "
        << kata::for_people(worst_at * 1000) << " ms into the run (rate " << kRate << "/s, burst "
        << kBurst
        << "). Two threads took the same token: refill, check and take must be one atomic step";
    // Only a sanity check that tokens flow: on a loaded machine the threads may get little CPU,
    // so the exact refill arithmetic is left to the fake-clock tests.
    EXPECT_GT(total, kBurst) << "only " << total << " admissions in "
                             << kata::for_people(elapsed * 1000) << " ms at " << kRate
                             << " tokens/s with burst " << kBurst << ": the bucket does not refill";
}

// ---------------------------------------------------------------------------------------------
// Waiting in real time: a blocked acquire() sleeps.

TEST(TokenBucketWaiting, BlockedAcquireSleepsInsteadOfSpinning) {
    kata::SteadyClock clock;
    TokenBucket bucket(4.0, 1.0, clock);
    ASSERT_TRUE(bucket.try_acquire()) << "a new bucket must start with its burst of 1 token";
    Duration returned{};
    const kata::CpuUsage usage = kata::measure_thread_cpu([&] { returned = bucket.acquire(); });
    ASSERT_GE(ms(usage.wall), 200.0)
        << "acquire() returned after " << shown_ms(usage.wall)
        << " ms, but the bucket was empty and earns one token per 250 ms: it must wait";
    EXPECT_LT(usage.fraction(), 0.05)
        << "acquire() " << usage.describe()
        << ": it spins instead of sleeping (a blocked acquire() may use a few percent of a core "
           "at most; sleep on the clock for the time still missing)";
    EXPECT_GE(ms(returned), 200.0)
        << "acquire() must return how long it waited (about 250 ms), it returned "
        << shown_ms(returned) << " ms";
    EXPECT_LE(ms(returned), ms(usage.wall) + 1.0)
        << "acquire() claims it waited " << shown_ms(returned) << " ms, longer than the "
        << shown_ms(usage.wall) << " ms the call took";
}

TEST(TokenBucketWaiting, OtherCallsDoNotWaitBehindASleepingAcquire) {
    kata::SteadyClock clock;
    TokenBucket bucket(4.0, 1.0, clock);
    ASSERT_TRUE(bucket.try_acquire()) << "a new bucket must start with its burst of 1 token";
    std::atomic<bool> entered{false};
    std::jthread waiter([&] {
        entered.store(true);
        bucket.acquire();  // about 250 ms
    });
    while (!entered.load()) std::this_thread::yield();
    std::this_thread::sleep_for(40ms);  // let the waiter get into its sleep
    Duration probe_latency{};
    Duration took{};
    bool got = true;
    {
        WakeupLatencyProbe probe;
        const auto before = std::chrono::steady_clock::now();
        got = bucket.try_acquire();
        took = std::chrono::steady_clock::now() - before;
        probe_latency = probe.worst();
    }
    EXPECT_FALSE(got) << "the only token is promised to the thread waiting in acquire()";
    // Generous: 100 ms plus what the machine's own scheduling delays were during the call.
    const Duration limit = 100ms + 2 * probe_latency;
    EXPECT_LT(took, limit)
        << "try_acquire() took " << shown_ms(took)
        << " ms while another thread was waiting in acquire(): it never waits, so "
           "it must not queue behind a thread that sleeps while holding the lock. "
           "Release the lock before sleeping";
}

// ---------------------------------------------------------------------------------------------
// The fetch_all driver, observed through the fetch callback the harness passes in.

/// The harness's fake fetch: records when each call started (steady clock), how many calls run at
/// once and which URLs were asked for. Optionally each call takes `work` of real time, and the
/// call for `fail_on` throws at once.
class FakeServer {
  public:
    explicit FakeServer(Duration work = Duration::zero(), std::string fail_on = {},
                        WakeRecordingClock* clock = nullptr)
        : work_(work), fail_on_(std::move(fail_on)), clock_(clock) {}

    std::string fetch(const std::string& url) {
        const auto started = std::chrono::steady_clock::now();
        const int now_in_flight = in_flight_.fetch_add(1) + 1;
        const Duration late = clock_ != nullptr ? clock_->taken(started) : Duration::zero();
        {
            std::lock_guard lock(mutex_);
            starts_.push_back(started);
            max_late_ = std::max(max_late_, late);
            ++calls_[url];
            max_in_flight_ = std::max(max_in_flight_, now_in_flight);
        }
        if (!fail_on_.empty() && url == fail_on_) {
            in_flight_.fetch_sub(1);
            throw std::runtime_error("server error for " + url);
        }
        if (work_ > Duration::zero()) std::this_thread::sleep_for(work_);
        in_flight_.fetch_sub(1);
        return "body of " + url;
    }

    std::function<std::string(const std::string&)> callback() {
        return [this](const std::string& url) { return fetch(url); };
    }

    std::vector<std::chrono::steady_clock::time_point> starts() {
        std::lock_guard lock(mutex_);
        auto copy = starts_;
        std::sort(copy.begin(), copy.end());
        return copy;
    }
    std::map<std::string, int> calls() {
        std::lock_guard lock(mutex_);
        return calls_;
    }
    int max_in_flight() {
        std::lock_guard lock(mutex_);
        return max_in_flight_;
    }
    int in_flight() const { return in_flight_.load(); }
    /// The largest delay between a worker's intended wake-up and its next fetch.
    Duration max_late() {
        std::lock_guard lock(mutex_);
        return max_late_;
    }

  private:
    Duration work_;
    std::string fail_on_;
    WakeRecordingClock* clock_;
    Duration max_late_{};
    std::atomic<int> in_flight_{0};
    std::mutex mutex_;
    std::vector<std::chrono::steady_clock::time_point> starts_;
    std::map<std::string, int> calls_;
    int max_in_flight_ = 0;
};

std::vector<std::string> make_urls(int n) {
    std::vector<std::string> urls;
    for (int i = 0; i < n; ++i) urls.push_back("https://example.test/page/" + std::to_string(i));
    return urls;
}

TEST(FetchAll, FetchesEveryUrlOnceAndReturnsResultsInOrder) {
    kata::SteadyClock clock;
    FakeServer server;
    auto urls = make_urls(24);
    std::mt19937_64 rng(kata::test_seed());
    std::shuffle(urls.begin(), urls.end(), rng);
    const auto results = fetch_all(urls, 2000.0, server.callback(), clock, 4);
    ASSERT_EQ(results.size(), urls.size()) << "fetch_all must return one result per URL";
    for (std::size_t i = 0; i < urls.size(); ++i) {
        EXPECT_EQ(results[i], "body of " + urls[i])
            << "result " << i << " must be the body of urls[" << i
            << "] (results keep the order of urls)";
    }
    const auto calls = server.calls();
    for (const auto& url : urls) {
        const auto it = calls.find(url);
        const int count = it == calls.end() ? 0 : it->second;
        EXPECT_EQ(count, 1) << url << " was fetched " << count
                            << " times; every URL must be fetched exactly once";
    }
}

TEST(FetchAll, HandlesEmptyInputAndRejectsBadArguments) {
    kata::SteadyClock clock;
    FakeServer server;
    EXPECT_TRUE(fetch_all({}, 10.0, server.callback(), clock, 4).empty()) << "no URLs, no results";
    EXPECT_TRUE(server.calls().empty()) << "no URLs, no fetch";
    EXPECT_THROW(fetch_all(make_urls(2), 0.0, server.callback(), clock, 4), std::invalid_argument)
        << "per_second = 0 would never fetch anything: fetch_all must throw std::invalid_argument";
    EXPECT_THROW(fetch_all(make_urls(2), 10.0, server.callback(), clock, 0), std::invalid_argument)
        << "workers = 0 would never fetch anything: fetch_all must throw std::invalid_argument";
}

TEST(FetchAll, OverlapsSlowFetchesOnSeveralWorkers) {
    kata::SteadyClock clock;
    FakeServer server(60ms);
    const auto results = fetch_all(make_urls(12), 100.0, server.callback(), clock, 4);
    EXPECT_EQ(results.size(), 12u) << "fetch_all must return one result per URL";
    EXPECT_GE(server.max_in_flight(), 2)
        << "each fetch takes 60 ms and a new one may start every 10 ms, yet no two fetches ever "
           "ran "
           "at the same time: fetch_all must call fetch from several worker threads";
    EXPECT_LE(server.max_in_flight(), 4)
        << server.max_in_flight() << " fetches ran at once with workers = 4";
}

TEST(FetchAll, NeverExceedsTheRateInAnySlidingSecond) {
    constexpr double kRate = 50.0;
    constexpr int kUrls = 61;  // 60 gaps of 20 ms: about 1.2 s
    WakeRecordingClock clock;
    FakeServer server(Duration::zero(), {}, &clock);
    Duration probed{};
    {
        WakeupLatencyProbe probe;
        fetch_all(make_urls(kUrls), kRate, server.callback(), clock, 4);
        probed = probe.worst();
    }
    const auto starts = server.starts();
    ASSERT_EQ(starts.size(), static_cast<std::size_t>(kUrls))
        << "fetch_all must call fetch once per URL";
    // Burst is 1, so the limiter admits at most rate x 1 s + 1 calls in any one-second window.
    // A call admitted at time a reaches the fetch at a + delay, so a window of fetch timestamps
    // can hold the admissions of a window longer by that delay. The delay is measured: the
    // workers' own lateness after their sleeps, and twice the wake-up latency of a probe thread
    // (for delays that are not sleeps); one call of slack on top.
    const Duration latency = std::max(server.max_late(), 2 * probed);
    const int allowed = static_cast<int>(std::floor(kRate * (1.0 + seconds(latency)))) + 1 + 1;
    int worst = 0;
    double worst_at = 0;
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const auto end = std::upper_bound(starts.begin() + static_cast<std::ptrdiff_t>(i),
                                          starts.end(), starts[i] + 1s);
        const int in_window =
            static_cast<int>(end - (starts.begin() + static_cast<std::ptrdiff_t>(i)));
        if (in_window > worst) {
            worst = in_window;
            worst_at = ms(starts[i] - starts.front());
        }
    }
    EXPECT_LE(worst, allowed) << worst << " fetches started in the one-second window beginning "
                              << kata::for_people(worst_at) << " ms into the run, at " << kRate
                              << " per second: at most rate + burst = " << kRate + 1 << " may ("
                              << allowed << " allowed here, as threads reached the "
                              << "fetch up to " << shown_ms(latency)
                              << " ms late during the run). Do all workers "
                              << "share one bucket with burst 1?";
}

TEST(FetchAll, AchievesTheConfiguredRateWhileSleeping) {
    constexpr double kRate = 20.0;
    constexpr int kUrls = 41;  // 40 gaps of 50 ms: 2 s
    kata::SteadyClock clock;
    FakeServer server;
    const auto wall0 = std::chrono::steady_clock::now();
    const auto cpu0 = kata::process_cpu_time();
    const auto results = fetch_all(make_urls(kUrls), kRate, server.callback(), clock, 4);
    const kata::CpuUsage usage{std::chrono::steady_clock::now() - wall0,
                               kata::process_cpu_time() - cpu0};
    const auto starts = server.starts();
    ASSERT_EQ(starts.size(), static_cast<std::size_t>(kUrls))
        << "fetch_all must call fetch once per URL";
    const double span = seconds(starts.back() - starts.front());
    ASSERT_GT(span, 0.0) << "all " << kUrls
                         << " fetches started at the same instant: there is no rate limit";
    // The first call uses the burst of 1; the other kUrls - 1 are paced by the refill.
    const double achieved = (kUrls - 1) / span;
    EXPECT_GE(achieved, kRate * 0.9)
        << "fetch_all achieved " << achieved << " calls per second, more than 10% "
        << "below the configured " << kRate
        << " (tokens lost to truncation, or oversleeping that is never made up)";
    EXPECT_LE(achieved, kRate * 1.1)
        << "fetch_all achieved " << achieved << " calls per second, more than 10% "
        << "above the configured " << kRate;
    EXPECT_LT(usage.fraction(), 0.10)
        << "while fetch_all waited for tokens the process " << usage.describe()
        << ": the workers spin instead of sleeping";
}

TEST(FetchAll, StopsAndRethrowsTheFirstFetchError) {
    kata::SteadyClock clock;
    const auto urls = make_urls(40);
    FakeServer server(5ms, urls[2]);
    bool threw = false;
    try {
        fetch_all(urls, 1000.0, server.callback(), clock, 4);
    } catch (const std::runtime_error& error) {
        threw = true;
        EXPECT_EQ(std::string(error.what()), "server error for " + urls[2])
            << "fetch_all must rethrow the exception the fetch threw, unchanged";
    } catch (...) {
        threw = true;
        ADD_FAILURE() << "fetch_all threw something other than the fetch's std::runtime_error";
    }
    EXPECT_TRUE(threw) << "the fetch of " << urls[2] << " threw, so fetch_all must rethrow it";
    EXPECT_EQ(server.in_flight(), 0)
        << "fetch_all returned while fetches were still running: join the workers first";
    std::size_t total = 0;
    for (const auto& [url, count] : server.calls()) total += static_cast<std::size_t>(count);
    EXPECT_LE(total, 12u) << "after the failure fetch_all went on to fetch " << total
                          << " of 40 URLs; it must stop starting new fetches once one has failed";
}

}  // namespace
