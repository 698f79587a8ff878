#pragma once
// Mutant of the reference solution: close() wakes the waiters first and sets the flag after:
//     not_full_.notify_all();
//     not_empty_.notify_all();
//     std::lock_guard lock(mutex_);
//     closed_ = true;
// A waiter woken by those notifies can take the mutex before close() does: it finds the queue
// still open, still empty (or full), and goes back to sleep; then closed_ becomes true and
// nobody notifies again. The waiter sleeps forever on a closed queue: a lost wake-up. The
// state change must come first (under the mutex), the notify after it.
//
// Every access is under the mutex, so ThreadSanitizer has nothing to report. The tests catch
// it anyway (20 runs out of 20 when it was written): with four waiters woken at once, one of
// them regularly wins the mutex before close() does (QueueClose.WakesEveryBlocked* and the
// stress tests report threads left asleep). In the explorer it is one context switch
// (CloseWakesEveryWaitingConsumer and CloseRefusesEveryWaitingProducer show the sleeping
// thread as a deadlock, in a few steps).
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
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {
        if (capacity == 0) {
            throw std::invalid_argument("BoundedQueue: capacity must be at least 1");
        }
    }

    BoundedQueue(const BoundedQueue&) = delete;
    BoundedQueue& operator=(const BoundedQueue&) = delete;

    bool push(T item) {
        std::unique_lock lock(mutex_);
        while (items_.size() >= capacity_ && !closed_) {
            not_full_.wait(lock);
        }
        if (closed_) return false;
        insert(std::move(item));
        lock.unlock();
        not_empty_.notify_one();
        return true;
    }

    bool try_push(T&& item) {
        std::unique_lock lock(mutex_);
        if (closed_ || items_.size() >= capacity_) return false;
        insert(std::move(item));
        lock.unlock();
        not_empty_.notify_one();
        return true;
    }

    template <class Rep, class Period>
    bool push_for(T&& item, const std::chrono::duration<Rep, Period>& timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::unique_lock lock(mutex_);
        while (items_.size() >= capacity_ && !closed_) {
            if (not_full_.wait_until(lock, deadline) == std::cv_status::timeout) {
                // The wait timed out, but the state may have changed just before: decide on
                // what the queue looks like now, not on how the wait ended.
                if (items_.size() >= capacity_ && !closed_) return false;
            }
        }
        if (closed_) return false;
        insert(std::move(item));
        lock.unlock();
        not_empty_.notify_one();
        return true;
    }

    std::optional<T> pop() {
        std::unique_lock lock(mutex_);
        while (items_.empty() && !closed_) {
            not_empty_.wait(lock);
        }
        if (items_.empty()) return std::nullopt;  // closed and drained
        return take(lock);
    }

    std::optional<T> try_pop() {
        std::unique_lock lock(mutex_);
        if (items_.empty()) return std::nullopt;
        return take(lock);
    }

    template <class Rep, class Period>
    std::optional<T> pop_for(const std::chrono::duration<Rep, Period>& timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::unique_lock lock(mutex_);
        while (items_.empty() && !closed_) {
            if (not_empty_.wait_until(lock, deadline) == std::cv_status::timeout) {
                if (items_.empty()) return std::nullopt;
            }
        }
        if (items_.empty()) return std::nullopt;
        return take(lock);
    }

    void close() {
        // BUG: the waiters are woken before there is anything new for them to see.
        not_full_.notify_all();
        not_empty_.notify_all();
        std::lock_guard lock(mutex_);
        closed_ = true;
    }

    bool closed() const {
        std::lock_guard lock(mutex_);
        return closed_;
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return items_.size();
    }

    std::size_t capacity() const { return capacity_; }

    void task_done() {
        std::unique_lock lock(mutex_);
        if (unfinished_ == 0) {
            throw std::logic_error(
                "BoundedQueue::task_done called more often than items were pushed");
        }
        --unfinished_;
        if (unfinished_ == 0) {
            lock.unlock();
            all_done_.notify_all();
        }
    }

    void join() {
        std::unique_lock lock(mutex_);
        while (unfinished_ != 0) {
            all_done_.wait(lock);
        }
    }

  private:
    // Both helpers run with mutex_ held.
    void insert(T&& item) {
        items_.push_back(std::move(item));
        ++unfinished_;
    }

    std::optional<T> take(std::unique_lock<std::mutex>& lock) {
        std::optional<T> item(std::move(items_.front()));
        items_.pop_front();
        lock.unlock();
        // A slot is free now: one waiting producer can use it.
        not_full_.notify_one();
        return item;
    }

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable not_full_;
    std::condition_variable not_empty_;
    std::condition_variable all_done_;
    std::deque<T> items_;
    std::size_t unfinished_ = 0;  // items pushed and not yet confirmed by task_done()
    bool closed_ = false;
};
