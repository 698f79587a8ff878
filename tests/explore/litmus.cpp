// Programs whose every outcome is known by hand: the proof that the explorer's scheduler
// reaches every interleaving and nothing else (tests/explore/outcomes_test.sh).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <kata/explore.hpp>
#include <latch>
#include <mutex>
#include <semaphore>
#include <thread>

namespace {
int plain_total = 0;
}

// Two threads each increment a plain int twice (a load then a store, four steps per thread):
// the totals 2, 3 and 4 are reachable, and no other.
EXPLORE_SCENARIO(PlainIncrements, {.memory_points = true},
                 "two threads, x++ twice each, plain int") {
    plain_total = 0;
    auto twice = [] {
        for (int i = 0; i < 2; ++i) {
            const int seen = plain_total;
            plain_total = seen + 1;
        }
    };
    std::thread a(twice);
    std::thread b(twice);
    a.join();
    b.join();
    EXPLORE_OBSERVE("total=%d", plain_total);
}

// Store buffering under sequential consistency: r1 = r2 = 0 needs a store to be delayed past
// the other thread's load, which SC forbids: 3 outcomes of the 4.
EXPLORE_SCENARIO(StoreBuffering, {}, "x=1; r1=y || y=1; r2=x") {
    std::atomic<int> x{0};
    std::atomic<int> y{0};
    int r1 = -1;
    int r2 = -1;
    std::thread a([&] {
        x.store(1);
        r1 = y.load();
    });
    std::thread b([&] {
        y.store(1);
        r2 = x.load();
    });
    a.join();
    b.join();
    EXPLORE_OBSERVE("r1=%d r2=%d", r1, r2);
}

// A mutex makes the two increments atomic: only 4.
EXPLORE_SCENARIO(LockedIncrements, {.memory_points = true}, "the same under a std::mutex") {
    plain_total = 0;
    std::mutex m;
    auto twice = [&] {
        for (int i = 0; i < 2; ++i) {
            std::lock_guard lock(m);
            const int seen = plain_total;
            plain_total = seen + 1;
        }
    };
    std::thread a(twice);
    std::thread b(twice);
    a.join();
    b.join();
    EXPLORE_OBSERVE("total=%d", plain_total);
}

// Lock order inversion: some schedules deadlock, the others finish.
EXPLORE_SCENARIO(LockOrderInversion, {}, "T1 locks a then b, T2 locks b then a") {
    std::mutex a_mutex;
    std::mutex b_mutex;
    std::thread a([&] {
        std::lock_guard first(a_mutex);
        std::lock_guard second(b_mutex);
    });
    std::thread b([&] {
        std::lock_guard first(b_mutex);
        std::lock_guard second(a_mutex);
    });
    a.join();
    b.join();
    EXPLORE_OBSERVE("finished");
}

// A timed wait with nobody to notify times out in virtual time, at once.
EXPLORE_SCENARIO(TimedWaitTimesOut, {}, "wait_for(10 s) with no notify") {
    std::mutex m;
    std::condition_variable cv;
    std::unique_lock lock(m);
    const bool woken = cv.wait_for(lock, std::chrono::seconds(10), [] { return false; });
    EXPLORE_OBSERVE("woken=%d", woken ? 1 : 0);
}

// C++20's futex-based waits (a semaphore, a latch): the waiter spins under the scheduler
// instead of blocking in the kernel, so every schedule finishes with the hand-over done.
EXPLORE_SCENARIO(SemaphoreHandOver, {}, "release() || acquire(); then a latch") {
    std::counting_semaphore<4> ready(0);
    std::latch done(2);
    int value = 0;
    std::thread producer([&] {
        value = 42;
        ready.release();
        done.count_down();
    });
    std::thread consumer([&] {
        ready.acquire();
        EXPLORE_OBSERVE("got=%d", value);
        done.count_down();
    });
    done.wait();
    producer.join();
    consumer.join();
}

// The explorer reuses one process for run after run while they pass: a program that keeps
// state from one run to the next must still be judged as if each run had a process of its
// own. This one counts its runs in a static (two threads store in between, so that there are
// schedules to search): in a process of its own every run is the first.
static int runs_in_this_process() {
    static int runs = 0;
    ++runs;
    std::atomic<int> x{0};
    std::thread a([&] { x.store(1); });
    std::thread b([&] { x.store(2); });
    a.join();
    b.join();
    return runs;
}

// The only outcome: runs=1.
EXPLORE_SCENARIO(StateKeptBetweenRuns, {}, "a static counts the runs; two threads store") {
    EXPLORE_OBSERVE("runs=%d", runs_in_this_process());
}

// The same state made a failure: the check fails only in a process that ran the scenario
// before, so the search must not report it (a fresh process passes the same schedule).
EXPLORE_SCENARIO(FailsOnlyWhenRunBefore, {}, "a static counts the runs; the check wants 1") {
    const int runs = runs_in_this_process();
    EXPLORE_CHECK(runs == 1, "this process ran the scenario %d times", runs);
}

// Store buffering with relaxed atomics, as a litmus test (EXPLORE_LITMUS): under every
// interleaving one store comes first, so some load sees 1; on real hardware each store can wait
// in its core's store buffer while the other core loads, and both loads see 0. The explorer
// lists the three interleaved outcomes; the stress build shows the fourth on x86 and ARM alike.
struct RelaxedStoreBuffering {
    static constexpr const char* description =
        "x.store(1, relaxed); r1 = y.load(relaxed)  ||  y.store(1, relaxed); r2 = x.load(relaxed)";
    std::atomic<int> x{0};
    std::atomic<int> y{0};
    int r1 = -1;
    int r2 = -1;
    void actor1() {
        x.store(1, std::memory_order_relaxed);
        r1 = y.load(std::memory_order_relaxed);
    }
    void actor2() {
        y.store(1, std::memory_order_relaxed);
        r2 = x.load(std::memory_order_relaxed);
    }
    void outcome(char* out, std::size_t size) const {
        std::snprintf(out, size, "r1=%d r2=%d", r1, r2);
    }
};
EXPLORE_LITMUS(RelaxedStoreBuffering, "r1=0 r2=0")

// The same with the default order (sequentially consistent): both 0 never happens, on any
// machine (the compiler fences the stores).
struct SeqCstStoreBuffering {
    static constexpr const char* description = "x = 1; r1 = y  ||  y = 1; r2 = x (seq_cst)";
    std::atomic<int> x{0};
    std::atomic<int> y{0};
    int r1 = -1;
    int r2 = -1;
    void actor1() {
        x.store(1);
        r1 = y.load();
    }
    void actor2() {
        y.store(1);
        r2 = x.load();
    }
    void outcome(char* out, std::size_t size) const {
        std::snprintf(out, size, "r1=%d r2=%d", r1, r2);
    }
};
EXPLORE_LITMUS(SeqCstStoreBuffering, "")
