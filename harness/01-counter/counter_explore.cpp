// Kata 01's scenarios for the explorer: each runs a few calls on two threads, under every
// schedule with up to two preemptions and then PCT's random ones, and states what the
// contract in counter.hpp promises whatever the order.
#include <kata/explore.hpp>
#include <kata/linearizability.hpp>
#include <optional>
#include <string>
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

EXPLORE_SCENARIO(AddsFromTwoThreadsAllCount, {.memory_points = true},
                 "two threads call add(2) and increment(): the total is 3") {
    Counter counter;
    std::thread a([&] { counter.add(2); });
    std::thread b([&] { counter.increment(); });
    a.join();
    b.join();
    EXPLORE_CHECK(counter.value() == 3, "the total is %lld, not 3: an update was lost",
                  static_cast<long long>(counter.value()));
}

// Every result together: the calls of two threads, recorded with when each began and ended,
// must have a one-at-a-time order (respecting which call ended before another began) in which
// a plain integer gives the same results. That is the contract of every method at once, so it
// catches bugs no single check above names.
namespace {

enum class Kind { increment, add, value, reset, increment_if_below };
struct Op {
    Kind kind = Kind::increment;
    std::int64_t argument = 0;
};

/// The counter as one thread sees it: an integer.
struct Model {
    std::int64_t total = 0;
    std::optional<std::int64_t> step(const Op& op) {
        switch (op.kind) {
            case Kind::increment:
                ++total;
                return 0;
            case Kind::add:
                total += op.argument;
                return 0;
            case Kind::value:
                return total;
            case Kind::reset: {
                const std::int64_t was = total;
                total = 0;
                return was;
            }
            case Kind::increment_if_below:
                if (total >= op.argument) return 0;
                ++total;
                return 1;
        }
        return std::nullopt;
    }
    bool operator==(const Model&) const = default;
    std::size_t hash() const { return std::hash<std::int64_t>{}(total); }
};

std::string show(const kata::lin::Call<Op, std::int64_t>& c) {
    const std::string n = std::to_string(c.op.argument);
    const std::string r = std::to_string(c.result);
    switch (c.op.kind) {
        case Kind::increment:
            return "increment()";
        case Kind::add:
            return "add(" + n + ")";
        case Kind::value:
            return "value() -> " + r;
        case Kind::reset:
            return "reset() -> " + r;
        case Kind::increment_if_below:
            return "increment_if_below(" + n + ") -> " + (c.result != 0 ? "true" : "false");
    }
    return "?";
}

}  // namespace

EXPLORE_SCENARIO(EveryHistoryHasAOneAtATimeOrder, {},
                 "two threads mix every method: the results match some one-at-a-time order") {
    Counter counter;
    kata::lin::History<Op, std::int64_t> history(2);
    auto call = [&](int thread, Op op) {
        history.record(thread, op, [&]() -> std::int64_t {
            switch (op.kind) {
                case Kind::increment:
                    counter.increment();
                    return 0;
                case Kind::add:
                    counter.add(op.argument);
                    return 0;
                case Kind::value:
                    return counter.value();
                case Kind::reset:
                    return counter.reset();
                case Kind::increment_if_below:
                    return counter.increment_if_below(op.argument) ? 1 : 0;
            }
            return 0;
        });
    };
    std::thread a([&] {
        call(0, {Kind::increment_if_below, 2});
        call(0, {Kind::reset, 0});
    });
    std::thread b([&] {
        call(1, {Kind::add, 2});
        call(1, {Kind::increment_if_below, 3});
        call(1, {Kind::value, 0});
    });
    a.join();
    b.join();
    const auto calls = history.calls();
    EXPLORE_CHECK(kata::lin::linearize(Model{}, calls).has_value(),
                  "no one-at-a-time order of these calls gives the results they returned (each "
                  "call's [begin..end] is a logical time: a call that ended before another began "
                  "must come first):%s\nSome method is not one indivisible step",
                  kata::lin::describe(calls, show).c_str());
}
