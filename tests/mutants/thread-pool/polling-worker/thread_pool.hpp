#pragma once
// Kata 06 - a fixed-size thread pool with futures, drain or cancel shutdown, and a driver that
// processes a folder of files on it. Reference solution.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

/// How shutdown() treats the tasks that are queued but not started yet.
enum class ShutdownMode {
    drain,           ///< run every queued task, then stop
    cancel_pending,  ///< drop every queued task: its future throws TaskCancelled
};

/// What submit() throws once shutdown() has begun (from any thread, a task included).
class PoolStopped : public std::runtime_error {
  public:
    PoolStopped() : std::runtime_error("submit() on a thread pool that is shutting down") {}
};

/// What the future of a task throws when shutdown(ShutdownMode::cancel_pending) removed the
/// task from the queue before any worker started it.
class TaskCancelled : public std::runtime_error {
  public:
    TaskCancelled() : std::runtime_error("task cancelled before it started") {}
};

/// What a task of process_files() reports for a path it cannot read (missing, a folder, no
/// permission). GIVEN: you do not need to change it.
class FileReadError : public std::runtime_error {
  public:
    explicit FileReadError(const std::filesystem::path& path)
        : std::runtime_error("cannot read " + path.string()) {}
};

/// Reads a whole regular file into a string; throws FileReadError when that is impossible.
/// GIVEN: you do not need to change it. Safe to call from many threads at once.
inline std::string read_whole_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw FileReadError(path);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FileReadError(path);
    std::string text;
    try {
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::exception&) {
        throw FileReadError(path);
    }
    if (in.bad()) throw FileReadError(path);
    return text;
}

class ThreadPool {
  public:
    /// Starts exactly `threads` worker threads, which live until shutdown. Throws
    /// std::invalid_argument when `threads` is 0.
    explicit ThreadPool(std::size_t threads) {
        if (threads == 0) throw std::invalid_argument("a thread pool needs at least one thread");
        workers_.reserve(threads);
        try {
            for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
        } catch (...) {
            shutdown(ShutdownMode::cancel_pending);
            throw;
        }
    }

    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    /// shutdown(ShutdownMode::drain): every task submitted before runs, every worker is joined.
    ~ThreadPool() { shutdown(ShutdownMode::drain); }

    /// The number of worker threads.
    std::size_t size() const { return workers_.size(); }

    /// Queues `f(args...)` (f and args are decay-copied or moved in; they may be move-only) and
    /// returns at once with the future of its result. The future receives the value, or the
    /// exception the call threw, or TaskCancelled. Never waits for a worker, so a task may
    /// submit more tasks. Throws PoolStopped once shutdown() has begun.
    template <class F, class... Args>
    auto submit(F&& f, Args&&... args)
        -> std::future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
        using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
        auto job = std::make_unique<Job<R, std::decay_t<F>, std::decay_t<Args>...>>(
            std::forward<F>(f), std::forward<Args>(args)...);
        std::future<R> future = job->promise.get_future();
        {
            std::lock_guard lock(mutex_);
            if (stopping_) throw PoolStopped();
            queue_.push_back(std::move(job));
        }
        // Every push may end a worker's wait, so every push wakes one sleeping worker.
        work_ready_.notify_one();
        return future;
    }

    /// Stops the pool: submit() is refused from now on; with `drain` the workers run every
    /// queued task first, with `cancel_pending` each queued task is removed at once and its
    /// future throws TaskCancelled. Tasks already running always finish. Returns once every
    /// worker has been joined. Only the first call chooses the mode; later calls (and the
    /// destructor) just wait for the workers to be gone. Must not be called from a task.
    void shutdown(ShutdownMode mode = ShutdownMode::drain) {
        std::deque<std::unique_ptr<JobBase>> cancelled;
        {
            std::lock_guard lock(mutex_);
            if (!stopping_) {
                stopping_ = true;
                if (mode == ShutdownMode::cancel_pending) cancelled.swap(queue_);
            }
        }
        work_ready_.notify_all();
        // Outside the lock: setting a future's exception may run code that waits on the pool.
        for (auto& job : cancelled) job->cancel();
        cancelled.clear();
        std::lock_guard join_lock(join_mutex_);
        for (auto& worker : workers_) {
            if (worker.joinable()) worker.join();
        }
    }

  private:
    /// One queued call: run() delivers its result or exception to the future, cancel() delivers
    /// TaskCancelled instead. Exactly one of the two is called.
    struct JobBase {
        virtual ~JobBase() = default;
        virtual void run() = 0;
        virtual void cancel() = 0;
    };

    template <class R, class F, class... Args>
    struct Job final : JobBase {
        template <class FF, class... AA>
        explicit Job(FF&& f, AA&&... args)
            : fn(std::forward<FF>(f)), arguments(std::forward<AA>(args)...) {}

        void run() override {
            try {
                if constexpr (std::is_void_v<R>) {
                    std::apply(std::move(fn), std::move(arguments));
                    promise.set_value();
                } else {
                    promise.set_value(std::apply(std::move(fn), std::move(arguments)));
                }
            } catch (...) {
                promise.set_exception(std::current_exception());
            }
        }

        void cancel() override { promise.set_exception(std::make_exception_ptr(TaskCancelled())); }

        F fn;
        std::tuple<Args...> arguments;
        std::promise<R> promise;
    };

    void work() {
        for (;;) {
            std::unique_ptr<JobBase> job;
            {
                std::unique_lock lock(mutex_);
                // MUTANT: polls the queue every millisecond instead of waiting on work_ready_.
                while (!stopping_ && queue_.empty()) {
                    lock.unlock();
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    lock.lock();
                }
                if (queue_.empty()) return;  // stopping, and nothing left to drain
                job = std::move(queue_.front());
                queue_.pop_front();
            }
            job->run();  // never under the lock: the other workers keep taking tasks
        }
    }

    std::mutex mutex_;  ///< guards queue_ and stopping_
    std::condition_variable work_ready_;
    std::deque<std::unique_ptr<JobBase>> queue_;
    bool stopping_ = false;
    std::mutex join_mutex_;  ///< one shutdown() at a time joins the workers
    std::vector<std::thread> workers_;
};

/// The outcome of one file of process_files(): exactly one of `value` and `error` is set.
template <class R>
struct FileResult {
    std::filesystem::path path;
    std::optional<R> value;    ///< what fn returned
    std::exception_ptr error;  ///< FileReadError, or the exception fn threw
};

/// The result type of process_files(pool, paths, fn).
template <class Fn>
using file_result_t = std::invoke_result_t<Fn&, const std::filesystem::path&, const std::string&>;

/// Processes every file of `paths` on `pool`, one task per file: the task reads the file with
/// read_whole_file() and calls fn(path, contents) (fn is called from several workers at once).
/// Returns one FileResult per path, in the order of `paths`. When `on_done` is given, it is
/// called once per file, on the calling thread, as each file finishes (finishing order, like
/// as_completed), before process_files returns. The pool must keep running until it returns.
template <class Fn>
std::vector<FileResult<file_result_t<Fn>>> process_files(
    ThreadPool& pool, const std::vector<std::filesystem::path>& paths, Fn fn,
    const std::function<void(const FileResult<file_result_t<Fn>>&)>& on_done = {}) {
    using R = file_result_t<Fn>;
    std::vector<FileResult<R>> results(paths.size());
    std::mutex mutex;
    std::condition_variable finished_cv;
    std::deque<std::size_t> finished;  // indices in finishing order, guarded by mutex

    for (std::size_t i = 0; i < paths.size(); ++i) results[i].path = paths[i];
    std::vector<std::future<void>> submitted;
    submitted.reserve(paths.size());
    for (std::size_t i = 0; i < paths.size(); ++i) {
        // The task writes only results[i]; the caller reads it after taking i out of
        // `finished` under the same mutex, which orders the two.
        auto task = [&, i] {
            try {
                const std::string contents = read_whole_file(paths[i]);
                results[i].value.emplace(fn(paths[i], contents));
            } catch (...) {
                results[i].error = std::current_exception();
            }
            // Notify while still holding the lock: once the caller has seen the last index it
            // returns and destroys `finished_cv`, so this task must be done with it by then.
            std::lock_guard lock(mutex);
            finished.push_back(i);
            finished_cv.notify_one();
        };
        try {
            submitted.push_back(pool.submit(task));
        } catch (...) {
            // The pool stopped under us: the tasks already queued use this frame, so wait until
            // each has run or been cancelled before leaving it.
            for (auto& f : submitted) f.wait();
            throw;
        }
    }

    // One index per file, in finishing order. If on_done throws, the rest of the files are still
    // waited for (their tasks use this frame), then the exception goes to the caller.
    std::exception_ptr callback_error;
    for (std::size_t done = 0; done < paths.size(); ++done) {
        std::size_t index = 0;
        {
            std::unique_lock lock(mutex);
            finished_cv.wait(lock, [&] { return !finished.empty(); });
            index = finished.front();
            finished.pop_front();
        }
        if (on_done && !callback_error) {
            try {
                on_done(results[index]);
            } catch (...) {
                callback_error = std::current_exception();
            }
        }
    }
    if (callback_error) std::rethrow_exception(callback_error);
    return results;
}
