#pragma once
// The counter behind a plain interface, for the model-based test (counter_model_test.cpp): the
// test, heavy with RapidCheck's templates, never includes counter.hpp, so an edit to it
// recompiles only counter_model_adapter.cpp.
#include <cstdint>
#include <memory>

class CounterUnderTest {
  public:
    virtual ~CounterUnderTest() = default;
    virtual void increment() = 0;
    virtual void add(std::int64_t n) = 0;
    virtual std::int64_t value() const = 0;
    virtual std::int64_t reset() = 0;
    virtual bool increment_if_below(std::int64_t limit) = 0;
};

/// A new Counter of the student's, behind the interface above.
std::unique_ptr<CounterUnderTest> make_counter_under_test();
