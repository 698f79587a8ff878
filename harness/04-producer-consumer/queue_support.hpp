#pragma once
/// Helpers for the producer-consumer harness: calls that run on their own thread and are waited
/// for with a deadline, and a crew of worker threads whose hang is reported by name.
///
/// The tests must survive a queue that never wakes anybody up. So no test thread ever waits
/// without a deadline for a call into the queue: every call that may block runs on a detached
/// thread that owns (through shared_ptr) everything it touches. When a deadline passes, the test
/// fails with a message and simply stops looking; the stuck thread keeps the queue alive and
/// stays asleep until the process exits.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

namespace pc {

using Millis = std::chrono::milliseconds;

/// A call running on a thread of its own: a future for its result, and the kernel's id of that
/// thread (0 if it never started), so that a test can see the call asleep (blocks_within).
template <class R>
struct Background : std::future<R> {
    Background(std::future<R> result, pid_t thread)
        : std::future<R>(std::move(result)), tid(thread) {}
    pid_t tid;
};

/// The type-erased part of in_background: one instantiation per result type, not per lambda.
template <class R>
Background<R> start_in_background(std::function<R()> fn) {
    std::packaged_task<R()> task(std::move(fn));
    std::future<R> result = task.get_future();
    auto started = std::make_shared<std::atomic<pid_t>>(0);
    std::thread([task = std::move(task), started]() mutable {
        started->store(static_cast<pid_t>(::syscall(SYS_gettid)));
        task();
    }).detach();
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (started->load() == 0 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    return Background<R>(std::move(result), started->load());
}

/// Starts `fn()` on a detached thread and returns a future for its result (or exception), with
/// the thread's id. Unlike std::async, dropping the future never waits for the call to finish.
///
/// Returns only once the new thread is running (or after 5 s), so that "the call has not
/// returned after a 150 ms window" really means the call waited: on a busy machine a new thread
/// can otherwise sit in the run queue for the whole window before it even starts.
template <class Fn>
auto in_background(Fn fn) -> Background<decltype(fn())> {
    using Result = decltype(fn());
    return start_in_background<Result>(std::function<Result()>(std::move(fn)));
}

/// Whether thread `tid` of this process is asleep in the kernel (state S: waiting on a futex, a
/// timer, ...); false when it is running, gone, or /proc cannot be read.
inline bool asleep(pid_t tid) {
    if (tid == 0) return false;
    std::FILE* f = std::fopen(("/proc/self/task/" + std::to_string(tid) + "/stat").c_str(), "r");
    if (f == nullptr) return false;
    char line[512] = {};
    const std::size_t n = std::fread(line, 1, sizeof line - 1, f);
    std::fclose(f);
    const char* paren = std::strrchr(line, ')');  // the name may hold spaces and parentheses
    return n > 0 && paren != nullptr && paren[1] == ' ' && paren[2] == 'S';
}

/// Waits until `call` is seen asleep on several looks in a row (it blocked: a correct queue's
/// call gets there in well under a millisecond) or until `limit`; true only when the call
/// returned first. This replaces a fixed wait of `limit`: a call that returns early returns at
/// once, and a call that blocks is let go as soon as it is seen blocking. A call that returns
/// after a short sleep (a timed wait that gives up) is caught by what the test checks next.
template <class R>
bool returned_instead_of_blocking(const Background<R>& call, std::chrono::nanoseconds limit) {
    constexpr int kLooks = 3;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int asleep_looks = 0;
    for (;;) {
        if (call.wait_for(std::chrono::milliseconds(1)) == std::future_status::ready) return true;
        asleep_looks = asleep(call.tid) ? asleep_looks + 1 : 0;
        if (asleep_looks >= kLooks || std::chrono::steady_clock::now() >= deadline) return false;
    }
}

template <class R>
bool ready_within(const std::future<R>& f, std::chrono::nanoseconds limit) {
    return f.wait_for(limit) == std::future_status::ready;
}

/// Whether `f` is ready by `deadline`.
template <class R>
bool ready_by(const std::future<R>& f, std::chrono::steady_clock::time_point deadline) {
    return f.wait_until(deadline) == std::future_status::ready;
}

/// What a crew worker is doing right now, so that a hang names the call it is stuck in.
enum class Phase : int { starting, push, pop, task_done, join, close, waiting, idle, finished };

inline const char* phase_name(Phase p) {
    switch (p) {
        case Phase::starting:
            return "not started yet";
        case Phase::push:
            return "inside a push call (push/try_push/push_for)";
        case Phase::pop:
            return "inside a pop call (pop/try_pop/pop_for)";
        case Phase::task_done:
            return "inside task_done()";
        case Phase::join:
            return "inside join()";
        case Phase::close:
            return "inside close()";
        case Phase::waiting:
            return "waiting for other workers";
        case Phase::idle:
            return "between calls";
        case Phase::finished:
            return "finished";
    }
    return "?";
}

/// One worker's live status. Updates are relaxed atomics: cheap enough for hot loops.
class Worker {
  public:
    explicit Worker(std::string name) : name_(std::move(name)) {}

    void at(Phase p) { phase_.store(p, std::memory_order_relaxed); }
    /// Counts one unit of progress (an item moved, a call completed).
    void step() { steps_.fetch_add(1, std::memory_order_relaxed); }
    /// Records a contract violation; the test fails with this message.
    void fail(std::string message) {
        std::lock_guard lock(mutex_);
        failures_.push_back(name_ + ": " + std::move(message));
    }

    const std::string& name() const { return name_; }
    Phase phase() const { return phase_.load(std::memory_order_relaxed); }
    long long steps() const { return steps_.load(std::memory_order_relaxed); }
    std::vector<std::string> failures() const {
        std::lock_guard lock(mutex_);
        return failures_;
    }

  private:
    std::string name_;
    std::atomic<Phase> phase_{Phase::starting};
    std::atomic<long long> steps_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> failures_;
};

/// A group of threads started together. run() waits until all have finished, or until no
/// worker has made progress for `stall` (a lost wakeup or a deadlock), or `limit` has passed,
/// and then fails the current test naming every worker that is still busy and where.
class Crew {
  public:
    Crew() : shared_(std::make_shared<Shared>()) {}

    /// Adds a worker. `body` must capture by value (shared_ptr) whatever it uses: if the crew
    /// is abandoned because of a hang, its threads outlive the test.
    void add(std::string name, std::function<void(Worker&)> body) {
        shared_->workers.emplace_back(std::move(name));
        shared_->bodies.push_back(std::move(body));
    }

    /// Starts every worker at once. Returns true when all finished and reported no failure.
    bool run(Millis stall, Millis limit) {
        auto shared = shared_;
        const int count = static_cast<int>(shared->bodies.size());
        shared->start = std::make_unique<std::latch>(count);
        for (int i = 0; i < count; ++i) {
            std::thread([shared, i] {
                Worker& me = shared->workers[static_cast<std::size_t>(i)];
                shared->start->arrive_and_wait();
                try {
                    shared->bodies[static_cast<std::size_t>(i)](me);
                } catch (const std::exception& e) {
                    me.fail(std::string("threw an exception: ") + e.what());
                } catch (...) {
                    me.fail("threw an exception that is not a std::exception");
                }
                me.at(Phase::finished);
                std::lock_guard lock(shared->mutex);
                ++shared->finished;
                shared->cv.notify_all();
            }).detach();
        }

        const auto began = std::chrono::steady_clock::now();
        auto last_progress = began;
        long long last_steps = -1;
        bool all_done = false;
        {
            std::unique_lock lock(shared->mutex);
            for (;;) {
                if (shared->cv.wait_for(lock, Millis(50),
                                        [&] { return shared->finished == count; })) {
                    all_done = true;
                    break;
                }
                const auto now = std::chrono::steady_clock::now();
                long long steps = 0;
                for (const Worker& w : shared->workers) steps += w.steps();
                if (steps != last_steps) {
                    last_steps = steps;
                    last_progress = now;
                }
                if (now - last_progress > stall || now - began > limit) break;
            }
        }

        bool ok = true;
        for (const Worker& w : shared->workers) {
            for (const std::string& f : w.failures()) {
                ADD_FAILURE() << f;
                ok = false;
            }
        }
        if (!all_done) {
            ok = false;
            const auto waited =
                std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - began);
            std::string stuck;
            for (const Worker& w : shared->workers) {
                if (w.phase() == Phase::finished) continue;
                stuck += "\n    " + w.name() + ": " + phase_name(w.phase()) + " after " +
                         std::to_string(w.steps()) + " steps";
            }
            ADD_FAILURE() << "the workers stopped making progress (" << waited.count()
                          << " ms in total, no progress for at least " << stall.count()
                          << " ms). Still busy:" << stuck
                          << "\nA thread asleep in a queue call that nobody will wake is a lost "
                             "wake-up: a missing notify; notify_one on a condition variable that "
                             "producers and consumers share (it can wake a thread of the wrong "
                             "kind, which goes back to sleep, and the right one never hears); or "
                             "a thread that holds the lock while it waits for something else.";
        }
        return ok;
    }

  private:
    struct Shared {
        std::deque<Worker> workers;  // deque: stable addresses while growing
        std::vector<std::function<void(Worker&)>> bodies;
        std::unique_ptr<std::latch> start;
        std::mutex mutex;
        std::condition_variable cv;
        int finished = 0;
    };
    std::shared_ptr<Shared> shared_;
};

}  // namespace pc
