// Kata 04's scenarios for the explorer: each runs a few calls on two or three threads, under
// every schedule with up to two preemptions and then PCT's random ones, and states what the
// contract in bounded_queue.hpp promises whatever the order. Time is virtual: a sleep costs
// nothing, and a timed wait may time out at any moment after it starts waiting, so the
// scenarios below also cover the races between a timeout and a notify.
//
// Thread 0 (the scenario body) is one of the actors wherever it can be: fewer threads, fewer
// schedules, and every scenario here is searched to the end in well under a second.
#include <kata/explore.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "bounded_queue.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// Virtual milliseconds between two readings of the clock.
double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

/// A popped optional in words ("1", "an empty optional"), for messages.
const char* text(const std::optional<int>& item, char (&buffer)[32]) {
    if (!item) return "an empty optional";
    std::snprintf(buffer, sizeof buffer, "%d", *item);
    return buffer;
}

}  // namespace

// One producer pushes 1, 2, 3 into a queue of capacity 1 and closes it; one consumer pops
// until pop() says "closed and drained". Proves: the producer waits for room (the queue never
// holds two items), every pop frees room for it (no producer left asleep), and close() keeps
// the items already inside: the consumer gets 1, 2, 3, each once, in order, and only then the
// empty optional.
EXPLORE_SCENARIO(EveryItemArrivesOnceInOrder, {},
                 "push 1, 2, 3 into capacity 1 and close, while a consumer pops until empty: "
                 "it gets 1, 2, 3") {
    BoundedQueue<int> queue(1);
    int got[4] = {0, 0, 0, 0};
    int count = 0;
    std::thread consumer([&] {
        while (std::optional<int> item = queue.pop()) {
            EXPLORE_CHECK(count < 3,
                          "pop() returned a 4th item (%d) but only 1, 2, 3 were pushed: an item "
                          "was handed out twice, or pop() took from an empty queue",
                          *item);
            got[count++] = *item;
        }
    });
    for (int i = 1; i <= 3; ++i) {
        const bool pushed = queue.push(i);
        EXPLORE_CHECK(pushed,
                      "push(%d) returned false on an open queue: push may refuse an item only "
                      "once the queue is closed; on a full queue it must wait for room",
                      i);
        const std::size_t size = queue.size();
        EXPLORE_CHECK(size <= 1,
                      "after push(%d) returned, size() is %zu in a queue of capacity 1: push must "
                      "wait while the queue is full (while size >= capacity), and check again "
                      "after every wake-up",
                      i, size);
    }
    queue.close();
    consumer.join();
    EXPLORE_CHECK(count == 3 && got[0] == 1 && got[1] == 2 && got[2] == 3,
                  "the consumer got %d item(s) (%d %d %d) before pop() returned an empty optional, "
                  "but 1, 2, 3 were pushed and each push returned true. close() must leave the "
                  "items inside for the consumers: pop() may say \"finished\" only when the queue "
                  "is closed AND empty, and items come out in the order they went in",
                  count, got[0], got[1], got[2]);
}

// A consumer waits in pop() on an empty queue; the main thread pushes 1 (and 2 if the other
// consumer's try_pop() took 1) and never closes the queue. Proves that a consumer woken for an
// item that try_pop() took first goes back to waiting instead of returning: pop() may return
// an empty optional only on a closed queue, and each item comes out once.
EXPLORE_SCENARIO(ConsumerWokenForAStolenItemKeepsWaiting, {},
                 "a consumer in pop() while another try_pop()s and the main thread pushes: "
                 "pop() gets an item") {
    BoundedQueue<int> queue(2);
    std::optional<int> waited{-1};
    std::optional<int> grabbed;
    std::thread a([&] { waited = queue.pop(); });
    std::thread b([&] { grabbed = queue.try_pop(); });
    queue.push(1);
    b.join();
    if (grabbed) queue.push(2);  // try_pop() took 1: pop() needs another item
    a.join();
    char one[32];
    char two[32];
    EXPLORE_CHECK(waited.has_value(),
                  "pop() returned an empty optional on a queue that was never closed (try_pop() "
                  "in the other consumer got %s): pop() must wait until it can take an item. It "
                  "was woken for an item that try_pop() took first, found the queue empty again "
                  "and returned instead of waiting again: wait in a while loop on the condition, "
                  "not under an if",
                  text(grabbed, two));
    const std::optional<int> left = queue.try_pop();
    int mask = 0;
    for (const std::optional<int>& item : {waited, grabbed, left}) {
        if (item && (*item == 1 || *item == 2)) mask += 1 << *item;
    }
    char three[32];
    EXPLORE_CHECK(mask == (grabbed ? 6 : 2) && queue.size() == 0,
                  "%s pushed, but pop() got %s, try_pop() got %s and %s was left in the queue: "
                  "each item must come out exactly once",
                  grabbed ? "1 and 2 were" : "only 1 was", text(waited, one), text(grabbed, two),
                  left ? text(left, three) : "nothing");
}

// The queue (capacity 1) is full; producer A waits in push(1), producer B tries try_push(2)
// once, and the main thread pops twice. Proves that a producer woken for a slot that try_push()
// filled first goes back to waiting instead of overfilling the queue, and that every item
// arrives exactly once.
EXPLORE_SCENARIO(ProducerWokenForAStolenSlotKeepsWaiting, {},
                 "a producer in push() on a full queue of capacity 1 while another try_push()es "
                 "and the main thread pops: never two items inside") {
    BoundedQueue<int> queue(1);
    queue.push(0);
    std::size_t seen = 0;
    bool grabbed = false;
    std::thread a([&] {
        queue.push(1);
        seen = queue.size();
    });
    std::thread b([&] { grabbed = queue.try_push(2); });
    std::optional<int> popped[3];
    popped[0] = queue.pop();
    b.join();
    popped[1] = queue.pop();
    a.join();
    popped[2] = queue.try_pop();
    EXPLORE_CHECK(seen <= 1,
                  "just after push(1) returned, size() was %zu in a queue of capacity 1: the "
                  "producer woke up for a free slot that try_push() had filled first, and pushed "
                  "anyway. Wait in a while loop on \"the queue is full\", not under an if",
                  seen);
    int mask = 0;
    for (const std::optional<int>& item : popped) {
        if (item && *item >= 0 && *item <= 2) mask += 1 << *item;
    }
    char t[3][32];
    EXPLORE_CHECK(mask == (grabbed ? 7 : 3) && queue.size() == 0,
                  "0 and 1 were pushed, and 2 %s, but the three pops returned %s, %s and %s: "
                  "every pushed item must come out exactly once",
                  grabbed ? "too (try_push returned true)" : "was refused by try_push",
                  text(popped[0], t[0]), text(popped[1], t[1]), text(popped[2], t[2]));
}

// Two consumers wait in pop() on an empty queue, and the main thread closes it. Proves that
// close() wakes every waiting consumer, not just one: both pop() calls return the empty
// optional that means "closed and drained". A consumer left asleep shows up as a deadlock.
EXPLORE_SCENARIO(CloseWakesEveryWaitingConsumer, {},
                 "two consumers wait in pop() on an empty queue and the main thread closes it: "
                 "both return empty") {
    BoundedQueue<int> queue(1);
    std::optional<int> first{-1};
    std::optional<int> second{-1};
    std::thread a([&] { first = queue.pop(); });
    std::thread b([&] { second = queue.pop(); });
    queue.close();
    a.join();  // a deadlock here: close() did not wake every consumer
    b.join();
    char one[32];
    char two[32];
    EXPLORE_CHECK(!first && !second,
                  "pop() on a closed, empty queue returned %s and %s: with nothing inside and "
                  "no push possible any more, it must return an empty optional",
                  text(first, one), text(second, two));
}

// The queue (capacity 1) is full; two producers wait in push(), and the main thread closes it.
// Proves that close() wakes every waiting producer and that they are refused (push() returns
// false), while the item already inside stays there to be drained.
EXPLORE_SCENARIO(CloseRefusesEveryWaitingProducer, {},
                 "two producers wait in push() on a full queue and the main thread closes it: "
                 "both are refused, the item inside stays") {
    BoundedQueue<int> queue(1);
    queue.push(0);
    bool first = true;
    bool second = true;
    std::thread a([&] { first = queue.push(1); });
    std::thread b([&] { second = queue.push(2); });
    queue.close();
    a.join();  // a deadlock here: close() did not wake every producer
    b.join();
    EXPLORE_CHECK(!first && !second,
                  "push() returned %s and %s for two producers, but the queue was full until "
                  "close() and nobody popped: a producer waiting on a full queue can only leave "
                  "when close() wakes it, and must then be refused (false)",
                  first ? "true" : "false", second ? "true" : "false");
    const std::optional<int> kept = queue.pop();
    char k[32];
    EXPLORE_CHECK(kept && *kept == 0,
                  "the first pop() after close() returned %s, not the item 0 pushed before: "
                  "close() must leave the items inside for consumers to drain, and pop() may "
                  "return empty only when the queue is closed and empty",
                  text(kept, k));
    const std::optional<int> after = queue.pop();
    EXPLORE_CHECK(!after,
                  "pop() on a closed queue that had been drained returned %d: a refused push() "
                  "must drop its item, not add it",
                  after ? *after : 0);
}

// A producer pushes 1 and 2 into a queue of capacity 1 and calls join(); a consumer pops each
// item and marks it done with task_done() once it has processed it. Proves that join() waits
// for the last task_done() (not for the last pop) and that it is woken by it.
EXPLORE_SCENARIO(JoinWaitsForTheLastTaskDone, {},
                 "push 1 and 2, then join() while a consumer pops and calls task_done(): join "
                 "returns after both are processed") {
    BoundedQueue<int> queue(1);
    std::atomic<int> processed{0};
    std::thread consumer([&] {
        for (int i = 0; i < 2; ++i) {
            const std::optional<int> item = queue.pop();
            EXPLORE_CHECK(item.has_value(),
                          "pop() returned an empty optional on an open queue that was about to "
                          "receive item %d: pop() must wait until it can take an item",
                          i + 1);
            processed.fetch_add(1);
            queue.task_done();
        }
    });
    queue.push(1);
    queue.push(2);
    queue.join();
    const int done = processed.load();
    EXPLORE_CHECK(done == 2,
                  "join() returned when %d of the 2 pushed items had been processed: it must "
                  "wait until task_done() has been called once for every successful push. The "
                  "count of unfinished tasks must go up in push and down in task_done, both "
                  "under the mutex, and join() must wait in a loop until it is zero",
                  done);
    consumer.join();
}

// The count of unfinished tasks, with every plain read and write a scheduling point: a
// task_done() in one thread while the main thread pushes another item. Proves that the count
// is changed only under the mutex: a task_done() whose read and write are split by a push loses
// that push's increment (a later task_done() then throws), and a push split by a task_done()
// loses the decrement (join() then waits forever).
EXPLORE_SCENARIO(TaskCountSurvivesConcurrentPushAndTaskDone, {.memory_points = true},
                 "task_done() in one thread while the main thread pushes: the count of unfinished "
                 "tasks stays exact") {
    BoundedQueue<int> queue(2);
    queue.push(1);
    bool refused = false;
    std::thread worker([&] {
        try {
            queue.task_done();  // for item 1 (left in the queue: only the count matters here)
        } catch (const std::logic_error&) {
            refused = true;
        }
    });
    queue.push(2);
    worker.join();
    bool threw = false;
    try {
        queue.task_done();  // for item 2
    } catch (const std::logic_error&) {
        threw = true;
    }
    EXPLORE_CHECK(!refused && !threw,
                  "task_done() threw std::logic_error (\"more task_done() than pushes\") in %s, "
                  "but two items were pushed and task_done() was called twice: an increment of "
                  "the unfinished count was lost. A push() and a task_done() changed the count at "
                  "the same time and one overwrote the other: change it only with the mutex held, "
                  "in task_done() too",
                  refused ? "the worker thread" : "the main thread");
    queue.join();  // a deadlock here: the count stayed above zero, a decrement was lost
}

// The same work as above (capacity 1, two items, a producer that joins), but every untimed
// wait may also wake up with no notify at all, as the standard allows. Proves that push(),
// pop() and join() treat a wake-up as "look again": a wait under `if` instead of `while`
// returns on a full or empty queue, or before the work is done.
EXPLORE_SCENARIO(SpuriousWakeupsAreLookedThrough, {.spurious_wakeups = true},
                 "push, pop and join with wake-ups that no notify caused: each call looks "
                 "again and keeps waiting") {
    BoundedQueue<int> queue(1);
    std::atomic<int> processed{0};
    std::thread consumer([&] {
        for (int i = 1; i <= 2; ++i) {
            const std::optional<int> item = queue.pop();
            char t[32];
            EXPLORE_CHECK(item && *item == i,
                          "pop() number %d returned %s, not %d: a wait can end with no notify "
                          "(a spurious wake-up) and the queue still empty. pop() must check "
                          "again and go back to waiting: wait in a while loop on the condition, "
                          "or use the wait overload that takes a predicate",
                          i, text(item, t), i);
            processed.fetch_add(1);
            queue.task_done();
        }
    });
    for (int i = 1; i <= 2; ++i) {
        queue.push(i);
        const std::size_t size = queue.size();
        EXPLORE_CHECK(size <= 1,
                      "after push(%d) returned, size() is %zu in a queue of capacity 1: push "
                      "woke up with no notify (a spurious wake-up) while the queue was still "
                      "full, and pushed anyway. Wait in a while loop on the condition",
                      i, size);
    }
    queue.join();
    const int done = processed.load();
    EXPLORE_CHECK(done == 2,
                  "join() returned when %d of the 2 items had been processed: its wait ended "
                  "with no notify (a spurious wake-up) and it did not check the count of "
                  "unfinished tasks again. Wait in a while loop until the count is zero",
                  done);
    consumer.join();
}

// Consumer A waits in pop_for(1 ms) and consumer B in pop() on an empty queue; the main thread
// needs 5 ms to make its one item, then pushes it. A may time out before the push, or be woken
// by it: then its deadline may have passed by the time it runs again (it was not scheduled in
// time), and the wait reports a timeout although an item is there. Proves that pop_for decides
// on the queue, not on how the wait ended: either A takes the item, or A has timed out and B,
// still waiting, gets it. A pop_for that returns on "timeout" without looking swallows the one
// notify meant for a consumer and leaves B asleep next to the item (shown as a deadlock). Also
// checks that pop_for never gives up before its timeout.
EXPLORE_SCENARIO(TimedPopNeverSwallowsAWakeup, {},
                 "pop_for(1 ms) and pop() wait while a slow producer pushes one item after 5 ms: "
                 "someone takes it") {
    BoundedQueue<int> queue(1);
    std::optional<int> timed{-1};
    double waited_ms = 0;
    std::optional<int> untimed{-1};
    std::thread a([&] {
        const Clock::time_point start = Clock::now();
        timed = queue.pop_for(1ms);
        waited_ms = ms_between(start, Clock::now());
    });
    std::thread b([&] { untimed = queue.pop(); });
    std::this_thread::sleep_for(5ms);  // making the item takes a while
    queue.push(1);
    a.join();
    char t[32];
    EXPLORE_CHECK(!timed || *timed == 1,
                  "pop_for returned %s, but the only item ever pushed is 1: it must return an "
                  "item that is in the queue, or an empty optional",
                  text(timed, t));
    EXPLORE_CHECK(timed || waited_ms >= 1.0,
                  "pop_for(1 ms) returned empty after %.3f ms on an open queue: it may give up "
                  "only once the timeout has passed",
                  waited_ms);
    if (timed) queue.close();  // A has the item: let B go home (its pop() returns empty)
    b.join();                  // a deadlock here: B sleeps although the item is in the queue
    EXPLORE_CHECK(timed.has_value() != untimed.has_value(),
                  "pop_for returned %s and pop() returned %s for the one item pushed: exactly one "
                  "of them must get it (pop() returns empty only once the queue is closed and "
                  "empty)",
                  text(timed, t), untimed ? "an item" : "an empty optional");
}

// The mirror image for producers. The queue (capacity 1) is full; producer A waits in
// push_for(1 ms) and producer B in push(); the main thread needs 5 ms before it pops the one
// item. Proves that push_for decides on the queue, not on how the wait ended: A either fills
// the freed slot or has timed out and leaves it to B, and a refused push_for leaves its item
// with the caller (the item here is move-only).
EXPLORE_SCENARIO(TimedPushNeverSwallowsAWakeup, {},
                 "push_for(1 ms) and push() wait on a full queue while a slow consumer pops "
                 "one item after 5 ms: someone fills the slot") {
    BoundedQueue<std::unique_ptr<int>> queue(1);
    queue.push(std::make_unique<int>(0));
    std::unique_ptr<int> item = std::make_unique<int>(1);
    bool timed = false;
    double waited_ms = 0;
    bool untimed = false;
    std::thread a([&] {
        const Clock::time_point start = Clock::now();
        timed = queue.push_for(std::move(item), 1ms);
        waited_ms = ms_between(start, Clock::now());
    });
    std::thread b([&] { untimed = queue.push(std::make_unique<int>(2)); });
    std::this_thread::sleep_for(5ms);  // using the item takes a while
    const std::optional<std::unique_ptr<int>> first = queue.pop();
    a.join();
    EXPLORE_CHECK(first && *first && **first == 0,
                  "the first pop() did not return the item 0 that was in the full queue: pop() "
                  "must return the oldest item");
    EXPLORE_CHECK(timed || waited_ms >= 1.0,
                  "push_for(1 ms) returned false after %.3f ms on an open queue: it may give up "
                  "only once the timeout has passed",
                  waited_ms);
    EXPLORE_CHECK(timed == (item == nullptr),
                  "push_for returned %s and the caller's item is %s: push_for must move the "
                  "item into the queue when it returns true, and leave it with the caller "
                  "when it returns false",
                  timed ? "true" : "false", item ? "still there" : "gone (moved from)");
    if (timed) {
        const std::optional<std::unique_ptr<int>> next = queue.pop();  // make room for B
        EXPLORE_CHECK(next && *next && **next == 1,
                      "push_for returned true, but the next pop() did not return its item 1: "
                      "true means the item is in the queue");
    }
    b.join();  // a deadlock here: B sleeps although the slot is free
    EXPLORE_CHECK(untimed,
                  "push() returned false on a queue that was never closed: it may refuse an item "
                  "only once the queue is closed; on a full queue it must wait for room");
    const std::optional<std::unique_ptr<int>> last = queue.try_pop();
    const bool last_is_2 = last && *last && **last == 2;
    const std::size_t extra = queue.size();
    EXPLORE_CHECK(last_is_2 && extra == 0,
                  "after both producers returned, the queue should hold exactly push()'s item 2, "
                  "but try_pop() %s and %zu more item(s) were left: every item that a push "
                  "returned true for must be in the queue once, and no refused item",
                  last_is_2 ? "returned 2"
                  : last    ? "returned another item"
                            : "found it empty",
                  extra);
}
