// Kata 04 harness, part 1: the queue's contract one call at a time, then the simple ways a call
// blocks and resumes (queue_test_common.hpp: the limits and helpers).
#include "queue_test_common.hpp"

namespace {

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
    if (returned_instead_of_blocking(pushed, kWindow)) {
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
    if (returned_instead_of_blocking(popped, kWindow)) {
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
    ASSERT_FALSE(returned_instead_of_blocking(popped, kWindow))
        << "pop_for(30 s) on an empty queue returned early instead of waiting";
    auto pushed = in_background([q] { return q->push(7); });
    ASSERT_TRUE(ready_within(pushed, kPrompt)) << "push() did not return while pop_for waited";
    ASSERT_TRUE(ready_within(popped, kPrompt))
        << "pop_for(30 s) was not woken by push(): it must wake as soon as an item arrives, not "
           "at its timeout";
    EXPECT_EQ(popped.get().first, std::optional<int>(7));

    ASSERT_TRUE(q->push(8));
    auto refill = in_background([q] { return q->push_for(9, 30s); });
    ASSERT_FALSE(returned_instead_of_blocking(refill, kWindow))
        << "push_for(30 s) on a full queue returned early instead of waiting";
    auto freed = in_background([q] { return q->pop(); });
    ASSERT_TRUE(ready_within(freed, kPrompt)) << "pop() did not return while push_for waited";
    EXPECT_EQ(freed.get(), std::optional<int>(8));
    ASSERT_TRUE(ready_within(refill, kPrompt))
        << "push_for(30 s) was not woken by pop(): it must take the free slot at once";
    EXPECT_TRUE(refill.get());
    EXPECT_EQ(q->try_pop(), std::optional<int>(9));
}

}  // namespace
