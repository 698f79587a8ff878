// Kata 08 harness, part 2: the scopes at work. fetch_all() fans out over the simulated web (one
// child per URL, each request under a timeout, each page digested chunk by chunk) and
// sync_pages() commits the digests in one shielded step. The web counts open requests and
// timers and notes when the first request failed and when it was last busy, so the harness
// sees how long a failure, a timeout or a cancellation took to stop everything.
#include "scope_support.hpp"

namespace kata::tasks {
/// The harness's own access to the web: the digest a correct fetch_all() computes for URL i
/// (every chunk, in order, from the page's seed).
struct WebOracle {
    static std::uint64_t expected_digest(const Web& web, std::size_t i) {
        std::uint64_t h = web.seed_of(i);
        for (std::size_t c = 0; c < web.specs_[i].chunks; ++c) h = Web::step(web.seed_of(i), c, h);
        return h;
    }
    static std::int64_t total_chunks(const Web& web) {
        std::int64_t n = 0;
        for (const auto& s : web.specs_) n += static_cast<std::int64_t>(s.chunks);
        return n;
    }
};
}  // namespace kata::tasks

namespace {

using namespace sc;
using kata::tasks::Record;
using kata::tasks::Store;
using kata::tasks::UrlSpec;
using kata::tasks::Web;
using kata::tasks::WebOracle;

/// Webs and stores are never freed (and so never reused): a scope that leaves a request running
/// cannot make it touch freed memory. Reachable from here, so LeakSanitizer does not count them.
template <class T, class... Args>
T& keep(Args&&... args) {
    static auto* kept = new std::vector<std::shared_ptr<void>>();
    static std::mutex mutex;
    auto p = std::make_shared<T>(std::forward<Args>(args)...);
    std::lock_guard lock(mutex);
    kept->push_back(p);
    return *p;
}

std::string url(int i) {
    return "https://pages.example/" + std::to_string(i);
}

/// `n` pages of 10 to 40 chunks (1 ms each), 30 to 65 ms away.
std::vector<UrlSpec> plain_pages(int n) {
    std::vector<UrlSpec> specs;
    for (int i = 0; i < n; ++i) {
        UrlSpec s;
        s.url = url(i);
        s.latency = std::chrono::microseconds(30000 + (i * 7919) % 35000);
        s.chunks = static_cast<std::size_t>(10 + (i * 13) % 31);
        specs.push_back(s);
    }
    return specs;
}

/// What the web still had running when the call returned, and the process's threads after it.
struct AfterReturn {
    std::int64_t open = -1;
    std::int64_t timers = -1;
    std::int64_t return_us = -1;  ///< on the web's clock
};

std::string nothing_left(const AfterReturn& a, const std::string& scope) {
    std::ostringstream out;
    if (a.open > 0)
        out << a.open << " requests were still open when " << scope
            << " returned: every child must have stopped (and its request with it) before the "
               "scope returns. ";
    if (a.timers > 0)
        out << a.timers << " timers were still running when " << scope << " returned. ";
    return out.str();
}

// Twelve pages: every one is fetched at the same time (one child per URL), the digests come
// back in the order of the URLs, and nothing is left open.
TEST(FanOut, FetchesEveryUrlAtOnceDigestsInOrder) {
    // Answers that take at least 200 ms: however slowly a busy machine starts the children
    // (and their timers), all twelve requests are open together at some moment.
    std::vector<UrlSpec> specs = plain_pages(12);
    for (auto& s : specs) s.latency += 170ms;
    Web& web = keep<Web>(specs);
    auto out = std::make_shared<std::vector<std::uint64_t>>();
    auto after = std::make_shared<AfterReturn>();
    const int before = kata::process_thread_count();
    const Call call = call_within([&web, out, after] {
        *out = fetch_all(web, web.urls(), 500ms, std::stop_token{});
        after->open = web.open_requests();
        after->timers = kata::tasks::live_timers();
    });
    ASSERT_TRUE(call.finished) << not_returned("fetch_all()");
    ASSERT_FALSE(call.error) << "fetch_all() threw " << describe(call.error)
                             << " although every URL exists and answers in time";
    ASSERT_EQ(out->size(), 12u) << "one digest per URL";
    for (std::size_t i = 0; i < 12; ++i) {
        EXPECT_EQ((*out)[i], WebOracle::expected_digest(web, i))
            << "digest " << i
            << " is wrong: digests come back in the order of the URLs, each "
               "page's chunks mixed in order from page.seed (h = web.digest_chunk(page, i, h))";
    }
    EXPECT_EQ(web.digest_steps(), WebOracle::total_chunks(web))
        << "digest_chunk() was called " << web.digest_steps() << " times for pages of "
        << WebOracle::total_chunks(web)
        << " chunks in all: digest every page by calling web.digest_chunk() once per chunk, in "
           "order (the digest is the work, not a value to be found elsewhere)";
    EXPECT_EQ(web.peak_open_requests(), 12)
        << "at most " << web.peak_open_requests()
        << " requests were open at once: fetch every URL at the same time (one child per URL)";
    EXPECT_EQ(nothing_left(*after, "fetch_all()"), "");
    EXPECT_EQ(thread_leak(before, settled_threads(before), "fetch_all()"), "");
}

// One URL does not exist (its error comes after 20 ms); three others are big pages, fetched at
// once and then digested for 1.5 s or more; the rest take two seconds to answer. The failure
// cancels everything: fetch_all() throws TaskGroupError with the FetchError first, the web goes
// quiet and the call returns soon after the failure, with nothing left open.
TEST(FanOut, FirstFailureCancelsTheOthersPromptly) {
    std::vector<UrlSpec> specs;
    for (int i = 0; i < 8; ++i) {
        UrlSpec s;
        s.url = url(i);
        if (i < 3) {
            s.latency = 2ms;
            s.chunks = 1500;
        } else if (i == 5) {
            s.latency = 20ms;
            s.kind = UrlSpec::Kind::not_found;
        } else {
            s.latency = 2s;
        }
        specs.push_back(s);
    }
    Web& web = keep<Web>(specs);
    auto after = std::make_shared<AfterReturn>();
    const int before = kata::process_thread_count();
    const Call call = call_within([&web, after] {
        try {
            (void)fetch_all(web, web.urls(), 5s, std::stop_token{});
        } catch (...) {
            after->return_us = web.now_us();
            after->open = web.open_requests();
            after->timers = kata::tasks::live_timers();
            throw;
        }
        after->return_us = web.now_us();
    });
    ASSERT_TRUE(call.finished) << not_returned("fetch_all() after a request failed");
    ASSERT_TRUE(call.error) << "fetch_all() returned normally although " << url(5)
                            << " does not exist";
    try {
        std::rethrow_exception(call.error);
    } catch (const TaskGroupError& g) {
        bool fetch_error = false;
        try {
            std::rethrow_exception(g.first());
        } catch (const kata::tasks::FetchError& f) {
            fetch_error = f.url == url(5);
        } catch (...) {
        }
        EXPECT_TRUE(fetch_error) << "the first failure is " << describe(g.first())
                                 << "; it should be the FetchError of " << url(5);
    } catch (...) {
        ADD_FAILURE() << "fetch_all() threw " << describe(call.error)
                      << " instead of TaskGroupError";
    }
    const std::int64_t fail = web.first_failure_us();
    ASSERT_GE(fail, 0) << "the missing URL was never requested";
    EXPECT_LE(after->return_us - fail, kFanOutBoundUs)
        << "fetch_all() returned " << ms(after->return_us - fail)
        << " after the first request failed (the web was last busy "
        << ms(web.last_activity_us() - fail)
        << " after it): every child must notice the cancellation promptly. A request notices by "
           "itself; a loop of CPU work (the digest) notices only where it checks: call "
           "kata::tasks::checkpoint(token) on every round";
    EXPECT_EQ(nothing_left(*after, "fetch_all()"), "");
    EXPECT_EQ(thread_leak(before, settled_threads(before), "fetch_all()"), "");
}

// One URL stalls (its request never ends by itself) and the request timeout is 40 ms: the
// timeout cancels that request, fetch_all() throws TaskGroupError with TimedOut first, by the
// deadline plus the bound, and nothing is left open.
TEST(FanOut, StalledRequestTimesOut) {
    std::vector<UrlSpec> specs = plain_pages(6);
    specs[2].kind = UrlSpec::Kind::stalls;
    for (auto& s : specs)
        if (s.kind != UrlSpec::Kind::stalls) s.latency = 2s;
    Web& web = keep<Web>(specs);
    auto after = std::make_shared<AfterReturn>();
    const Call call = call_within([&web, after] {
        try {
            (void)fetch_all(web, web.urls(), 40ms, std::stop_token{});
        } catch (...) {
            after->open = web.open_requests();
            after->timers = kata::tasks::live_timers();
            throw;
        }
    });
    ASSERT_TRUE(call.finished) << not_returned("fetch_all() with a stalled request");
    ASSERT_TRUE(call.error) << "fetch_all() returned normally although a request stalled past "
                               "its 40 ms timeout";
    try {
        std::rethrow_exception(call.error);
    } catch (const TaskGroupError& g) {
        EXPECT_EQ(describe(g.first()), "TimedOut")
            << "the first failure is " << describe(g.first())
            << "; the stalled request's timeout should be it";
    } catch (...) {
        ADD_FAILURE() << "fetch_all() threw " << describe(call.error)
                      << " instead of TaskGroupError";
    }
    EXPECT_LE(call.took_us(), 40000 + kReturnBoundUs)
        << "fetch_all() returned " << ms(call.took_us())
        << " after the start; the request timeout is 40 ms";
    EXPECT_EQ(nothing_left(*after, "fetch_all()"), "");
}

// The caller's token is stopped 20 ms in, while every request is open: Cancelled, promptly,
// nothing left open.
TEST(FanOut, CancelledByTheCaller) {
    std::vector<UrlSpec> specs = plain_pages(6);
    for (auto& s : specs) s.latency = 2s;
    Web& web = keep<Web>(specs);
    auto after = std::make_shared<AfterReturn>();
    auto caller = std::make_shared<std::stop_source>();
    std::thread canceller([caller] {
        std::this_thread::sleep_for(20ms);
        caller->request_stop();
    });
    const Call call = call_within([&web, after, caller] {
        try {
            (void)fetch_all(web, web.urls(), 5s, caller->get_token());
        } catch (...) {
            after->open = web.open_requests();
            throw;
        }
    });
    canceller.join();
    ASSERT_TRUE(call.finished) << not_returned("fetch_all() after the caller cancelled it");
    EXPECT_EQ(describe(call.error), "Cancelled")
        << "fetch_all() should throw Cancelled when the caller's token is stopped";
    EXPECT_LE(call.took_us(), 20000 + kReturnBoundUs)
        << "fetch_all() returned " << ms(call.took_us()) << "; the caller cancelled at 20 ms";
    EXPECT_EQ(nothing_left(*after, "fetch_all()"), "");
}

// sync_pages() on pages that all succeed: one commit of every record, in the order of the URLs.
TEST(Sync, CommitsEveryRecordInUrlOrder) {
    Web& web = keep<Web>(plain_pages(8));
    Store& store = keep<Store>();
    const Call call = call_within(
        [&web, &store] { sync_pages(web, store, web.urls(), 500ms, std::stop_token{}); });
    ASSERT_TRUE(call.finished) << not_returned("sync_pages()");
    ASSERT_FALSE(call.error) << "sync_pages() threw " << describe(call.error);
    std::vector<Record> want;
    for (std::size_t i = 0; i < 8; ++i)
        want.push_back({url(static_cast<int>(i)), WebOracle::expected_digest(web, i)});
    EXPECT_EQ(store.commits_completed(), 1) << "one commit of every record";
    EXPECT_EQ(web.digest_steps(), WebOracle::total_chunks(web))
        << "digest_chunk() was called " << web.digest_steps() << " times for pages of "
        << WebOracle::total_chunks(web) << " chunks in all: digest every chunk of every page";
    EXPECT_TRUE(store.records() == want)
        << "the store holds " << store.records().size()
        << " records; it should hold one (url, digest) per URL, in the order of the URLs";
}

// A failed fetch commits nothing.
TEST(Sync, FailedFetchCommitsNothing) {
    std::vector<UrlSpec> specs = plain_pages(5);
    specs[3].kind = UrlSpec::Kind::not_found;
    Web& web = keep<Web>(specs);
    Store& store = keep<Store>();
    const Call call = call_within(
        [&web, &store] { sync_pages(web, store, web.urls(), 500ms, std::stop_token{}); });
    ASSERT_TRUE(call.finished) << not_returned("sync_pages()");
    EXPECT_TRUE(call.error) << "sync_pages() returned normally although a URL does not exist";
    EXPECT_EQ(store.commits_started(), 0)
        << "sync_pages() committed although the fetch failed: commit only complete results";
}

// The caller cancels the moment the commit starts (from inside the store, so the moment is
// exact): the commit is shielded, so every record is written and the store is never torn;
// sync_pages() then throws Cancelled.
TEST(Sync, CommitIsShieldedFromCancellation) {
    Web& web = keep<Web>(plain_pages(10));
    Store& store = keep<Store>();
    auto caller = std::make_shared<std::stop_source>();
    store.on_commit_start([caller] { caller->request_stop(); });
    const Call call = call_within(
        [&web, &store, caller] { sync_pages(web, store, web.urls(), 500ms, caller->get_token()); });
    ASSERT_TRUE(call.finished) << not_returned("sync_pages() cancelled during its commit");
    ASSERT_EQ(store.commits_started(), 1) << "the commit never started";
    EXPECT_EQ(store.torn_commits(), 0)
        << "the commit was cancelled halfway: the store holds " << store.records().size()
        << " of the 10 records. Shield the commit: give it a token that the caller's "
           "cancellation does not stop";
    EXPECT_EQ(store.records().size(), 10u) << "every record of the batch must be written";
    EXPECT_EQ(describe(call.error), "Cancelled")
        << "sync_pages() should throw Cancelled after the shielded commit (the caller was "
           "cancelled: deliver it once the commit is done)";
}

// Many small fan-outs in a row, a failure at a random moment in each: after every call no
// request is open, no timer runs, and no thread is left.
TEST(FanOut, NothingOutlivesTheScopeAcrossManyRuns) {
    std::mt19937_64 rng(kata::test_seed());
    const int rounds = kata::scaled(20);
    const int before = kata::process_thread_count();
    for (int r = 0; r < rounds; ++r) {
        std::vector<UrlSpec> specs;
        const int n = 3 + static_cast<int>(rng() % 6);
        const int bad = static_cast<int>(rng() % static_cast<std::uint64_t>(n));
        for (int i = 0; i < n; ++i) {
            UrlSpec s;
            s.url = url(i);
            s.latency = std::chrono::microseconds(500 + rng() % 8000);
            s.chunks = 1 + rng() % 10;
            if (i == bad)
                s.kind = rng() % 2 == 0 ? UrlSpec::Kind::not_found : UrlSpec::Kind::stalls;
            specs.push_back(s);
        }
        Web& web = keep<Web>(specs);
        auto after = std::make_shared<AfterReturn>();
        const Call call = call_within([&web, after] {
            try {
                (void)fetch_all(web, web.urls(), 10ms, std::stop_token{});
            } catch (...) {
                after->open = web.open_requests();
                after->timers = kata::tasks::live_timers();
                throw;
            }
        });
        ASSERT_TRUE(call.finished) << "round " << r << ": " << not_returned("fetch_all()");
        ASSERT_TRUE(call.error) << "round " << r << ": fetch_all() returned normally although "
                                << url(bad) << " fails";
        ASSERT_EQ(nothing_left(*after, "fetch_all()"), "") << "round " << r;
    }
    EXPECT_EQ(thread_leak(before, settled_threads(before), "the fetch_all() calls"), "");
}

}  // namespace
