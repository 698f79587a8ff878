#pragma once
/// A simulated file server, a checking reporter and a signal-handler harness for the
/// graceful-shutdown kata (07), owned by the harness.
///
/// What the student uses:
///  - `Server::get(url, deadline, cancel, on_chunk)`: one blocking request. It hands the file to
///    `on_chunk` a piece at a time (a chunk every millisecond or so) and returns a Result: done,
///    `transient` (the transfer broke off part-way: retry later), `not_found` (permanent),
///    `timeout` (the deadline passed first) or `cancelled` (`cancel` became true). `cancel` and
///    the deadline are checked at least every half millisecond. Thread-safe.
///  - `Reporter`: where every URL's outcome goes exactly once (done, failed or cancelled) and
///    where progress lines go. Thread-safe.
///  - `Options`: the limits and timings download_all() must respect.
///  - `file_name(url)`: the final name of a URL's file in Options::dir.
///
/// What the harness measures on its own: every request (its start and end, in time and in a
/// global order shared with the signal handler), requests in flight, files visible under their
/// final name while still downloading, bytes delivered, every call the signal handler made into
/// the harness, how long each handler call took, and every reporter call with its time.

#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <kata/threads.hpp>

namespace kata::dl {

// ---------------------------------------------------------------------------------------------
// Student-facing types
// ---------------------------------------------------------------------------------------------

enum class Error {
    none,       ///< the whole file was delivered
    transient,  ///< the transfer broke off part-way; the same request may succeed later
    timeout,    ///< the request's deadline passed before the file was complete (may pass later)
    not_found,  ///< permanent: retrying never helps
    cancelled,  ///< the caller's cancel flag became true
};

inline const char* to_string(Error e) {
    switch (e) {
        case Error::none:
            return "none";
        case Error::transient:
            return "transient";
        case Error::timeout:
            return "timeout";
        case Error::not_found:
            return "not_found";
        case Error::cancelled:
            return "cancelled";
    }
    return "?";
}

struct Result {
    Error error = Error::none;
    std::uint64_t bytes = 0;  ///< bytes handed to on_chunk by this request
    bool ok() const { return error == Error::none; }
};

/// Retry `transient` and `timeout`: at most `max_attempts` requests per URL (the first one
/// included); before attempt k+1 wait first_backoff * multiplier^(k-1).
struct RetryPolicy {
    int max_attempts = 4;
    std::chrono::milliseconds first_backoff{2};
    double multiplier = 2.0;
};

struct Options {
    std::filesystem::path dir;                      ///< where the files go (it exists)
    std::size_t max_parallel = 4;                   ///< requests open at once
    std::chrono::milliseconds request_timeout{50};  ///< deadline of each request, from its start
    RetryPolicy retry{};
    /// After the first SIGINT/SIGTERM, how long requests already in flight may take to finish
    /// before they are cancelled.
    std::chrono::milliseconds drain_deadline{100};
    int progress_per_second = 20;  ///< at most this many progress lines per second
};

/// The final name of a URL's file: its last path segment ("file-0007.bin").
inline std::string file_name(std::string_view url) {
    const std::size_t slash = url.rfind('/');
    return std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
}

// ---------------------------------------------------------------------------------------------
// Signal-handler bookkeeping (lock-free: the handler trampoline writes it)
// ---------------------------------------------------------------------------------------------

namespace detail {

inline std::int64_t mono_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);  // async-signal-safe
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

inline std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// One order shared by request starts and handler calls: "did this request start after the
/// handler had run?" is answered without comparing clocks.
inline std::atomic<std::uint64_t> g_seq{1};
/// Depth of the signal-handler trampoline on this thread (0 outside any handler).
inline thread_local int t_in_handler = 0;

struct HandlerStats {
    std::atomic<int> calls{0};
    std::atomic<std::int64_t> first_entry_ns{0};
    std::atomic<std::int64_t> first_exit_ns{0};
    std::atomic<std::uint64_t> first_exit_seq{0};
    std::atomic<std::int64_t> second_entry_ns{0};
    std::atomic<std::int64_t> max_duration_ns{0};
    std::atomic<int> harness_calls{0};  ///< harness functions called from inside the handler
    std::atomic<const char*> first_harness_call{nullptr};
    /// Calls that are not async-signal-safe (locks, condition variables, allocation) made from
    /// inside the handler, as the test binary's interposers saw them (release build only).
    std::atomic<int> unsafe_calls{0};
    std::atomic<const char*> first_unsafe_call{nullptr};
    std::atomic<bool> marker_tampered{false};  ///< the handler changed t_in_handler
    /// A signal whose disposition the handler replaced (signal(), sigaction()); 0 when none.
    std::atomic<int> disposition_replaced{0};
};
inline HandlerStats g_handler;
inline void (*g_student_handler)(int) = nullptr;
/// Threads detached (pthread_detach) since the counter was last reset: the test binary's
/// interposer counts them (release build only).
inline std::atomic<int> g_detached{0};

/// Records a call that is not async-signal-safe when it is made from inside the signal handler
/// (the test binary's interposers call this). Returns true when it was. Lock- and
/// allocation-free.
inline bool unsafe_call_in_handler(const char* what) noexcept {
    if (t_in_handler == 0) return false;
    g_handler.unsafe_calls.fetch_add(1, std::memory_order_relaxed);
    const char* none = nullptr;
    g_handler.first_unsafe_call.compare_exchange_strong(none, what);
    return true;
}

/// Records a harness function called from inside the signal handler. Returns true when it was.
inline bool called_from_handler(const char* what) {
    if (t_in_handler == 0) return false;
    g_handler.harness_calls.fetch_add(1);
    const char* none = nullptr;
    g_handler.first_harness_call.compare_exchange_strong(none, what);
    return true;
}

extern "C" inline void trampoline(int signo);

/// Installs the trampoline for `signo` (async-signal-safe: sigaction only).
inline void install_trampoline(int signo, struct sigaction* old) {
    struct sigaction sa {};
    sa.sa_handler = &trampoline;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(signo, &sa, old);
}

/// Whether the harness's trampoline is still the handler of `signo` (async-signal-safe).
inline bool trampoline_installed(int signo) {
    struct sigaction now {};
    if (sigaction(signo, nullptr, &now) != 0) return false;
    return (now.sa_flags & SA_SIGINFO) == 0 && now.sa_handler == &trampoline;
}

extern "C" inline void trampoline(int signo) {
    const int saved_errno = errno;
    const int depth = ++t_in_handler;
    const std::int64_t t0 = mono_ns();
    const int n = g_handler.calls.fetch_add(1);
    if (n == 0) g_handler.first_entry_ns.store(t0);
    if (n == 1) g_handler.second_entry_ns.store(t0);
    // Once the handler has replaced a disposition, it is called no more: it would do it again.
    if (g_student_handler != nullptr && g_handler.disposition_replaced.load() == 0)
        g_student_handler(signo);
    if (t_in_handler != depth) {
        g_handler.marker_tampered.store(true);
        t_in_handler = depth;
    }
    if (g_student_handler != nullptr && !trampoline_installed(signo)) {
        // The handler called signal() or sigaction() (to restore SIG_DFL and re-raise, say):
        // put the trampoline back, so that the test reports it instead of the process dying.
        g_handler.disposition_replaced.store(signo);
        install_trampoline(signo, nullptr);
    }
    const std::int64_t t1 = mono_ns();
    if (n == 0) {
        g_handler.first_exit_ns.store(t1);
        g_handler.first_exit_seq.store(g_seq.fetch_add(1));
    }
    std::int64_t seen = g_handler.max_duration_ns.load();
    while (seen < t1 - t0 && !g_handler.max_duration_ns.compare_exchange_weak(seen, t1 - t0)) {
    }
    t_in_handler = depth - 1;
    errno = saved_errno;
}

}  // namespace detail

/// Harness API. Installs `handler` (through a measuring trampoline) for SIGINT and SIGTERM and
/// restores the previous dispositions when destroyed, as a program's main() would around its
/// work. Resets the handler statistics. One at a time.
class SignalScope {
  public:
    explicit SignalScope(void (*handler)(int)) {
        auto& h = detail::g_handler;
        h.calls = 0;
        h.first_entry_ns = 0;
        h.first_exit_ns = 0;
        h.first_exit_seq = 0;
        h.second_entry_ns = 0;
        h.max_duration_ns = 0;
        h.harness_calls = 0;
        h.first_harness_call = nullptr;
        h.unsafe_calls = 0;
        h.first_unsafe_call = nullptr;
        h.marker_tampered = false;
        h.disposition_replaced = 0;
        detail::g_student_handler = handler;
        detail::install_trampoline(SIGINT, &old_int_);
        detail::install_trampoline(SIGTERM, &old_term_);
    }
    ~SignalScope() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
        detail::g_student_handler = nullptr;
    }
    SignalScope(const SignalScope&) = delete;
    SignalScope& operator=(const SignalScope&) = delete;

    static int calls() { return detail::g_handler.calls.load(); }
    static std::int64_t first_entry_ns() { return detail::g_handler.first_entry_ns.load(); }
    static std::int64_t first_exit_ns() { return detail::g_handler.first_exit_ns.load(); }
    static std::uint64_t first_exit_seq() { return detail::g_handler.first_exit_seq.load(); }
    static std::int64_t second_entry_ns() { return detail::g_handler.second_entry_ns.load(); }
    static std::int64_t max_duration_ns() { return detail::g_handler.max_duration_ns.load(); }
    static int harness_calls() { return detail::g_handler.harness_calls.load(); }
    static const char* first_harness_call() {
        const char* w = detail::g_handler.first_harness_call.load();
        return w == nullptr ? "" : w;
    }
    static int unsafe_calls() { return detail::g_handler.unsafe_calls.load(); }
    static const char* first_unsafe_call() {
        const char* w = detail::g_handler.first_unsafe_call.load();
        return w == nullptr ? "" : w;
    }
    static bool marker_tampered() { return detail::g_handler.marker_tampered.load(); }
    static int disposition_replaced() { return detail::g_handler.disposition_replaced.load(); }
    /// Whether the harness's handler is still installed for `signo`: a signal sent otherwise
    /// would go to whatever download_all() installed instead (or kill the process).
    static bool installed(int signo) { return detail::trampoline_installed(signo); }

  private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

// ---------------------------------------------------------------------------------------------
// The simulated server
// ---------------------------------------------------------------------------------------------

struct ServerConfig {
    std::uint64_t seed = 1;
    std::size_t url_count = 40;
    std::size_t chunk_bytes = 512;
    int min_chunks = 3;  ///< chunks per file, uniform in [min_chunks, max_chunks]
    int max_chunks = 12;
    std::chrono::microseconds chunk_latency{1000};  ///< time before each chunk arrives
    double transient_fraction = 0.0;  ///< break off part-way once or twice, then succeed
    double not_found_fraction = 0.0;
    double stall_fraction = 0.0;  ///< the first attempt stalls part-way: only a timeout ends it
};

struct UrlTruth {
    int chunks = 1;
    int failures_before_success = 0;
    bool not_found = false;
    bool stalls_first = false;
};

class Server {
  public:
    using clock = std::chrono::steady_clock;
    static constexpr int kLogged = 8;

    struct Attempt {
        std::int64_t start_us = 0;
        std::int64_t end_us = -1;  ///< -1 while in flight
        std::uint64_t seq = 0;     ///< position in the order shared with the signal handler
        Error error = Error::none;
        std::int64_t nominal_us = 0;  ///< duration it takes unhindered (stalls: very long)
        std::int64_t deadline_us = 0;
    };

    explicit Server(ServerConfig config) : config_(config), origin_(clock::now()) {
        for (std::size_t i = 0; i < config_.url_count; ++i) {
            char name[64];
            std::snprintf(name, sizeof name, "https://files%zu.example/dl/file-%04zu.bin", i % 7,
                          i);
            urls_.emplace_back(name);
            const std::uint64_t h = url_hash(i);
            UrlTruth t;
            const int span = std::max(0, config_.max_chunks - config_.min_chunks);
            t.chunks = config_.min_chunks + static_cast<int>(detail::mix64(h + 1) %
                                                             static_cast<std::uint64_t>(span + 1));
            const double u = unit(detail::mix64(h + 2));
            if (u < config_.not_found_fraction) {
                t.not_found = true;
            } else if (u < config_.not_found_fraction + config_.transient_fraction) {
                t.failures_before_success = 1 + static_cast<int>(detail::mix64(h + 3) & 1);
            } else if (u < config_.not_found_fraction + config_.transient_fraction +
                               config_.stall_fraction) {
                t.stalls_first = true;
            }
            truth_.push_back(t);
        }
        state_ = std::make_unique<PerUrl[]>(config_.url_count);
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // ---- student API ----------------------------------------------------------------------

    const std::vector<std::string>& urls() const { return urls_; }

    /// One request for `url`. Blocks while the file arrives, handing each chunk to `on_chunk`
    /// (on this thread, in order) and returns how it ended. Returns `timeout` once `deadline`
    /// has passed and `cancelled` once `cancel` is true (both checked at least every 0.5 ms, and
    /// before the first chunk). Thread-safe.
    Result get(const std::string& url, clock::time_point deadline, const std::atomic<bool>& cancel,
               const std::function<void(std::string_view)>& on_chunk) {
        if (detail::called_from_handler("Server::get")) return Result{Error::cancelled, 0};
        const std::int64_t idx = lookup(url);
        if (idx < 0) return Result{Error::not_found, 0};
        const auto i = static_cast<std::size_t>(idx);
        const UrlTruth& t = truth_[i];
        PerUrl& u = state_[i];
        const int attempt = u.attempts.fetch_add(1) + 1;
        const std::int64_t open = in_flight_.fetch_add(1) + 1;
        atomic_max(peak_in_flight_, open);
        const std::int64_t start = now_us();
        Attempt* log = attempt <= kLogged ? &u.log[attempt - 1] : nullptr;
        const int fail_after = t.not_found                            ? 0
                               : attempt <= t.failures_before_success ? t.chunks / 2
                               : (attempt == 1 && t.stalls_first)     ? t.chunks / 2
                                                                      : t.chunks;
        const bool stall = !t.not_found && attempt == 1 && t.stalls_first;
        if (log != nullptr) {
            log->start_us = start;
            log->seq = detail::g_seq.fetch_add(1);
            log->nominal_us = stall ? kStallUs : std::max(1, fail_after) * latency_us();
            log->deadline_us =
                deadline == clock::time_point::max()
                    ? INT64_MAX
                    : std::chrono::duration_cast<std::chrono::microseconds>(deadline - origin_)
                          .count();
        }
        const std::int64_t started = started_.fetch_add(1) + 1;
        if (started == hook_at_.load() && hook_signal_ != 0) {
            // Only to the harness's handler: one download_all() replaced may kill the process.
            if (detail::trampoline_installed(hook_signal_)) {
                ::kill(::getpid(), hook_signal_);
            } else {
                hook_refused_.store(true);
            }
        }

        const std::string final_path =
            watch_dir_.empty() ? std::string() : (watch_dir_ / file_name(url)).string();
        Result r;
        auto finish = [&](Error e) {
            r.error = e;
            if (log != nullptr) {
                log->error = e;
                log->end_us = now_us();
            }
            in_flight_.fetch_sub(1);
            return r;
        };
        if (t.not_found) {
            const Error e = wait(latency_us(), deadline, cancel);
            return finish(e == Error::none ? Error::not_found : e);
        }
        const std::string body = make_body(i, t.chunks);
        for (int c = 0; c < t.chunks; ++c) {
            if (c == fail_after) {
                if (stall) {
                    Error e = wait(kStallUs, deadline, cancel);
                    if (e == Error::none) {
                        no_deadline_.fetch_add(1);
                        e = Error::timeout;
                    }
                    return finish(e);
                }
                return finish(Error::transient);
            }
            if (const Error e = wait(latency_us(), deadline, cancel); e != Error::none) {
                return finish(e);
            }
            if (c > 0 && !final_path.empty() && ::access(final_path.c_str(), F_OK) == 0) {
                if (early_final_.fetch_add(1) == 0) early_final_url_.store(idx);
            }
            const std::size_t off = static_cast<std::size_t>(c) * config_.chunk_bytes;
            const std::string_view piece = std::string_view(body).substr(
                off, std::min(config_.chunk_bytes, body.size() - off));
            on_chunk(piece);
            r.bytes += piece.size();
            delivered_.fetch_add(piece.size());
        }
        return finish(Error::none);
    }

    // ---- harness API ----------------------------------------------------------------------

    const ServerConfig& config() const { return config_; }
    const UrlTruth& truth(std::size_t i) const { return truth_[i]; }
    std::int64_t index_of(std::string_view url) const { return lookup(url); }

    /// The exact bytes of URL i's file.
    std::string expected_body(std::size_t i) const { return make_body(i, truth_[i].chunks); }

    /// From now on each chunk after the first checks that the URL's final name does not exist
    /// yet in `dir` (a file there while its data is still arriving is a half-written file).
    void watch_dir(std::filesystem::path dir) { watch_dir_ = std::move(dir); }
    /// When the k-th request of the run starts, send `signo` to the process from inside that
    /// request (before its first chunk): the signal arrives at an exactly known point.
    void signal_at_start(std::int64_t k, int signo) {
        hook_signal_ = signo;
        hook_at_.store(k);
    }

    int attempts(std::size_t i) const { return state_[i].attempts.load(); }
    std::vector<Attempt> attempt_log(std::size_t i) const {
        const PerUrl& u = state_[i];
        const int n = std::min(u.attempts.load(), kLogged);
        return {u.log, u.log + n};
    }
    std::int64_t started() const { return started_.load(); }
    std::int64_t in_flight() const { return in_flight_.load(); }
    std::int64_t peak_in_flight() const { return peak_in_flight_.load(); }
    std::uint64_t delivered_bytes() const { return delivered_.load(); }
    std::int64_t early_final_names() const { return early_final_.load(); }
    std::int64_t early_final_url() const { return early_final_url_.load(); }
    std::int64_t requests_without_deadline() const { return no_deadline_.load(); }
    /// The signal_at_start() signal was not sent: the harness's handler was not installed.
    bool hook_refused() const { return hook_refused_.load(); }
    std::int64_t latency_us() const { return config_.chunk_latency.count(); }

    std::int64_t now_us() const { return to_us(clock::now()); }
    std::int64_t to_us(clock::time_point t) const {
        return std::chrono::duration_cast<std::chrono::microseconds>(t - origin_).count();
    }
    /// A CLOCK_MONOTONIC reading (as the handler trampoline records) on this server's scale.
    std::int64_t mono_to_us(std::int64_t mono_ns) const {
        const std::int64_t now_mono = detail::mono_ns();
        return now_us() - (now_mono - mono_ns) / 1000;
    }

    static constexpr std::int64_t kStallUs = 2000000;  ///< a stall ends after 2 s at most

  private:
    struct PerUrl {
        std::atomic<int> attempts{0};
        Attempt log[kLogged];  // slot k belongs to attempt k + 1 only
    };

    static double unit(std::uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }
    static void atomic_max(std::atomic<std::int64_t>& peak, std::int64_t v) {
        std::int64_t seen = peak.load();
        while (seen < v && !peak.compare_exchange_weak(seen, v)) {
        }
    }
    std::uint64_t url_hash(std::size_t i) const {
        return detail::mix64(config_.seed ^ detail::mix64(static_cast<std::uint64_t>(i) + 0xf11e));
    }

    /// Sleeps `us` in slices of at most 0.5 ms; stops early on cancel or at the deadline.
    Error wait(std::int64_t us, clock::time_point deadline, const std::atomic<bool>& cancel) const {
        const auto until = clock::now() + std::chrono::microseconds(us);
        for (;;) {
            if (cancel.load()) return Error::cancelled;
            const auto now = clock::now();
            if (now >= deadline) return Error::timeout;
            if (now >= until) return Error::none;
            std::this_thread::sleep_for(std::min(
                {until - now, deadline - now,
                 std::chrono::duration_cast<clock::duration>(std::chrono::microseconds(500))}));
        }
    }

    std::int64_t lookup(std::string_view url) const {
        const std::size_t dash = url.rfind('-');
        if (dash == std::string_view::npos) return -1;
        std::size_t i = 0;
        std::size_t k = dash + 1;
        for (; k < url.size() && url[k] >= '0' && url[k] <= '9'; ++k)
            i = i * 10 + static_cast<std::size_t>(url[k] - '0');
        if (i >= urls_.size() || urls_[i] != url) return -1;
        return static_cast<std::int64_t>(i);
    }

    std::string make_body(std::size_t i, int chunks) const {
        const std::size_t n = static_cast<std::size_t>(chunks) * config_.chunk_bytes -
                              detail::mix64(url_hash(i) + 7) % (config_.chunk_bytes / 2);
        std::string body(n, '\0');
        std::uint64_t h = url_hash(i) + 11;
        for (std::size_t k = 0; k < n; ++k) {
            if (k % 8 == 0) h = detail::mix64(h);
            body[k] = static_cast<char>('a' + ((h >> ((k % 8) * 8)) & 0xff) % 26);
        }
        return body;
    }

    ServerConfig config_;
    clock::time_point origin_;
    std::vector<std::string> urls_;
    std::vector<UrlTruth> truth_;
    std::unique_ptr<PerUrl[]> state_;
    std::filesystem::path watch_dir_;
    std::atomic<std::int64_t> hook_at_{-1};
    int hook_signal_ = 0;
    std::atomic<bool> hook_refused_{false};

    std::atomic<std::int64_t> started_{0};
    std::atomic<std::int64_t> in_flight_{0};
    std::atomic<std::int64_t> peak_in_flight_{0};
    std::atomic<std::uint64_t> delivered_{0};
    std::atomic<std::int64_t> early_final_{0};
    std::atomic<std::int64_t> early_final_url_{-1};
    std::atomic<std::int64_t> no_deadline_{0};
};

// ---------------------------------------------------------------------------------------------
// The reporter
// ---------------------------------------------------------------------------------------------

/// Collects one outcome per URL and the progress lines. Thread-safe.
class Reporter {
  public:
    enum class Kind { done, failed, cancelled };
    struct Outcome {
        std::int64_t url_index = -1;  ///< -1 for a URL the server does not know
        Kind kind = Kind::done;
        Error reason = Error::none;
        std::int64_t at_us = 0;
    };
    struct Line {
        std::int64_t at_us = 0;
        std::uint64_t bytes = 0;
        std::size_t files = 0;
        std::string text;
    };

    explicit Reporter(const Server& server) : server_(server) {}

    /// The URL's file is complete under its final name.
    void done(std::string_view url) { record(url, Kind::done, Error::none, "Reporter::done"); }
    /// The URL failed for good; `reason` is the last error seen.
    void failed(std::string_view url, Error reason) {
        record(url, Kind::failed, reason, "Reporter::failed");
    }
    /// The URL was not finished because of a shutdown (never started, or stopped part-way).
    void cancelled(std::string_view url) {
        record(url, Kind::cancelled, Error::cancelled, "Reporter::cancelled");
    }
    /// One progress line: bytes received so far (every chunk of every request) and files done.
    void progress(std::uint64_t bytes, std::size_t files) {
        if (detail::called_from_handler("Reporter::progress")) return;
        char text[96];
        std::snprintf(text, sizeof text, "progress: %zu files, %llu bytes", files,
                      static_cast<unsigned long long>(bytes));
        std::lock_guard lock(mutex_);
        if (closed_) ++late_;
        lines_.push_back(Line{server_.now_us(), bytes, files, text});
    }

    // ---- harness API ----
    std::vector<Outcome> outcomes() const {
        std::lock_guard lock(mutex_);
        return outcomes_;
    }
    std::vector<Line> lines() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }
    std::int64_t calls_after_close() const {
        std::lock_guard lock(mutex_);
        return late_;
    }
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }

  private:
    void record(std::string_view url, Kind kind, Error reason, const char* what) {
        if (detail::called_from_handler(what)) return;
        const std::int64_t idx = server_.index_of(url);
        std::lock_guard lock(mutex_);
        if (closed_) ++late_;
        outcomes_.push_back(Outcome{idx, kind, reason, server_.now_us()});
    }

    const Server& server_;
    mutable std::mutex mutex_;
    std::vector<Outcome> outcomes_;
    std::vector<Line> lines_;
    bool closed_ = false;
    std::int64_t late_ = 0;
};

// The thread count (kata/threads.hpp), also under this namespace for the kata's tests.
using kata::process_thread_count;
using kata::settled_thread_count;

}  // namespace kata::dl
