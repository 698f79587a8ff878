// Kata 04 harness: the bounded queue's contract, first one call at a time, then with threads
// that block, then under stress. Every call that may block is made on a background thread and
// waited for with a deadline (see queue_support.hpp), so a queue that loses a wakeup fails a
// test with a message instead of freezing the run.
#include "bounded_queue.hpp"
#include "queue_support.hpp"

#include <kata/cpu_time.hpp>
#include <kata/stress.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <future>
#include <latch>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using namespace std::chrono_literals;
using pc::Crew;
using pc::in_background;
using pc::Phase;
using pc::ready_by;
using pc::ready_within;
using pc::Worker;
using Clock = std::chrono::steady_clock;

/// How long a call that must block is watched: if it returns within this window it did not
/// block. A correct queue can never return early, so the length only limits what is caught.
constexpr auto kWindow = 150ms;
/// How long a call that has been unblocked may take to return. Far above any real wakeup
/// latency, even under ThreadSanitizer on a loaded machine: missing it means "never woken".
constexpr auto kPrompt = 5s;
/// Stress tests: how long every worker may go without any progress before the test calls it a
/// hang, and how long a whole stress run may take.
constexpr auto kStall = 4s;
constexpr auto kStressLimit = 15s;

long long ms(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// Runs `fn` on its own thread and waits for it at most kPrompt. A call that does not return in
/// time fails the test, naming `what`, and gives no value (its thread is left behind, asleep).
/// `fn` must own what it touches (capture shared_ptrs by value).
template <class Fn>
auto within_prompt(const std::string& what, Fn fn) -> std::optional<decltype(fn())> {
    auto result = in_background(std::move(fn));
    if (!ready_within(result, kPrompt)) {
        ADD_FAILURE() << what
                      << " did not return within 5 s: it must not wait here (a call that "
                         "can never succeed returns at once, a timed call returns at its "
                         "timeout)";
        return std::nullopt;
    }
    return result.get();
}

/// A move-only payload: the queue must never need a copy. A moved-from token is invalid, so a
/// consumer that receives one has been handed a value the queue had already given away.
class Token {
  public:
    Token(int producer, int seq) : producer_(producer), seq_(seq) {}
    Token(Token&& other) noexcept : producer_(other.producer_), seq_(other.seq_) {
        other.producer_ = -1;
        other.seq_ = -1;
    }
    Token& operator=(Token&& other) noexcept {
        producer_ = other.producer_;
        seq_ = other.seq_;
        if (&other != this) {
            other.producer_ = -1;
            other.seq_ = -1;
        }
        return *this;
    }
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;

    bool valid() const { return producer_ >= 0 && seq_ >= 0; }
    int producer() const { return producer_; }
    int seq() const { return seq_; }

  private:
    int producer_;
    int seq_;
};

static_assert(!std::is_copy_constructible_v<Token>);

using IntQueue = BoundedQueue<int>;

// ---------------------------------------------------------------------------------------------
// One call at a time
// ---------------------------------------------------------------------------------------------

TEST(QueueBasics, CapacityIsCheckedAndReported) {
    EXPECT_THROW(IntQueue{0}, std::invalid_argument)
        << "a capacity of 0 can never hold an item: the constructor must refuse it with "
           "std::invalid_argument instead of building a queue that blocks every push forever";
    IntQueue q(5);
    EXPECT_EQ(q.capacity(), 5u) << "capacity() must return the capacity given to the constructor";
    EXPECT_EQ(q.size(), 0u) << "a new queue must be empty";
    EXPECT_FALSE(q.closed()) << "a new queue must be open";
}

TEST(QueueBasics, FifoOrderAndSizeWithOneThread) {
    IntQueue q(3);
    ASSERT_TRUE(q.push(10)) << "push() into an open queue with free space must succeed";
    ASSERT_TRUE(q.push(20));
    ASSERT_TRUE(q.try_push(30)) << "try_push() into an open queue with free space must succeed";
    EXPECT_EQ(q.size(), 3u) << "three items were pushed";
    EXPECT_FALSE(q.try_push(40)) << "try_push() into a full queue must refuse at once";
    EXPECT_EQ(q.size(), 3u) << "a refused try_push must not change the queue";

    EXPECT_EQ(q.pop(), std::optional<int>(10)) << "items must come out in the order they went in";
    EXPECT_EQ(q.size(), 2u);
    EXPECT_TRUE(q.try_push(40)) << "pop() freed a slot, so try_push must succeed";
    EXPECT_EQ(q.try_pop(), std::optional<int>(20)) << "FIFO: 20 was the oldest item";
    EXPECT_EQ(q.pop_for(1s), std::optional<int>(30)) << "FIFO: 30 was the oldest item";
    EXPECT_EQ(q.pop(), std::optional<int>(40)) << "FIFO: 40 was the oldest item";
    EXPECT_EQ(q.try_pop(), std::nullopt) << "try_pop() on an empty queue must return nothing";
    EXPECT_EQ(q.size(), 0u);
}

TEST(QueueBasics, MoveOnlyItemsAndRefusedItemsStayWithTheCaller) {
    auto q = std::make_shared<BoundedQueue<std::unique_ptr<int>>>(2);
    ASSERT_TRUE(q->push(std::make_unique<int>(1))) << "push() of a move-only item must work";
    ASSERT_TRUE(q->try_push(std::make_unique<int>(2)));
    auto kept = std::make_shared<std::unique_ptr<int>>(std::make_unique<int>(3));
    EXPECT_FALSE(q->try_push(std::move(*kept))) << "the queue is full, try_push must refuse";
    ASSERT_NE(*kept, nullptr) << "a refused try_push must not take the item: the caller keeps it "
                                 "and may try again later";
    const auto timed_out = within_prompt("push_for(20 ms) on a full queue",
                                         [q, kept] { return q->push_for(std::move(*kept), 20ms); });
    ASSERT_TRUE(timed_out.has_value());
    EXPECT_FALSE(*timed_out) << "the queue is full, push_for must time out";
    ASSERT_NE(*kept, nullptr) << "a push_for that timed out must leave the item with the caller";
    EXPECT_EQ(**kept, 3);

    auto first = q->pop();
    ASSERT_TRUE(first.has_value() && *first != nullptr) << "pop() must return the first item";
    EXPECT_EQ(**first, 1);
    auto second = q->try_pop();
    ASSERT_TRUE(second.has_value() && *second != nullptr) << "try_pop() must return the item";
    EXPECT_EQ(**second, 2);
}

TEST(QueueBasics, TimedCallsGiveUpAfterTheirTimeout) {
    auto q = std::make_shared<IntQueue>(1);
    ASSERT_TRUE(q->push(1));
    constexpr auto timeout = 60ms;

    const auto push = within_prompt("push_for(60 ms) on a full queue", [q, timeout] {
        const auto t0 = Clock::now();
        const bool ok = q->push_for(2, timeout);
        return std::make_pair(ok, Clock::now() - t0);
    });
    ASSERT_TRUE(push.has_value());
    EXPECT_FALSE(push->first) << "push_for on a full queue must time out and return false";
    EXPECT_GE(push->second, timeout) << "push_for gave up after " << ms(push->second)
                                     << " ms, before its " << ms(timeout) << " ms timeout";

    EXPECT_EQ(q->pop(), std::optional<int>(1));
    const auto pop = within_prompt("pop_for(60 ms) on an empty queue", [q, timeout] {
        const auto t0 = Clock::now();
        auto item = q->pop_for(timeout);
        return std::make_pair(item, Clock::now() - t0);
    });
    ASSERT_TRUE(pop.has_value());
    EXPECT_EQ(pop->first, std::nullopt) << "pop_for on an empty queue must time out empty";
    EXPECT_GE(pop->second, timeout) << "pop_for gave up after " << ms(pop->second)
                                    << " ms, before its " << ms(timeout) << " ms timeout";
}

TEST(QueueClose, RefusesProducersAndLetsConsumersDrain) {
    auto q = std::make_shared<IntQueue>(4);
    ASSERT_TRUE(q->push(1));
    ASSERT_TRUE(q->push(2));
    q->close();
    EXPECT_TRUE(q->closed()) << "closed() must report true after close()";
    EXPECT_FALSE(q->push(3)) << "push() after close() must return false";
    EXPECT_FALSE(q->try_push(4)) << "try_push() after close() must return false";
    const auto refused =
        within_prompt("push_for(60 s) on a closed queue", [q] { return q->push_for(5, 60s); });
    if (refused) {
        EXPECT_FALSE(*refused) << "push_for() after close() must return false";
    }
    EXPECT_EQ(q->size(), 2u) << "refused pushes must not add anything, and close() must keep the "
                                "items already inside";

    EXPECT_EQ(q->pop(), std::optional<int>(1))
        << "a closed queue must still hand out the items it holds (drain), oldest first";
    const auto second = within_prompt("pop_for(60 s) on a closed queue holding one item",
                                      [q] { return q->pop_for(60s); });
    if (second) {
        EXPECT_EQ(*second, std::optional<int>(2)) << "pop_for must drain a closed queue too";
    }
    const auto end = within_prompt("pop() on a closed, drained queue", [q] { return q->pop(); });
    if (end) {
        EXPECT_EQ(*end, std::nullopt)
            << "pop() on a closed and drained queue must return an empty optional";
    }
    EXPECT_EQ(q->try_pop(), std::nullopt);
    const auto timed_end =
        within_prompt("pop_for(60 s) on a closed, drained queue", [q] { return q->pop_for(60s); });
    if (timed_end) {
        EXPECT_EQ(*timed_end, std::nullopt);
    }
    q->close();
    EXPECT_TRUE(q->closed()) << "a second close() must be harmless";
}

TEST(QueueJoin, TaskDoneIsCountedAgainstPushes) {
    auto q = std::make_shared<IntQueue>(2);
    EXPECT_THROW(q->task_done(), std::logic_error)
        << "task_done() with no unfinished task must throw std::logic_error: it would make the "
           "count of unfinished tasks negative";
    within_prompt("join() with nothing pushed", [q] {
        q->join();
        return true;
    });

    ASSERT_TRUE(q->push(1));
    ASSERT_TRUE(q->try_push(2));
    ASSERT_TRUE(q->pop().has_value());
    ASSERT_TRUE(q->pop().has_value());
    EXPECT_NO_THROW(q->task_done()) << "two items were pushed: two task_done() calls are fine";
    EXPECT_NO_THROW(q->task_done());
    EXPECT_THROW(q->task_done(), std::logic_error)
        << "a third task_done() after two pushes must throw std::logic_error";
    within_prompt("join() after every pushed item was marked done", [q] {
        q->join();
        return true;
    });
}

// ---------------------------------------------------------------------------------------------
// Blocking and waking up
// ---------------------------------------------------------------------------------------------

TEST(QueueBlocking, PushWaitsWhileFullAndResumesAfterPop) {
    auto q = std::make_shared<IntQueue>(2);
    ASSERT_TRUE(q->push(1));
    ASSERT_TRUE(q->push(2));
    auto pushed = in_background([q] { return q->push(3); });
    if (ready_within(pushed, kWindow)) {
        FAIL() << "push() into a full queue returned (" << std::boolalpha << pushed.get()
               << ") instead of waiting: producers must block while the queue is full "
                  "(backpressure), and the queue must never hold more than its capacity";
    }
    auto popped = in_background([q] { return q->pop(); });
    ASSERT_TRUE(ready_within(popped, kPrompt))
        << "pop() on a full queue did not return while a producer was waiting in push(): does "
           "push() keep the lock while it waits?";
    EXPECT_EQ(popped.get(), std::optional<int>(1));
    ASSERT_TRUE(ready_within(pushed, kPrompt))
        << "a producer waiting in push() was not woken after pop() freed a slot: pop() must "
           "notify a waiting producer";
    EXPECT_TRUE(pushed.get()) << "the woken push() must succeed on an open queue";
    EXPECT_EQ(q->size(), 2u);
    EXPECT_EQ(q->try_pop(), std::optional<int>(2));
    EXPECT_EQ(q->try_pop(), std::optional<int>(3)) << "the item pushed after waiting comes last";
}

TEST(QueueBlocking, PopWaitsWhileEmptyAndResumesAfterPush) {
    auto q = std::make_shared<IntQueue>(2);
    auto popped = in_background([q] { return q->pop(); });
    if (ready_within(popped, kWindow)) {
        const auto got = popped.get();
        FAIL() << "pop() on an empty, open queue returned "
               << (got ? "an item" : "an empty optional")
               << " instead of waiting: an empty result means 'closed and drained', and this "
                  "queue is neither";
    }
    auto pushed = in_background([q] { return q->push(42); });
    ASSERT_TRUE(ready_within(pushed, kPrompt))
        << "push() into an empty queue did not return while a consumer was waiting in pop(): "
           "does pop() keep the lock while it waits?";
    EXPECT_TRUE(pushed.get());
    ASSERT_TRUE(ready_within(popped, kPrompt))
        << "a consumer waiting in pop() was not woken by push(): push() must notify a waiting "
           "consumer";
    EXPECT_EQ(popped.get(), std::optional<int>(42));
}

TEST(QueueBlocking, TimedCallsResumeWhenTheQueueChanges) {
    auto q = std::make_shared<IntQueue>(1);
    auto popped = in_background([q] {
        const auto t0 = Clock::now();
        auto item = q->pop_for(30s);
        return std::make_pair(item, Clock::now() - t0);
    });
    ASSERT_FALSE(ready_within(popped, kWindow))
        << "pop_for(30 s) on an empty queue returned early instead of waiting";
    auto pushed = in_background([q] { return q->push(7); });
    ASSERT_TRUE(ready_within(pushed, kPrompt)) << "push() did not return while pop_for waited";
    ASSERT_TRUE(ready_within(popped, kPrompt))
        << "pop_for(30 s) was not woken by push(): it must wake as soon as an item arrives, not "
           "at its timeout";
    EXPECT_EQ(popped.get().first, std::optional<int>(7));

    ASSERT_TRUE(q->push(8));
    auto refill = in_background([q] { return q->push_for(9, 30s); });
    ASSERT_FALSE(ready_within(refill, kWindow))
        << "push_for(30 s) on a full queue returned early instead of waiting";
    auto freed = in_background([q] { return q->pop(); });
    ASSERT_TRUE(ready_within(freed, kPrompt)) << "pop() did not return while push_for waited";
    EXPECT_EQ(freed.get(), std::optional<int>(8));
    ASSERT_TRUE(ready_within(refill, kPrompt))
        << "push_for(30 s) was not woken by pop(): it must take the free slot at once";
    EXPECT_TRUE(refill.get());
    EXPECT_EQ(q->try_pop(), std::optional<int>(9));
}

/// The stolen-wakeup tests: how long a thread that was woken for an item (or slot) that is gone
/// is given to notice before the driver moves on.
constexpr auto kSettle = 2ms;

/// A consumer blocks in pop(); the driver pushes one item and at once grabs it back with
/// try_pop(), so the consumer wakes up to an empty queue. A correct pop() checks again and keeps
/// waiting; a pop() that waited under `if` instead of `while` gives up or takes a ghost item.
TEST(QueueBlocking, ConsumerWokenForAStolenItemKeepsWaiting) {
    const int rounds = std::max(kata::scaled(200), 60);
    auto q = std::make_shared<IntQueue>(4);
    auto arrived = std::make_shared<std::atomic<int>>(-1);
    auto finished = std::make_shared<std::atomic<int>>(-1);
    auto bad = std::make_shared<std::atomic<bool>>(false);

    auto consumer = in_background([=]() -> std::string {
        for (int r = 0; r < rounds; ++r) {
            arrived->store(r);
            const auto item = q->pop();
            if (!item || (*item != 2 * r && *item != 2 * r + 1)) {
                bad->store(true);
                finished->store(r);
                return "round " + std::to_string(r) + ": pop() returned " +
                       (item ? "the unexpected item " + std::to_string(*item)
                             : std::string("an empty optional")) +
                       " although the queue was open; it woke up after the item it was woken "
                       "for had been taken by another consumer, and did not check again. Wait "
                       "in a while loop on the condition, never under a plain if";
            }
            finished->store(r);
        }
        return "";
    });

    auto driver = in_background([=]() -> std::string {
        int stolen = 0;
        for (int r = 0; r < rounds; ++r) {
            const auto give_up = Clock::now() + kPrompt;
            while (arrived->load() != r) {
                if (bad->load()) return "";
                if (Clock::now() > give_up)
                    return "the consumer never reached round " + std::to_string(r);
                std::this_thread::yield();
            }
            std::this_thread::sleep_for(200us);  // let the consumer fall asleep in pop()
            q->push(2 * r);
            if (q->try_pop()) {
                ++stolen;
                // The consumer is waking up to an empty queue now. Give it time to get the lock
                // and look, then hand it the item it is really waiting for.
                std::this_thread::sleep_for(kSettle);
                if (bad->load()) return "";
                q->push(2 * r + 1);
            }
            while (finished->load() != r) {
                if (Clock::now() > give_up) {
                    return "round " + std::to_string(r) +
                           ": the consumer did not return from pop() although an item was "
                           "waiting for it";
                }
                std::this_thread::yield();
            }
            if (bad->load()) return "";
        }
        q->close();
        std::printf(
            "[   INFO   ] the item was taken back before the consumer woke in %d of %d "
            "rounds\n",
            stolen, rounds);
        return "";
    });

    ASSERT_TRUE(ready_within(driver, kPrompt * 2))
        << "the driver thread (push, try_pop) got stuck: does pop() keep the lock while it waits?";
    const std::string driver_says = driver.get();
    if (ready_within(consumer, driver_says.empty() ? kPrompt : 0s)) {
        EXPECT_EQ(consumer.get(), "");
    } else {
        EXPECT_FALSE(driver_says.empty()) << "the consumer thread never finished";
    }
    EXPECT_EQ(driver_says, "");
}

/// The producer side of the same race: a producer blocks in push() on a full queue of capacity
/// 1; the driver pops (waking it) and at once refills the slot with try_push(). A correct push()
/// checks again and keeps waiting; one that waited under `if` overfills the queue.
TEST(QueueBlocking, ProducerWokenForAStolenSlotKeepsWaiting) {
    const int rounds = std::max(kata::scaled(200), 60);
    auto q = std::make_shared<IntQueue>(1);
    ASSERT_TRUE(q->push(-1));
    auto arrived = std::make_shared<std::atomic<int>>(-1);
    auto finished = std::make_shared<std::atomic<int>>(-1);

    auto producer = in_background([=]() -> std::string {
        for (int r = 0; r < rounds; ++r) {
            arrived->store(r);
            if (!q->push(r)) return "push() into an open queue returned false";
            finished->store(r);
        }
        return "";
    });

    auto driver = in_background([=]() -> std::string {
        int slots_taken = 0;
        for (int r = 0; r < rounds; ++r) {
            const auto give_up = Clock::now() + kPrompt;
            while (arrived->load() != r) {
                if (Clock::now() > give_up)
                    return "the producer never reached round " + std::to_string(r);
                std::this_thread::yield();
            }
            std::this_thread::sleep_for(200us);  // let the producer fall asleep in push()
            if (!q->pop()) return "pop() on a full open queue returned an empty optional";
            const bool stolen = q->try_push(-1);
            if (stolen) {
                ++slots_taken;
                // The producer is waking up to a full queue now. Give it time to get the lock
                // and look, then free the slot it is really waiting for.
                std::this_thread::sleep_for(kSettle);
                if (q->size() > 1) {
                    return "round " + std::to_string(r) + ": the queue of capacity 1 holds " +
                           std::to_string(q->size()) +
                           " items. A producer woke up after its free slot had been taken by "
                           "another push and did not check again: wait in a while loop on the "
                           "condition, never under a plain if";
                }
                if (!q->pop()) return "pop() on a full open queue returned an empty optional";
            }
            while (finished->load() != r) {
                if (Clock::now() > give_up) {
                    return "round " + std::to_string(r) +
                           ": the producer did not return from push() although a slot was free";
                }
                std::this_thread::yield();
            }
            if (q->size() > 1) {
                return "round " + std::to_string(r) + ": the queue of capacity 1 holds " +
                       std::to_string(q->size()) +
                       " items. A producer woke up after its free slot had been taken by "
                       "another push and did not check again: wait in a while loop on the "
                       "condition, never under a plain if";
            }
        }
        q->close();
        std::printf(
            "[   INFO   ] the slot was refilled before the producer woke in %d of %d "
            "rounds\n",
            slots_taken, rounds);
        return "";
    });

    ASSERT_TRUE(ready_within(driver, kPrompt * 2))
        << "the driver thread (pop, try_push) got stuck: does push() keep the lock while it waits?";
    const std::string driver_says = driver.get();
    ASSERT_EQ(driver_says, "");
    ASSERT_TRUE(ready_within(producer, kPrompt)) << "the producer thread never finished";
    EXPECT_EQ(producer.get(), "");
}

TEST(QueueClose, WakesEveryBlockedConsumer) {
    auto q = std::make_shared<IntQueue>(2);
    std::vector<std::future<std::optional<int>>> consumers;
    consumers.push_back(in_background([q] { return q->pop(); }));
    consumers.push_back(in_background([q] { return q->pop(); }));
    consumers.push_back(in_background([q] { return q->pop_for(60s); }));
    consumers.push_back(in_background([q] { return q->pop_for(60s); }));
    std::this_thread::sleep_for(kWindow);
    for (auto& c : consumers) {
        ASSERT_FALSE(ready_within(c, 0s)) << "a consumer returned from an empty, open queue "
                                             "instead of waiting";
    }
    auto closed = in_background([q] { q->close(); });
    ASSERT_TRUE(ready_within(closed, kPrompt)) << "close() did not return while consumers waited";
    const auto deadline = Clock::now() + kPrompt;
    int asleep = 0;
    for (auto& c : consumers) {
        if (!ready_by(c, deadline)) {
            ++asleep;
        } else {
            EXPECT_EQ(c.get(), std::nullopt) << "a consumer woken by close() on an empty queue "
                                                "must get an empty optional";
        }
    }
    EXPECT_EQ(asleep, 0) << asleep << " of 4 consumers blocked in pop()/pop_for() were still "
                         << "asleep 5 s after close(): close() must wake every waiting consumer "
                            "(notify_all), not just one";
}

TEST(QueueClose, WakesEveryBlockedProducer) {
    auto q = std::make_shared<IntQueue>(2);
    ASSERT_TRUE(q->push(1));
    ASSERT_TRUE(q->push(2));
    std::vector<std::future<bool>> producers;
    producers.push_back(in_background([q] { return q->push(10); }));
    producers.push_back(in_background([q] { return q->push(11); }));
    producers.push_back(in_background([q] { return q->push_for(12, 60s); }));
    producers.push_back(in_background([q] { return q->push_for(13, 60s); }));
    std::this_thread::sleep_for(kWindow);
    for (auto& p : producers) {
        ASSERT_FALSE(ready_within(p, 0s)) << "a producer returned from a full, open queue "
                                             "instead of waiting";
    }
    auto closed = in_background([q] { q->close(); });
    ASSERT_TRUE(ready_within(closed, kPrompt)) << "close() did not return while producers waited";
    const auto deadline = Clock::now() + kPrompt;
    int asleep = 0;
    for (auto& p : producers) {
        if (!ready_by(p, deadline)) {
            ++asleep;
        } else {
            EXPECT_FALSE(p.get()) << "a producer woken by close() must be refused (false)";
        }
    }
    EXPECT_EQ(asleep, 0) << asleep << " of 4 producers blocked in push()/push_for() were still "
                         << "asleep 5 s after close(): close() must wake every waiting producer "
                            "(notify_all), not just one";
    if (asleep == 0) {
        EXPECT_EQ(q->pop(), std::optional<int>(1)) << "close() must keep the queued items";
        EXPECT_EQ(q->pop(), std::optional<int>(2));
        EXPECT_EQ(q->pop(), std::nullopt) << "refused producers must not have added anything";
    }
}

TEST(QueueJoin, JoinReturnsOnlyAfterTheLastTaskDone) {
    auto q = std::make_shared<IntQueue>(4);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(q->push(i));
    auto dones = std::make_shared<std::atomic<int>>(0);
    // Each joiner reports how many task_done() calls had begun when join() returned.
    auto joiner = [q, dones] {
        q->join();
        return dones->load();
    };
    auto first = in_background(joiner);
    auto second = in_background(joiner);
    if (ready_within(first, kWindow)) {
        FAIL() << "join() returned with 3 pushed items not marked done: join() must wait until "
                  "task_done() has been called once for every pushed item";
    }
    auto work = in_background([q, dones] {
        for (int i = 0; i < 2; ++i) {
            if (!q->pop()) return false;
            dones->fetch_add(1);
            q->task_done();
        }
        return true;
    });
    ASSERT_TRUE(ready_within(work, kPrompt)) << "pop()/task_done() got stuck while join() waited";
    ASSERT_TRUE(work.get()) << "pop() of a queued item returned an empty optional";
    if (ready_within(first, kWindow) || ready_within(second, 0s)) {
        FAIL() << "join() returned while one pushed item was still not marked done";
    }
    auto last = in_background([q, dones] {
        if (!q->pop()) return false;
        dones->fetch_add(1);
        q->task_done();
        return true;
    });
    ASSERT_TRUE(ready_within(last, kPrompt)) << "the last task_done() got stuck";
    ASSERT_TRUE(last.get());
    const auto deadline = Clock::now() + kPrompt;
    ASSERT_TRUE(ready_by(first, deadline) && ready_by(second, deadline))
        << "join() was not woken by the last task_done(): the call that brings the unfinished "
           "count to zero must wake every thread waiting in join()";
    EXPECT_EQ(first.get(), 3) << "join() returned before the last task_done() was called";
    EXPECT_EQ(second.get(), 3) << "join() returned before the last task_done() was called";
}

// ---------------------------------------------------------------------------------------------
// Waiting must not burn CPU
// ---------------------------------------------------------------------------------------------

TEST(QueueWaiting, BlockedCallsSleepInsteadOfSpinning) {
    constexpr auto blocked_for = 300ms;
    // The most CPU a waiter may burn, as a fraction of the time it waited. A thread asleep on a
    // condition variable uses almost none; a spinning one uses all it can get.
    constexpr double kMaxCpuFraction = 0.2;

    auto empty = std::make_shared<IntQueue>(1);
    auto full = std::make_shared<IntQueue>(1);
    auto busy = std::make_shared<IntQueue>(1);
    ASSERT_TRUE(full->push(1));
    ASSERT_TRUE(busy->push(1));
    ASSERT_TRUE(busy->pop().has_value());  // one task unfinished: join() must wait

    auto popper = in_background([empty] {
        std::optional<int> item;
        const auto use = kata::measure_thread_cpu([&] { item = empty->pop(); });
        return std::make_pair(item.has_value(), use);
    });
    auto pusher = in_background([full] {
        bool ok = false;
        const auto use = kata::measure_thread_cpu([&] { ok = full->push(2); });
        return std::make_pair(ok, use);
    });
    auto joiner = in_background(
        [busy] { return std::make_pair(true, kata::measure_thread_cpu([&] { busy->join(); })); });
    std::this_thread::sleep_for(blocked_for);
    const bool early_pop = ready_within(popper, 0s);
    const bool early_push = ready_within(pusher, 0s);
    const bool early_join = ready_within(joiner, 0s);
    EXPECT_FALSE(early_pop) << "pop() on an empty open queue returned instead of waiting";
    EXPECT_FALSE(early_push) << "push() on a full open queue returned instead of waiting";
    EXPECT_FALSE(early_join) << "join() with an unfinished task returned instead of waiting";

    auto unblock = in_background([empty, full, busy] {
        const bool a = empty->push(5);
        const bool b = full->pop().has_value();
        busy->task_done();
        return a && b;
    });
    ASSERT_TRUE(ready_within(unblock, kPrompt)) << "push()/pop()/task_done() got stuck while other "
                                                   "threads waited: is a lock held while waiting?";
    EXPECT_TRUE(unblock.get());
    const auto deadline = Clock::now() + kPrompt;
    ASSERT_TRUE(ready_by(popper, deadline)) << "the waiting pop() was not woken by push()";
    ASSERT_TRUE(ready_by(pusher, deadline)) << "the waiting push() was not woken by pop()";
    ASSERT_TRUE(ready_by(joiner, deadline)) << "the waiting join() was not woken by task_done()";
    const auto [popped, pop_use] = popper.get();
    const auto [pushed, push_use] = pusher.get();
    const auto join_use = joiner.get().second;
    EXPECT_TRUE(popped);
    EXPECT_TRUE(pushed);
    std::printf("[   INFO   ] while blocked: pop() %s, push() %s, join() %s\n",
                pop_use.describe().c_str(), push_use.describe().c_str(),
                join_use.describe().c_str());
    if (!early_pop) {
        EXPECT_LT(pop_use.fraction(), kMaxCpuFraction)
            << "a consumer blocked in pop() " << pop_use.describe()
            << ": waiting must sleep on a condition variable, not spin or poll";
    }
    if (!early_push) {
        EXPECT_LT(push_use.fraction(), kMaxCpuFraction)
            << "a producer blocked in push() " << push_use.describe()
            << ": waiting must sleep on a condition variable, not spin or poll";
    }
    if (!early_join) {
        EXPECT_LT(join_use.fraction(), kMaxCpuFraction)
            << "a thread blocked in join() " << join_use.describe()
            << ": waiting must sleep on a condition variable, not spin or poll";
    }
}

// ---------------------------------------------------------------------------------------------
// Stress: many threads, invariants checked from outside
// ---------------------------------------------------------------------------------------------

/// Watches the queue's occupancy from outside. Producers count pushes that have returned, and
/// consumers count pop calls they have started. At any moment the queue holds at least
/// (pushes returned) - (pops started) items, so that bound exceeding the capacity proves an
/// overfull queue.
struct Occupancy {
    std::atomic<long long> pushes_returned{0};
    std::atomic<long long> pops_started{0};
    std::atomic<long long> worst{0};
    std::atomic<long long> size_seen{0};

    void pushed() {
        const long long in = pushes_returned.fetch_add(1) + 1;
        const long long out = pops_started.load();  // read after: the bound stays a lower bound
        const long long at_least = in - out;
        long long w = worst.load();
        while (at_least > w && !worst.compare_exchange_weak(w, at_least)) {
        }
    }
    void popping() { pops_started.fetch_add(1); }
    void saw_size(std::size_t s) {
        long long w = size_seen.load();
        const long long v = static_cast<long long>(s);
        while (v > w && !size_seen.compare_exchange_weak(w, v)) {
        }
    }
};

void expect_capacity_respected(const Occupancy& occ, std::size_t capacity) {
    EXPECT_LE(occ.worst.load(), static_cast<long long>(capacity))
        << "the queue of capacity " << capacity << " held at least " << occ.worst.load()
        << " items at one moment (pushes that had returned minus pops that had started): "
           "push() must wait while the queue is full";
    EXPECT_LE(occ.size_seen.load(), static_cast<long long>(capacity))
        << "size() reported " << occ.size_seen.load() << " items in a queue of capacity "
        << capacity;
}

TEST(QueueStress, FifoWithOneProducerAndOneConsumer) {
    const int n = kata::scaled(40000);
    auto q = std::make_shared<IntQueue>(16);
    Crew crew;
    crew.add("producer", [q, n](Worker& w) {
        for (int i = 0; i < n; ++i) {
            w.at(Phase::push);
            if (!q->push(i)) {
                w.fail("push() returned false on an open queue (item " + std::to_string(i) + ")");
                return;
            }
            w.step();
        }
        w.at(Phase::close);
        q->close();
    });
    crew.add("consumer", [q, n](Worker& w) {
        int expected = 0;
        for (;;) {
            w.at(Phase::pop);
            const auto item = q->pop();
            if (!item) break;
            if (*item != expected) {
                w.fail("expected item " + std::to_string(expected) + " but got " +
                       std::to_string(*item) +
                       ": with one producer and one consumer, items must come out in the order "
                       "they went in");
                return;
            }
            ++expected;
            w.step();
        }
        if (expected != n) {
            w.fail("pop() reported the queue closed and drained after " + std::to_string(expected) +
                   " of " + std::to_string(n) + " items: items were lost or pop() gave up early");
        }
    });
    crew.run(kStall, kStressLimit);
}

/// Shared state of one many-producers/many-consumers run.
struct Delivery {
    Delivery(int producer_count, int items_per_producer)
        : producers(producer_count),
          per_producer(items_per_producer),
          seen(std::make_unique<std::atomic<int>[]>(static_cast<std::size_t>(producer_count) *
                                                    static_cast<std::size_t>(items_per_producer))) {
    }
    /// Records one popped token.
    void delivered(const Token& t) {
        if (!t.valid() || t.producer() >= producers || t.seq() >= per_producer) {
            invalid.fetch_add(1);
            return;
        }
        seen[static_cast<std::size_t>(t.producer()) * static_cast<std::size_t>(per_producer) +
             static_cast<std::size_t>(t.seq())]
            .fetch_add(1);
    }
    int times(int producer, int seq) const {
        return seen[static_cast<std::size_t>(producer) * static_cast<std::size_t>(per_producer) +
                    static_cast<std::size_t>(seq)]
            .load();
    }

    const int producers;
    const int per_producer;
    std::unique_ptr<std::atomic<int>[]> seen;  // [producer * per_producer + seq] -> deliveries
    std::atomic<long long> invalid{0};
    std::atomic<long long> dones_started{0};
    Occupancy occupancy;
};

/// Checks that every (producer, seq) arrived exactly once.
void expect_exactly_once(const Delivery& d) {
    long long missing = 0;
    long long duplicated = 0;
    std::string example;
    for (int p = 0; p < d.producers; ++p) {
        for (int s = 0; s < d.per_producer; ++s) {
            const int times = d.times(p, s);
            if (times == 1) continue;
            if (times == 0) ++missing;
            if (times > 1) ++duplicated;
            if (example.empty()) {
                example = "item " + std::to_string(s) + " of producer " + std::to_string(p) +
                          " arrived " + std::to_string(times) + " times";
            }
        }
    }
    EXPECT_EQ(d.invalid.load(), 0) << d.invalid.load()
                                   << " popped items were moved-from shells: the queue handed out "
                                      "a value it had already given away";
    EXPECT_EQ(missing + duplicated, 0)
        << missing << " items never arrived and " << duplicated << " arrived more than once (e.g. "
        << example << "): every pushed item must be popped exactly once";
}

/// Adds a worker that waits for the producers, then joins the queue (every item processed) and
/// checks that join() did not return early, then closes the queue so consumers finish.
void add_closer(Crew& crew, std::shared_ptr<BoundedQueue<Token>> q, std::shared_ptr<Delivery> d,
                std::shared_ptr<std::latch> producers_done, long long total) {
    crew.add("closer", [q, d, producers_done, total](Worker& w) {
        w.at(Phase::waiting);
        producers_done->wait();
        w.at(Phase::join);
        q->join();
        const long long dones = d->dones_started.load();
        if (dones < total) {
            w.fail("join() returned after only " + std::to_string(dones) + " of " +
                   std::to_string(total) + " task_done() calls: it must wait for the last one");
        }
        w.at(Phase::close);
        q->close();
    });
}

TEST(QueueStress, EveryItemArrivesExactlyOnceWithManyProducersAndConsumers) {
    constexpr int kProducers = 4;
    constexpr int kConsumers = 4;
    constexpr std::size_t kCapacity = 8;
    const int per_producer = kata::scaled(12000);
    auto q = std::make_shared<BoundedQueue<Token>>(kCapacity);
    auto d = std::make_shared<Delivery>(kProducers, per_producer);
    auto producers_done = std::make_shared<std::latch>(kProducers);
    Crew crew;
    for (int p = 0; p < kProducers; ++p) {
        crew.add("producer " + std::to_string(p),
                 [q, d, producers_done, p, per_producer](Worker& w) {
                     for (int s = 0; s < per_producer; ++s) {
                         w.at(Phase::push);
                         if (!q->push(Token(p, s))) {
                             w.fail("push() returned false on an open queue");
                             break;
                         }
                         d->occupancy.pushed();
                         w.step();
                     }
                     producers_done->count_down();
                 });
    }
    for (int c = 0; c < kConsumers; ++c) {
        crew.add("consumer " + std::to_string(c), [q, d](Worker& w) {
            for (;;) {
                w.at(Phase::pop);
                d->occupancy.popping();
                std::optional<Token> item = q->pop();
                if (!item) break;
                if ((w.steps() & 63) == 0) d->occupancy.saw_size(q->size());
                d->delivered(*item);
                w.at(Phase::task_done);
                d->dones_started.fetch_add(1);
                q->task_done();
                w.step();
            }
        });
    }
    add_closer(crew, q, d, producers_done, static_cast<long long>(kProducers) * per_producer);
    if (crew.run(kStall, kStressLimit)) {
        expect_exactly_once(*d);
    }
    expect_capacity_respected(d->occupancy, kCapacity);
}

/// Small capacities with many threads make every producer and consumer wait again and again,
/// which is where a missing or misdirected notify shows up. The calls are a seeded mix of the
/// blocking, non-blocking and timed variants.
class QueueSmallCapacity : public ::testing::TestWithParam<std::size_t> {};

TEST_P(QueueSmallCapacity, ManyThreadsNoLostWakeupNoLostItem) {
    constexpr int kProducers = 5;
    constexpr int kConsumers = 5;
    const std::size_t capacity = GetParam();
    const int per_producer = kata::scaled(2500);
    const std::uint64_t seed = kata::test_seed();
    auto q = std::make_shared<BoundedQueue<Token>>(capacity);
    auto d = std::make_shared<Delivery>(kProducers, per_producer);
    auto producers_done = std::make_shared<std::latch>(kProducers);
    Crew crew;
    for (int p = 0; p < kProducers; ++p) {
        crew.add("producer " + std::to_string(p),
                 [q, d, producers_done, p, per_producer, seed](Worker& w) {
                     std::mt19937_64 rng(seed * 131 + static_cast<std::uint64_t>(p));
                     for (int s = 0; s < per_producer; ++s) {
                         Token token(p, s);
                         bool ok = false;
                         w.at(Phase::push);
                         switch (rng() % 4) {
                             case 0:  // try_push a few times, then block
                                 for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
                                     ok = q->try_push(std::move(token));
                                     if (!ok && !token.valid()) {
                                         w.fail("a refused try_push() took the item anyway");
                                         producers_done->count_down();
                                         return;
                                     }
                                     if (!ok) std::this_thread::yield();
                                 }
                                 if (!ok) ok = q->push(std::move(token));
                                 break;
                             case 1:  // a few short timed waits, then block
                                 for (int attempt = 0; attempt < 4 && !ok; ++attempt) {
                                     ok = q->push_for(std::move(token),
                                                      std::chrono::microseconds(rng() % 400));
                                     if (!ok && !token.valid()) {
                                         w.fail("a push_for() that failed took the item anyway");
                                         producers_done->count_down();
                                         return;
                                     }
                                 }
                                 if (!ok) ok = q->push(std::move(token));
                                 break;
                             default:
                                 ok = q->push(std::move(token));
                                 break;
                         }
                         if (!ok) {
                             w.fail("a push into an open queue failed");
                             break;
                         }
                         d->occupancy.pushed();
                         w.step();
                     }
                     producers_done->count_down();
                 });
    }
    for (int c = 0; c < kConsumers; ++c) {
        crew.add("consumer " + std::to_string(c), [q, d, c, seed](Worker& w) {
            std::mt19937_64 rng(seed * 137 + 7 + static_cast<std::uint64_t>(c));
            for (;;) {
                w.at(Phase::pop);
                d->occupancy.popping();
                std::optional<Token> item;
                switch (rng() % 4) {
                    case 0:
                        item = q->try_pop();
                        if (!item) std::this_thread::yield();
                        break;
                    case 1:
                        item = q->pop_for(std::chrono::microseconds(rng() % 400));
                        break;
                    default:
                        item = q->pop();
                        if (!item) return;  // closed and drained
                        break;
                }
                if (!item) continue;
                d->delivered(*item);
                w.at(Phase::task_done);
                d->dones_started.fetch_add(1);
                q->task_done();
                w.step();
            }
        });
    }
    add_closer(crew, q, d, producers_done, static_cast<long long>(kProducers) * per_producer);
    if (crew.run(kStall, kStressLimit)) {
        expect_exactly_once(*d);
    }
    expect_capacity_respected(d->occupancy, capacity);
}

INSTANTIATE_TEST_SUITE_P(Capacities, QueueSmallCapacity, ::testing::Values(1u, 2u, 3u),
                         [](const auto& p) { return "capacity" + std::to_string(p.param); });

}  // namespace
