#pragma once
// Kata 08 - mutant: the children are detached and counted down.
//
//   TaskGroup      one std::thread per child, all started with the group's token (the group's
//                  own stop_source, linked to the parent's token by a stop_callback); the first
//                  error (anything but Cancelled) is kept first, later ones are appended, and
//                  the group's stop is requested; wait() joins until no child is left, then
//                  throws. The destructor cancels and joins whatever wait() did not.
//   gather         a TaskGroup whose children write their results into slots by index.
//   gather_settled the same, each child catching its own error into its outcome.
//   with_timeout   the work runs on the calling thread with a token of its own, stopped by the
//                  parent (a stop_callback) or by a timer thread at the deadline (a jthread
//                  sleeping on a condition_variable_any that the work's end also wakes).
//   shield         the section gets a token that never stops; the caller's cancellation is
//                  delivered when the section is over.
#include <kata/sim_tasks.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using kata::tasks::Cancelled;

// ---- given: the types the harness relies on (do not change) --------------------------------

/// What TaskGroup::wait() (and gather) throws when children failed: the first failure, with
/// every later one attached in the order they happened. Cancelled is never a failure.
class TaskGroupError : public std::exception {
  public:
    TaskGroupError(std::exception_ptr first, std::vector<std::exception_ptr> others)
        : first_(std::move(first)), others_(std::move(others)) {
        try {
            if (first_) std::rethrow_exception(first_);
            message_ = "task group failed";
        } catch (const std::exception& e) {
            message_ = e.what();
        } catch (...) {
            message_ = "a child threw a non-standard exception";
        }
        if (!others_.empty()) message_ += " (and " + std::to_string(others_.size()) + " more)";
    }
    const char* what() const noexcept override { return message_.c_str(); }
    /// The failure that happened first (it cancelled the others).
    const std::exception_ptr& first() const { return first_; }
    /// The failures that happened after it, in order.
    const std::vector<std::exception_ptr>& others() const { return others_; }

  private:
    std::exception_ptr first_;
    std::vector<std::exception_ptr> others_;
    std::string message_;
};

/// What with_timeout() throws when the deadline cancelled the work.
struct TimedOut : std::runtime_error {
    TimedOut() : std::runtime_error("timed out") {}
};

/// A child of gather(): gets the token to honour, returns a value.
template <class T>
using Job = std::function<T(std::stop_token)>;

/// One result of gather_settled(): the value, or the error the job ended with.
template <class T>
struct Outcome {
    std::optional<T> value;
    std::exception_ptr error;
};

// ---- TaskGroup --------------------------------------------------------------------------------

class TaskGroup {
  public:
    explicit TaskGroup(std::stop_token parent = {})
        : parent_(std::move(parent)), link_(parent_, Forward{&source_}) {}

    /// Cancels and joins every child still running; never throws.
    ~TaskGroup() {
        source_.request_stop();
        wait_for_children();
    }

    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;

    /// Starts fn(token) on a thread of its own. Thread-safe: a child may spawn siblings.
    template <class F>
    void spawn(F&& fn) {
        pending_.fetch_add(1);
        // BUG: the thread is detached; the group only counts its children down. The last child
        // locks the group's mutex to notify after its count reached zero, by which time wait()
        // may have returned and the group may be gone.
        std::thread([this, fn = std::forward<F>(fn)]() mutable {
            run(fn);
            if (pending_.fetch_sub(1) == 1) {
                std::lock_guard lock(mutex_);
                done_.notify_all();
            }
        }).detach();
    }

    /// Asks every child to stop (their token); wait() then returns without an error of its own.
    void cancel() { source_.request_stop(); }

    /// The token every child receives.
    std::stop_token token() const { return source_.get_token(); }

    /// Joins every child, those spawned meanwhile included. Then throws TaskGroupError when a
    /// child failed, or Cancelled when the parent's token was stopped.
    void wait() {
        wait_for_children();
        std::lock_guard lock(mutex_);
        if (first_) throw TaskGroupError(first_, others_);
        if (parent_.stop_requested()) throw Cancelled();
    }

  private:
    struct Forward {
        std::stop_source* source;
        void operator()() const { source->request_stop(); }
    };

    template <class F>
    void run(F& fn) {
        try {
            fn(source_.get_token());
        } catch (const Cancelled&) {
            // Being cancelled is how a child is asked to end: not a failure.
        } catch (...) {
            fail(std::current_exception());
        }
    }

    void fail(std::exception_ptr error) {
        {
            std::lock_guard lock(mutex_);
            if (!first_) {
                first_ = std::move(error);
            } else {
                others_.push_back(std::move(error));
            }
        }
        source_.request_stop();
    }

    /// Waits until every child, those spawned meanwhile included, has counted itself down.
    void wait_for_children() {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [this] { return pending_.load() == 0; });
    }

    std::stop_token parent_;
    std::stop_source source_;
    std::stop_callback<Forward> link_;  // parent stopped -> our source stopped
    std::mutex mutex_;                  // guards first_, others_
    std::condition_variable done_;
    std::atomic<int> pending_{0};
    std::exception_ptr first_;
    std::vector<std::exception_ptr> others_;
};

// ---- gather -----------------------------------------------------------------------------------

/// Runs every job at once; returns their values in the order of `jobs`. The first failure
/// cancels the others and is thrown as TaskGroupError (others attached); a stopped parent
/// throws Cancelled.
template <class T>
std::vector<T> gather(std::stop_token parent, std::vector<Job<T>> jobs) {
    std::vector<std::optional<T>> slots(jobs.size());
    {
        TaskGroup group(std::move(parent));
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            group.spawn([&slots, &jobs, i](std::stop_token token) {
                slots[i].emplace(jobs[i](std::move(token)));
            });
        }
        group.wait();
    }
    std::vector<T> out;
    out.reserve(slots.size());
    for (auto& s : slots) out.push_back(std::move(*s));
    return out;
}

/// Runs every job at once; a failure cancels nothing. Returns one outcome per job, in the
/// order of `jobs`; throws Cancelled (after every job ended) when the parent was stopped.
template <class T>
std::vector<Outcome<T>> gather_settled(std::stop_token parent, std::vector<Job<T>> jobs) {
    std::vector<Outcome<T>> out(jobs.size());
    TaskGroup group(std::move(parent));
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        group.spawn([&out, &jobs, i](std::stop_token token) {
            try {
                out[i].value.emplace(jobs[i](std::move(token)));
            } catch (...) {
                out[i].error = std::current_exception();
            }
        });
    }
    group.wait();
    return out;
}

// ---- with_timeout -----------------------------------------------------------------------------

/// Runs fn(token) on the calling thread; the token is stopped when `parent` is, or when `limit`
/// has passed. Returns what fn returned; when fn ended with Cancelled because of the deadline,
/// throws TimedOut; because of the parent, rethrows Cancelled. Returns as soon as fn does.
template <class F>
auto with_timeout(std::stop_token parent, std::chrono::steady_clock::duration limit, F&& fn)
    -> std::invoke_result_t<F&, std::stop_token> {
    std::stop_source source;
    std::stop_callback link(parent, [&source] { source.request_stop(); });
    const auto deadline = std::chrono::steady_clock::now() + limit;
    bool expired = false;  // written by the timer before it stops `source`, read after the join
    std::jthread timer([&source, &expired, deadline](std::stop_token own) {
        std::mutex mutex;
        std::condition_variable_any cv;
        std::unique_lock lock(mutex);
        cv.wait_until(lock, own, deadline, [] { return false; });
        if (!own.stop_requested()) {
            expired = true;
            source.request_stop();
        }
    });
    auto stop_timer = [&timer] {
        timer.request_stop();
        timer.join();
    };
    try {
        if constexpr (std::is_void_v<std::invoke_result_t<F&, std::stop_token>>) {
            fn(source.get_token());
            stop_timer();
        } else {
            auto result = fn(source.get_token());
            stop_timer();
            return result;
        }
    } catch (const Cancelled&) {
        stop_timer();
        if (expired && !parent.stop_requested()) throw TimedOut();
        throw;
    } catch (...) {
        stop_timer();
        throw;
    }
}

// ---- shield -----------------------------------------------------------------------------------

/// Runs fn(token) to completion with a token that is never stopped. When `outer` is already
/// stopped, fn does not start and Cancelled is thrown; when `outer` is stopped while fn runs,
/// fn still completes and Cancelled is thrown after it. Otherwise returns what fn returned.
template <class F>
auto shield(const std::stop_token& outer, F&& fn) -> std::invoke_result_t<F&, std::stop_token> {
    kata::tasks::checkpoint(outer);
    if constexpr (std::is_void_v<std::invoke_result_t<F&, std::stop_token>>) {
        fn(std::stop_token{});
        kata::tasks::checkpoint(outer);
    } else {
        auto result = fn(std::stop_token{});
        kata::tasks::checkpoint(outer);
        return result;
    }
}

// ---- the fan-out fetch ------------------------------------------------------------------------

/// Fetches every URL at once (one child each, every request under `request_timeout`), digests
/// each page (checking for cancellation between chunks) and returns the digests in the order of
/// `urls`. The first failure (FetchError, TimedOut) cancels the rest and is thrown as
/// TaskGroupError; a stopped `token` throws Cancelled.
inline std::vector<std::uint64_t> fetch_all(kata::tasks::Web& web,
                                            const std::vector<std::string>& urls,
                                            std::chrono::milliseconds request_timeout,
                                            std::stop_token token) {
    std::vector<Job<std::uint64_t>> jobs;
    jobs.reserve(urls.size());
    for (const std::string& url : urls) {
        jobs.push_back([&web, &url, request_timeout](std::stop_token t) {
            const kata::tasks::Page page = with_timeout(
                t, request_timeout, [&](std::stop_token rt) { return web.fetch(url, rt); });
            std::uint64_t h = page.seed;
            for (std::size_t i = 0; i < page.chunks; ++i) {
                kata::tasks::checkpoint(t);
                h = web.digest_chunk(page, i, h);
            }
            return h;
        });
    }
    return gather(std::move(token), std::move(jobs));
}

/// fetch_all(), then one commit of every (url, digest) record, in the order of `urls`, to
/// `store`, shielded: a cancellation that arrives during the commit lets it complete and is
/// thrown as Cancelled afterwards. Nothing is committed when the fetch fails or is cancelled.
inline void sync_pages(kata::tasks::Web& web, kata::tasks::Store& store,
                       const std::vector<std::string>& urls,
                       std::chrono::milliseconds request_timeout, std::stop_token token) {
    const std::vector<std::uint64_t> digests = fetch_all(web, urls, request_timeout, token);
    std::vector<kata::tasks::Record> records;
    records.reserve(urls.size());
    for (std::size_t i = 0; i < urls.size(); ++i) records.push_back({urls[i], digests[i]});
    shield(token, [&](std::stop_token t) { store.commit(records, t); });
}
