// Adapts the student's BoundedQueue<int> to queue_model.hpp's interface.
#include "bounded_queue.hpp"
#include "queue_model.hpp"

namespace {

class Adapter final : public QueueUnderTest {
  public:
    explicit Adapter(std::size_t capacity) : queue_(capacity) {}
    bool push(int item) override { return queue_.push(item); }
    bool try_push(int item) override { return queue_.try_push(std::move(item)); }
    bool push_for(int item, std::chrono::nanoseconds timeout) override {
        return queue_.push_for(std::move(item), timeout);
    }
    std::optional<int> pop() override { return queue_.pop(); }
    std::optional<int> try_pop() override { return queue_.try_pop(); }
    std::optional<int> pop_for(std::chrono::nanoseconds timeout) override {
        return queue_.pop_for(timeout);
    }
    void close() override { queue_.close(); }
    bool closed() const override { return queue_.closed(); }
    std::size_t size() const override { return queue_.size(); }
    std::size_t capacity() const override { return queue_.capacity(); }
    void task_done() override { queue_.task_done(); }
    void join() override { queue_.join(); }

  private:
    BoundedQueue<int> queue_;
};

}  // namespace

std::unique_ptr<QueueUnderTest> make_queue_under_test(std::size_t capacity) {
    return std::make_unique<Adapter>(capacity);
}
