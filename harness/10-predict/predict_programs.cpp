// Kata 10: the programs whose outcomes you predict. Read them; do not run them.
//
// Each program starts two threads (each line of a thread runs as a whole, but the two threads'
// lines may interleave in any order), waits for both, and reports ONE outcome: the text in its
// EXPLORE_OBSERVE line at the end ("x=3", "r1=0 r2=1"), or "deadlock" when the threads can stop
// for good waiting on each other. Memory is sequentially consistent (every thread sees one
// shared order of all the memory operations), as it is for std::atomic with the default memory
// order and for data guarded by a mutex.
//
// In exercises/10-predict/answers.yaml, list for each program EVERY outcome that some
// interleaving can produce, in the form the program prints it, and say why in one sentence.
//
// The last two programs (10 and 11) use relaxed atomics (std::memory_order_relaxed): there,
// memory is NOT sequentially consistent, and the outcomes to list are every one the C++ memory
// model allows, interleavings or not. They are written as litmus tests: a struct holding the
// shared state, two actors (one per thread), and the outcome read after both are done. The
// grader also runs them for real many times on the machine and shows how often each outcome
// showed up beside your prediction.
#define EXPLORE_PROGRAMS_ARE_THE_HARNESS
#include <kata/explore.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

int plain_x = 0;  // a plain int shared by two threads (the seed's `x += 1`)
int data = 0;     // written before a flag is raised
int widget = 0;   // the object a double-checked lock publishes

}  // namespace

// 1. Two threads each add 1 to a plain int, twice (the seed's "x += 1 in two threads a million
// times", made small). `x = x + 1` is a load, then a store.
EXPLORE_SCENARIO(LostUpdate, {.memory_points = true}, "x = x + 1 twice in each of two threads") {
    plain_x = 0;
    auto add_twice = [] {
        plain_x = plain_x + 1;
        plain_x = plain_x + 1;
    };
    std::thread t1(add_twice);
    std::thread t2(add_twice);
    t1.join();
    t2.join();
    EXPLORE_OBSERVE("x=%d", plain_x);
}

// 2. The same with a std::atomic<int>, written the same way: `x = x + 1` on an atomic is an
// atomic load, then an atomic store.
EXPLORE_SCENARIO(AtomicLoadThenStore, {}, "x = x + 1 twice in each thread, x a std::atomic<int>") {
    std::atomic<int> x{0};
    auto add_twice = [&] {
        x = x + 1;
        x = x + 1;
    };
    std::thread t1(add_twice);
    std::thread t2(add_twice);
    t1.join();
    t2.join();
    EXPLORE_OBSERVE("x=%d", x.load());
}

// 3. The same with `x += 1` on the atomic: one read-modify-write (fetch_add).
EXPLORE_SCENARIO(AtomicIncrement, {}, "x += 1 twice in each thread, x a std::atomic<int>") {
    std::atomic<int> x{0};
    auto add_twice = [&] {
        x += 1;
        x += 1;
    };
    std::thread t1(add_twice);
    std::thread t2(add_twice);
    t1.join();
    t2.join();
    EXPLORE_OBSERVE("x=%d", x.load());
}

// 4. Store buffering: each thread raises its own flag, then reads the other's.
EXPLORE_SCENARIO(StoreBuffering, {}, "x = 1; r1 = y  ||  y = 1; r2 = x") {
    std::atomic<int> x{0};
    std::atomic<int> y{0};
    int r1 = -1;
    int r2 = -1;
    std::thread t1([&] {
        x.store(1);
        r1 = y.load();
    });
    std::thread t2([&] {
        y.store(1);
        r2 = x.load();
    });
    t1.join();
    t2.join();
    EXPLORE_OBSERVE("r1=%d r2=%d", r1, r2);
}

// 5. Check, then act, on an atomic balance of 15: each thread withdraws 10 if it sees enough.
EXPLORE_SCENARIO(CheckThenAct, {}, "if (balance >= 10) balance -= 10, in two threads") {
    std::atomic<int> balance{15};
    auto withdraw = [&] {
        if (balance.load() >= 10) balance.fetch_sub(10);
    };
    std::thread t1(withdraw);
    std::thread t2(withdraw);
    t1.join();
    t2.join();
    EXPLORE_OBSERVE("balance=%d", balance.load());
}

// 6. Double-checked locking without the second check: how many widgets are created?
EXPLORE_SCENARIO(DoubleCheckedLocking, {}, "lazy init: check, lock, create (no re-check)") {
    std::atomic<int*> instance{nullptr};
    std::mutex m;
    int created = 0;  // guarded by m
    auto get = [&] {
        if (instance.load() == nullptr) {
            std::lock_guard lock(m);
            ++created;
            instance.store(&widget);
        }
    };
    std::thread t1(get);
    std::thread t2(get);
    t1.join();
    t2.join();
    EXPLORE_OBSERVE("created=%d", created);
}

// 7. Publishing through a flag: the writer fills `data`, then raises the flag; the reader looks
// at the flag, then (if raised) at the data. `data` is a plain int; the flag is atomic.
EXPLORE_SCENARIO(MessagePassing, {}, "data = 42; ready = true  ||  if ready, read data") {
    data = 0;
    std::atomic<bool> ready{false};
    int seen = -2;
    std::thread writer([&] {
        data = 42;
        ready.store(true);
    });
    std::thread reader([&] { seen = ready.load() ? data : -1; });
    writer.join();
    reader.join();
    EXPLORE_OBSERVE("seen=%d", seen);
}

// 8. A wake-up that can be lost: the producer sets `ready` and notifies WITHOUT the mutex; the
// consumer checks `ready` under the mutex and, if not yet, waits up to one second for a notify.
// Outcome: "never-waited" (ready already), "notified", or "timed-out" (no notify came).
EXPLORE_SCENARIO(LostWakeup, {},
                 "ready = true; notify (no lock)  ||  lock; if !ready wait_for 1 s") {
    std::mutex m;
    std::condition_variable cv;
    std::atomic<bool> ready{false};
    const char* what = "?";
    std::thread consumer([&] {
        std::unique_lock lock(m);
        if (ready.load()) {
            what = "never-waited";
        } else {
            const auto status = cv.wait_for(lock, std::chrono::seconds(1));
            what = status == std::cv_status::no_timeout ? "notified" : "timed-out";
        }
    });
    std::thread producer([&] {
        ready.store(true);
        cv.notify_one();
    });
    consumer.join();
    producer.join();
    EXPLORE_OBSERVE("%s", what);
}

// 9. Two locks taken in opposite orders.
EXPLORE_SCENARIO(LockOrder, {}, "lock a then b  ||  lock b then a") {
    std::mutex a;
    std::mutex b;
    std::thread t1([&] {
        std::lock_guard first(a);
        std::lock_guard second(b);
    });
    std::thread t2([&] {
        std::lock_guard first(b);
        std::lock_guard second(a);
    });
    t1.join();
    t2.join();
    EXPLORE_OBSERVE("finished");
}

// 10. Store buffering again, with relaxed atomics: no order between a thread's store and its
// later load of the other variable is promised.
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

// 11. Message passing with relaxed atomics: the writer stores the data, then raises the flag;
// the reader reads the flag, then the data. Both variables are atomic, every order relaxed.
struct RelaxedMessagePassing {
    static constexpr const char* description =
        "data.store(42, relaxed); ready.store(1, relaxed)  ||  r1 = ready.load(relaxed); "
        "r2 = data.load(relaxed)";
    std::atomic<int> data{0};
    std::atomic<int> ready{0};
    int r1 = -1;
    int r2 = -1;
    void actor1() {
        data.store(42, std::memory_order_relaxed);
        ready.store(1, std::memory_order_relaxed);
    }
    void actor2() {
        r1 = ready.load(std::memory_order_relaxed);
        r2 = data.load(std::memory_order_relaxed);
    }
    void outcome(char* out, std::size_t size) const {
        std::snprintf(out, size, "ready=%d data=%d", r1, r2);
    }
};
EXPLORE_LITMUS(RelaxedMessagePassing, "ready=1 data=0")
