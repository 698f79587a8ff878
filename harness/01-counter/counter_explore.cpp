// Kata 01's scenarios for the explorer: each runs a few calls on two threads, under every
// schedule with up to two preemptions and then PCT's random ones, and states what the
// contract in counter.hpp promises whatever the order.
#include <kata/explore.hpp>
#include <thread>

#include "counter.hpp"

EXPLORE_SCENARIO(IncrementIfBelowRefusesOnlyAtTheLimit, {},
                 "two threads call increment_if_below(2) once each: both must succeed") {
    Counter counter;
    bool first = false;
    bool second = false;
    std::thread a([&] { first = counter.increment_if_below(2); });
    std::thread b([&] { second = counter.increment_if_below(2); });
    a.join();
    b.join();
    EXPLORE_CHECK(first && second,
                  "increment_if_below(2) returned %s in thread 1 and %s in thread 2, but the total "
                  "was below 2 at every call (it ends at %lld): a call may refuse only when the "
                  "limit is reached. A compare_exchange that fails because another thread moved "
                  "the total first must look again, not give up",
                  first ? "true" : "false", second ? "true" : "false",
                  static_cast<long long>(counter.value()));
}

EXPLORE_SCENARIO(IncrementIfBelowNeverOvershoots, {},
                 "two threads call increment_if_below(1) once each: exactly one succeeds") {
    Counter counter;
    bool first = false;
    bool second = false;
    std::thread a([&] { first = counter.increment_if_below(1); });
    std::thread b([&] { second = counter.increment_if_below(1); });
    a.join();
    b.join();
    EXPLORE_CHECK(counter.value() == 1 && first != second,
                  "with limit 1 the total ended at %lld and the calls returned %s and %s: both "
                  "threads saw the total below the limit before either added to it. The check "
                  "and the increment must be one indivisible step",
                  static_cast<long long>(counter.value()), first ? "true" : "false",
                  second ? "true" : "false");
}

EXPLORE_SCENARIO(
    ResetLosesNoIncrement, {},
    "one thread increments twice while another resets: every increment is counted once") {
    Counter counter;
    long long returned = 0;
    std::thread a([&] {
        counter.increment();
        counter.increment();
    });
    std::thread b([&] { returned = counter.reset(); });
    a.join();
    b.join();
    const long long left = counter.value();
    EXPLORE_CHECK(returned + left == 2,
                  "reset() returned %lld and the total is now %lld: together %lld, but two "
                  "increments happened. Reading the total and setting it to zero must be one "
                  "indivisible step, or an increment between the two is %s",
                  returned, left, returned + left, returned + left > 2 ? "counted twice" : "lost");
}

EXPLORE_SCENARIO(AddsFromTwoThreadsAllCount, {},
                 "two threads call add(2) and increment(): the total is 3") {
    Counter counter;
    std::thread a([&] { counter.add(2); });
    std::thread b([&] { counter.increment(); });
    a.join();
    b.join();
    EXPLORE_CHECK(counter.value() == 3, "the total is %lld, not 3: an update was lost",
                  static_cast<long long>(counter.value()));
}
