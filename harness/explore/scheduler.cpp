// The scheduler and every entry point it replaces: clang's ThreadSanitizer instrumentation
// (__tsan_*), pthread threads, mutexes, read-write locks and condition variables, sleeps and
// clocks. Compiled without instrumentation. While no scenario runs (the parent process, or
// before the run starts) every pthread entry point forwards to the C library's own.
//
// Invariant: while a scenario runs exactly one managed thread executes program code; the
// others wait on their own semaphore. So the scheduler's state needs no lock: only the thread
// that holds the turn touches it.
#include "scheduler.hpp"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <typeinfo>

namespace explore {
namespace {

constexpr std::int64_t kNoDeadline = INT64_MAX;
constexpr std::int64_t kMonotonicBase = 1000LL * 1000 * 1000 * 1000;       // 1000 s
constexpr std::int64_t kRealtimeBase = 1767225600LL * 1000 * 1000 * 1000;  // 2026-01-01
constexpr std::int64_t kClockTick = 1000;  // each clock read moves virtual time by 1 us
constexpr int kSpinLimit = 48;             // non-progress points before a thread counts as spinning
constexpr int kMaxSpuriousWakeups = 3;
constexpr int kExitFailed = 41;

enum class Status : std::uint8_t {
    Free,
    Runnable,
    Locking,
    Waiting,
    Reacquiring,
    Joining,
    Sleeping,
    Finished
};
enum class Wake : std::uint8_t { None, Notified, TimedOut, Spurious };

struct Thread {
    sem_t turn;
    Status status = Status::Free;
    Wake wake = Wake::None;
    bool shared_lock = false;  // Locking: wants the lock shared (reader)
    int object = -1;           // Locking/Reacquiring: lock; Waiting: condition; Joining: thread
    int lock = -1;             // Waiting: the mutex to take back
    std::int64_t deadline = kNoDeadline;
    int spins = 0;
    pthread_t real{};
    bool joined = false;  // a pthread_join of it returned: its real thread is gone
    void* (*start)(void*) = nullptr;
    void* arg = nullptr;
    std::uint64_t shadow[64];
    int depth = 0;
    // A plain write recorded before it happened (the instrumentation calls in first): its value
    // is read back at the thread's next event, once the store is done.
    // It called sched_yield (or a futex wait, which yields): the next choice is another thread
    // when one can run, as a fair scheduler would make it (and that switch is no preemption).
    bool yielded = false;
    const void* written = nullptr;
    unsigned written_size = 0;
    Event* write_event = nullptr;
};

enum class Kind : std::uint8_t { Mutex, RwLock, Condition };

struct Object {
    const void* address = nullptr;
    Kind kind = Kind::Mutex;
    bool recursive = false;
    int owner = -1;  // writer / mutex holder
    int recursion = 0;
    int readers = 0;
    int waiters[kMaxThreads];  // condition: FIFO of waiting threads
    int waiting = 0;
};

struct Real {
    int (*create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
    int (*join)(pthread_t, void**);
    int (*mutex_lock)(pthread_mutex_t*);
    int (*mutex_trylock)(pthread_mutex_t*);
    int (*mutex_unlock)(pthread_mutex_t*);
    int (*cond_wait)(pthread_cond_t*, pthread_mutex_t*);
    int (*cond_timedwait)(pthread_cond_t*, pthread_mutex_t*, const timespec*);
    int (*cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const timespec*);
    int (*cond_signal)(pthread_cond_t*);
    int (*cond_broadcast)(pthread_cond_t*);
    int (*rw_rdlock)(pthread_rwlock_t*);
    int (*rw_wrlock)(pthread_rwlock_t*);
    int (*rw_tryrdlock)(pthread_rwlock_t*);
    int (*rw_trywrlock)(pthread_rwlock_t*);
    int (*rw_unlock)(pthread_rwlock_t*);
    int (*clock_gettime)(clockid_t, timespec*);
    int (*nanosleep)(const timespec*, timespec*);
    int (*clock_nanosleep)(clockid_t, int, const timespec*, timespec*);
    int (*sched_yield)();
    long (*syscall)(long, ...);
};

template <class F>
void bind(F& slot, const char* name) {
    slot = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

Real& real() {
    static Real r = [] {
        Real x{};
        bind(x.create, "pthread_create");
        bind(x.join, "pthread_join");
        bind(x.mutex_lock, "pthread_mutex_lock");
        bind(x.mutex_trylock, "pthread_mutex_trylock");
        bind(x.mutex_unlock, "pthread_mutex_unlock");
        x.cond_wait = reinterpret_cast<decltype(x.cond_wait)>(
            dlvsym(RTLD_NEXT, "pthread_cond_wait", "GLIBC_2.3.2"));
        x.cond_timedwait = reinterpret_cast<decltype(x.cond_timedwait)>(
            dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2"));
        bind(x.cond_clockwait, "pthread_cond_clockwait");
        x.cond_signal = reinterpret_cast<decltype(x.cond_signal)>(
            dlvsym(RTLD_NEXT, "pthread_cond_signal", "GLIBC_2.3.2"));
        x.cond_broadcast = reinterpret_cast<decltype(x.cond_broadcast)>(
            dlvsym(RTLD_NEXT, "pthread_cond_broadcast", "GLIBC_2.3.2"));
        bind(x.rw_rdlock, "pthread_rwlock_rdlock");
        bind(x.rw_wrlock, "pthread_rwlock_wrlock");
        bind(x.rw_tryrdlock, "pthread_rwlock_tryrdlock");
        bind(x.rw_trywrlock, "pthread_rwlock_trywrlock");
        bind(x.rw_unlock, "pthread_rwlock_unlock");
        bind(x.clock_gettime, "clock_gettime");
        bind(x.nanosleep, "nanosleep");
        bind(x.clock_nanosleep, "clock_nanosleep");
        bind(x.sched_yield, "sched_yield");
        bind(x.syscall, "syscall");
        return x;
    }();
    return r;
}

struct State {
    bool active = false;
    Options options;
    Policy* policy = nullptr;
    SharedLog* log = nullptr;
    Thread threads[kMaxThreads];
    int thread_count = 0;
    Object objects[256];
    int object_count = 0;
    std::int64_t now = 0;  // virtual nanoseconds since the run began
    int spurious_left = kMaxSpuriousWakeups;
    std::uint32_t accesses = 0;
};

State g;
thread_local int tl_self = -1;

bool managed() {
    return g.active && tl_self >= 0;
}

void finish(Outcome outcome);

[[noreturn]] void finish_and_exit(Outcome outcome, int code) {
    finish(outcome);
    _exit(code);
}

void set_message(const char* format, ...) __attribute__((format(printf, 1, 2)));
void set_message(const char* format, ...) {
    va_list args;
    va_start(args, format);
    std::vsnprintf(g.log->message, sizeof g.log->message, format, args);
    va_end(args);
}

void finish(Outcome outcome) {
    g.log->outcome = outcome;
    g.log->threads = static_cast<std::uint32_t>(g.thread_count);
}

int object_of(const void* address, Kind kind) {
    for (int i = 0; i < g.object_count; ++i) {
        if (g.objects[i].address == address) return i;
    }
    if (g.object_count == 256) {
        set_message("the scenario uses more than 256 mutexes and condition variables");
        finish_and_exit(Outcome::Failed, kExitFailed);
    }
    Object& o = g.objects[g.object_count];
    o = Object{};
    o.address = address;
    o.kind = kind;
    if (kind == Kind::Mutex) {
        // glibc keeps the mutex kind in the object: std::recursive_mutex is
        // PTHREAD_MUTEX_RECURSIVE.
        const auto* m = static_cast<const pthread_mutex_t*>(address);
        o.recursive = (m->__data.__kind & 3) == PTHREAD_MUTEX_RECURSIVE_NP;
    }
    return g.object_count++;
}

/// The signed integer of `size` bytes (1, 2, 4 or 8) at `address`.
std::int64_t plain_value(const void* address, unsigned size) {
    switch (size) {
        case 1: {
            std::int8_t v;
            std::memcpy(&v, address, 1);
            return v;
        }
        case 2: {
            std::int16_t v;
            std::memcpy(&v, address, 2);
            return v;
        }
        case 4: {
            std::int32_t v;
            std::memcpy(&v, address, 4);
            return v;
        }
        default: {
            std::int64_t v;
            std::memcpy(&v, address, 8);
            return v;
        }
    }
}

/// Fills in the value of the running thread's last plain write, now that it is done.
void settle_plain_write() {
    if (tl_self < 0) return;
    Thread& t = g.threads[tl_self];
    if (t.write_event == nullptr) return;
    t.write_event->value = plain_value(t.written, t.written_size);
    t.write_event->value2 = 1;  // the value is known
    t.write_event = nullptr;
}

/// Records what thread `self` just did; `frames` from the caller, or a backtrace.
Event* record(Op op, int object, std::int64_t value, std::int64_t value2, const void* pc) {
    settle_plain_write();
    if (g.log->events >= kMaxEvents) return nullptr;
    Event& e = g.log->event[g.log->events++];
    e.step = g.log->decisions;
    e.thread = static_cast<std::uint8_t>(tl_self);
    e.op = op;
    e.object = static_cast<std::uint16_t>(object + 1);
    e.value = value;
    e.value2 = value2;
    int n = 0;
    if (!g.options.frames) {
        // A run nobody will read step by step: no call chains (a backtrace is the dearest part).
    } else if (pc != nullptr) {
        e.frames[n++] = reinterpret_cast<std::uint64_t>(pc);
        const Thread& t = g.threads[tl_self];
        for (int i = t.depth - 1; i >= 0 && n < kFrames; --i) e.frames[n++] = t.shadow[i];
    } else {
        void* raw[kFrames + 3];
        const int got = backtrace(raw, kFrames + 3);
        // Every frame: the runtime's own are not in the focus folders and are dropped when shown.
        for (int i = 0; i < got && n < kFrames; ++i)
            e.frames[n++] = reinterpret_cast<std::uint64_t>(raw[i]);
    }
    for (int i = n; i < kFrames; ++i) e.frames[i] = 0;
    return &e;
}

bool lock_free_for(const Object& o, int thread, bool shared) {
    if (o.owner == thread && o.recursive) return true;
    if (o.owner >= 0) return false;
    return shared || o.readers == 0;
}

/// The threads that can run; `timed` gets those that can only by letting time pass, and
/// `soonest` the one of those whose deadline comes first.
std::uint32_t enabled_threads(std::uint32_t& timed, int& soonest) {
    std::uint32_t mask = 0;
    timed = 0;
    soonest = 0;
    std::int64_t first = kNoDeadline;
    for (int i = 0; i < g.thread_count; ++i) {
        const Thread& t = g.threads[i];
        bool enabled = false;
        bool by_time = false;
        switch (t.status) {
            case Status::Runnable:
                enabled = true;
                break;
            case Status::Sleeping:
                enabled = true;
                by_time = true;
                break;
            case Status::Locking:
                enabled = lock_free_for(g.objects[t.object], i, t.shared_lock) ||
                          t.deadline != kNoDeadline;
                by_time = !lock_free_for(g.objects[t.object], i, t.shared_lock);
                break;
            case Status::Reacquiring:
                enabled = lock_free_for(g.objects[t.object], i, false);
                break;
            case Status::Waiting:
                // Woken by nobody: its deadline passes, or it wakes spuriously.
                enabled = (t.deadline != kNoDeadline ||
                           (g.options.spurious_wakeups && g.spurious_left > 0)) &&
                          lock_free_for(g.objects[t.lock], i, false);
                by_time = true;
                break;
            case Status::Joining:
                enabled = g.threads[t.object].status == Status::Finished;
                break;
            case Status::Free:
            case Status::Finished:
                break;
        }
        if (enabled) {
            mask |= 1u << i;
            if (by_time) {
                timed |= 1u << i;
                if (timed == (1u << i) || t.deadline < first) {
                    first = t.deadline;
                    soonest = i;
                }
            }
        }
    }
    return mask;
}

void take(Object& o, int thread, bool shared) {
    if (shared) {
        ++o.readers;
    } else {
        o.owner = thread;
        ++o.recursion;
    }
}

void remove_waiter(Object& c, int thread) {
    int j = 0;
    for (int i = 0; i < c.waiting; ++i) {
        if (c.waiters[i] != thread) c.waiters[j++] = c.waiters[i];
    }
    c.waiting = j;
}

/// The chosen thread's pending operation completes as it is given the turn.
void activate(int id) {
    Thread& t = g.threads[id];
    switch (t.status) {
        case Status::Locking: {
            Object& o = g.objects[t.object];
            if (lock_free_for(o, id, t.shared_lock)) {
                take(o, id, t.shared_lock);
                t.wake = Wake::None;
            } else {
                t.wake = Wake::TimedOut;
                if (t.deadline > g.now) g.now = t.deadline;
            }
            break;
        }
        case Status::Reacquiring:
            take(g.objects[t.object], id, false);
            break;
        case Status::Waiting: {
            // Chosen while nobody notified it: its deadline passed, or (with spurious wake-ups
            // switched on) it wakes for no reason, as the standard allows.
            remove_waiter(g.objects[t.object], id);
            if (t.deadline != kNoDeadline) {
                t.wake = Wake::TimedOut;
                if (t.deadline > g.now) g.now = t.deadline;
            } else {
                t.wake = Wake::Spurious;
                --g.spurious_left;
            }
            take(g.objects[t.lock], id, false);
            break;
        }
        case Status::Sleeping:
            if (t.deadline > g.now) g.now = t.deadline;
            break;
        default:
            break;
    }
    t.status = Status::Runnable;
    t.deadline = kNoDeadline;
}

const char* describe_wait(const Thread& t, char* buffer, std::size_t size) {
    switch (t.status) {
        case Status::Locking:
        case Status::Reacquiring: {
            const Object& o = g.objects[t.object];
            if (o.owner >= 0) {
                std::snprintf(buffer, size, "waits for lock %d, held by thread %d", t.object + 1,
                              o.owner);
            } else {
                std::snprintf(buffer, size, "waits for lock %d, held by %d reader(s)", t.object + 1,
                              o.readers);
            }
            break;
        }
        case Status::Waiting:
            std::snprintf(buffer, size,
                          "waits on condition variable %d with no deadline, and no thread is left "
                          "to notify it",
                          t.object + 1);
            break;
        case Status::Joining:
            std::snprintf(buffer, size, "joins thread %d, which cannot finish", t.object);
            break;
        default:
            std::snprintf(buffer, size, "cannot run");
    }
    return buffer;
}

[[noreturn]] void deadlock() {
    char line[256];
    int used = std::snprintf(g.log->message, sizeof g.log->message,
                             "every thread is blocked (a deadlock or a lost wake-up):");
    for (int i = 0; i < g.thread_count; ++i) {
        const Thread& t = g.threads[i];
        if (t.status == Status::Finished || t.status == Status::Free) continue;
        used += std::snprintf(g.log->message + used,
                              sizeof g.log->message - static_cast<std::size_t>(used),
                              "\n  thread %d %s", i, describe_wait(t, line, sizeof line));
        if (used >= static_cast<int>(sizeof g.log->message)) break;
    }
    finish_and_exit(Outcome::Deadlock, kExitFailed);
}

/// The scheduling point: `me` has set its own status; returns once `me` holds the turn again
/// (at once when the policy keeps it running). A finished thread hands over and returns.
void reschedule(int me) {
    // A plain write of `me` is done by now and no other thread has run since: its value.
    settle_plain_write();
    if (g.log->decisions >= g.options.max_steps || g.log->decisions >= kMaxDecisions) {
        set_message(
            "the run took more than %u scheduling steps: a thread may spin forever waiting for "
            "another",
            g.options.max_steps);
        finish_and_exit(Outcome::Livelock, kExitFailed);
    }
    std::uint32_t timed = 0;
    int soonest = 0;
    std::uint32_t enabled = enabled_threads(timed, soonest);
    if (enabled == 0) deadlock();
    if (g.threads[me].yielded) {
        // Round robin: the threads after `me` first, so that two waiters yielding to each other
        // cannot starve a third thread, the one they wait for.
        g.threads[me].yielded = false;
        const std::uint32_t others = enabled & ~timed & ~(1u << me);
        const std::uint32_t after = others & ~((2u << me) - 1u);
        if (others != 0) {
            enabled = after != 0 ? after : others;
            timed = 0;
        }
    }
    const std::uint32_t step = g.log->decisions;
    int next = g.policy->choose(step, me, enabled, timed, soonest);
    if (next < 0 || next >= g.thread_count || ((enabled >> next) & 1u) == 0)
        next = default_choice(me, enabled, timed, soonest);
    Decision& d = g.log->decision[g.log->decisions++];
    d.previous = static_cast<std::uint8_t>(me);
    d.chosen = static_cast<std::uint8_t>(next);
    d.enabled = enabled;
    d.timed = timed;
    d.soonest = static_cast<std::uint8_t>(soonest);
    activate(next);
    if (next == me) return;
    sem_post(&g.threads[next].turn);
    if (g.threads[me].status == Status::Finished) return;
    while (sem_wait(&g.threads[me].turn) != 0 && errno == EINTR) {
    }
}

/// A scheduling point for an operation that does not block; `progress` is false for reads
/// that leave everything as it was (a spin loop is made of those).
void point(bool progress) {
    Thread& t = g.threads[tl_self];
    if (progress) {
        t.spins = 0;
    } else if (++t.spins >= kSpinLimit) {
        t.spins = 0;
        g.policy->on_yield(tl_self);
    }
    t.status = Status::Runnable;
    reschedule(tl_self);
}

std::int64_t to_virtual(clockid_t clock, const timespec* abs) {
    const std::int64_t ns = abs->tv_sec * 1000000000LL + abs->tv_nsec;
    const std::int64_t base = clock == CLOCK_REALTIME ? kRealtimeBase : kMonotonicBase;
    return ns - base;
}

void* trampoline(void* raw) {
    Thread& t = *static_cast<Thread*>(raw);
    tl_self = static_cast<int>(&t - g.threads);
    while (sem_wait(&t.turn) != 0 && errno == EINTR) {
    }
    void* result = t.start(t.arg);
    record(Op::Exit, -1, 0, 0, nullptr);
    t.status = Status::Finished;
    reschedule(tl_self);
    tl_self = -1;
    return result;
}

int thread_of(pthread_t handle) {
    for (int i = 0; i < g.thread_count; ++i) {
        if (pthread_equal(g.threads[i].real, handle) != 0) return i;
    }
    return -1;
}

// ---- the operations, shared by the pthread entry points -------------------------------------

int lock(const void* address, Kind kind, bool shared, bool try_only, std::int64_t deadline,
         const void* pc) {
    const int id = object_of(address, kind);
    Thread& t = g.threads[tl_self];
    Object& o = g.objects[id];
    if (try_only) {
        point(false);
        if (!lock_free_for(o, tl_self, shared)) {
            record(Op::LockBusy, id, 0, 0, pc);
            return EBUSY;
        }
        take(o, tl_self, shared);
        record(shared ? Op::SharedLock : Op::Lock, id, 0, 0, pc);
        return 0;
    }
    t.status = Status::Locking;
    t.object = id;
    t.shared_lock = shared;
    t.deadline = deadline;
    t.spins = 0;
    reschedule(tl_self);
    if (t.wake == Wake::TimedOut) {
        t.wake = Wake::None;
        record(Op::LockBusy, id, 0, 0, pc);
        return ETIMEDOUT;
    }
    record(shared ? Op::SharedLock : Op::Lock, id, 0, 0, pc);
    return 0;
}

void release(Object& o, int thread) {
    if (o.owner == thread) {
        if (--o.recursion == 0) o.owner = -1;
    } else if (o.readers > 0) {
        --o.readers;
    }
}

int unlock(const void* address, Kind kind, const void* pc) {
    const int id = object_of(address, kind);
    Object& o = g.objects[id];
    const bool shared = o.owner != tl_self && o.readers > 0;
    if (o.owner != tl_self && !shared) {
        set_message("thread %d unlocked lock %d, which it does not hold (undefined behaviour)",
                    tl_self, id + 1);
        record(Op::Failure, id, 0, 0, pc);
        finish_and_exit(Outcome::Failed, kExitFailed);
    }
    release(o, tl_self);
    record(shared ? Op::SharedUnlock : Op::Unlock, id, 0, 0, pc);
    point(true);
    return 0;
}

int wait(pthread_cond_t* cond, pthread_mutex_t* mutex, std::int64_t deadline, const void* pc) {
    const int c = object_of(cond, Kind::Condition);
    const int m = object_of(mutex, Kind::Mutex);
    Thread& t = g.threads[tl_self];
    Object& mo = g.objects[m];
    if (mo.owner != tl_self) {
        set_message("thread %d waited on condition variable %d without holding its mutex (lock %d)",
                    tl_self, c + 1, m + 1);
        record(Op::Failure, c, 0, 0, pc);
        finish_and_exit(Outcome::Failed, kExitFailed);
    }
    record(Op::Wait, c, m + 1, deadline == kNoDeadline ? -1 : deadline, pc);
    const int recursion = mo.recursion;
    mo.owner = -1;
    mo.recursion = 0;
    Object& co = g.objects[c];
    co.waiters[co.waiting++] = tl_self;
    t.status = Status::Waiting;
    t.object = c;
    t.lock = m;
    t.deadline = deadline;
    t.wake = Wake::None;
    reschedule(tl_self);
    mo.recursion = recursion;  // the scheduler gave the mutex back with one level
    const Wake wake = t.wake;
    t.wake = Wake::None;
    record(wake == Wake::TimedOut   ? Op::TimedOut
           : wake == Wake::Spurious ? Op::SpuriousWake
                                    : Op::Notified,
           c, m + 1, 0, pc);
    return wake == Wake::TimedOut ? ETIMEDOUT : 0;
}

int notify(pthread_cond_t* cond, bool all, const void* pc) {
    const int c = object_of(cond, Kind::Condition);
    Object& co = g.objects[c];
    const int woken = all ? co.waiting : (co.waiting > 0 ? 1 : 0);
    for (int i = 0; i < woken; ++i) {
        Thread& w = g.threads[co.waiters[i]];
        w.status = Status::Reacquiring;
        w.object = w.lock;
        w.deadline = kNoDeadline;
        w.wake = Wake::Notified;
    }
    for (int i = woken; i < co.waiting; ++i) co.waiters[i - woken] = co.waiters[i];
    co.waiting -= woken;
    record(all ? Op::NotifyAll : Op::NotifyOne, c, woken, 0, pc);
    point(true);
    return 0;
}

void sleep_until(std::int64_t deadline, const void* pc) {
    Thread& t = g.threads[tl_self];
    record(Op::Sleep, -1, deadline - g.now, 0, pc);
    // A sleeper gives the others their turn (PCT would otherwise let a high-priority poller
    // sleep and wake forever while the thread it waits for never runs).
    g.policy->on_yield(tl_self);
    t.status = Status::Sleeping;
    t.deadline = deadline;
    reschedule(tl_self);
}

}  // namespace

// ---- public API ----------------------------------------------------------------------------

const char* op_name(Op op) {
    switch (op) {
        case Op::Load:
            return "load";
        case Op::Store:
            return "store";
        case Op::Exchange:
            return "exchange";
        case Op::FetchAdd:
            return "fetch_add";
        case Op::FetchSub:
            return "fetch_sub";
        case Op::FetchOther:
            return "fetch_op";
        case Op::CasOk:
            return "CAS ok";
        case Op::CasFailed:
            return "CAS failed";
        case Op::Fence:
            return "fence";
        case Op::Read:
            return "read";
        case Op::Write:
            return "write";
        case Op::Lock:
            return "lock";
        case Op::LockBusy:
            return "try_lock failed";
        case Op::Unlock:
            return "unlock";
        case Op::SharedLock:
            return "lock_shared";
        case Op::SharedUnlock:
            return "unlock_shared";
        case Op::Wait:
            return "wait";
        case Op::Notified:
            return "woken by notify";
        case Op::TimedOut:
            return "wait timed out";
        case Op::SpuriousWake:
            return "spurious wake-up";
        case Op::NotifyOne:
            return "notify_one";
        case Op::NotifyAll:
            return "notify_all";
        case Op::Spawn:
            return "start thread";
        case Op::Join:
            return "join";
        case Op::Exit:
            return "end";
        case Op::Sleep:
            return "sleep";
        case Op::Yield:
            return "yield";
        case Op::Failure:
            return "FAILS";
    }
    return "?";
}

int default_choice(int previous, std::uint32_t enabled, std::uint32_t timed, int soonest) {
    const std::uint32_t now = enabled & ~timed;
    if (now == 0) return ((enabled >> soonest) & 1u) != 0 ? soonest : __builtin_ctz(enabled);
    if (previous >= 0 && ((now >> previous) & 1u) != 0) return previous;
    return __builtin_ctz(now);
}

void observe(const char* outcome) {
    std::snprintf(g.log->observed, sizeof g.log->observed, "%s", outcome);
}

void fail(const char* message) {
    std::snprintf(g.log->message, sizeof g.log->message, "%s", message);
    record(Op::Failure, -1, 0, 0, nullptr);
    finish_and_exit(Outcome::Failed, kExitFailed);
}

namespace {
void on_signal(int signal) {
    std::snprintf(g.log->message, sizeof g.log->message, "the program was killed by %s (%s)",
                  sigabbrev_np(signal), sigdescr_np(signal));
    if (tl_self >= 0) record(Op::Failure, -1, signal, 0, nullptr);
    finish(Outcome::Crashed);
    _exit(kExitFailed);
}

void on_terminate() {
    const char* what = "std::terminate was called";
    char buffer[1024];
    if (std::exception_ptr current = std::current_exception()) {
        try {
            std::rethrow_exception(current);
        } catch (const std::exception& e) {
            std::snprintf(buffer, sizeof buffer, "an exception escaped a thread: %s: %s",
                          typeid(e).name(), e.what());
            what = buffer;
        } catch (...) {
            what = "an exception of unknown type escaped a thread";
        }
    }
    std::snprintf(g.log->message, sizeof g.log->message, "%s", what);
    if (tl_self >= 0) record(Op::Failure, -1, 0, 0, nullptr);
    finish(Outcome::Crashed);
    _exit(kExitFailed);
}
}  // namespace

void prepare() {
    static const bool prepared = [] {
        real();
        void* warm[4];
        backtrace(warm, 4);  // loads the unwinder (libgcc_s) here, not in every child
        return true;
    }();
    (void)prepared;
}

bool run_scenario(void (*body)(), Policy& policy, const Options& options, SharedLog* log) {
    prepare();  // nothing left to do when the parent did it before forking
    g = State{};
    g.options = options;
    g.policy = &policy;
    g.log = log;
    log->outcome = Outcome::Running;
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, on_signal);
    std::set_terminate(on_terminate);
    Thread& main_thread = g.threads[0];
    sem_init(&main_thread.turn, 0, 0);
    main_thread.status = Status::Runnable;
    main_thread.real = pthread_self();
    g.thread_count = 1;
    tl_self = 0;
    policy.on_spawn(0);
    g.active = true;
    body();
    settle_plain_write();
    g.active = false;
    tl_self = -1;
    finish(Outcome::Passed);
    std::fflush(nullptr);
    for (int i = 1; i < g.thread_count; ++i) {
        if (!g.threads[i].joined) return false;
    }
    for (int i = 0; i < g.thread_count; ++i) sem_destroy(&g.threads[i].turn);
    return true;
}

}  // namespace explore

using namespace explore;

// ---- pthread and clock entry points --------------------------------------------------------

extern "C" {

int pthread_create(pthread_t* handle, const pthread_attr_t* attr, void* (*start)(void*),
                   void* arg) {
    if (!managed()) return real().create(handle, attr, start, arg);
    if (g.thread_count == kMaxThreads) return EAGAIN;
    const int id = g.thread_count++;
    Thread& t = g.threads[id];
    t = Thread{};
    sem_init(&t.turn, 0, 0);
    t.start = start;
    t.arg = arg;
    t.status = Status::Runnable;
    const int rc = real().create(&t.real, attr, trampoline, &t);
    if (rc != 0) {
        t.status = Status::Finished;
        return rc;
    }
    *handle = t.real;
    g.policy->on_spawn(id);
    record(Op::Spawn, -1, id, 0, nullptr);
    point(true);
    return 0;
}

int pthread_join(pthread_t handle, void** result) {
    const int target = managed() ? thread_of(handle) : -1;
    if (target < 0) return real().join(handle, result);
    Thread& me = g.threads[tl_self];
    record(Op::Join, -1, target, 0, nullptr);
    me.status = Status::Joining;
    me.object = target;
    reschedule(tl_self);
    const int rc = real().join(handle, result);
    if (rc == 0) g.threads[target].joined = true;
    return rc;
}

int pthread_mutex_lock(pthread_mutex_t* m) {
    if (!managed()) return real().mutex_lock(m);
    return lock(m, Kind::Mutex, false, false, INT64_MAX, __builtin_return_address(0));
}

int pthread_mutex_trylock(pthread_mutex_t* m) {
    if (!managed()) return real().mutex_trylock(m);
    return lock(m, Kind::Mutex, false, true, INT64_MAX, __builtin_return_address(0));
}

int pthread_mutex_timedlock(pthread_mutex_t* m, const timespec* abs) {
    if (!managed()) return ENOTSUP;
    return lock(m, Kind::Mutex, false, false, to_virtual(CLOCK_REALTIME, abs),
                __builtin_return_address(0));
}

int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock, const timespec* abs) {
    if (!managed()) return ENOTSUP;
    return lock(m, Kind::Mutex, false, false, to_virtual(clock, abs), __builtin_return_address(0));
}

int pthread_mutex_unlock(pthread_mutex_t* m) {
    if (!managed()) return real().mutex_unlock(m);
    return unlock(m, Kind::Mutex, __builtin_return_address(0));
}

int pthread_rwlock_rdlock(pthread_rwlock_t* l) {
    if (!managed()) return real().rw_rdlock(l);
    return lock(l, Kind::RwLock, true, false, INT64_MAX, __builtin_return_address(0));
}

int pthread_rwlock_wrlock(pthread_rwlock_t* l) {
    if (!managed()) return real().rw_wrlock(l);
    return lock(l, Kind::RwLock, false, false, INT64_MAX, __builtin_return_address(0));
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t* l) {
    if (!managed()) return real().rw_tryrdlock(l);
    return lock(l, Kind::RwLock, true, true, INT64_MAX, __builtin_return_address(0));
}

int pthread_rwlock_trywrlock(pthread_rwlock_t* l) {
    if (!managed()) return real().rw_trywrlock(l);
    return lock(l, Kind::RwLock, false, true, INT64_MAX, __builtin_return_address(0));
}

int pthread_rwlock_unlock(pthread_rwlock_t* l) {
    if (!managed()) return real().rw_unlock(l);
    return unlock(l, Kind::RwLock, __builtin_return_address(0));
}

int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
    if (!managed()) return real().cond_wait(c, m);
    return wait(c, m, INT64_MAX, __builtin_return_address(0));
}

int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const timespec* abs) {
    if (!managed()) return real().cond_timedwait(c, m, abs);
    return wait(c, m, to_virtual(CLOCK_REALTIME, abs), __builtin_return_address(0));
}

int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock,
                           const timespec* abs) {
    if (!managed()) return real().cond_clockwait(c, m, clock, abs);
    return wait(c, m, to_virtual(clock, abs), __builtin_return_address(0));
}

int pthread_cond_signal(pthread_cond_t* c) {
    if (!managed()) return real().cond_signal(c);
    return notify(c, false, __builtin_return_address(0));
}

int pthread_cond_broadcast(pthread_cond_t* c) {
    if (!managed()) return real().cond_broadcast(c);
    return notify(c, true, __builtin_return_address(0));
}

int clock_gettime(clockid_t clock, timespec* out) {
    if (!managed()) return real().clock_gettime(clock, out);
    g.now += kClockTick;
    const std::int64_t ns = g.now + (clock == CLOCK_REALTIME ? kRealtimeBase : kMonotonicBase);
    out->tv_sec = ns / 1000000000LL;
    out->tv_nsec = ns % 1000000000LL;
    return 0;
}

int nanosleep(const timespec* duration, timespec* remaining) {
    if (!managed()) return real().nanosleep(duration, remaining);
    sleep_until(g.now + duration->tv_sec * 1000000000LL + duration->tv_nsec, nullptr);
    return 0;
}

int clock_nanosleep(clockid_t clock, int flags, const timespec* t, timespec* remaining) {
    if (!managed()) return real().clock_nanosleep(clock, flags, t, remaining);
    const std::int64_t deadline = (flags & TIMER_ABSTIME) != 0
                                      ? to_virtual(clock, t)
                                      : g.now + t->tv_sec * 1000000000LL + t->tv_nsec;
    sleep_until(deadline, nullptr);
    return 0;
}

int usleep(useconds_t us) {
    timespec d{static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000};
    return nanosleep(&d, nullptr);
}

int sched_yield() {
    if (!managed()) return real().sched_yield();
    record(Op::Yield, -1, 0, 0, nullptr);
    g.policy->on_yield(tl_self);
    g.threads[tl_self].yielded = true;
    point(true);
    return 0;
}

/// Futex waits (std::counting_semaphore, std::latch, std::barrier, std::atomic::wait in
/// libstdc++ reach the kernel through syscall(SYS_futex, ...)) are not blocked on: a wait
/// returns at once, as a spurious wake-up every futex caller must handle by looking again, after
/// a yield, so the waiter spins under the scheduler's eye until what it waits for is true. A wake
/// is a scheduling point. Every other system call goes to the kernel.
long syscall(long number, ...) {
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (long& arg : a) arg = va_arg(ap, long);
    va_end(ap);
    if (number == SYS_futex && managed()) {
        const int op = static_cast<int>(a[1]) & FUTEX_CMD_MASK;
        if (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) {
            if (*reinterpret_cast<const int*>(a[0]) != static_cast<int>(a[2])) {
                errno = EAGAIN;
                return -1;
            }
            sched_yield();
            return 0;
        }
        if (op == FUTEX_WAKE || op == FUTEX_WAKE_BITSET) {
            point(true);
            return 0;
        }
    }
    return real().syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// ---- ThreadSanitizer's instrumentation -----------------------------------------------------

void __tsan_init() {}
void __tsan_func_entry(void* pc) {
    if (tl_self < 0) return;
    Thread& t = g.threads[tl_self];
    if (t.depth < 64) t.shadow[t.depth] = reinterpret_cast<std::uint64_t>(pc);
    ++t.depth;
}
void __tsan_func_exit() {
    if (tl_self < 0) return;
    Thread& t = g.threads[tl_self];
    if (t.depth > 0) --t.depth;
}

/// A plain read or write of `size` bytes at `address` (size 0: a range, value unknown). With
/// memory points each is a scheduling point and an event with its value (value2 = 1 when known):
/// a read's before it happens, a write's once it is done (settle_plain_write).
static void access(bool write, const void* pc, const void* address, unsigned size) {
    if (!managed()) return;
    if (g.options.memory_points) {
        point(write);
        if (write) {
            settle_plain_write();
            Event* e = record(Op::Write, -1, 0, 0, pc);
            if (e != nullptr && size > 0) {
                Thread& t = g.threads[tl_self];
                t.written = address;
                t.written_size = size;
                t.write_event = e;
            }
        } else {
            record(Op::Read, -1, size > 0 ? plain_value(address, size) : 0, size > 0 ? 1 : 0, pc);
        }
        return;
    }
    // Without memory points a plain spin loop (`while (!flag) {}`) would never give the turn
    // away: every so many accesses count as one non-progress point.
    if ((++g.accesses & 1023u) == 0) point(false);
}

#define EXPLORE_ACCESS(size, known)                           \
    void __tsan_read##size(void* a) {                         \
        access(false, __builtin_return_address(0), a, known); \
    }                                                         \
    void __tsan_write##size(void* a) {                        \
        access(true, __builtin_return_address(0), a, known);  \
    }                                                         \
    void __tsan_unaligned_read##size(void* a) {               \
        access(false, __builtin_return_address(0), a, known); \
    }                                                         \
    void __tsan_unaligned_write##size(void* a) {              \
        access(true, __builtin_return_address(0), a, known);  \
    }
EXPLORE_ACCESS(1, 1)
EXPLORE_ACCESS(2, 2)
EXPLORE_ACCESS(4, 4)
EXPLORE_ACCESS(8, 8)
EXPLORE_ACCESS(16, 0)
#undef EXPLORE_ACCESS
void __tsan_read_range(void* a, unsigned long) {
    access(false, __builtin_return_address(0), a, 0);
}
void __tsan_write_range(void* a, unsigned long) {
    access(true, __builtin_return_address(0), a, 0);
}
void __tsan_vptr_read(void**) {}
void __tsan_vptr_update(void**, void*) {}
void __tsan_atomic_thread_fence(int) {
    if (!managed()) return;
    point(true);
    record(Op::Fence, -1, 0, 0, __builtin_return_address(0));
}
void __tsan_atomic_signal_fence(int) {}

}  // extern "C"

namespace {
template <class T>
T atomic_rmw(volatile T* a, T v, Op op, const void* pc) {
    if (managed()) point(true);
    T old;
    switch (op) {
        case Op::Exchange:
            old = __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);
            break;
        case Op::FetchAdd:
            old = __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);
            break;
        case Op::FetchSub:
            old = __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST);
            break;
        default:
            old = *a;
            break;
    }
    if (managed()) {
        const T now = op == Op::Exchange   ? v
                      : op == Op::FetchAdd ? static_cast<T>(old + v)
                                           : static_cast<T>(old - v);
        record(op, -1, static_cast<std::int64_t>(old), static_cast<std::int64_t>(now), pc);
    }
    return old;
}

template <class T, class F>
T atomic_bitwise(volatile T* a, T v, F f, const void* pc) {
    if (managed()) point(true);
    const T old = *a;
    *a = f(old, v);
    if (managed())
        record(Op::FetchOther, -1, static_cast<std::int64_t>(old), static_cast<std::int64_t>(*a),
               pc);
    return old;
}

template <class T>
bool atomic_cas(volatile T* a, T* expected, T desired, const void* pc) {
    if (managed()) point(true);
    const T seen = *a;
    const bool ok = seen == *expected;
    if (ok) *a = desired;
    if (managed()) {
        record(ok ? Op::CasOk : Op::CasFailed, -1, static_cast<std::int64_t>(seen),
               static_cast<std::int64_t>(ok ? desired : *expected), pc);
        if (!ok) {
            Thread& t = g.threads[tl_self];
            if (++t.spins >= kSpinLimit) {
                t.spins = 0;
                g.policy->on_yield(tl_self);
            }
        }
    }
    *expected = seen;
    return ok;
}
}  // namespace

extern "C" {
#define EXPLORE_ATOMICS(bits, T)                                                                   \
    T __tsan_atomic##bits##_load(const volatile T* a, int) {                                       \
        if (managed()) point(false);                                                               \
        const T v = *a;                                                                            \
        if (managed())                                                                             \
            record(Op::Load, -1, static_cast<std::int64_t>(v), 0, __builtin_return_address(0));    \
        return v;                                                                                  \
    }                                                                                              \
    void __tsan_atomic##bits##_store(volatile T* a, T v, int) {                                    \
        if (managed()) point(true);                                                                \
        *a = v;                                                                                    \
        if (managed())                                                                             \
            record(Op::Store, -1, static_cast<std::int64_t>(v), 0, __builtin_return_address(0));   \
    }                                                                                              \
    T __tsan_atomic##bits##_exchange(volatile T* a, T v, int) {                                    \
        return atomic_rmw<T>(a, v, Op::Exchange, __builtin_return_address(0));                     \
    }                                                                                              \
    T __tsan_atomic##bits##_fetch_add(volatile T* a, T v, int) {                                   \
        return atomic_rmw<T>(a, v, Op::FetchAdd, __builtin_return_address(0));                     \
    }                                                                                              \
    T __tsan_atomic##bits##_fetch_sub(volatile T* a, T v, int) {                                   \
        return atomic_rmw<T>(a, v, Op::FetchSub, __builtin_return_address(0));                     \
    }                                                                                              \
    T __tsan_atomic##bits##_fetch_and(volatile T* a, T v, int) {                                   \
        return atomic_bitwise<T>(                                                                  \
            a, v, [](T x, T y) { return static_cast<T>(x & y); }, __builtin_return_address(0));    \
    }                                                                                              \
    T __tsan_atomic##bits##_fetch_or(volatile T* a, T v, int) {                                    \
        return atomic_bitwise<T>(                                                                  \
            a, v, [](T x, T y) { return static_cast<T>(x | y); }, __builtin_return_address(0));    \
    }                                                                                              \
    T __tsan_atomic##bits##_fetch_xor(volatile T* a, T v, int) {                                   \
        return atomic_bitwise<T>(                                                                  \
            a, v, [](T x, T y) { return static_cast<T>(x ^ y); }, __builtin_return_address(0));    \
    }                                                                                              \
    T __tsan_atomic##bits##_fetch_nand(volatile T* a, T v, int) {                                  \
        return atomic_bitwise<T>(                                                                  \
            a, v, [](T x, T y) { return static_cast<T>(~(x & y)); }, __builtin_return_address(0)); \
    }                                                                                              \
    int __tsan_atomic##bits##_compare_exchange_strong(volatile T* a, T* c, T v, int, int) {        \
        return atomic_cas<T>(a, c, v, __builtin_return_address(0)) ? 1 : 0;                        \
    }                                                                                              \
    int __tsan_atomic##bits##_compare_exchange_weak(volatile T* a, T* c, T v, int, int) {          \
        return atomic_cas<T>(a, c, v, __builtin_return_address(0)) ? 1 : 0;                        \
    }                                                                                              \
    T __tsan_atomic##bits##_compare_exchange_val(volatile T* a, T c, T v, int, int) {              \
        T expected = c;                                                                            \
        atomic_cas<T>(a, &expected, v, __builtin_return_address(0));                               \
        return expected;                                                                           \
    }
EXPLORE_ATOMICS(8, std::uint8_t)
EXPLORE_ATOMICS(16, std::uint16_t)
EXPLORE_ATOMICS(32, std::uint32_t)
EXPLORE_ATOMICS(64, std::uint64_t)
#undef EXPLORE_ATOMICS
}  // extern "C"
