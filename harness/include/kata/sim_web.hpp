#pragma once
/// A simulated web for the URL-pipeline kata, owned by the harness.
///
/// What the student uses:
///  - `SimWeb::io()`: the event loop (an asio::io_context) the simulated server lives on.
///  - `co_await web.fetch(url)`: an asynchronous request, to be awaited by a coroutine running on
///    web.io(). It completes after a per-URL latency (a few to tens of milliseconds) with a Page
///    or an error. `fetch_blocking(url)` is the same request for a plain thread (it sleeps).
///  - Errors: `transient` (try again later: a seeded set of URLs fail once or twice, then
///    succeed), `not_found` (permanent: retrying never helps) and `refused` (the server already
///    had `max_connections` requests open; the request was rejected at once).
///  - `Page`: the body of a fetched URL. Every live Page is counted by the harness.
///  - `parse(page)`: deterministic, pure and CPU-heavy. Thread-safe.
///  - `ResultSink`: where every URL's outcome goes, exactly once. NOT thread-safe: calls must
///    not overlap.
///
/// What the harness measures on its own: requests in flight (peak), live pages (peak), refused
/// requests, every attempt per URL with its start time, where parse() ran (on the event loop or
/// not), event-loop lag (a heartbeat timer on web.io() while requests are in flight), parse CPU
/// time, and optionally a timeline written as Chrome trace-event JSON (kata/trace.hpp).

#ifndef ASIO_HAS_CO_AWAIT
#define ASIO_HAS_CO_AWAIT 1
#endif
#ifndef ASIO_HAS_STD_COROUTINE
#define ASIO_HAS_STD_COROUTINE 1
#endif
#include <asio.hpp>

#include <kata/trace.hpp>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <kata/threads.hpp>

namespace kata::web {

// ---------------------------------------------------------------------------------------------
// Student-facing types
// ---------------------------------------------------------------------------------------------

enum class Error {
    none,       ///< success
    transient,  ///< temporary failure: the same request may succeed later (retry with backoff)
    not_found,  ///< permanent failure: retrying never helps
    refused,    ///< the server was at its connection limit and rejected the request at once
};

inline const char* to_string(Error e) {
    switch (e) {
        case Error::none:
            return "none";
        case Error::transient:
            return "transient";
        case Error::not_found:
            return "not_found";
        case Error::refused:
            return "refused";
    }
    return "?";
}

/// How to retry transient failures: at most `max_attempts` requests per URL (the first one
/// included); before attempt k+1 wait first_backoff * multiplier^(k-1).
struct RetryPolicy {
    int max_attempts = 4;
    std::chrono::milliseconds first_backoff{2};
    double multiplier = 2.0;
};

/// The limits crawl() must respect at every moment.
struct Limits {
    std::size_t max_in_flight = 64;   ///< requests open at once (the server's connection limit)
    std::size_t parse_threads = 2;    ///< threads that may run parse()
    std::size_t max_live_pages = 96;  ///< Page objects alive at once (fetched, not yet dropped)
    RetryPolicy retry{};
    /// Threads crawl() may add besides the calling thread: the parse threads plus this many.
    static constexpr std::size_t kExtraThreads = 2;
};

class SimWeb;
struct ParseResult;

/// A fetched page. Created only by the SimWeb; neither copyable nor movable (hold it through a
/// PagePtr). The harness counts live instances: drop a page (reset its PagePtr) once parsed.
class Page {
  public:
    Page(const Page&) = delete;
    Page& operator=(const Page&) = delete;
    ~Page();

    std::string_view url() const;
    std::string_view body() const { return body_; }

  private:
    friend class SimWeb;
    friend ParseResult parse(const Page& page);
    Page(SimWeb& web, std::uint32_t index, std::string body);

    SimWeb* web_;
    std::uint32_t index_;
    std::string body_;
};

using PagePtr = std::unique_ptr<Page>;

struct FetchResult {
    PagePtr page;  ///< set exactly when error == Error::none
    Error error = Error::none;
    bool ok() const { return error == Error::none; }
};

struct ParseResult {
    std::uint64_t digest = 0;
    std::uint32_t words = 0;
    friend bool operator==(const ParseResult&, const ParseResult&) = default;
};

/// Parses a page: deterministic, pure, CPU-heavy (tens of microseconds). Thread-safe.
ParseResult parse(const Page& page);

// ---------------------------------------------------------------------------------------------
// The simulated web
// ---------------------------------------------------------------------------------------------

namespace detail {

inline std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

inline double unit(std::uint64_t h) {
    return static_cast<double>(h >> 11) * 0x1.0p-53;
}

inline std::int64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

inline void atomic_max(std::atomic<std::int64_t>& peak, std::int64_t value) {
    std::int64_t seen = peak.load(std::memory_order_relaxed);
    while (seen < value && !peak.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

/// The pure computation behind parse(): hashes the body, counts its words, then runs `work`
/// rounds of mixing (the CPU-heavy part; no memory traffic, so sanitizers barely slow it).
inline ParseResult parse_body(std::string_view body, std::uint32_t work) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    std::uint32_t words = 0;
    bool in_word = false;
    for (char c : body) {
        h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
        const bool letter = c != ' ';
        if (letter && !in_word) ++words;
        in_word = letter;
    }
    for (std::uint32_t i = 0; i < work; ++i) h = mix64(h + i);
    return ParseResult{h, words};
}

}  // namespace detail

// The thread count (kata/threads.hpp), also under this namespace for the kata's tests.
using kata::process_thread_count;
using kata::settled_thread_count;

struct Config {
    std::uint64_t seed = 1;
    std::size_t url_count = 1000;
    std::size_t max_connections = 64;
    std::chrono::microseconds min_latency{2000};
    std::chrono::microseconds max_latency{30000};
    double transient_fraction = 0.05;  ///< fail once or twice, then succeed
    double not_found_fraction = 0.02;  ///< fail every time with not_found
    std::uint32_t parse_work = 8000;   ///< mixing rounds per parse (about 5 ns each)
    /// How long each sink call takes between reading and advancing its count (the tests set it;
    /// the benchmark does not): two calls that are not serialised then overlap on nearly every
    /// run, and an overlap loses an outcome, so an unsynchronised sink fails the same way each
    /// time instead of by the luck of the schedule.
    std::chrono::microseconds sink_dwell{0};
};

/// What the harness knows about one URL.
struct UrlTruth {
    int failures_before_success = 0;  ///< transient failures before the first success
    bool not_found = false;
};

class SimWeb {
  public:
    using clock = std::chrono::steady_clock;

    explicit SimWeb(Config config) : config_(config), origin_(clock::now()) {
        const std::size_t n = config_.url_count;
        urls_.reserve(n);
        truth_.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            urls_.push_back("https://site" + std::to_string(i % 97) + ".example/page/" +
                            std::to_string(i));
            const std::uint64_t h = url_hash(i);
            const double u = detail::unit(detail::mix64(h + 1));
            UrlTruth t;
            if (u < config_.not_found_fraction) {
                t.not_found = true;
            } else if (u < config_.not_found_fraction + config_.transient_fraction) {
                t.failures_before_success = 1 + static_cast<int>(detail::mix64(h + 2) & 1);
            }
            truth_.push_back(t);
        }
        state_ = std::make_unique<PerUrl[]>(n);
    }

    SimWeb(const SimWeb&) = delete;
    SimWeb& operator=(const SimWeb&) = delete;

    // ---- student API ----------------------------------------------------------------------

    /// The event loop the simulated server runs on. Await fetch() only in coroutines running
    /// here. After run() returns it is stopped: call restart() before running it again.
    asio::io_context& io() { return io_; }

    const std::vector<std::string>& urls() const { return urls_; }
    const Config& config() const { return config_; }

    /// One request. Await it on web.io(); it never blocks the thread.
    asio::awaitable<FetchResult> fetch(std::string url) {
        auto ex = co_await asio::this_coro::executor;
        if (&asio::query(ex, asio::execution::context) != &io_) {
            throw std::logic_error(
                "SimWeb::fetch must be awaited by a coroutine running on web.io()");
        }
        const std::int64_t idx = lookup(url);
        if (idx < 0) co_return FetchResult{nullptr, Error::not_found};
        note_loop_thread();
        ensure_heartbeat();
        Admission admission(*this, static_cast<std::uint32_t>(idx));
        if (admission.refused) co_return FetchResult{nullptr, Error::refused};
        asio::steady_timer timer(ex, latency(static_cast<std::size_t>(idx), admission.attempt));
        co_await timer.async_wait(asio::use_awaitable);
        co_return admission.finish(trace_thread_id());
    }

    /// The same request for a plain thread: sleeps for the latency, then returns.
    FetchResult fetch_blocking(const std::string& url) {
        const std::int64_t idx = lookup(url);
        if (idx < 0) return FetchResult{nullptr, Error::not_found};
        sample_threads();
        if (io_.get_executor().running_in_this_thread()) {
            blocking_on_loop_.fetch_add(1, std::memory_order_relaxed);
        }
        Admission admission(*this, static_cast<std::uint32_t>(idx));
        if (admission.refused) return FetchResult{nullptr, Error::refused};
        std::this_thread::sleep_for(latency(static_cast<std::size_t>(idx), admission.attempt));
        return admission.finish(trace_thread_id());
    }

    // ---- harness API ----------------------------------------------------------------------

    const UrlTruth& truth(std::size_t i) const { return truth_[i]; }
    std::int64_t index_of(std::string_view url) const { return lookup(url); }

    /// The result parse() must produce for URL i (computed again, so it costs a parse).
    ParseResult expected_parse(std::size_t i) const {
        return detail::parse_body(make_body(i), config_.parse_work);
    }

    /// Latency of attempt `attempt` (1-based) of URL i.
    std::chrono::microseconds latency(std::size_t i, int attempt) const {
        const double u =
            detail::unit(detail::mix64(url_hash(i) + 16 + static_cast<unsigned>(attempt)));
        const double span =
            static_cast<double>((config_.max_latency - config_.min_latency).count());
        return config_.min_latency +
               std::chrono::microseconds(static_cast<std::int64_t>(span * u * u));
    }

    /// Sum of the latencies of the attempts every URL needs at least (failures included): the
    /// I/O work any correct crawler must wait for.
    std::chrono::microseconds required_latency_total() const {
        std::chrono::microseconds total{0};
        for (std::size_t i = 0; i < urls_.size(); ++i) {
            const int attempts = truth_[i].not_found ? 1 : truth_[i].failures_before_success + 1;
            for (int a = 1; a <= attempts; ++a) total += latency(i, a);
        }
        return total;
    }

    /// Accepted (not refused) attempts made for URL i so far.
    int attempts(std::size_t i) const { return state_[i].attempts.load(std::memory_order_relaxed); }

    /// Start times (microseconds since the web was made) of URL i's accepted attempts, and the
    /// time each ended.
    std::vector<std::pair<std::int64_t, std::int64_t>> attempt_times(std::size_t i) const {
        const PerUrl& u = state_[i];
        const int n = std::min(u.attempts.load(), PerUrl::kLogged);
        std::vector<std::pair<std::int64_t, std::int64_t>> out;
        for (int k = 0; k < n; ++k) out.emplace_back(u.start_us[k], u.end_us[k]);
        return out;
    }

    std::int64_t in_flight() const { return in_flight_.load(); }
    std::int64_t peak_in_flight() const { return peak_in_flight_.load(); }
    std::int64_t refused() const { return refused_.load(); }
    std::int64_t live_pages() const { return live_pages_.load(); }
    std::int64_t peak_live_pages() const { return peak_live_pages_.load(); }
    std::int64_t pages_made() const { return pages_made_.load(); }
    std::int64_t parses() const { return parses_.load(); }
    std::int64_t parses_on_loop() const { return parses_on_loop_.load(); }
    std::int64_t blocking_fetches_on_loop() const { return blocking_on_loop_.load(); }
    std::chrono::nanoseconds parse_cpu() const {
        return std::chrono::nanoseconds(parse_cpu_ns_.load());
    }
    /// Wall time spent inside parse() calls, summed over threads (at least parse_cpu(); more when
    /// the parsing threads had to wait for a core).
    std::chrono::nanoseconds parse_wall() const {
        return std::chrono::nanoseconds(parse_wall_ns_.load());
    }
    std::int64_t peak_threads() const { return peak_threads_.load(); }

    /// Event-loop lag samples in microseconds (how late each heartbeat tick ran).
    std::vector<std::int64_t> lag_samples() const {
        std::lock_guard lock(lag_mutex_);
        return lag_us_;
    }
    /// Busy-lag samples in microseconds (see heartbeat()).
    std::vector<std::int64_t> busy_lag_samples() const {
        std::lock_guard lock(lag_mutex_);
        return busy_lag_us_;
    }

    /// Records a thread-count sample (also done by the harness's sampler thread).
    void sample_threads() { detail::atomic_max(peak_threads_, process_thread_count()); }
    void reset_thread_peak() { peak_threads_.store(0); }

    /// Turns timeline recording on (before the crawl starts).
    void enable_trace() { trace_ = std::make_unique<Trace>(); }
    Trace* trace() { return trace_.get(); }

    std::int64_t now_us() const {
        return std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - origin_)
            .count();
    }

  private:
    friend class Page;
    friend ParseResult parse(const Page& page);

    struct PerUrl {
        static constexpr int kLogged = 8;
        std::atomic<int> attempts{0};
        // Slot k belongs to attempt k + 1 only, so each is written by one request.
        std::int64_t start_us[kLogged] = {};
        std::int64_t end_us[kLogged] = {};
    };

    /// One request's bookkeeping: counts it in flight (or refuses it), and on finish() builds
    /// the outcome. Its destructor releases the connection even if the awaiting coroutine is
    /// destroyed half-way.
    struct Admission {
        SimWeb& web;
        std::uint32_t index;
        bool refused = false;
        bool open = false;
        int attempt = 0;
        std::int64_t start_us = 0;

        Admission(SimWeb& w, std::uint32_t i) : web(w), index(i) {
            const std::int64_t now = web.in_flight_.fetch_add(1) + 1;
            detail::atomic_max(web.peak_in_flight_, now);
            if (now > static_cast<std::int64_t>(web.config_.max_connections)) {
                web.in_flight_.fetch_sub(1);
                web.refused_.fetch_add(1);
                refused = true;
                return;
            }
            open = true;
            attempt = web.state_[index].attempts.fetch_add(1) + 1;
            start_us = web.now_us();
        }
        ~Admission() {
            if (open) web.in_flight_.fetch_sub(1);
        }
        FetchResult finish(int thread) {
            web.in_flight_.fetch_sub(1);
            open = false;
            const std::int64_t end_us = web.now_us();
            if (attempt <= PerUrl::kLogged) {
                web.state_[index].start_us[attempt - 1] = start_us;
                web.state_[index].end_us[attempt - 1] = end_us;
            }
            const UrlTruth& t = web.truth_[index];
            FetchResult r;
            if (t.not_found) {
                r.error = Error::not_found;
            } else if (attempt <= t.failures_before_success) {
                r.error = Error::transient;
            } else {
                r.page = PagePtr(new Page(web, index, web.make_body(index)));
            }
            if (web.trace_) {
                web.trace_->async_span(std::string("fetch ") + to_string(r.error), "fetch",
                                       (static_cast<std::uint64_t>(index) << 8) |
                                           static_cast<std::uint64_t>(attempt & 0xff),
                                       start_us, end_us, thread);
            }
            return r;
        }
    };

    std::uint64_t url_hash(std::size_t i) const {
        return detail::mix64(config_.seed ^ detail::mix64(static_cast<std::uint64_t>(i) + 0x5eed));
    }

    /// The URL's index, read from its last path segment and checked against the list (no
    /// allocation, no hashing: this runs on the student's event loop for every request).
    std::int64_t lookup(std::string_view url) const {
        const std::size_t slash = url.rfind('/');
        if (slash == std::string_view::npos || slash + 1 >= url.size()) return -1;
        std::uint64_t i = 0;
        for (std::size_t k = slash + 1; k < url.size(); ++k) {
            const char c = url[k];
            if (c < '0' || c > '9' || i > urls_.size()) return -1;
            i = i * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (i >= urls_.size() || urls_[i] != url) return -1;
        return static_cast<std::int64_t>(i);
    }

    /// A page body of 256 to 511 bytes of lowercase words.
    std::string make_body(std::size_t i) const {
        std::uint64_t h = detail::mix64(url_hash(i) + 3);
        const std::size_t length = 256 + static_cast<std::size_t>(h % 256);
        std::string body(length, ' ');
        for (std::size_t k = 0; k < length; ++k) {
            if (k % 8 == 0) h = detail::mix64(h);
            const unsigned byte = static_cast<unsigned>((h >> ((k % 8) * 8)) & 0xff);
            body[k] = byte % 7 == 0 ? ' ' : static_cast<char>('a' + byte % 26);
        }
        return body;
    }

    void note_loop_thread() {
        if (trace_) {
            thread_local bool named = false;
            if (!named) {
                named = true;
                trace_->name_this_thread("event loop (thread " + std::to_string(trace_thread_id()) +
                                         ")");
            }
        }
    }

    /// Starts the heartbeat coroutine on io_ unless one is running. It ticks every millisecond
    /// while requests are in flight and records how late each tick ran.
    void ensure_heartbeat() {
        if (heartbeat_running_.exchange(true)) return;
        asio::co_spawn(io_, heartbeat(), asio::detached);
    }

    /// Each tick records two figures: the wall lag (how late the tick ran) and the busy lag: the
    /// part of that lateness during which the loop thread itself was running (its CPU time since
    /// the previous tick, capped at the wall lag). A loop that parses or spins shows busy lag; a
    /// loop thread that merely waited for a core on a loaded machine shows wall lag only.
    asio::awaitable<void> heartbeat() {
        struct Clear {
            std::atomic<bool>& flag;
            ~Clear() { flag.store(false); }
        } clear{heartbeat_running_};
        asio::steady_timer timer(co_await asio::this_coro::executor);
        constexpr auto period = std::chrono::milliseconds(1);
        int last_thread = trace_thread_id();
        std::int64_t last_cpu = detail::thread_cpu_ns();
        for (;;) {
            const auto due = clock::now() + period;
            timer.expires_at(due);
            co_await timer.async_wait(asio::use_awaitable);
            const std::int64_t late =
                std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - due).count();
            const std::int64_t cpu = detail::thread_cpu_ns();
            const int thread = trace_thread_id();
            {
                std::lock_guard lock(lag_mutex_);
                lag_us_.push_back(late);
                if (thread == last_thread)
                    busy_lag_us_.push_back(std::min(late, (cpu - last_cpu) / 1000));
                if (trace_ && late > 2000) {
                    const std::int64_t end = now_us();
                    trace_->async_span("event loop lag", "lag",
                                       0xff00000000000000ULL | lag_us_.size(), end - late, end,
                                       thread);
                }
            }
            last_thread = thread;
            last_cpu = detail::thread_cpu_ns();
            if (in_flight_.load() == 0) co_return;
        }
    }

    Config config_;
    clock::time_point origin_;
    std::vector<std::string> urls_;
    std::vector<UrlTruth> truth_;
    std::unique_ptr<PerUrl[]> state_;
    asio::io_context io_;

    std::atomic<std::int64_t> in_flight_{0};
    std::atomic<std::int64_t> peak_in_flight_{0};
    std::atomic<std::int64_t> refused_{0};
    std::atomic<std::int64_t> live_pages_{0};
    std::atomic<std::int64_t> peak_live_pages_{0};
    std::atomic<std::int64_t> pages_made_{0};
    std::atomic<std::int64_t> parses_{0};
    std::atomic<std::int64_t> parses_on_loop_{0};
    std::atomic<std::int64_t> blocking_on_loop_{0};
    std::atomic<std::int64_t> parse_cpu_ns_{0};
    std::atomic<std::int64_t> parse_wall_ns_{0};
    std::atomic<std::int64_t> peak_threads_{0};
    std::atomic<bool> heartbeat_running_{false};

    mutable std::mutex lag_mutex_;
    std::vector<std::int64_t> lag_us_;
    std::vector<std::int64_t> busy_lag_us_;
    std::unique_ptr<Trace> trace_;
};

inline Page::Page(SimWeb& web, std::uint32_t index, std::string body)
    : web_(&web), index_(index), body_(std::move(body)) {
    const std::int64_t live = web_->live_pages_.fetch_add(1) + 1;
    detail::atomic_max(web_->peak_live_pages_, live);
    web_->pages_made_.fetch_add(1);
}

inline Page::~Page() {
    web_->live_pages_.fetch_sub(1);
}

inline std::string_view Page::url() const {
    return web_->urls_[index_];
}

inline ParseResult parse(const Page& page) {
    SimWeb& web = *page.web_;
    if (web.io_.get_executor().running_in_this_thread()) {
        web.parses_on_loop_.fetch_add(1, std::memory_order_relaxed);
    }
    const std::int64_t start_us = web.trace_ ? web.now_us() : 0;
    const auto wall0 = SimWeb::clock::now();
    const std::int64_t cpu0 = detail::thread_cpu_ns();
    const ParseResult r = detail::parse_body(page.body_, web.config_.parse_work);
    web.parse_cpu_ns_.fetch_add(detail::thread_cpu_ns() - cpu0, std::memory_order_relaxed);
    web.parse_wall_ns_.fetch_add(
        std::chrono::duration_cast<std::chrono::nanoseconds>(SimWeb::clock::now() - wall0).count(),
        std::memory_order_relaxed);
    web.parses_.fetch_add(1, std::memory_order_relaxed);
    if (web.trace_) {
        thread_local Trace* named_for = nullptr;
        if (named_for != web.trace_.get()) {
            named_for = web.trace_.get();
            web.trace_->name_this_thread("parse (thread " + std::to_string(trace_thread_id()) +
                                         ")");
        }
        web.trace_->span("parse", "parse", start_us, web.now_us());
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// The result sink
// ---------------------------------------------------------------------------------------------

/// Collects one outcome per URL. Deliberately NOT thread-safe, like most containers: two calls
/// must never overlap (guard it with a mutex, or call it from one thread only).
class ResultSink {
  public:
    struct Outcome {
        std::int64_t url_index = -1;  ///< -1 for a URL the web does not know
        bool parsed = false;
        ParseResult result{};
        Error reason = Error::none;
    };

    explicit ResultSink(const SimWeb& web)
        : web_(web), capacity_(web.urls().size() * 2 + 16), slots_(new Outcome[capacity_]) {}

    /// The URL was fetched and parsed.
    void parsed(std::string_view url, ParseResult result) {
        record(Outcome{web_.index_of(url), true, result, Error::none});
    }

    /// The URL failed for good (`reason` is the last error seen).
    void failed(std::string_view url, Error reason) {
        record(Outcome{web_.index_of(url), false, ParseResult{}, reason});
    }

    // ---- harness API ----
    std::vector<Outcome> outcomes() const {
        return {slots_.get(), slots_.get() + std::min(count_, capacity_)};
    }
    std::size_t overflowed() const { return count_ > capacity_ ? count_ - capacity_ : 0; }
    std::int64_t overlapping_calls() const { return overlaps_.load(); }
    std::int64_t calls_after_close() const { return late_.load(); }
    void close() { closed_.store(true); }

  private:
    void record(const Outcome& o) {
        // Relaxed on purpose: this detects overlapping calls without adding the ordering that
        // would hide them from ThreadSanitizer.
        if (active_.fetch_add(1, std::memory_order_relaxed) != 0) {
            overlaps_.fetch_add(1, std::memory_order_relaxed);
        }
        if (closed_.load(std::memory_order_relaxed)) late_.fetch_add(1, std::memory_order_relaxed);
        const std::size_t at = count_;
        if (const auto dwell = web_.config().sink_dwell; dwell.count() > 0) {
            const auto until = std::chrono::steady_clock::now() + dwell;
            while (std::chrono::steady_clock::now() < until) {
            }
        }
        if (at < capacity_) slots_[at] = o;
        count_ = at + 1;
        active_.fetch_sub(1, std::memory_order_relaxed);
    }

    const SimWeb& web_;
    std::size_t capacity_;
    std::unique_ptr<Outcome[]> slots_;
    std::size_t count_ = 0;  // plain on purpose: unsynchronised use is a data race
    std::atomic<int> active_{0};
    std::atomic<std::int64_t> overlaps_{0};
    std::atomic<std::int64_t> late_{0};
    std::atomic<bool> closed_{false};
};

// ---------------------------------------------------------------------------------------------
// Harness helper: run a crawl and measure it
// ---------------------------------------------------------------------------------------------

/// Samples the process's thread count (and, when tracing, the in-flight and live-page counters)
/// every half millisecond on its own thread until stopped.
class Sampler {
  public:
    explicit Sampler(SimWeb& web) : web_(web) {
        thread_ = std::thread([this] { loop(); });
    }
    ~Sampler() { stop(); }
    void stop() {
        if (thread_.joinable()) {
            stop_.store(true);
            thread_.join();
        }
    }

  private:
    void loop() {
        int tick = 0;
        while (!stop_.load()) {
            web_.sample_threads();
            if (Trace* t = web_.trace(); t != nullptr && ++tick % 4 == 0) {
                const std::int64_t now = web_.now_us();
                t->counter("requests in flight", now, web_.in_flight());
                t->counter("live pages", now, web_.live_pages());
            }
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
    }

    SimWeb& web_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

struct RunReport {
    std::chrono::nanoseconds wall{};
    int threads_before = 0;  ///< threads of the process just before crawl() (sampler included)
    int threads_after = 0;   ///< right after crawl() returned
    std::int64_t peak_threads = 0;
    std::int64_t peak_in_flight = 0;
    std::int64_t peak_live_pages = 0;
    std::int64_t refused = 0;
    std::int64_t in_flight_after = 0;
    std::int64_t live_pages_after = 0;
    std::int64_t max_lag_us = 0;
    std::int64_t p99_lag_us = 0;
    std::int64_t max_busy_lag_us = 0;
    std::int64_t p99_busy_lag_us = 0;
    std::size_t lag_ticks = 0;
    std::chrono::nanoseconds parse_cpu{};
    std::chrono::nanoseconds parse_wall{};
    std::chrono::nanoseconds io_bound{};        ///< required latency / max_in_flight
    std::chrono::nanoseconds cpu_bound{};       ///< parse CPU / cores
    std::chrono::nanoseconds cpu_bound_wall{};  ///< parse wall time / cores
    double bound_ratio() const { return ratio(std::max(io_bound, cpu_bound)); }
    double wall_bound_ratio() const { return ratio(std::max(io_bound, cpu_bound_wall)); }
    double ratio(std::chrono::nanoseconds bound) const {
        return bound.count() > 0
                   ? static_cast<double>(wall.count()) / static_cast<double>(bound.count())
                   : 0.0;
    }
};

/// Runs `crawl(web, urls, limits, sink)` with the sampler on, then closes the sink and gathers
/// every measurement.
template <class CrawlFn>
RunReport measured_crawl(SimWeb& web, const std::vector<std::string>& urls, const Limits& limits,
                         ResultSink& sink, CrawlFn&& crawl_fn) {
    RunReport rep;
    Sampler sampler(web);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    rep.threads_before = process_thread_count();
    web.reset_thread_peak();
    web.sample_threads();
    const auto t0 = std::chrono::steady_clock::now();
    crawl_fn(web, urls, limits, sink);
    rep.wall = std::chrono::steady_clock::now() - t0;
    rep.threads_after = settled_thread_count(rep.threads_before);
    sink.close();
    sampler.stop();
    rep.peak_threads = web.peak_threads();
    rep.peak_in_flight = web.peak_in_flight();
    rep.peak_live_pages = web.peak_live_pages();
    rep.refused = web.refused();
    rep.in_flight_after = web.in_flight();
    rep.live_pages_after = web.live_pages();
    std::vector<std::int64_t> lags = web.lag_samples();
    rep.lag_ticks = lags.size();
    if (!lags.empty()) {
        std::sort(lags.begin(), lags.end());
        rep.max_lag_us = lags.back();
        rep.p99_lag_us = lags[std::min(lags.size() - 1, lags.size() * 99 / 100)];
    }
    std::vector<std::int64_t> busy = web.busy_lag_samples();
    if (!busy.empty()) {
        std::sort(busy.begin(), busy.end());
        rep.max_busy_lag_us = busy.back();
        rep.p99_busy_lag_us = busy[std::min(busy.size() - 1, busy.size() * 99 / 100)];
    }
    rep.parse_cpu = web.parse_cpu();
    const auto in_flight =
        static_cast<std::int64_t>(std::max<std::size_t>(1, limits.max_in_flight));
    rep.io_bound =
        std::chrono::duration_cast<std::chrono::nanoseconds>(web.required_latency_total()) /
        in_flight;
    const auto cores = static_cast<std::int64_t>(std::max(1u, std::thread::hardware_concurrency()));
    rep.cpu_bound = rep.parse_cpu / cores;
    rep.parse_wall = web.parse_wall();
    rep.cpu_bound_wall = rep.parse_wall / cores;
    return rep;
}

}  // namespace kata::web
