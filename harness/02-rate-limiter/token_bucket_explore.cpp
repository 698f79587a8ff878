// Kata 02's scenarios for the explorer: two or three threads share one bucket on a fake clock
// whose time stands still unless a scenario moves it, so every token is accounted for exactly,
// under every schedule with up to two preemptions and then PCT's random ones.
#include <kata/clock.hpp>
#include <kata/explore.hpp>
#include <thread>

#include "token_bucket.hpp"

// The last token is taken once: a check and the take that follows it must be one step.
EXPLORE_SCENARIO(TheLastTokenIsTakenOnce, {},
                 "two threads call try_acquire() on a bucket holding one token: one succeeds") {
    kata::FakeClock clock;
    TokenBucket bucket(1.0, 1.0, clock);
    bool first = false;
    bool second = false;
    std::thread a([&] { first = bucket.try_acquire(); });
    std::thread b([&] { second = bucket.try_acquire(); });
    a.join();
    b.join();
    EXPLORE_CHECK(first != second,
                  "with one token and time standing still, try_acquire() returned %s in thread 1 "
                  "and %s in thread 2: %s. Refill, check and take must happen under one lock, "
                  "without letting go of it in between",
                  first ? "true" : "false", second ? "true" : "false",
                  first ? "the same token was taken twice" : "a token nobody took was refused");
}

// Every token is granted once, whichever call asks: three callers, three kinds of call.
EXPLORE_SCENARIO(EveryTokenIsGrantedExactlyOnce, {},
                 "try_acquire(), try_acquire_for(0) and try_acquire(2) share a bucket of 3 "
                 "tokens: exactly 3 are granted") {
    kata::FakeClock clock;
    TokenBucket bucket(1.0, 3.0, clock);
    bool one = false;
    bool other = false;
    bool two = false;
    std::thread a([&] { one = bucket.try_acquire(1); });
    std::thread b([&] { other = bucket.try_acquire_for(1, std::chrono::nanoseconds(0)); });
    std::thread c([&] { two = bucket.try_acquire(2); });
    a.join();
    b.join();
    c.join();
    const int granted = (one ? 1 : 0) + (other ? 1 : 0) + (two ? 2 : 0);
    const double left = bucket.available();
    EXPLORE_CHECK(granted + left > 2.999 && granted + left < 3.001 && left > -0.001 && granted >= 2,
                  "3 tokens and no time passing: the calls were granted %d token(s) "
                  "(try_acquire(1) %s, try_acquire_for(1, 0) %s, try_acquire(2) %s) and %.3f "
                  "remain: that does not add up to 3, more was granted than there was, or a call "
                  "was refused with enough left. "
                  "Every call must refill, check and take in one locked step",
                  granted, one ? "yes" : "no", other ? "yes" : "no", two ? "yes" : "no", left);
}
