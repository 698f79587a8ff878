#pragma once
// Kata 04 - a bounded producer-consumer queue with close, drain and task tracking.
// Read README.md in this folder first. Every method below is called by many threads at once.
// Replace each TODO; keep the signatures (the tests call exactly these).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

template <class T>
class BoundedQueue {
  public:
    /// A queue that holds at most `capacity` items. Throws std::invalid_argument when capacity is
    /// 0 (such a queue could never accept anything).
    explicit BoundedQueue(std::size_t capacity) {
        (void)capacity;  // TODO
    }

    BoundedQueue(const BoundedQueue&) = delete;
    BoundedQueue& operator=(const BoundedQueue&) = delete;

    /// Appends `item`, waiting while the queue is full. Returns true once the item is in the
    /// queue, false when the queue is (or becomes, while waiting) closed; the item is then
    /// dropped.
    bool push(T item) {
        (void)item;
        return false;  // TODO
    }

    /// Appends `item` only if that needs no waiting: returns false at once when the queue is
    /// full or closed. `item` is moved from only when the call returns true, so a refused item
    /// stays with the caller.
    bool try_push(T&& item) {
        (void)item;
        return false;  // TODO
    }

    /// Like push(), but gives up after `timeout`: false on timeout or when closed, and then
    /// `item` is left untouched.
    template <class Rep, class Period>
    bool push_for(T&& item, const std::chrono::duration<Rep, Period>& timeout) {
        (void)item;
        (void)timeout;
        return false;  // TODO
    }

    /// Removes and returns the oldest item, waiting while the queue is empty. Returns an empty
    /// optional only when the queue is closed and every item has been taken out.
    std::optional<T> pop() {
        return std::nullopt;  // TODO
    }

    /// Removes and returns the oldest item if there is one; never waits.
    std::optional<T> try_pop() {
        return std::nullopt;  // TODO
    }

    /// Like pop(), but gives up after `timeout` (empty optional on timeout, or at once when the
    /// queue is closed and drained).
    template <class Rep, class Period>
    std::optional<T> pop_for(const std::chrono::duration<Rep, Period>& timeout) {
        (void)timeout;
        return std::nullopt;  // TODO
    }

    /// Closes the queue: every later push fails, and every thread blocked in push, push_for, pop
    /// or pop_for wakes up now. Items already inside stay there for consumers to drain. Calling
    /// close() again changes nothing.
    void close() {
        // TODO
    }

    /// Whether close() has been called.
    bool closed() const {
        return false;  // TODO
    }

    /// The number of items in the queue right now.
    std::size_t size() const {
        return 0;  // TODO
    }

    /// The capacity given to the constructor.
    std::size_t capacity() const {
        return 0;  // TODO
    }

    /// Marks one item that was pushed as fully processed. Every successful push adds one
    /// unfinished task; every task_done() removes one. Throws std::logic_error when no task is
    /// unfinished (more task_done() calls than items pushed).
    void task_done() {
        // TODO
    }

    /// Waits until every item pushed so far has been marked with task_done(). Returns at once
    /// when no task is unfinished.
    void join() {
        // TODO
    }

  private:
    // TODO: your state (the items, a mutex, condition variables, ...).
};
