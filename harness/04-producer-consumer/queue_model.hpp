#pragma once
// The bounded queue behind a plain interface, for the model-based test (queue_model_test.cpp):
// the test, heavy with RapidCheck's templates, never includes the student's header, so an edit
// to bounded_queue.hpp recompiles only queue_model_adapter.cpp.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

class QueueUnderTest {
  public:
    virtual ~QueueUnderTest() = default;
    virtual bool push(int item) = 0;
    virtual bool try_push(int item) = 0;
    virtual bool push_for(int item, std::chrono::nanoseconds timeout) = 0;
    virtual std::optional<int> pop() = 0;
    virtual std::optional<int> try_pop() = 0;
    virtual std::optional<int> pop_for(std::chrono::nanoseconds timeout) = 0;
    virtual void close() = 0;
    virtual bool closed() const = 0;
    virtual std::size_t size() const = 0;
    virtual std::size_t capacity() const = 0;
    virtual void task_done() = 0;
    virtual void join() = 0;
};

/// A BoundedQueue<int> of the student's, behind the interface above.
std::unique_ptr<QueueUnderTest> make_queue_under_test(std::size_t capacity);
