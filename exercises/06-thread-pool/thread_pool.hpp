#pragma once
// Kata 06 - a fixed-size thread pool with futures, drain or cancel shutdown, and a driver that
// processes a folder of files on it.
// Read README.md in this folder first. submit() and shutdown() are called by many threads at
// once, tasks included. Replace each TODO; keep the signatures (the tests call exactly these).
// PoolStopped, TaskCancelled, FileReadError and read_whole_file() are given: use them as they are.
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
        (void)threads;  // TODO
    }

    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    /// shutdown(ShutdownMode::drain): every task submitted before runs, every worker is joined.
    ~ThreadPool() {
        // TODO
    }

    /// The number of worker threads.
    std::size_t size() const {
        return 0;  // TODO
    }

    /// Queues `f(args...)` (f and args are decay-copied or moved in; they may be move-only) and
    /// returns at once with the future of its result. The future receives the value, or the
    /// exception the call threw, or TaskCancelled. Never waits for a worker, so a task may
    /// submit more tasks, and never runs the task itself: a worker runs it, even when every
    /// worker is busy right now. Throws PoolStopped once shutdown() has begun.
    template <class F, class... Args>
    auto submit(F&& f, Args&&... args)
        -> std::future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
        (void)f;
        ((void)args, ...);
        return {};  // TODO: a future with no shared state is the stub's answer
    }

    /// Stops the pool: submit() is refused from now on; with `drain` the workers run every
    /// queued task first, with `cancel_pending` each queued task is removed at once and its
    /// future throws TaskCancelled. Tasks already running always finish. Returns once every
    /// worker has been joined. Only the first call chooses the mode; later calls (and the
    /// destructor) just wait for the workers to be gone. Must not be called from a task.
    void shutdown(ShutdownMode mode = ShutdownMode::drain) {
        (void)mode;  // TODO
    }

  private:
    // TODO: your state (the workers, a queue of type-erased tasks, a mutex, a condition
    // variable, a stop flag, ...). std::function needs a copyable callable, and a task holding
    // a std::promise or a move-only lambda is not copyable: see the README for a way round.
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
    (void)pool;
    (void)paths;
    (void)fn;
    (void)on_done;
    return {};  // TODO
}
