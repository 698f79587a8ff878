#pragma once
// The token bucket behind a plain interface, for the model-based test
// (token_bucket_model_test.cpp): the test, heavy with RapidCheck's templates, never includes
// token_bucket.hpp, so an edit to it recompiles only token_bucket_model_adapter.cpp.
#include <kata/clock.hpp>

#include <cstdint>
#include <memory>

class BucketUnderTest {
  public:
    virtual ~BucketUnderTest() = default;
    virtual bool try_acquire(std::int64_t n) = 0;
    virtual kata::Clock::duration acquire(std::int64_t n) = 0;
    virtual bool try_acquire_for(std::int64_t n, kata::Clock::duration timeout) = 0;
    virtual double available() = 0;
};

/// A TokenBucket of the student's on `clock`, behind the interface above.
std::unique_ptr<BucketUnderTest> make_bucket_under_test(double rate_per_second, double burst,
                                                        kata::Clock& clock);
