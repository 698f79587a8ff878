// Kata 06's scenarios for the explorer: a pool of one or two workers and two or three calls,
// run under every schedule with up to two preemptions and then PCT's random ones. They state
// what thread_pool.hpp promises whatever the order: a submit wakes a worker whenever one is
// asleep, and a submit racing shutdown() is either refused or run, never silently dropped.
//
// No scenario waits on a std::future: its wait is a raw futex the explorer cannot schedule.
// Tasks report through a mutex and a condition variable instead, which it can.
#include <kata/explore.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "thread_pool.hpp"

namespace {

/// Two tasks that can only finish together: each arrives and waits for the other. The scenario
/// waits (on the same condition variable) until both have arrived.
struct Meeting {
    std::mutex mutex;
    std::condition_variable cv;
    int arrived = 0;

    void arrive_and_wait() {
        std::unique_lock lock(mutex);
        ++arrived;
        cv.notify_all();
        while (arrived < 2) cv.wait(lock);
    }
    void wait_for_both() {
        std::unique_lock lock(mutex);
        while (arrived < 2) cv.wait(lock);
    }
};

}  // namespace

// Two idle workers, two tasks submitted back to back, each waiting for the other: both workers
// must take one. Every push can end a worker's wait, so every push must wake a worker; one that
// wakes a worker only when the queue was empty leaves the second task queued beside a sleeping
// worker, and the first task waits for it forever.
EXPLORE_SCENARIO(EverySubmitWakesASleepingWorker, {},
                 "2 idle workers; 2 tasks that wait for each other are submitted back to back: "
                 "both run") {
    ThreadPool pool(2);
    // Time is virtual: this sleep costs nothing, and lets both workers reach their wait first.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    Meeting meeting;
    pool.submit([&meeting] { meeting.arrive_and_wait(); });
    pool.submit([&meeting] { meeting.arrive_and_wait(); });
    meeting.wait_for_both();  // a deadlock here: a task sits in the queue, a worker sleeps
    pool.shutdown(ShutdownMode::drain);
    EXPLORE_CHECK(meeting.arrived == 2, "only %d of the 2 tasks ran", meeting.arrived);
}

// The scenario submits one task while another thread shuts the pool down (drain). Whatever the
// order, submit() either throws PoolStopped or its task runs before shutdown() returns. A submit
// that checks the stop flag, lets go of the mutex (or never took it), then pushes, can push after
// the workers have left: its task is accepted and never run.
EXPLORE_SCENARIO(SubmitRacingShutdownIsRefusedOrRun, {},
                 "submit() on one thread, shutdown(drain) on another: refused, or run") {
    ThreadPool pool(1);
    bool ran = false;       // written by the worker, read after shutdown() joined it
    bool accepted = false;  // written and read by this thread
    std::thread stopper([&pool] { pool.shutdown(ShutdownMode::drain); });
    try {
        pool.submit([&ran] { ran = true; });
        accepted = true;
    } catch (const PoolStopped&) {
    }
    stopper.join();
    EXPLORE_CHECK(!accepted || ran,
                  "submit() returned normally, so its task was accepted, but shutdown(drain) "
                  "returned without running it: once shutdown() has begun, submit() must throw "
                  "PoolStopped, and the check of the stop flag and the push must happen under "
                  "one lock, or a task can slip in after the workers have left");
}
