// Adapts the student's TokenBucket to token_bucket_model.hpp's interface.
#include "token_bucket.hpp"
#include "token_bucket_model.hpp"

namespace {

class Adapter final : public BucketUnderTest {
  public:
    Adapter(double rate, double burst, kata::Clock& clock) : bucket_(rate, burst, clock) {}
    bool try_acquire(std::int64_t n) override { return bucket_.try_acquire(n); }
    kata::Clock::duration acquire(std::int64_t n) override { return bucket_.acquire(n); }
    bool try_acquire_for(std::int64_t n, kata::Clock::duration timeout) override {
        return bucket_.try_acquire_for(n, timeout);
    }
    double available() override { return bucket_.available(); }

  private:
    TokenBucket bucket_;
};

}  // namespace

std::unique_ptr<BucketUnderTest> make_bucket_under_test(double rate_per_second, double burst,
                                                        kata::Clock& clock) {
    return std::make_unique<Adapter>(rate_per_second, burst, clock);
}
