// Adapts the student's Counter to counter_model.hpp's interface.
#include "counter.hpp"
#include "counter_model.hpp"

namespace {

class Adapter final : public CounterUnderTest {
  public:
    void increment() override { counter_.increment(); }
    void add(std::int64_t n) override { counter_.add(n); }
    std::int64_t value() const override { return counter_.value(); }
    std::int64_t reset() override { return counter_.reset(); }
    bool increment_if_below(std::int64_t limit) override {
        return counter_.increment_if_below(limit);
    }

  private:
    Counter counter_;
};

}  // namespace

std::unique_ptr<CounterUnderTest> make_counter_under_test() {
    return std::make_unique<Adapter>();
}
