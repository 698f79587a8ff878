#pragma once
/// Cancellable building blocks for the structured-concurrency kata, owned by the harness.
///
/// Every blocking operation here takes a std::stop_token and honours it promptly: once the
/// token's stop is requested, the operation ends within a fraction of a millisecond by throwing
/// kata::tasks::Cancelled. These are the kata's "suspension points", the only places where a
/// cancellation can reach a task (C++ threads, like asyncio tasks, cannot be stopped from
/// outside; they stop themselves when they look).
///
/// What the student uses:
///  - `Cancelled`: what a cancelled operation throws. A task lets it propagate (after its own
///    cleanup, which RAII runs on the way out).
///  - `checkpoint(token)`: throws Cancelled when a stop was requested; costs nothing otherwise.
///    A loop that does CPU work between suspension points calls it on every round.
///  - `sleep_for(d, token)`: a cancellable sleep (a "timer").
///  - `Web::fetch(url, token)`: a simulated request (a "socket"): returns a Page after the URL's
///    latency, or throws FetchError (the URL does not exist) or Cancelled. Some URLs stall: their
///    request never completes on its own.
///  - `Web::digest_chunk(page, i, h)`: one step of work on a page's chunk (about 1 ms) that
///    never looks at a token: the loop around it is yours, and so are its suspension points.
///  - `Store::commit(records, token)`: writes records one at a time; a commit cancelled halfway
///    leaves the store torn (the harness sees it).
///
/// What the harness measures on its own: live timers and open requests (now and peak), when the
/// first FetchError was thrown, when the web was last active (any fetch or digest step), and
/// what the store holds.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace kata::tasks {

using Clock = std::chrono::steady_clock;

/// Thrown by every operation of this header once its token's stop was requested.
struct Cancelled : std::exception {
    const char* what() const noexcept override { return "cancelled"; }
};

/// A suspension point without the suspension: throws Cancelled when a stop was requested.
inline void checkpoint(const std::stop_token& token) {
    if (token.stop_requested()) throw Cancelled();
}

namespace detail {

inline void atomic_max(std::atomic<std::int64_t>& peak, std::int64_t value) {
    std::int64_t seen = peak.load();
    while (seen < value && !peak.compare_exchange_weak(seen, value)) {
    }
}

/// Blocks until `until` or until the token's stop is requested, whichever comes first. True
/// when the stop was requested.
inline bool wait_until_or_stop(const std::stop_token& token, Clock::time_point until) {
    std::mutex mutex;
    std::condition_variable_any cv;
    std::unique_lock lock(mutex);
    cv.wait_until(lock, token, until, [] { return false; });
    return token.stop_requested();
}

inline std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// Live timers of the whole process (sleep_for calls in progress).
inline std::atomic<std::int64_t> g_live_timers{0};
inline std::atomic<std::int64_t> g_timers_started{0};

}  // namespace detail

/// A cancellable sleep: returns after `d`, or throws Cancelled as soon as the token's stop is
/// requested (at once when it already was).
inline void sleep_for(Clock::duration d, const std::stop_token& token) {
    checkpoint(token);
    detail::g_timers_started.fetch_add(1);
    detail::g_live_timers.fetch_add(1);
    const bool stopped = detail::wait_until_or_stop(token, Clock::now() + d);
    detail::g_live_timers.fetch_sub(1);
    if (stopped) throw Cancelled();
}

/// Harness: sleep_for calls in progress right now, and started so far.
inline std::int64_t live_timers() {
    return detail::g_live_timers.load();
}
inline std::int64_t timers_started() {
    return detail::g_timers_started.load();
}

// ---------------------------------------------------------------------------------------------
// The simulated web
// ---------------------------------------------------------------------------------------------

/// A request that failed for good: the URL does not exist.
struct FetchError : std::runtime_error {
    explicit FetchError(const std::string& u) : std::runtime_error("not found: " + u), url(u) {}
    std::string url;
};

/// A fetched page: its URL and how many chunks digest_chunk() must go through.
struct Page {
    std::string url;
    std::size_t chunks = 0;
    std::uint64_t seed = 0;  ///< the digest's starting value
};

/// How one URL of the simulated web behaves.
struct UrlSpec {
    enum class Kind { ok, not_found, stalls };
    std::string url;
    std::chrono::microseconds latency{5000};  ///< until the page (or the not-found error) comes
    std::size_t chunks = 10;                  ///< digest steps of the page
    Kind kind = Kind::ok;
};

struct WebOracle;

class Web {
  public:
    /// How long one digest_chunk() call takes.
    static constexpr std::chrono::microseconds kChunkCost{1000};
    /// A stalled request ends on its own only after this long (a deadline should end it first).
    static constexpr std::chrono::seconds kStall{3};

    explicit Web(std::vector<UrlSpec> specs) : specs_(std::move(specs)), origin_(Clock::now()) {}
    Web(const Web&) = delete;
    Web& operator=(const Web&) = delete;

    // ---- student API ----------------------------------------------------------------------

    /// One request: blocks for the URL's latency, then returns its Page or throws FetchError.
    /// Throws Cancelled as soon as the token's stop is requested. A stalled URL's request does
    /// not end by itself (give it a deadline).
    Page fetch(const std::string& url, const std::stop_token& token) {
        checkpoint(token);
        const std::size_t i = index_of(url);
        const std::int64_t open = open_.fetch_add(1) + 1;
        detail::atomic_max(peak_open_, open);
        started_.fetch_add(1);
        struct Close {
            Web& web;
            ~Close() {
                web.touch();
                web.open_.fetch_sub(1);
            }
        } close{*this};
        if (i == specs_.size()) throw_not_found(url);
        const UrlSpec& s = specs_[i];
        const auto wait = s.kind == UrlSpec::Kind::stalls
                              ? std::chrono::duration_cast<Clock::duration>(kStall)
                              : std::chrono::duration_cast<Clock::duration>(s.latency);
        if (detail::wait_until_or_stop(token, Clock::now() + wait)) {
            cancelled_.fetch_add(1);
            throw Cancelled();
        }
        if (s.kind == UrlSpec::Kind::not_found) throw_not_found(url);
        return Page{s.url, s.chunks, seed_of(i)};
    }

    /// One step of a page's digest: mixes chunk `i` of `page` into `h` and returns the result.
    /// Takes about kChunkCost and never looks at a token: in a real program, CPU work or a
    /// blocking call that knows nothing of cancellation. (It sleeps rather than spins, so that
    /// how long a cancellation takes to arrive does not depend on how many cores are free.)
    std::uint64_t digest_chunk(const Page& page, std::size_t i, std::uint64_t h) {
        digest_steps_.fetch_add(1);
        std::this_thread::sleep_for(kChunkCost);
        touch();
        return step(page.seed, i, h);
    }

    // ---- harness API ----------------------------------------------------------------------

    const std::vector<UrlSpec>& specs() const { return specs_; }
    std::vector<std::string> urls() const {
        std::vector<std::string> out;
        for (const auto& s : specs_) out.push_back(s.url);
        return out;
    }
    std::int64_t open_requests() const { return open_.load(); }
    std::int64_t peak_open_requests() const { return peak_open_.load(); }
    std::int64_t requests_started() const { return started_.load(); }
    std::int64_t requests_cancelled() const { return cancelled_.load(); }
    /// digest_chunk() calls so far.
    std::int64_t digest_steps() const { return digest_steps_.load(); }
    /// When the first FetchError was thrown (microseconds since the web was made), or -1.
    std::int64_t first_failure_us() const { return first_failure_us_.load(); }
    /// When a request last ended or a digest step last finished, or -1.
    std::int64_t last_activity_us() const { return last_activity_us_.load(); }
    std::int64_t now_us() const {
        return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - origin_)
            .count();
    }

  private:
    // The harness computes the digests a correct fetch_all() returns (WebOracle, defined by the
    // harness alone); nothing the student's code can reach gives them away.
    friend struct WebOracle;

    std::size_t index_of(const std::string& url) const {
        for (std::size_t i = 0; i < specs_.size(); ++i)
            if (specs_[i].url == url) return i;
        return specs_.size();
    }
    [[noreturn]] void throw_not_found(const std::string& url) {
        std::int64_t none = -1;
        first_failure_us_.compare_exchange_strong(none, now_us());
        throw FetchError(url);
    }
    void touch() { detail::atomic_max(last_activity_us_, now_us()); }
    std::uint64_t seed_of(std::size_t i) const { return detail::mix64(0x5eed0000ULL + i); }
    static std::uint64_t step(std::uint64_t seed, std::size_t i, std::uint64_t h) {
        return detail::mix64(h ^ detail::mix64(seed + i));
    }

    std::vector<UrlSpec> specs_;
    Clock::time_point origin_;
    std::atomic<std::int64_t> open_{0};
    std::atomic<std::int64_t> peak_open_{0};
    std::atomic<std::int64_t> started_{0};
    std::atomic<std::int64_t> cancelled_{0};
    std::atomic<std::int64_t> digest_steps_{0};
    std::atomic<std::int64_t> first_failure_us_{-1};
    std::atomic<std::int64_t> last_activity_us_{-1};
};

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

struct Record {
    std::string url;
    std::uint64_t digest = 0;
    friend bool operator==(const Record&, const Record&) = default;
};

/// Where results are committed. commit() writes one record at a time (kWriteLatency each); a
/// commit that ends before its last record (cancelled, say) leaves the store torn: some records
/// of the batch written, the rest not. Thread-safe.
class Store {
  public:
    static constexpr std::chrono::microseconds kWriteLatency{2000};

    /// Writes every record, in order. Throws Cancelled, leaving the store torn, when the token's
    /// stop is requested before the last record is written.
    void commit(const std::vector<Record>& records, const std::stop_token& token) {
        std::function<void()> hook;
        {
            std::lock_guard lock(mutex_);
            ++commits_started_;
            hook = on_commit_start_;
        }
        if (hook) hook();
        std::size_t written = 0;
        struct Finish {
            Store& store;
            const std::size_t& written;
            std::size_t total;
            ~Finish() {
                std::lock_guard lock(store.mutex_);
                if (written == total) {
                    ++store.commits_completed_;
                } else {
                    ++store.torn_;
                }
            }
        } finish{*this, written, records.size()};
        for (const Record& r : records) {
            sleep_for(kWriteLatency, token);
            std::lock_guard lock(mutex_);
            records_.push_back(r);
            ++written;
        }
    }

    // ---- harness API ----
    /// Called at the start of every commit, on the committing thread.
    void on_commit_start(std::function<void()> hook) {
        std::lock_guard lock(mutex_);
        on_commit_start_ = std::move(hook);
    }
    std::vector<Record> records() const {
        std::lock_guard lock(mutex_);
        return records_;
    }
    int commits_started() const {
        std::lock_guard lock(mutex_);
        return commits_started_;
    }
    int commits_completed() const {
        std::lock_guard lock(mutex_);
        return commits_completed_;
    }
    int torn_commits() const {
        std::lock_guard lock(mutex_);
        return torn_;
    }

  private:
    mutable std::mutex mutex_;
    std::function<void()> on_commit_start_;
    std::vector<Record> records_;
    int commits_started_ = 0;
    int commits_completed_ = 0;
    int torn_ = 0;
};

}  // namespace kata::tasks
