#pragma once
// Kata 07 - MUTANT handler-locks-and-notifies: The signal handler takes the downloader's
// mutex and notifies the backoff condition variable itself. (Otherwise the reference
// solution: a downloader that stops on request.)
//
//   signal handler (any thread): count the signal, write one byte to the wake pipe. Nothing else.
//   coordinator (the calling thread): poll() the wake pipe with a timeout;
//     1st signal -> stop taking work, deadline = now + drain_deadline;
//     2nd signal or the deadline -> set the cancel flag every request watches;
//     at most progress_per_second lines a second, one final line after the workers are joined.
//   workers (max_parallel): take a URL unless stopping, download it to name.part, rename it when
//     complete, report; write a byte to the wake pipe when leaving.
//
// The handler touches only two lock-free objects (an atomic counter and a pipe's write end);
// everything else happens on ordinary threads that may lock, allocate and print.
#include <kata/sim_downloads.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace shutdown_detail {

using clock = std::chrono::steady_clock;

/// Signals received since the current download_all() began. Lock-free, so the handler may
/// touch it (a std::atomic that is not lock-free could take a lock inside the handler).
inline std::atomic<int> g_signals{0};
static_assert(std::atomic<int>::is_always_lock_free);
/// The wake pipe: the handler writes a byte to [1], the coordinator poll()s [0]. Created once
/// and never closed, so a late signal can never write to a closed (or reused) descriptor.
inline std::atomic<int> g_wake_write{-1};
inline int g_wake_read = -1;

inline void open_wake_pipe() {
    static std::once_flag once;
    std::call_once(once, [] {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
        g_wake_read = fds[0];
        g_wake_write.store(fds[1]);
    });
}

inline void wake() {
    const int fd = g_wake_write.load();
    if (fd >= 0) {
        const char byte = 1;
        [[maybe_unused]] const ssize_t n = ::write(fd, &byte, 1);  // full pipe: already awake
    }
}

inline void drain_wake_pipe() {
    char buf[64];
    while (::read(g_wake_read, buf, sizeof buf) > 0) {
    }
}

class Downloader {
  public:
    Downloader(kata::dl::Server& server, const std::vector<std::string>& urls,
               const kata::dl::Options& options, kata::dl::Reporter& reporter)
        : server_(server), urls_(urls), opt_(options), reporter_(reporter) {}

    void run() {
        open_wake_pipe();
        drain_wake_pipe();
        g_signals.store(0);
        const std::size_t n_workers =
            std::min(std::max<std::size_t>(1, opt_.max_parallel), urls_.size());
        std::vector<std::thread> workers;
        for (std::size_t w = 0; w < n_workers; ++w) workers.emplace_back([this] { work(); });
        coordinate(n_workers);
        for (auto& t : workers) t.join();
        // URLs no worker took: the shutdown came first.
        for (std::size_t i = next_; i < urls_.size(); ++i) reporter_.cancelled(urls_[i]);
        emit_progress();  // the final line, with the totals
    }

  private:
    // ---- coordinator (the calling thread) ----

    void coordinate(std::size_t n_workers) {
        const auto period =
            std::chrono::microseconds(1000000 / std::max(1, opt_.progress_per_second));
        auto next_line = clock::now() + period;
        auto deadline = clock::time_point::max();
        while (exited_.load() < n_workers) {
            auto until = std::min(next_line, deadline);
            const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
            pollfd p{g_wake_read, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, wait_ms.count())));
            drain_wake_pipe();
            const int signals = g_signals.load();
            const auto now = clock::now();
            if (signals >= 1 && !stopping_.load()) {
                {
                    std::lock_guard lock(mutex_);
                    stopping_.store(true);
                }
                backoff_cv_.notify_all();  // retries waiting out a backoff give up now
                deadline = now + opt_.drain_deadline;
            }
            if (signals >= 2 || now >= deadline) cancel_.store(true);
            if (now >= next_line) {
                if (changed()) emit_progress();
                next_line = clock::now() + period;  // from this line: lines are never closer
            }
        }
    }

    bool changed() const { return bytes_.load() != shown_bytes_ || files_.load() != shown_files_; }
    void emit_progress() {
        shown_bytes_ = bytes_.load();
        shown_files_ = files_.load();
        reporter_.progress(shown_bytes_, shown_files_);
    }

    // ---- workers ----

    /// The handler's count is read directly as well, so that no worker starts a request in the
    /// time the coordinator takes to wake up.
    bool stop_requested() const { return stopping_.load() || g_signals.load() > 0; }

    void work() {
        for (;;) {
            std::size_t i;
            {
                std::lock_guard lock(mutex_);
                if (stop_requested() || next_ >= urls_.size()) break;
                i = next_++;
            }
            download(urls_[i]);
        }
        exited_.fetch_add(1);
        wake();
    }

    void download(const std::string& url) {
        namespace fs = std::filesystem;
        const fs::path final_path = opt_.dir / kata::dl::file_name(url);
        const fs::path part_path = fs::path(final_path) += ".part";
        auto backoff = std::chrono::duration<double, std::milli>(opt_.retry.first_backoff);
        for (int attempt = 1;; ++attempt) {
            kata::dl::Result r;
            {
                std::ofstream out(part_path, std::ios::binary | std::ios::trunc);
                r = server_.get(
                    url, clock::now() + opt_.request_timeout, cancel_, [&](std::string_view chunk) {
                        out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                        bytes_.fetch_add(chunk.size());
                    });
                out.close();  // flushed and closed before it can take the final name
                if (r.ok() && !out.fail()) {
                    fs::rename(part_path, final_path);  // atomic: the name appears complete
                    files_.fetch_add(1);
                    reporter_.done(url);
                    return;
                }
            }
            std::error_code ignored;
            fs::remove(part_path, ignored);
            if (r.error == kata::dl::Error::cancelled) return reporter_.cancelled(url);
            const bool may_pass =
                r.error == kata::dl::Error::transient || r.error == kata::dl::Error::timeout;
            if (!may_pass || attempt >= opt_.retry.max_attempts) {
                return reporter_.failed(url, r.error);
            }
            // A retry is a new request: none may start once a shutdown began.
            std::unique_lock lock(mutex_);
            const auto wait = std::chrono::duration_cast<clock::duration>(backoff);
            if (backoff_cv_.wait_for(lock, wait, [this] { return stop_requested(); })) {
                lock.unlock();
                return reporter_.cancelled(url);
            }
            backoff *= opt_.retry.multiplier;
        }
    }

    kata::dl::Server& server_;
    const std::vector<std::string>& urls_;
    const kata::dl::Options& opt_;
    kata::dl::Reporter& reporter_;

    std::mutex mutex_;  // guards next_; stopping_ changes under it for the backoff waits
    std::condition_variable backoff_cv_;
    std::size_t next_ = 0;
    std::atomic<bool> stopping_{false};  // first signal: take no more work
    std::atomic<bool> cancel_{false};    // second signal or deadline: abort requests in flight
    std::atomic<std::size_t> exited_{0};
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::size_t> files_{0};
    std::uint64_t shown_bytes_ = 0;  // coordinator only
    std::size_t shown_files_ = 0;
};

}  // namespace shutdown_detail

/// The handler the harness installs for SIGINT and SIGTERM. Async-signal-safe: one lock-free
/// atomic increment and one write() to a pipe, errno left as it was.
inline std::mutex g_handler_mutex;
inline std::condition_variable g_handler_cv;

inline void on_shutdown_signal(int /*signo*/) {
    const int saved_errno = errno;
    {
        std::lock_guard lock(g_handler_mutex);  // BUG: a lock inside a signal handler
        shutdown_detail::g_signals.fetch_add(1);
    }
    g_handler_cv.notify_all();  // BUG: pthread_cond_broadcast is not async-signal-safe
    shutdown_detail::wake();
    errno = saved_errno;
}

/// Downloads every URL into options.dir with at most options.max_parallel requests open,
/// reports each URL exactly once, and stops early (see README.md) on SIGINT or SIGTERM.
inline void download_all(kata::dl::Server& server, const std::vector<std::string>& urls,
                         const kata::dl::Options& options, kata::dl::Reporter& reporter) {
    shutdown_detail::Downloader(server, urls, options, reporter).run();
}
