#pragma once
// Kata 06 harness: what the test files share. Every wait on the student's pool is bounded, so a
// lost wake-up or a deadlock fails a test with a message within seconds instead of freezing the
// binary; a pool whose destructor would hang is left behind (its threads asleep) rather than
// waited for. Tasks own what they touch (shared_ptr captures), so a pool left behind cannot
// write into a finished test's stack.
#include "thread_pool.hpp"

#include <kata/cpu_time.hpp>
#include <kata/stress.hpp>
#include <kata/threads.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// How long a task that can run at once is given to finish, and a call that must return (a
/// destructor, a shutdown once its running tasks are done). Far above any real latency, even
/// under ThreadSanitizer on a loaded machine: missing it means "never going to happen".
constexpr auto kPrompt = 2s;

long long ms(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

using kata::process_thread_count;

/// The thread count once joined threads have left /proc (kata/threads.hpp), with up to 500 ms
/// of patience.
inline int settled_thread_count(int expected) {
    return kata::settled_thread_count(expected, 500ms);
}

/// True when `future` is valid and ready within `limit`. A future without a shared state
/// (submit() still the stub) fails the test with a message.
template <class T>
bool ready_within(std::future<T>& future, Clock::duration limit, const std::string& what) {
    if (!future.valid()) {
        ADD_FAILURE() << what
                      << ": submit() returned a std::future with no shared state (valid() is "
                         "false). It must return the future of the queued task's promise";
        return false;
    }
    return future.wait_for(limit) == std::future_status::ready;
}

/// Turns `future` into a shared_future to call get() on while the caller examines what it
/// threw. A plain future::get() lets go of the shared state before the exception reaches the
/// catch block, so the worker's promise may free the exception object while the test reads it;
/// that is ordered only by a reference count inside libstdc++, which ThreadSanitizer cannot see
/// (libstdc++ is not instrumented), and it would report a race that no pool can avoid. Holding
/// the shared_future keeps the state, and with it the exception, alive until the test is done.
template <class T>
std::shared_future<T> keep_alive_while_examined(std::future<T>& future) {
    return future.share();
}

/// A door tasks wait at until the test opens it. Waits are bounded (kPrompt + 2 s) so that a
/// task left waiting by a broken pool does not keep its worker forever.
class Gate {
  public:
    /// Waits until open(); false when it was not opened within the bound.
    bool wait() {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, kPrompt + 2s, [this] { return open_; });
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        cv_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
};

/// `parties` tasks meet here: each arrives and waits (at most `limit`) until all have arrived.
/// Only tasks that run at the same time can all meet.
class Rendezvous {
  public:
    explicit Rendezvous(int parties) : parties_(parties) {}
    /// True when every party arrived within `limit`.
    bool arrive_and_wait(Clock::duration limit) {
        std::unique_lock lock(mutex_);
        if (++arrived_ == parties_) cv_.notify_all();
        peak_ = std::max(peak_, arrived_ - left_);
        const bool met = cv_.wait_for(lock, limit, [this] { return arrived_ >= parties_; });
        ++left_;
        return met;
    }
    /// The most parties that were waiting here at the same time.
    int peak() {
        std::lock_guard lock(mutex_);
        return peak_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int parties_;
    int arrived_ = 0;
    int left_ = 0;
    int peak_ = 0;
};

/// Where every test pool lives: memory that is never freed (and so never reused), reachable
/// from here so that LeakSanitizer does not count it. A pool whose destructor detaches its
/// workers instead of joining them leaves threads that still read the destroyed pool's members;
/// in memory that stays put they see the pool as it was left (stopping, queue empty) and leave,
/// and the test that checks the destructor reports the bug, instead of the whole binary
/// crashing in whichever test happens to run next.
inline std::vector<void*>& pool_graveyard() {
    static auto* kept = new std::vector<void*>();
    return *kept;
}

/// Destroys `pool` (placement-constructed by TestPool) on a helper thread and waits at most
/// kPrompt for the destructor. A destructor that does not return (a worker that never wakes up
/// to leave, or is stuck in a task) fails the test, and the pool is left behind with its
/// threads instead of freezing the test binary.
inline void destroy_within(ThreadPool*& pool, const std::string& what) {
    if (pool == nullptr) return;
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> finished = done->get_future();
    std::thread destroyer([p = pool, done]() mutable {
        p->~ThreadPool();
        done->set_value();
    });
    pool = nullptr;
    // After a failure the pool is often stuck for good: give it less time before leaving it.
    const auto limit = ::testing::Test::HasFailure() ? std::chrono::seconds(1) : kPrompt;
    if (finished.wait_for(limit) == std::future_status::ready) {
        destroyer.join();
        return;
    }
    destroyer.detach();
    ADD_FAILURE() << what
                  << ": ~ThreadPool() did not return in time. The destructor runs "
                     "shutdown(drain): it must wake every sleeping worker (notify_all after "
                     "setting the stop flag under the mutex), let them finish the queue, and "
                     "join them. A worker that waits for work without checking the stop flag, "
                     "or a task stuck on the pool's own mutex, never leaves";
}

/// A pool owned by one test: destroyed at the end of the test with destroy_within(), so even an
/// ASSERT that leaves early cannot hang the binary in the destructor.
class TestPool {
  public:
    explicit TestPool(std::size_t threads, std::string what = "the pool") : what_(std::move(what)) {
        void* memory = ::operator new (sizeof(ThreadPool), std::align_val_t{alignof(ThreadPool)});
        pool_graveyard().push_back(memory);
        pool_ = new (memory) ThreadPool(threads);
    }
    ~TestPool() { destroy_within(pool_, what_); }
    TestPool(const TestPool&) = delete;
    TestPool& operator=(const TestPool&) = delete;
    ThreadPool* operator->() { return pool_; }
    ThreadPool& operator*() { return *pool_; }
    /// Destroys the pool now (bounded); the test can then check what the destructor did.
    void destroy() { destroy_within(pool_, what_); }
    /// Leaves the pool behind, never destroyed: for a test that gave up on a call still using it.
    void abandon() { pool_ = nullptr; }

  private:
    ThreadPool* pool_ = nullptr;
    std::string what_;
};

/// Runs `fn` on its own thread; the result is a future the test waits on with a bound. `fn`
/// must own what it touches (shared_ptr captures): a call that never returns is left behind.
template <class Fn>
auto in_background(Fn fn) -> std::future<decltype(fn())> {
    using R = decltype(fn());
    auto promise = std::make_shared<std::promise<R>>();
    std::future<R> future = promise->get_future();
    std::thread([fn = std::move(fn), promise]() mutable {
        try {
            if constexpr (std::is_void_v<R>) {
                fn();
                promise->set_value();
            } else {
                promise->set_value(fn());
            }
        } catch (...) {
            promise->set_exception(std::current_exception());
        }
    }).detach();
    return future;
}

/// Describes the exception being handled, for messages; call it inside a catch block.
inline std::string describe_current_exception() {
    try {
        throw;
    } catch (const TaskCancelled&) {
        return "TaskCancelled";
    } catch (const PoolStopped&) {
        return "PoolStopped";
    } catch (const std::future_error& e) {
        return std::string("std::future_error (") + e.what() +
               "): the task's promise was destroyed without a value or an exception";
    } catch (const std::exception& e) {
        return std::string("an exception: ") + e.what();
    } catch (...) {
        return "an exception of an unknown type";
    }
}

}  // namespace
