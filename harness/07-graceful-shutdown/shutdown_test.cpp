// Kata 07 harness: download_all() against the simulated file server, first without any signal
// (every file complete, retries, deadlines, progress), then with real SIGINT/SIGTERM sent to the
// process at exactly known moments (the k-th request's start) and at seeded random ones.
#include "shutdown_support.hpp"

#include <kata/stress.hpp>

#include <gtest/gtest.h>

#include <stdio.h>

#include <latch>
#include <random>

namespace {

using namespace gs;
using namespace std::chrono_literals;

Options base_options() {
    Options o;
    o.max_parallel = 4;
    o.request_timeout = 120ms;
    o.retry.max_attempts = 4;
    o.retry.first_backoff = 3ms;
    o.retry.multiplier = 2.0;
    o.drain_deadline = 100ms;
    o.progress_per_second = 50;
    return o;
}

/// Small files (3 to 12 chunks of 1 ms) with every kind of failure.
ServerConfig mixed_config(std::uint64_t seed, std::size_t urls) {
    ServerConfig c;
    c.seed = seed;
    c.url_count = urls;
    c.min_chunks = 3;
    c.max_chunks = 12;
    c.chunk_latency = 1000us;
    c.transient_fraction = 0.15;
    c.not_found_fraction = 0.08;
    c.stall_fraction = 0.08;
    return c;
}

/// Files that take half a second: a shutdown must cut them at the deadline.
ServerConfig slow_config(std::size_t urls, std::chrono::microseconds chunk) {
    ServerConfig c;
    c.seed = 7;
    c.url_count = urls;
    c.min_chunks = 90;
    c.max_chunks = 100;
    c.chunk_latency = chunk;
    return c;
}

void expect_common(const Run& run, const std::string& context = "") {
    GS_EXPECT_OK(handler_behaved(run), context);
    GS_EXPECT_OK(exactly_once(run), context);
    GS_EXPECT_OK(disk_matches_reports(run), context);
    GS_EXPECT_OK(clean_return(run), context);
    GS_EXPECT_OK(progress_ok(run), context);
}

// ---------------------------------------------------------------------------------------------
// Without a signal
// ---------------------------------------------------------------------------------------------

// 48 URLs with transient failures, stalls and missing files, 4 requests at a time: every URL is
// reported once, every done file is complete under its final name (and was never visible there
// while downloading), nothing else is left in the folder, no thread is left, and no more than
// max_parallel requests were ever open.
TEST(Download, EveryUrlOnceEveryFileCompleteWithinTheLimit) {
    auto run = run_download("complete", mixed_config(11, 48), base_options());
    if (!run->usable) return;
    expect_common(*run);
    EXPECT_LE(run->server->peak_in_flight(), static_cast<std::int64_t>(run->opt.max_parallel))
        << run->server->peak_in_flight() << " requests were open at once; options.max_parallel is "
        << run->opt.max_parallel << ": bound the concurrency (a fixed number of workers).";
    EXPECT_GE(run->server->peak_in_flight(), 2)
        << "never more than one request open: download max_parallel files at a time.";
    for (std::size_t i = 0; i < run->by_url.size(); ++i) {
        const Reporter::Outcome* o = outcome_of(*run, i);
        if (o == nullptr) continue;
        const bool missing = run->server->truth(i).not_found;
        EXPECT_STREQ(kind_name(o->kind), missing ? "failed" : "done")
            << run->server->urls()[i] << " was reported " << kind_name(o->kind) << "; it "
            << (missing ? "does not exist (report failed with not_found)"
                        : "succeeds within max_attempts (retry transient errors and timeouts)");
    }
}

// Retries: a URL that breaks off k times is requested k+1 times, each retry after its backoff
// (3 ms, then 6 ms); a stalled request ends at its deadline (request_timeout) and is retried; a
// missing file is requested once; with max_attempts = 2 a URL that fails twice is reported
// failed with the last error.
TEST(Download, RetriesWithBackoffTimesOutStallsAndGivesUp) {
    Options opt = base_options();
    opt.retry.max_attempts = 2;
    ServerConfig cfg = mixed_config(23, 40);
    cfg.transient_fraction = 0.3;
    cfg.stall_fraction = 0.15;
    auto run = run_download("retries", cfg, opt);
    if (!run->usable) return;
    expect_common(*run);
    int checked_transient = 0, checked_stall = 0;
    for (std::size_t i = 0; i < run->by_url.size(); ++i) {
        const auto& t = run->server->truth(i);
        const std::string name = kata::dl::file_name(run->server->urls()[i]);
        const Reporter::Outcome* o = outcome_of(*run, i);
        const auto log = run->server->attempt_log(i);
        if (o == nullptr) continue;
        if (t.not_found) {
            EXPECT_EQ(run->server->attempts(i), 1)
                << name << " does not exist and was requested " << run->server->attempts(i)
                << " times: not_found is permanent, never retry it.";
            EXPECT_TRUE(o->kind == Reporter::Kind::failed && o->reason == Error::not_found)
                << name << " does not exist: report it failed with Error::not_found.";
            continue;
        }
        // A request the machine slowed past its own deadline times out and is retried, rightly:
        // such a URL cannot be held to the planned count (measured: 1 in 50 runs of the
        // reference with one core busy).
        bool slowed = false;
        for (std::size_t a = 0; a < log.size(); ++a) {
            const bool planned_stall = a == 0 && t.stalls_first;
            if (log[a].error == Error::timeout && !planned_stall) slowed = true;
        }
        if (slowed) continue;
        const int needed = t.failures_before_success + (t.stalls_first ? 1 : 0) + 1;
        const int expected_attempts = std::min(needed, opt.retry.max_attempts);
        EXPECT_EQ(run->server->attempts(i), expected_attempts)
            << name << " needs " << needed << " requests and max_attempts is "
            << opt.retry.max_attempts << ", so it should have been requested " << expected_attempts
            << " times, not " << run->server->attempts(i) << ".";
        if (needed > opt.retry.max_attempts) {
            EXPECT_TRUE(o->kind == Reporter::Kind::failed && o->reason == Error::transient)
                << name << " still failed after max_attempts requests: report it failed with the "
                << "last error (transient), not " << kind_name(o->kind) << ".";
        } else {
            EXPECT_STREQ(kind_name(o->kind), "done") << name << " succeeds on request " << needed;
        }
        for (std::size_t a = 1; a < log.size(); ++a) {
            const std::int64_t gap = log[a].start_us - log[a - 1].end_us;
            const std::int64_t want = opt.retry.first_backoff.count() * 1000 << (a - 1);
            EXPECT_GE(gap, want - 200)
                << name << ": retry " << a << " started " << ms(gap) << " after the failure; the "
                << "backoff before it is " << ms(want) << ".";
            ++checked_transient;
        }
        if (t.stalls_first && !log.empty()) {
            const std::int64_t took = log[0].end_us - log[0].start_us;
            EXPECT_STREQ(kata::dl::to_string(log[0].error), "timeout")
                << name << "'s first request stalls: it should end at its deadline";
            // A stall lasts until the deadline ends it; the slack only absorbs a busy machine
            // (measured: up to 680 ms late at a load average of 10 on 2 cores).
            EXPECT_LE(took, opt.request_timeout.count() * 1000 + 1000000)
                << name << "'s first request stalled and ended after " << ms(took)
                << "; its deadline should be its start + request_timeout ("
                << opt.request_timeout.count() << " ms).";
            ++checked_stall;
        }
    }
    EXPECT_GT(checked_transient, 0) << "no retry happened at all (the seed has failing URLs)";
    EXPECT_GT(checked_stall, 0) << "no stalled request was seen (the seed has stalling URLs)";
}

// Progress over a run of about half a second at 20 lines a second: lines at least 50 ms apart
// (the last, with the totals, excepted), never backwards, the last one equal to the totals, and
// enough of them that the user sees the run move (at least one per 150 ms).
TEST(Progress, RateLimitedMonotonicWithFinalTotals) {
    Options opt = base_options();
    opt.progress_per_second = 20;
    ServerConfig cfg = mixed_config(5, 100);
    cfg.transient_fraction = cfg.stall_fraction = cfg.not_found_fraction = 0.0;
    cfg.min_chunks = 12;
    cfg.max_chunks = 24;
    auto run = run_download("progress", cfg, opt);
    if (!run->usable) return;
    expect_common(*run);
    const std::int64_t took = run->return_us - run->call_us;
    EXPECT_GE(static_cast<std::int64_t>(run->lines.size()), took / 150000)
        << "only " << run->lines.size() << " progress lines in a run of " << ms(took)
        << ": print a line every 1/progress_per_second s while something changed.";
}

// ---------------------------------------------------------------------------------------------
// With signals
// ---------------------------------------------------------------------------------------------

// SIGINT arrives exactly as request k starts (sent from inside it; k = 1, 5, 13). Files are short
// and the drain deadline (400 ms) long: the requests in flight must be allowed to finish and be
// reported done; no new request may start; every URL never started is reported cancelled; the
// call returns by the deadline at the latest (how much sooner is what the timing check grades).
TEST(Shutdown, FirstSignalStopsNewWorkAndLetsInFlightFinish) {
    for (std::int64_t k : {1, 5, 13}) {
        const std::string context = "signal at the start of request " + std::to_string(k) + ": ";
        Options opt = base_options();
        opt.drain_deadline = 400ms;
        ServerConfig cfg = mixed_config(31 + static_cast<std::uint64_t>(k), 60);
        cfg.transient_fraction = cfg.stall_fraction = cfg.not_found_fraction = 0.0;
        cfg.min_chunks = 5;
        cfg.max_chunks = 20;
        Plan plan;
        plan.signal_at_start = k;
        auto run = run_download("first-signal", cfg, opt, plan);
        if (!run->usable) return;
        expect_common(*run, context);
        GS_EXPECT_OK(stopped_in_time(*run), context);
        GS_EXPECT_OK(in_flight_allowed_to_finish(*run), context);
        std::size_t cancelled = 0;
        for (const auto& o : run->outcomes)
            if (o.kind == Reporter::Kind::cancelled) ++cancelled;
        EXPECT_GT(cancelled, 0u) << "after a signal at request " << k << " of 60, no URL was "
                                 << "reported cancelled: did the downloader stop taking work?";
    }
}

// Files take about half a second; SIGTERM arrives as the 4th request starts and the drain
// deadline is 40 ms: every request in flight must be cancelled at the deadline, reported
// cancelled, leave no file (and no temporary file), and download_all() must return within the
// deadline plus 150 ms.
TEST(Shutdown, CancelsWhatRemainsAtTheDeadline) {
    Options opt = base_options();
    opt.drain_deadline = 40ms;
    opt.request_timeout = 2000ms;
    Plan plan;
    plan.signal_at_start = 4;
    plan.hook_signal = SIGTERM;
    auto run = run_download("deadline", slow_config(12, 5000us), opt, plan);
    if (!run->usable) return;
    expect_common(*run);
    GS_EXPECT_OK(stopped_in_time(*run), "");
    for (std::size_t i = 0; i < run->by_url.size(); ++i) {
        const Reporter::Outcome* o = outcome_of(*run, i);
        if (o != nullptr && run->server->attempts(i) > 0) {
            EXPECT_STREQ(kind_name(o->kind), "cancelled")
                << kata::dl::file_name(run->server->urls()[i]) << " needs about half a second, "
                << "was in flight at the signal and the drain deadline is 40 ms: it should be "
                << "reported cancelled, not " << kind_name(o->kind) << ".";
        }
    }
}

// A second signal means "now": SIGTERM at the 4th request's start with a drain deadline of
// 1.5 s (files take a second), then SIGINT 20 ms later. download_all() must return within
// 150 ms of the second signal, with the requests in flight cancelled.
TEST(Shutdown, SecondSignalCancelsAtOnce) {
    Options opt = base_options();
    opt.drain_deadline = 1500ms;
    opt.request_timeout = 3000ms;
    Plan plan;
    plan.signal_at_start = 4;
    plan.hook_signal = SIGTERM;
    plan.during = [](Server& server, const std::atomic<bool>& returned) {
        if (!wait_first_request(server, returned)) return;
        const auto give_up = std::chrono::steady_clock::now() + 2s;
        while (SignalScope::calls() == 0 && !returned.load() &&
               std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(1ms);
        if (SignalScope::calls() == 0) return;
        std::this_thread::sleep_for(20ms);
        send_signal(SIGINT);
    };
    auto run = run_download("second-signal", slow_config(8, 10000us), opt, plan);
    if (!run->usable) return;
    expect_common(*run);
    if (run->handler_calls < 2) {
        GS_EXPECT_OK(handler_behaved(*run), "");
        GS_EXPECT_OK(stopped_in_time(*run), "");
        ADD_FAILURE() << "the harness's handler saw " << run->handler_calls
                      << " signals of the two sent: did download_all() install a handler of its "
                         "own, or block SIGINT and SIGTERM? The harness installs "
                         "on_shutdown_signal for you";
        return;
    }
    const std::int64_t after = run->return_us - run->second_signal_us;
    EXPECT_LE(after, kSlackUs)
        << "download_all() returned " << ms(after) << " after the second signal (the first came "
        << ms(run->second_signal_us - run->first_signal_us)
        << " earlier; the drain deadline is 1.5 s): a second signal must cancel the requests in "
           "flight at once, without waiting for the deadline.";
}

// Every first request breaks off after a few milliseconds and the backoff before its retry is
// 300 ms: SIGINT arrives while all four workers wait out their backoff, with a drain deadline of
// 40 ms. No retry may start after the signal (a retry is a new request), and download_all() must
// return by the deadline plus the slack, not when the backoff ends: a backoff slept with
// sleep_for() neither notices the shutdown nor lets the call return. (How much sooner than the
// deadline it returns is the timing check's business.)
TEST(Shutdown, RetryWaitingOutItsBackoffIsNotStarted) {
    Options opt = base_options();
    opt.retry.first_backoff = 300ms;
    opt.drain_deadline = 40ms;
    ServerConfig cfg = mixed_config(41, 8);
    cfg.transient_fraction = 1.0;
    cfg.not_found_fraction = cfg.stall_fraction = 0.0;
    cfg.min_chunks = 4;
    cfg.max_chunks = 8;
    Plan plan;
    plan.during = [](Server& server, const std::atomic<bool>& returned) {
        if (!wait_first_request(server, returned)) return;
        // Wait until the first requests have all broken off (every worker in its backoff).
        const auto give_up = std::chrono::steady_clock::now() + 100ms;
        while (!(server.started() >= 4 && server.in_flight() == 0) && !returned.load() &&
               std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(200us);
        std::this_thread::sleep_for(10ms);
        send_signal(SIGINT);
    };
    auto run = run_download("backoff", cfg, opt, plan);
    if (!run->usable) return;
    expect_common(*run);
    GS_EXPECT_OK(stopped_in_time(*run), "");
    if (run->handler_calls == 0) return;
    std::size_t retried = 0;
    std::string example;
    for (std::size_t i = 0; i < run->by_url.size(); ++i) {
        const auto log = run->server->attempt_log(i);
        for (std::size_t a = 1; a < log.size(); ++a) {
            if (log[a].seq > run->first_signal_exit_seq) {
                ++retried;
                if (example.empty())
                    example = kata::dl::file_name(run->server->urls()[i]) + "'s retry started " +
                              ms(log[a].start_us - run->first_signal_exit_us) + " after it";
            }
        }
    }
    EXPECT_EQ(retried, 0u)
        << retried << " retries started after the signal (" << example
        << "): a retry waiting out its backoff must give up when the shutdown begins (wait on a "
           "condition variable with a timeout and a 'stopping' predicate, not sleep_for()).";
    const std::int64_t took = run->return_us - run->first_signal_us;
    const std::int64_t limit = opt.drain_deadline.count() * 1000 + kSlackUs;
    EXPECT_LE(took, limit) << "download_all() returned " << ms(took)
                           << " after the signal (drain deadline 40 ms), while every worker waited "
                              "out a 300 ms backoff: a backoff must end when the shutdown begins "
                              "(a condition variable wait with a 'stopping' predicate), not run "
                              "its course.";
}

// Five runs, each with a seeded random moment for the signal (SIGINT or SIGTERM, sent by the
// test thread with kill() 0 to 60 ms after the first request started) and every kind of
// failure: all the promises above at once.
TEST(Shutdown, AtRandomMoments) {
    std::mt19937_64 rng(kata::test_seed());
    for (int round = 0; round < 5; ++round) {
        const auto delay = std::chrono::microseconds(rng() % 60000);
        const int signo = rng() % 2 == 0 ? SIGINT : SIGTERM;
        const std::string context = "round " + std::to_string(round) + ", " +
                                    (signo == SIGINT ? "SIGINT" : "SIGTERM") + " " +
                                    ms(delay.count()) + " after the first request: ";
        Options opt = base_options();
        opt.drain_deadline = 30ms;
        Plan plan;
        plan.during = [delay, signo](Server& server, const std::atomic<bool>& returned) {
            // Counted from the first request: a signal that comes before download_all() has
            // even begun is not a shutdown of a running program.
            if (!wait_first_request(server, returned)) return;
            std::this_thread::sleep_for(delay);
            send_signal(signo);
        };
        auto run = run_download("random", mixed_config(rng(), 60), opt, plan);
        if (!run->usable) return;
        expect_common(*run, context);
        GS_EXPECT_OK(stopped_in_time(*run), context);
    }
}

// The handler may interrupt a thread that holds any lock. Here another thread holds the locks
// of stdout and stderr (which std::cout, std::cerr and printf take) for 300 ms while SIGINT
// arrives on a third thread: a handler that prints waits for them; one that only sets a flag
// and writes to a pipe returns at once.
TEST(Handler, NeverWaitsForALock) {
    Options opt = base_options();
    opt.drain_deadline = 40ms;
    opt.request_timeout = 2000ms;
    Plan plan;
    auto released_us = std::make_shared<std::atomic<std::int64_t>>(-1);
    plan.during = [released_us](Server& server, const std::atomic<bool>& returned) {
        if (!wait_first_request(server, returned)) return;
        const auto give_up = std::chrono::steady_clock::now() + 2s;
        while (server.started() < 4 && !returned.load() &&
               std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(1ms);
        if (!SignalScope::installed(SIGINT)) return;
        std::latch locked(1);
        std::thread holder([&] {
            ::flockfile(stdout);
            ::flockfile(stderr);
            locked.count_down();
            std::this_thread::sleep_for(300ms);
            released_us->store(server.now_us());
            ::funlockfile(stderr);
            ::funlockfile(stdout);
        });
        locked.wait();
        std::thread victim([] { ::raise(SIGINT); });
        victim.join();
        holder.join();
    };
    auto run = run_download("handler-lock", slow_config(8, 5000us), opt, plan);
    if (!run->usable) return;
    GS_EXPECT_OK(handler_behaved(*run), "");
    if (run->handler_calls == 0) {
        GS_EXPECT_OK(stopped_in_time(*run), "");
        return;
    }
    EXPECT_LT(run->max_handler_us, 100000)
        << "the signal handler took " << ms(run->max_handler_us)
        << " while another thread held stdout's and stderr's locks: it prints (std::cout, "
           "std::cerr and printf take those locks), or waits for some other lock. A handler runs "
           "in the middle of whatever its thread was doing; if that thread held the lock, it "
           "never returns. Set a lock-free flag, write() a byte to a pipe, and return.";
    GS_EXPECT_OK(exactly_once(*run), "");
    // Only the handler is judged here: the program's own threads may print (the coordinator
    // is an ordinary thread), so they may wait for the stdio locks too. The return is measured
    // from when the locks were released, or from the drain deadline if that is later.
    const std::int64_t from =
        std::max(released_us->load(), run->first_signal_us + opt.drain_deadline.count() * 1000);
    EXPECT_LE(run->return_us - from, kSlackUs)
        << "download_all() returned " << ms(run->return_us - from)
        << " after the stdio locks were released and the drain deadline (40 ms) had passed: "
           "once the deadline passes, cancel what is in flight and return.";
}

}  // namespace
