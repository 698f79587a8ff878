// Kata 05 harness: crawl() against the simulated web. Correctness first (every URL exactly once,
// retries, failures), then the bounds the harness measures on its own (requests in flight, live
// pages, threads, event-loop lag).
#include "pipeline.hpp"

#include <kata/sim_web.hpp>
#include <kata/stress.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using kata::web::Config;
using kata::web::Error;
using kata::web::Limits;
using kata::web::ResultSink;
using kata::web::RunReport;
using kata::web::SimWeb;

struct CrawlRun {
    std::unique_ptr<SimWeb> web;
    std::unique_ptr<ResultSink> sink;
    Limits limits;
    RunReport rep;
    std::vector<ResultSink::Outcome> outcomes;
    /// outcome index per URL, -1 when none; -2 when more than one
    std::vector<std::int64_t> by_url;
    std::size_t unknown = 0;
};

CrawlRun crawl_once(Config cfg, Limits limits) {
    // Sink calls that overlap lose an outcome on nearly every run (see Config::sink_dwell).
    cfg.sink_dwell = std::chrono::microseconds(20);
    CrawlRun run;
    run.limits = limits;
    run.web = std::make_unique<SimWeb>(cfg);
    run.sink = std::make_unique<ResultSink>(*run.web);
    run.rep = kata::web::measured_crawl(*run.web, run.web->urls(), limits, *run.sink,
                                        [](SimWeb& w, const std::vector<std::string>& u,
                                           const Limits& l, ResultSink& s) { crawl(w, u, l, s); });
    run.outcomes = run.sink->outcomes();
    run.by_url.assign(cfg.url_count, -1);
    for (std::size_t k = 0; k < run.outcomes.size(); ++k) {
        const std::int64_t i = run.outcomes[k].url_index;
        if (i < 0 || i >= static_cast<std::int64_t>(cfg.url_count)) {
            ++run.unknown;
            continue;
        }
        auto& slot = run.by_url[static_cast<std::size_t>(i)];
        slot = slot == -1 ? static_cast<std::int64_t>(k) : -2;
    }
    return run;
}

/// Empty when every URL has exactly one outcome; otherwise what is wrong, in words.
std::string completeness(const CrawlRun& run) {
    std::size_t missing = 0, twice = 0;
    std::string example;
    for (std::size_t i = 0; i < run.by_url.size(); ++i) {
        if (run.by_url[i] == -1) ++missing;
        if (run.by_url[i] == -2) ++twice;
        if (run.by_url[i] < 0 && example.empty()) example = run.web->urls()[i];
    }
    if (missing == 0 && twice == 0 && run.unknown == 0 && run.sink->overflowed() == 0) return "";
    std::ostringstream out;
    out << "of " << run.by_url.size() << " URLs, " << missing << " have no outcome in the sink and "
        << twice << " have more than one";
    if (!example.empty()) out << " (for example " << example << ")";
    if (run.unknown > 0) out << "; " << run.unknown << " outcomes name a URL that was never given";
    out << ". Every URL must end in the sink exactly once, parsed or failed"
        << (missing == run.by_url.size() ? " (nothing was reported at all: is crawl() written yet?)"
                                         : "");
    return out.str();
}

const ResultSink::Outcome* outcome_of(const CrawlRun& run, std::size_t i) {
    const std::int64_t k = run.by_url[i];
    return k < 0 ? nullptr : &run.outcomes[static_cast<std::size_t>(k)];
}

Limits default_limits(std::size_t in_flight, std::size_t live_pages) {
    Limits l;
    l.max_in_flight = in_flight;
    l.parse_threads = 2;
    l.max_live_pages = live_pages;
    l.retry.max_attempts = 4;
    l.retry.first_backoff = std::chrono::milliseconds(2);
    l.retry.multiplier = 2.0;
    return l;
}

/// Failure-heavy, cheap to parse.
Config failure_config(std::uint64_t seed, std::size_t urls, double transient, double not_found) {
    Config c;
    c.seed = seed;
    c.url_count = urls;
    c.max_connections = 48;
    c.min_latency = std::chrono::microseconds(1000);
    c.max_latency = std::chrono::microseconds(12000);
    c.transient_fraction = transient;
    c.not_found_fraction = not_found;
    c.parse_work = 2000;
    return c;
}

// The standard medium run used by the bounds tests: parsing is the slower stage (so a crawler
// without backpressure piles pages up), and the server allows exactly max_in_flight requests.
#if defined(__SANITIZE_THREAD__)
constexpr bool kUnderTsan = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kUnderTsan = true;
#else
constexpr bool kUnderTsan = false;
#endif
#else
constexpr bool kUnderTsan = false;
#endif

constexpr std::size_t kStdInFlight = 128;
constexpr std::size_t kStdLivePages = 160;

const CrawlRun& standard_run() {
    static const CrawlRun run = [] {
        Config c;
        c.seed = kata::test_seed();
        c.url_count = static_cast<std::size_t>(kata::scaled(2400));
        c.max_connections = kStdInFlight;
        c.min_latency = std::chrono::microseconds(2000);
        c.max_latency = std::chrono::microseconds(25000);
        c.transient_fraction = 0.05;
        c.not_found_fraction = 0.02;
        c.parse_work = 40000;
        return crawl_once(c, default_limits(kStdInFlight, kStdLivePages));
    }();
    return run;
}

std::string describe(const RunReport& r);

/// The standard run, its measurements printed once (they help when a bound is missed).
const CrawlRun& standard() {
    static const bool printed = [] {
        std::printf("[ MEASURED ] standard run of %zu URLs: %s\n", standard_run().by_url.size(),
                    describe(standard_run().rep).c_str());
        return true;
    }();
    (void)printed;
    return standard_run();
}

/// Microseconds measured, shown in milliseconds as people read them (9999 us is 10.0 ms, a
/// real measurement, not a placeholder).
std::string as_ms(std::int64_t us) {
    return kata::for_people(static_cast<double>(us) / 1000.0);
}

std::string describe(const RunReport& r) {
    std::ostringstream out;
    out << "[measured: wall "
        << std::chrono::duration_cast<std::chrono::milliseconds>(r.wall).count()
        << " ms, peak in flight " << r.peak_in_flight << ", peak live pages " << r.peak_live_pages
        << ", refused " << r.refused << ", threads before/peak/after " << r.threads_before << "/"
        << r.peak_threads << "/" << r.threads_after << ", heartbeat lateness p99/max "
        << as_ms(r.p99_lag_us) << "/" << as_ms(r.max_lag_us) << " ms, of it while the loop "
        << "thread ran " << as_ms(r.p99_busy_lag_us) << "/" << as_ms(r.max_busy_lag_us)
        << " ms, over " << r.lag_ticks << " ticks of 1 ms]";
    return out.str();
}

// ---------------------------------------------------------------------------------------------
// Correctness
// ---------------------------------------------------------------------------------------------

TEST(Correctness, SmallInputEveryUrlExactlyOnceWithTheRightResult) {
    Config c = failure_config(kata::test_seed(), 200, 0.10, 0.05);
    const CrawlRun run = crawl_once(c, default_limits(48, 64));
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    int wrong = 0;
    for (std::size_t i = 0; i < c.url_count; ++i) {
        const auto* o = outcome_of(run, i);
        if (run.web->truth(i).not_found) {
            EXPECT_FALSE(o->parsed)
                << run.web->urls()[i] << " does not exist, yet it was reported as parsed";
            EXPECT_EQ(o->reason, Error::not_found)
                << run.web->urls()[i] << " failed with " << kata::web::to_string(o->reason)
                << "; the reason to report is the last error seen (not_found)";
        } else {
            EXPECT_TRUE(o->parsed) << run.web->urls()[i] << " exists (it may fail "
                                   << run.web->truth(i).failures_before_success
                                   << " times first) but was reported as failed with "
                                   << kata::web::to_string(o->reason);
            if (o->parsed && !(o->result == run.web->expected_parse(i))) ++wrong;
        }
    }
    EXPECT_EQ(wrong, 0) << wrong
                        << " parsed URLs carry a result that is not parse() of their own page "
                        << "(results mixed up between URLs?)";
}

TEST(Correctness, TheLoopWaitsForTheLastPageToBeParsed) {
    // Every parse (about 10 ms) is far slower than every fetch (1 ms), and only two pages may be
    // alive at once: after the first two fetches the event loop has nothing queued while the
    // pool still holds both pages. Without a work guard, web.io().run() returns right there,
    // every time, and the URLs still waiting for a page credit are never fetched.
    Config c = failure_config(kata::test_seed(), 12, 0.0, 0.0);
    c.min_latency = std::chrono::microseconds(1000);
    c.max_latency = std::chrono::microseconds(1000);
    c.parse_work = 2'000'000;
    const CrawlRun run = crawl_once(c, default_limits(2, 2));
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty())
        << problem
        << ". Here every parse is slower than every fetch, so the event loop runs out of queued "
           "work while the pool still parses: web.io().run() returns then unless something "
           "keeps it running. Hold an asio::executor_work_guard on web.io() until the last URL "
           "is finished (and release it then, or run() never returns)";
}

TEST(Correctness, TransientFailuresAreRetriedWithBackoff) {
    Config c =
        failure_config(kata::test_seed(), static_cast<std::size_t>(kata::scaled(800)), 0.30, 0.0);
    const Limits limits = default_limits(48, 64);
    const CrawlRun run = crawl_once(c, limits);
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    int not_parsed = 0, wrong_attempts = 0, too_soon = 0;
    std::string example;
    for (std::size_t i = 0; i < c.url_count; ++i) {
        const int failures = run.web->truth(i).failures_before_success;
        if (failures == 0) continue;
        if (!outcome_of(run, i)->parsed) ++not_parsed;
        if (run.web->attempts(i) != failures + 1) {
            ++wrong_attempts;
            if (example.empty()) {
                example = run.web->urls()[i] + " fails " + std::to_string(failures) +
                          " times, then succeeds, but was requested " +
                          std::to_string(run.web->attempts(i)) + " times";
            }
        }
        const auto times = run.web->attempt_times(i);
        double backoff_ms = static_cast<double>(limits.retry.first_backoff.count());
        for (std::size_t k = 1; k < times.size(); ++k) {
            const double gap_ms =
                static_cast<double>(times[k].first - times[k - 1].second) / 1000.0;
            if (gap_ms + 0.2 < backoff_ms) ++too_soon;
            backoff_ms *= limits.retry.multiplier;
        }
    }
    EXPECT_EQ(not_parsed, 0)
        << not_parsed << " URLs that fail transiently once or twice were reported as "
        << "failed: with max_attempts = 4 they must be retried until they succeed";
    EXPECT_EQ(wrong_attempts, 0) << wrong_attempts
                                 << " transiently failing URLs were not requested exactly "
                                 << "failures + 1 times; " << example;
    EXPECT_EQ(too_soon, 0) << too_soon
                           << " retries started sooner than the backoff allows (first_backoff "
                           << limits.retry.first_backoff.count() << " ms, then x"
                           << limits.retry.multiplier
                           << "): retrying at once hammers a server that is already struggling";
}

TEST(Correctness, PermanentFailuresAreReportedOnceAndNeverRetried) {
    Config c =
        failure_config(kata::test_seed(), static_cast<std::size_t>(kata::scaled(800)), 0.05, 0.20);
    const CrawlRun run = crawl_once(c, default_limits(48, 64));
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    int retried = 0, misreported = 0;
    std::string example;
    for (std::size_t i = 0; i < c.url_count; ++i) {
        if (!run.web->truth(i).not_found) continue;
        const auto* o = outcome_of(run, i);
        if (o->parsed || o->reason != Error::not_found) ++misreported;
        if (run.web->attempts(i) != 1) {
            ++retried;
            if (example.empty()) {
                example = run.web->urls()[i] + " was requested " +
                          std::to_string(run.web->attempts(i)) + " times";
            }
        }
    }
    EXPECT_EQ(retried, 0) << retried << " URLs answered not_found were requested again (" << example
                          << "): not_found is permanent, a retry only wastes a connection";
    EXPECT_EQ(misreported, 0) << misreported
                              << " missing URLs were not reported as failed with not_found";
}

TEST(Correctness, GivesUpAfterMaxAttempts) {
    Config c =
        failure_config(kata::test_seed(), static_cast<std::size_t>(kata::scaled(800)), 0.40, 0.0);
    Limits limits = default_limits(48, 64);
    limits.retry.max_attempts = 2;
    limits.retry.first_backoff = std::chrono::milliseconds(1);
    const CrawlRun run = crawl_once(c, limits);
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    int wrong = 0;
    std::string example;
    for (std::size_t i = 0; i < c.url_count; ++i) {
        const int failures = run.web->truth(i).failures_before_success;
        const auto* o = outcome_of(run, i);
        const bool should_parse = failures < 2;
        const int expected_attempts = std::min(failures + 1, 2);
        const bool ok = o->parsed == should_parse && run.web->attempts(i) == expected_attempts &&
                        (should_parse || o->reason == Error::transient);
        if (!ok) {
            ++wrong;
            if (example.empty()) {
                example = run.web->urls()[i] + " fails " + std::to_string(failures) +
                          " times before succeeding; it was requested " +
                          std::to_string(run.web->attempts(i)) + " times and reported " +
                          (o->parsed ? "parsed" : kata::web::to_string(o->reason));
            }
        }
    }
    EXPECT_EQ(wrong, 0)
        << wrong << " URLs broke the retry limit (max_attempts = 2: at most 2 requests, then "
        << "report the URL as failed with the last error, transient). " << example;
}

TEST(Correctness, NoRequestIsRefusedAndInFlightStaysWithinTheLimit) {
    const CrawlRun& run = standard();
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    EXPECT_EQ(run.rep.refused, 0) << "the server refused " << run.rep.refused
                                  << " requests because more than max_in_flight = " << kStdInFlight
                                  << " were open at once; a crawler must cap its own concurrency "
                                  << describe(run.rep);
    EXPECT_LE(run.rep.peak_in_flight, static_cast<std::int64_t>(kStdInFlight))
        << "requests in flight peaked above max_in_flight " << describe(run.rep);
}

TEST(Correctness, ShutsDownCleanly) {
    const CrawlRun& run = standard();
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    EXPECT_EQ(run.rep.in_flight_after, 0) << "crawl() returned with requests still open";
    EXPECT_EQ(run.rep.live_pages_after, 0)
        << "crawl() returned while " << run.rep.live_pages_after
        << " pages were still alive (leaked or still being parsed)";
    EXPECT_EQ(run.rep.threads_after, run.rep.threads_before)
        << "the process had " << run.rep.threads_before << " threads before crawl() and "
        << run.rep.threads_after
        << " right after: every thread crawl() starts must be joined before it returns";
    EXPECT_EQ(run.sink->calls_after_close(), 0)
        << "the sink was called after crawl() returned: some task outlived crawl()";

    // A second crawl with nothing to do must return at once and report nothing.
    SimWeb web(failure_config(1, 10, 0.0, 0.0));
    ResultSink sink(web);
    const int before = kata::web::process_thread_count();
    crawl(web, {}, default_limits(8, 16), sink);
    EXPECT_TRUE(sink.outcomes().empty()) << "crawl() of an empty list reported outcomes";
    EXPECT_EQ(kata::web::settled_thread_count(before), before)
        << "crawl() of an empty list left threads behind";
}

TEST(Correctness, SinkCallsNeverOverlap) {
    const CrawlRun& run = standard();
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    EXPECT_EQ(run.sink->overlapping_calls(), 0)
        << run.sink->overlapping_calls()
        << " calls to the sink overlapped another one; the sink is not "
        << "thread-safe, so parse threads that report results must take turns (a mutex)";
}

// ---------------------------------------------------------------------------------------------
// Bounds measured by the harness
// ---------------------------------------------------------------------------------------------

TEST(Bounds, LivePagesStayWithinTheBuffer) {
    const CrawlRun& run = standard();
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    EXPECT_LE(run.rep.peak_live_pages, static_cast<std::int64_t>(kStdLivePages))
        << "up to " << run.rep.peak_live_pages
        << " pages were alive at once, above max_live_pages = " << kStdLivePages
        << ". Here parsing is slower than fetching, so without backpressure pages pile up; "
        << "take a page slot before starting a fetch and give it back only after the page is "
           "parsed "
        << "and dropped " << describe(run.rep);
}

TEST(Bounds, ThreadsStayWithinTheCap) {
    const CrawlRun& run = standard();
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    const auto cap = static_cast<std::int64_t>(run.limits.parse_threads + Limits::kExtraThreads);
    EXPECT_LE(run.rep.peak_threads - run.rep.threads_before, cap)
        << "crawl() ran up to " << run.rep.peak_threads - run.rep.threads_before
        << " threads of its own; the cap is parse_threads + " << Limits::kExtraThreads << " = "
        << cap
        << ". A thread per request cannot scale to thousands of open requests: await the fetches "
        << "on the event loop instead " << describe(run.rep);
}

TEST(Bounds, ParseNeverRunsOnTheEventLoop) {
    const CrawlRun& run = standard();
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    EXPECT_EQ(run.web->parses_on_loop(), 0)
        << run.web->parses_on_loop() << " of " << run.web->parses()
        << " parse() calls ran on the event-loop thread. While a parse runs there, no other "
           "request "
        << "can complete or start: hand pages to the parse threads instead " << describe(run.rep);
    EXPECT_EQ(run.web->blocking_fetches_on_loop(), 0)
        << "fetch_blocking() was called on the event-loop thread, which stops every other request";
}

TEST(Bounds, EventLoopLagStaysSmall) {
    const CrawlRun& run = standard();
    const std::string problem = completeness(run);
    ASSERT_TRUE(problem.empty()) << problem;
    ASSERT_GT(run.rep.lag_ticks, 0u) << "no heartbeat ran: were the fetches awaited on web.io()?";
    // Busy lag counts only the lateness during which the loop thread itself was running, so a
    // loaded machine (the loop thread waiting for a core) does not count against you, while a
    // loop that parses makes every tick wait behind a queue of parses. ThreadSanitizer slows
    // every handler several times, hence the wider bound there.
    constexpr std::int64_t kP99BoundUs = kUnderTsan ? 15000 : 5000;
    EXPECT_LE(run.rep.p99_busy_lag_us, kP99BoundUs)
        << "the event loop's heartbeat (a 1 ms timer) ran " << as_ms(run.rep.p99_busy_lag_us)
        << " ms late at the 99th percentile while the loop thread was busy: something on the loop "
        << "thread runs long without yielding (a parse, a busy-wait, a long computation) "
        << describe(run.rep);
}

}  // namespace
