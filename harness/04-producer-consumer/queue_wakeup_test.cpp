// Kata 04 harness, part 2: stolen wake-ups, close and join waking every waiter, and waiting
// without spinning.
#include "queue_test_common.hpp"

namespace {

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
    if (returned_instead_of_blocking(first, kWindow)) {
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
    if (returned_instead_of_blocking(first, kWindow) ||
        returned_instead_of_blocking(second, kWindow)) {
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

}  // namespace
