#pragma once
// Kata 08 - structured concurrency. Read README.md in this folder first.
//
// Write a TaskGroup (children that live inside a scope that waits for all of them; the first
// failure cancels the others and reaches the caller with the later ones attached), gather and
// gather_settled (results in the order of the jobs), with_timeout (a cancellation with a
// deadline) and shield (a section the caller's cancellation cannot cut), then use them in
// fetch_all() and sync_pages(), a fan-out over the simulated web (<kata/sim_tasks.hpp>).
//
// Cancellation is cooperative: every child receives a std::stop_token and the operations of
// <kata/sim_tasks.hpp> throw Cancelled once its stop is requested. Nothing stops a thread from
// outside; your scopes request the stop and then wait for the children to end.
#include <kata/sim_tasks.hpp>

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
    /// A group whose children are cancelled when `parent` is stopped (a default-constructed
    /// token is never stopped).
    explicit TaskGroup(std::stop_token parent = {}) : parent_(std::move(parent)) {}

    /// Cancels and joins every child still running (the owner left without wait(), say by an
    /// exception); never throws, never detaches.
    ~TaskGroup() {}

    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;

    /// Starts fn(token) on a thread of its own and returns at once. Thread-safe: a child may
    /// spawn siblings. What fn returns is ignored; what it throws is a failure (Cancelled is not).
    template <class F>
    void spawn(F&& fn) {
        // TODO: start a thread running fn with the children's token; record its failure.
        (void)fn;
        throw std::logic_error("TaskGroup::spawn: not written yet");
    }

    /// Asks every child to stop (their token); wait() then returns without an error of its own.
    void cancel() {
        // TODO
    }

    /// The token every child receives.
    std::stop_token token() const {
        return {};  // TODO
    }

    /// Joins every child, those spawned meanwhile included. Then throws TaskGroupError when a
    /// child failed (the first failure, the later ones attached), or Cancelled when `parent` was
    /// stopped; returns normally otherwise.
    void wait() {
        // TODO
    }

  private:
    std::stop_token parent_;
};

// ---- gather -----------------------------------------------------------------------------------

/// Runs every job at once; returns their values in the order of `jobs`. The first failure
/// cancels the others and is thrown as TaskGroupError (later failures attached); a stopped
/// parent throws Cancelled.
template <class T>
std::vector<T> gather(std::stop_token parent, std::vector<Job<T>> jobs) {
    // TODO
    (void)parent;
    (void)jobs;
    throw std::logic_error("gather: not written yet");
}

/// Runs every job at once; a failure cancels nothing. Returns one outcome per job, in the
/// order of `jobs`; throws Cancelled (after every job ended) when the parent was stopped.
template <class T>
std::vector<Outcome<T>> gather_settled(std::stop_token parent, std::vector<Job<T>> jobs) {
    // TODO
    (void)parent;
    (void)jobs;
    throw std::logic_error("gather_settled: not written yet");
}

// ---- with_timeout -----------------------------------------------------------------------------

/// Runs fn(token), where the token is stopped when `parent` is or when `limit` has passed.
/// Returns what fn returned, as soon as it returned. When fn ended with Cancelled because of
/// the deadline, throws TimedOut; because of the parent, rethrows Cancelled. Other errors pass
/// through. Never returns while fn (or a timer of yours) is still running.
template <class F>
auto with_timeout(std::stop_token parent, std::chrono::steady_clock::duration limit, F&& fn)
    -> std::invoke_result_t<F&, std::stop_token> {
    // TODO
    (void)parent;
    (void)limit;
    (void)fn;
    throw std::logic_error("with_timeout: not written yet");
}

// ---- shield -----------------------------------------------------------------------------------

/// Runs fn(token) to completion with a token the caller's cancellation does not stop. When
/// `outer` is already stopped, fn does not start and Cancelled is thrown; when `outer` is
/// stopped while fn runs, fn still completes and Cancelled is thrown after it. Otherwise
/// returns what fn returned.
template <class F>
auto shield(const std::stop_token& outer, F&& fn) -> std::invoke_result_t<F&, std::stop_token> {
    // TODO
    (void)outer;
    (void)fn;
    throw std::logic_error("shield: not written yet");
}

// ---- the fan-out fetch ------------------------------------------------------------------------

/// Fetches every URL at once (one child each, every request under `request_timeout`), digests
/// each page (h = page.seed, then h = web.digest_chunk(page, i, h) for every chunk i in order,
/// checking for cancellation between chunks) and returns the digests in the order of `urls`.
/// The first failure (FetchError, TimedOut) cancels the rest and is thrown as TaskGroupError;
/// a stopped `token` throws Cancelled. Nothing it started is running when it returns.
inline std::vector<std::uint64_t> fetch_all(kata::tasks::Web& web,
                                            const std::vector<std::string>& urls,
                                            std::chrono::milliseconds request_timeout,
                                            std::stop_token token) {
    // TODO: gather over one job per URL; each job: with_timeout(web.fetch), then the digest.
    (void)web;
    (void)urls;
    (void)request_timeout;
    (void)token;
    return {};
}

/// fetch_all(), then one store.commit() of every (url, digest) record, in the order of `urls`,
/// shielded: a cancellation that arrives during the commit lets it complete and is thrown as
/// Cancelled afterwards. Nothing is committed when the fetch fails or is cancelled.
inline void sync_pages(kata::tasks::Web& web, kata::tasks::Store& store,
                       const std::vector<std::string>& urls,
                       std::chrono::milliseconds request_timeout, std::stop_token token) {
    // TODO
    (void)web;
    (void)store;
    (void)urls;
    (void)request_timeout;
    (void)token;
}
