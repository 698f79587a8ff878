// Model-based test of the token bucket on a fake clock: random sequences of calls from one
// thread, with time moving by arbitrary amounts (any number of nanoseconds, not whole
// milliseconds), rates and bursts that are not whole numbers, requests from 0 to the burst, and
// timeouts on either side of the wait. Each result is compared with a few lines of arithmetic
// that follow the contract in token_bucket.hpp. RapidCheck shrinks a failure to the shortest
// sequence that still fails and prints it call by call.
//
// A wait is a whole number of nanoseconds, so a sleep may pay back up to a nanosecond's worth of
// tokens more than was missing: balances are compared within that (plus 1e-5 tokens of rounding),
// and decisions that rounding could tip either way (a request within twice that of the balance,
// a timeout within a microsecond of the wait) are not generated: any correct arithmetic may
// answer them either way.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "token_bucket_model.hpp"

namespace {

// One fixed seed: the same code gets the same verdict on every run.
[[maybe_unused]] const int kSeeded = setenv("RC_PARAMS", "seed=2026 max_success=150", 0);

constexpr double kTimeMarginSeconds = 1e-6;

struct Model {
    double rate = 1;
    double burst = 1;
    double tokens = 1;

    /// How far a correct balance may be from the model's.
    double tolerance() const { return 1e-5 * std::max(1.0, burst) + 2e-9 * rate; }
};

/// The bucket and the clock it runs on.
struct Subject {
    kata::FakeClock clock;
    std::unique_ptr<BucketUnderTest> bucket;
};

using Command = rc::state::Command<Model, Subject>;

void expect(bool ok, const std::string& what, const Model& m) {
    if (ok) return;
    std::ostringstream out;
    out << what << " (the model's bucket: rate " << m.rate << "/s, burst " << m.burst << ", "
        << m.tokens << " tokens before the call)";
    RC_FAIL(out.str());
}

std::int64_t request(const Model& m) {
    return *rc::gen::inRange<std::int64_t>(0, static_cast<std::int64_t>(m.burst) + 1);
}

/// Seconds until `n` tokens are there.
double wait_for(const Model& m, std::int64_t n) {
    return std::max(0.0, (static_cast<double>(n) - m.tokens) / m.rate);
}

struct Advance : Command {
    std::int64_t nanos = *rc::gen::oneOf(rc::gen::inRange<std::int64_t>(0, 1000),
                                         rc::gen::inRange<std::int64_t>(0, 3'000'000'000));
    void apply(Model& m) const override {
        m.tokens = std::min(m.burst, m.tokens + static_cast<double>(nanos) * 1e-9 * m.rate);
    }
    void run(const Model&, Subject& s) const override {
        s.clock.advance(std::chrono::nanoseconds(nanos));
    }
    void show(std::ostream& os) const override { os << "clock.advance(" << nanos << "ns)"; }
};

struct TryAcquire : Command {
    std::int64_t n;
    explicit TryAcquire(const Model& m) : n(request(m)) {}
    void checkPreconditions(const Model& m) const override {
        RC_PRE(std::abs(m.tokens - static_cast<double>(n)) > 2 * m.tolerance());
    }
    void apply(Model& m) const override {
        if (m.tokens > static_cast<double>(n)) m.tokens -= static_cast<double>(n);
    }
    void run(const Model& m, Subject& s) const override {
        const bool want = m.tokens > static_cast<double>(n);
        const bool got = s.bucket->try_acquire(n);
        expect(got == want,
               "try_acquire(" + std::to_string(n) + ") returned " + (got ? "true" : "false"), m);
    }
    void show(std::ostream& os) const override { os << "try_acquire(" << n << ")"; }
};

struct Acquire : Command {
    std::int64_t n;
    explicit Acquire(const Model& m) : n(request(m)) {}
    void apply(Model& m) const override {
        // The sleep pays exactly the missing tokens back.
        m.tokens = std::max(0.0, m.tokens - static_cast<double>(n));
    }
    void run(const Model& m, Subject& s) const override {
        const double want = wait_for(m, n);
        const auto before = s.clock.now();
        const auto got = s.bucket->acquire(n);
        const double waited = std::chrono::duration<double>(got).count();
        const double slept = std::chrono::duration<double>(s.clock.now() - before).count();
        expect(std::abs(waited - want) <= kTimeMarginSeconds + 1e-9 * want,
               "acquire(" + std::to_string(n) + ") returned " + std::to_string(waited) +
                   " s, expected " + std::to_string(want) + " s",
               m);
        expect(std::abs(slept - want) <= kTimeMarginSeconds + 1e-9 * want,
               "acquire(" + std::to_string(n) + ") slept " + std::to_string(slept) +
                   " s on the clock, expected " + std::to_string(want) + " s",
               m);
    }
    void show(std::ostream& os) const override { os << "acquire(" << n << ")"; }
};

struct TryAcquireFor : Command {
    std::int64_t n;
    std::int64_t timeout_nanos = *rc::gen::inRange<std::int64_t>(-5, 2'000'000'000);
    explicit TryAcquireFor(const Model& m) : n(request(m)) {}
    double timeout() const { return std::max(0.0, static_cast<double>(timeout_nanos) * 1e-9); }
    void checkPreconditions(const Model& m) const override {
        RC_PRE(std::abs(wait_for(m, n) - timeout()) > kTimeMarginSeconds);
        RC_PRE(std::abs(m.tokens - static_cast<double>(n)) > 2 * m.tolerance());
    }
    void apply(Model& m) const override {
        if (wait_for(m, n) <= timeout())
            m.tokens = std::max(0.0, m.tokens - static_cast<double>(n));
    }
    void run(const Model& m, Subject& s) const override {
        const bool want = wait_for(m, n) <= timeout();
        const auto before = s.clock.now();
        const bool got = s.bucket->try_acquire_for(n, std::chrono::nanoseconds(timeout_nanos));
        const double slept = std::chrono::duration<double>(s.clock.now() - before).count();
        expect(got == want,
               "try_acquire_for(" + std::to_string(n) + ", " + std::to_string(timeout_nanos) +
                   "ns) returned " + (got ? "true" : "false") + " (the wait would be " +
                   std::to_string(wait_for(m, n)) + " s)",
               m);
        const double should = want ? wait_for(m, n) : 0.0;
        expect(std::abs(slept - should) <= kTimeMarginSeconds + 1e-9 * should,
               "try_acquire_for(" + std::to_string(n) + ", " + std::to_string(timeout_nanos) +
                   "ns) slept " + std::to_string(slept) + " s on the clock, expected " +
                   std::to_string(should) + " s",
               m);
    }
    void show(std::ostream& os) const override {
        os << "try_acquire_for(" << n << ", " << timeout_nanos << "ns)";
    }
};

struct Available : Command {
    void run(const Model& m, Subject& s) const override {
        const double got = s.bucket->available();
        expect(std::abs(got - m.tokens) <= m.tolerance(),
               "available() returned " + std::to_string(got) + ", expected " +
                   std::to_string(m.tokens),
               m);
    }
    void show(std::ostream& os) const override { os << "available()"; }
};

}  // namespace

RC_GTEST_PROP(TokenBucketModel, EveryCallSequenceOnAFakeClockFollowsTheContract, ()) {
    Model model;
    // Rates and bursts that are not whole numbers, from slow to fast.
    model.rate = *rc::gen::element(0.5, 3.0, 7.25, 1000.0, 123456.789);
    model.burst = *rc::gen::element(1.0, 2.5, 5.0, 17.0);
    model.tokens = model.burst;
    Subject subject;
    subject.bucket = make_bucket_under_test(model.rate, model.burst, subject.clock);
    rc::state::check(model, subject,
                     rc::state::gen::execOneOfWithArgs<Advance, TryAcquire, Acquire, TryAcquireFor,
                                                       Available>());
}
