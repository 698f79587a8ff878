// Model-based test of the counter: random sequences of calls from one thread (large and zero
// amounts, limits below, at and above the total, resets at any point), each result compared
// with a plain integer that follows the contract in counter.hpp. RapidCheck shrinks a failure to
// the shortest sequence that still fails and prints it call by call.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "counter_model.hpp"

namespace {

// One fixed seed: the same code gets the same verdict on every run.
[[maybe_unused]] const int kSeeded = setenv("RC_PARAMS", "seed=2026 max_success=150", 0);

struct Model {
    std::int64_t total = 0;
};

using Command = rc::state::Command<Model, CounterUnderTest>;

void expect(bool ok, const std::string& what, const Model& m) {
    if (!ok) RC_FAIL(what + " (the total before the call was " + std::to_string(m.total) + ")");
}

struct Increment : Command {
    void apply(Model& m) const override { ++m.total; }
    void run(const Model&, CounterUnderTest& c) const override { c.increment(); }
    void show(std::ostream& os) const override { os << "increment()"; }
};

struct Add : Command {
    std::int64_t n = *rc::gen::element<std::int64_t>(0, 1, 2, 7, 1'000'000'007LL);
    void apply(Model& m) const override { m.total += n; }
    void run(const Model&, CounterUnderTest& c) const override { c.add(n); }
    void show(std::ostream& os) const override { os << "add(" << n << ")"; }
};

struct Value : Command {
    void run(const Model& m, CounterUnderTest& c) const override {
        const auto got = c.value();
        expect(got == m.total, "value() returned " + std::to_string(got), m);
    }
    void show(std::ostream& os) const override { os << "value()"; }
};

struct Reset : Command {
    void apply(Model& m) const override { m.total = 0; }
    void run(const Model& m, CounterUnderTest& c) const override {
        const auto got = c.reset();
        expect(got == m.total, "reset() returned " + std::to_string(got), m);
    }
    void show(std::ostream& os) const override { os << "reset()"; }
};

struct IncrementIfBelow : Command {
    std::int64_t limit = *rc::gen::inRange<std::int64_t>(-2, 12);
    void apply(Model& m) const override {
        if (m.total < limit) ++m.total;
    }
    void run(const Model& m, CounterUnderTest& c) const override {
        const bool got = c.increment_if_below(limit);
        expect(got == (m.total < limit),
               "increment_if_below(" + std::to_string(limit) + ") returned " +
                   (got ? "true" : "false"),
               m);
    }
    void show(std::ostream& os) const override { os << "increment_if_below(" << limit << ")"; }
};

}  // namespace

RC_GTEST_PROP(CounterModel, EveryCallSequenceFollowsTheContract, ()) {
    const auto counter = make_counter_under_test();
    rc::state::check(
        Model{}, *counter,
        rc::state::gen::execOneOfWithArgs<Increment, Add, Value, Reset, IncrementIfBelow>());
}
