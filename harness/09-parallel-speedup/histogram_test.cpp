// Kata 09 harness: count_levels() must give exactly what the serial count gives, for any number
// of threads and any input (empty, tiny, more threads than records, costs in any order), start
// no more threads than it was given and leave none behind, and keep concurrent calls apart.
// Under ThreadSanitizer the same tests find counts that threads share without synchronisation.
//
// Every call runs on a thread of its own (a "runner") that the test waits for with a deadline:
// a count_levels() that never returns fails its test with a message, and its runner is left
// behind (it owns everything it touches) instead of freezing the binary until the watchdog.
#include "histogram.hpp"

#include <kata/log_records.hpp>
#include <kata/stress.hpp>
#include <kata/threads.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using kata::logs::Counts;
using kata::logs::Record;
using Clock = std::chrono::steady_clock;
using Day = std::shared_ptr<const std::vector<Record>>;

/// How long one call may take before the test calls it stuck: the largest day of these tests
/// takes about 0.1 s serially in the release build and a few seconds under ThreadSanitizer on a
/// busy machine. Missing it means "never going to return".
constexpr auto kPatience = 12s;
/// The same for a call on a few records, which returns in milliseconds.
constexpr auto kPromptly = 3s;

Day make_day(std::size_t n, std::uint64_t seed, std::uint32_t max_cost = 48) {
    return std::make_shared<const std::vector<Record>>(kata::logs::make_day(n, seed, max_cost));
}

/// What a call did: its counts or its exception, or nothing when it did not return in time; and
/// the most threads the process had while it ran.
struct Outcome {
    bool returned = false;
    Counts counts{};
    std::exception_ptr error;
    int most_threads = 0;  ///< the process's peak thread count during the call, runner included
};

/// What the runner thread and the waiting test share; owned by both (a runner left behind keeps
/// it alive).
struct Shared {
    Day day;
    unsigned threads = 0;
    Counts counts{};
    std::exception_ptr error;
    std::atomic<bool> done{false};
};

/// Calls count_levels(*day, threads) on a runner thread and waits up to kPatience for it,
/// sampling the process's thread count meanwhile (every 50 us: the threads of a call live for
/// milliseconds at least).
Outcome call(const Day& day, unsigned threads, Clock::duration patience = kPatience) {
    auto shared = std::make_shared<Shared>();
    shared->day = day;
    shared->threads = threads;
    Outcome out;
    std::thread runner([shared] {
        try {
            shared->counts = count_levels(std::span<const Record>(*shared->day), shared->threads);
        } catch (...) {
            shared->error = std::current_exception();
        }
        shared->done.store(true, std::memory_order_release);
    });
    const auto deadline = Clock::now() + patience;
    while (!shared->done.load(std::memory_order_acquire) && Clock::now() < deadline) {
        out.most_threads = std::max(out.most_threads, kata::process_thread_count());
        std::this_thread::sleep_for(50us);
    }
    if (!shared->done.load(std::memory_order_acquire)) {
        runner.detach();  // stuck: left behind, it owns what it uses
        return out;
    }
    runner.join();
    out.returned = true;
    out.counts = shared->counts;
    out.error = shared->error;
    return out;
}

std::string describe_error(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

std::size_t sum(const Counts& c) {
    std::size_t total = 0;
    for (auto v : c) total += static_cast<std::size_t>(v);
    return total;
}

/// What a wrong count says about the bug, in a few words.
std::string why_wrong(const Counts& got, const Counts& want) {
    if (got == Counts{}) return "nothing counted: still the stub?";
    const std::size_t g = sum(got);
    const std::size_t w = sum(want);
    if (g < w)
        return std::to_string(w - g) +
               " record(s) missing: records never counted (the last partial chunk, or the "
               "remainder of a division by the thread count?) or updates lost (a total shared "
               "by the threads without synchronisation?)";
    if (g > w) return std::to_string(g - w) + " record(s) too many: some records counted twice";
    return "the right number of records in the wrong levels";
}

/// Checks that count_levels(*day, threads) returns count_serial(*day); `what` names the input
/// (with its size when the name does not say it).
void expect_serial_counts(const Day& day, unsigned threads, const std::string& what,
                          Clock::duration patience = kPatience) {
    const Counts want = kata::logs::count_serial(*day);
    const Outcome got = call(day, threads, patience);
    const std::string where = what + " on " + std::to_string(threads) + " thread(s)";
    ASSERT_TRUE(got.returned) << "count_levels() on " << where << " did not return within "
                              << std::chrono::duration_cast<std::chrono::seconds>(patience).count()
                              << " s: a loop that never ends (a chunk size of 0 when there are "
                                 "fewer records than threads?) or a thread never joined";
    ASSERT_FALSE(got.error) << "count_levels() on " << where
                            << " threw: " << describe_error(got.error);
    EXPECT_EQ(got.counts, want) << "count_levels() on " << where << " counted ("
                                << kata::logs::to_string(got.counts) << "), the serial count is ("
                                << kata::logs::to_string(want)
                                << "): " << why_wrong(got.counts, want);
}

/// "a generated day of 65537 records"
std::string generated(std::size_t n) {
    return "a generated day of " + std::to_string(n) + " records";
}

TEST(CountLevels, MatchesTheSerialCountOnTwoThreads) {
    const auto seed = kata::test_seed();
    const auto day = make_day(static_cast<std::size_t>(kata::scaled(400'000)), seed);
    expect_serial_counts(day, 2, generated(day->size()));
}

TEST(CountLevels, MatchesTheSerialCountForEveryThreadCount) {
    const auto seed = kata::test_seed();
    // Sizes that no thread count divides evenly, and that are not whole numbers of any
    // power-of-two chunk: the last records must be counted too.
    const std::size_t sizes[] = {static_cast<std::size_t>(kata::scaled(100'003)), 65'537, 4'099};
    for (const std::size_t n : sizes) {
        const auto day = make_day(n, seed + n);
        for (const unsigned threads : {1U, 2U, 3U, 4U, 7U, 16U}) {
            expect_serial_counts(day, threads, generated(n));
            if (::testing::Test::HasFailure()) return;  // one message is enough
        }
    }
}

TEST(CountLevels, CostsInAnyOrder) {
    const auto seed = kata::test_seed();
    const std::size_t n = static_cast<std::size_t>(kata::scaled(60'000));
    // Costs that fall along the day, a flat day, and a day whose work is nearly all in its
    // last record: the counts must not depend on where the work is.
    auto falling = std::make_shared<std::vector<Record>>(kata::logs::make_day(n, seed));
    std::reverse(falling->begin(), falling->end());
    expect_serial_counts(falling, 3, "a day of " + std::to_string(n) + " records whose costs fall");
    expect_serial_counts(make_day(n, seed + 1, 0), 3,
                         "a day of " + std::to_string(n) + " records of equal costs");
    auto one_heavy = std::make_shared<std::vector<Record>>(kata::logs::make_day(n, seed + 2, 0));
    one_heavy->back().cost = 2'000'000;
    expect_serial_counts(
        one_heavy, 2,
        "a day of " + std::to_string(n) + " records whose last one holds most of the work");
}

TEST(CountLevels, ZeroThreadsIsRefused) {
    const Outcome got = call(make_day(100, 6), 0, kPromptly);
    ASSERT_TRUE(got.returned) << "count_levels(records, 0) did not return: it must throw "
                                 "std::invalid_argument at once";
    ASSERT_TRUE(got.error) << "count_levels(records, 0) returned counts ("
                           << kata::logs::to_string(got.counts)
                           << "); with no thread to run on it must throw std::invalid_argument";
    try {
        std::rethrow_exception(got.error);
    } catch (const std::invalid_argument&) {
        SUCCEED();
    } catch (...) {
        ADD_FAILURE() << "count_levels(records, 0) threw " << describe_error(got.error)
                      << ", not a std::invalid_argument";
    }
}

TEST(Threads, NeverMoreThanAskedAndNoneLeftBehind) {
    const auto seed = kata::test_seed();
    // Long enough (about 50 ms serially, more under ThreadSanitizer) for the sampling to see
    // every thread a call starts.
    const auto day = make_day(static_cast<std::size_t>(kata::scaled(1'000'000)), seed);
    const Counts want = kata::logs::count_serial(*day);
    for (const unsigned threads : {1U, 2U, 3U, 7U}) {
        const int before = kata::settled_thread_count(kata::process_thread_count());
        const Outcome got = call(day, threads);
        ASSERT_TRUE(got.returned)
            << "count_levels() on " << threads << " thread(s) did not return within "
            << std::chrono::duration_cast<std::chrono::seconds>(kPatience).count() << " s";
        ASSERT_FALSE(got.error) << "count_levels() threw: " << describe_error(got.error);
        EXPECT_EQ(got.counts, want) << "count_levels() on " << threads << " thread(s) counted "
                                    << kata::logs::to_string(got.counts) << ", the serial count is "
                                    << kata::logs::to_string(want);
        // The runner is one thread of the test's; the rest are the call's.
        const int started = got.most_threads - before - 1;
        EXPECT_LE(started, static_cast<int>(threads))
            << "count_levels(records, " << threads << ") had " << started
            << " threads of its own running at once: it may use at most the " << threads
            << " it was given (a thread per chunk, or std::thread::hardware_concurrency() "
               "instead of the argument?)";
        const int after = kata::settled_thread_count(before);
        EXPECT_EQ(after, before) << "count_levels(records, " << threads << ") returned with "
                                 << after - before
                                 << " thread(s) of its own still alive 250 ms later: join every "
                                    "thread before returning (std::jthread joins when destroyed)";
        if (::testing::Test::HasFailure()) return;
    }
}

TEST(Threads, ConcurrentCallsKeepTheirCountsApart) {
    const auto seed = kata::test_seed();
    const std::size_t n = static_cast<std::size_t>(kata::scaled(200'000));
    // Two different days counted at once, several times: a count, an index or a flag kept in a
    // static or global variable mixes them up.
    const auto a = make_day(n, seed);
    const auto b = make_day(n / 2 + 11, seed + 1, 24);
    const Counts want_a = kata::logs::count_serial(*a);
    const Counts want_b = kata::logs::count_serial(*b);
    const int rounds = kata::scaled(8) < 2 ? 2 : kata::scaled(8);
    for (int round = 0; round < rounds; ++round) {
        Outcome got_b;
        std::thread other([&] { got_b = call(b, 3); });
        const Outcome got_a = call(a, 2);
        other.join();
        ASSERT_TRUE(got_a.returned && got_b.returned)
            << "two calls of count_levels() at once: one did not return within "
            << std::chrono::duration_cast<std::chrono::seconds>(kPatience).count() << " s";
        ASSERT_FALSE(got_a.error || got_b.error)
            << "two calls of count_levels() at once: one threw";
        ASSERT_EQ(got_a.counts, want_a)
            << "round " << round << ": while another call counted a second day, the first day "
            << "was counted as " << kata::logs::to_string(got_a.counts) << " (" << sum(got_a.counts)
            << " records) instead of " << kata::logs::to_string(want_a) << " (" << sum(want_a)
            << "): state shared between calls (a static or global variable?)";
        ASSERT_EQ(got_b.counts, want_b)
            << "round " << round << ": while another call counted a second day, this one was "
            << "counted as " << kata::logs::to_string(got_b.counts) << " instead of "
            << kata::logs::to_string(want_b) << ": state shared between calls";
    }
}

TEST(Threads, ManyCallsInARowStayExact) {
    const auto seed = kata::test_seed();
    // Many short calls: each ends with a merge of the threads' counts, which is where an
    // unsynchronised total loses an update now and then.
    const auto day = make_day(20'000, seed, 8);
    const Counts want = kata::logs::count_serial(*day);
    const int calls = kata::scaled(200);
    for (int i = 0; i < calls; ++i) {
        const unsigned threads = 2 + static_cast<unsigned>(i % 3);
        const Outcome got = call(day, threads);
        ASSERT_TRUE(got.returned) << "call " << i << " did not return";
        ASSERT_FALSE(got.error) << "call " << i << " threw: " << describe_error(got.error);
        ASSERT_EQ(got.counts, want)
            << "call " << i << " of " << calls << " (" << threads << " threads) counted "
            << kata::logs::to_string(got.counts) << " (" << sum(got.counts)
            << " records), the serial count is " << kata::logs::to_string(want) << " (" << sum(want)
            << "): an update lost while the threads' counts were merged?";
    }
}

// Last in the file: a count_levels() whose threads spin for ever on tiny inputs (a chunk of 0
// records) is left behind spinning, and would slow every test after it.
TEST(Inputs, EmptyAndTiny) {
    const auto empty = make_day(0, 1);
    for (const unsigned threads : {1U, 4U})
        expect_serial_counts(empty, threads, "an empty day", kPromptly);
    expect_serial_counts(make_day(1, 2), 8, "a day of one record", kPromptly);
    expect_serial_counts(make_day(5, 3), 64, "a day of 5 records (more threads than records)",
                         kPromptly);
    expect_serial_counts(make_day(3, 4), 3, "a day of 3 records (one per thread)", kPromptly);
    expect_serial_counts(make_day(17, 5), 2, "a day of 17 records", kPromptly);
}

}  // namespace
