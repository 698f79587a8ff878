#pragma once
// The explorer's scheduler: one thread of the program under test runs at a time, and at every
// scheduling point (an atomic operation, a mutex, condition-variable or thread operation, a
// sleep, optionally a plain memory access) a policy chooses which thread runs next.
//
// The program is compiled with clang's -fsanitize=thread instrumentation and linked with this
// runtime instead of ThreadSanitizer's (hooks.cpp); pthread and clock functions are interposed,
// so student code keeps std::mutex, std::condition_variable, std::atomic and std::thread.
// Time is virtual: sleeps and timed waits cost nothing, and a timeout is one more choice.
//
// Everything here runs in a child process of the explorer (driver.cpp), one run at a time: a
// run that passes leaves the child ready for the next one, a run that fails, deadlocks or
// crashes ends it. Everything a run learns goes to a shared log that the parent reads even when
// the child crashes.
#include <semaphore.h>

#include <cstddef>
#include <cstdint>

namespace explore {

constexpr int kMaxThreads = 32;
constexpr int kFrames = 10;
constexpr std::uint32_t kMaxEvents = 16384;
constexpr std::uint32_t kMaxDecisions = 65536;

/// What a thread did at one step, in the student's terms.
enum class Op : std::uint8_t {
    Load,
    Store,
    Exchange,
    FetchAdd,
    FetchSub,
    FetchOther,
    CasOk,
    CasFailed,
    Fence,
    Read,
    Write,
    Lock,
    LockBusy,  // try_lock on a held mutex
    Unlock,
    SharedLock,
    SharedUnlock,
    Wait,
    Notified,
    TimedOut,
    SpuriousWake,
    NotifyOne,
    NotifyAll,
    Spawn,
    Join,
    Exit,
    Sleep,
    Yield,
    Failure,
};

/// Printable name of an operation ("load", "CAS failed", ...).
const char* op_name(Op op);

struct Event {
    std::uint32_t step;
    std::uint8_t thread;
    Op op;
    std::uint16_t object;  // 1-based id of the mutex, condition variable or thread; 0: none
    std::int64_t value;    // value read or written (atomics), thread id (spawn, join)
    std::int64_t value2;   // value written by a successful CAS / the expected value of a failed one
    std::uint64_t frames[kFrames];  // innermost first: return addresses, then the call chain
};

struct Decision {
    std::uint8_t previous;  // thread that ran before this choice
    std::uint8_t chosen;
    std::uint32_t enabled;  // bit per thread that could run
    std::uint32_t timed;    // of those, the ones that can run only by letting time pass (a sleep
                            // ending, a timed wait or lock timing out)
    std::uint8_t soonest;   // of those, the one whose deadline comes first
};

/// The threads that can run without time passing.
inline std::uint32_t ready(const Decision& d) {
    return d.enabled & ~d.timed;
}

/// Whether choosing `thread` at `d` preempts the thread that ran before (it could go on).
inline bool preempts(const Decision& d, int thread) {
    return thread != d.previous && ((ready(d) >> d.previous) & 1u) != 0;
}

enum class Outcome : std::int32_t { Running = 0, Passed, Failed, Deadlock, Livelock, Crashed };

/// The log one run leaves for the parent (in MAP_SHARED memory).
struct SharedLog {
    Outcome outcome;
    std::uint32_t events;
    std::uint32_t decisions;
    std::uint32_t threads;
    char message[2048];
    char observed[256];
    Event event[kMaxEvents];
    Decision decision[kMaxDecisions];
};

/// How the next thread is chosen. Decisions are numbered from 0 in each run.
class Policy {
  public:
    virtual ~Policy() = default;
    /// `enabled` has at least one bit set; `previous` is the thread that ran last (it may not
    /// be enabled); `timed` are the enabled threads that would run by letting time pass.
    /// Returns a thread whose bit is set in `enabled`.
    virtual int choose(std::uint32_t step, int previous, std::uint32_t enabled, std::uint32_t timed,
                       int soonest) = 0;
    /// A thread was created (ids are dense, 0 is main).
    virtual void on_spawn(int /*thread*/) {}
    /// The thread yielded or spun without progress: a fair scheduler lets another thread run.
    virtual void on_yield(int /*thread*/) {}
};

/// Continue the previous thread when it can run, else the lowest enabled one; time passes
/// (a sleep ends, a timed wait times out) only when no thread can run without it, and then
/// up to the `soonest` deadline, as a real clock would. The schedule
/// with no preemption at all, which replay and exhaustive search extend.
int default_choice(int previous, std::uint32_t enabled, std::uint32_t timed, int soonest);

inline int default_choice(const Decision& d) {
    return default_choice(d.previous, d.enabled, d.timed, d.soonest);
}

struct Options {
    bool memory_points = false;     // plain reads and writes are scheduling points too
    bool spurious_wakeups = false;  // an untimed wait may wake with no notify (a few per run)
    bool frames = true;             // each event keeps its call chain (only shown runs need it)
    std::uint32_t max_steps = 20000;
};

/// Binds the C library's entry points and loads the unwinder in this process. Call once before
/// the first fork: each child then inherits both instead of looking them up again.
void prepare();

/// Runs `body` as thread 0 under `policy`, logging into `log`. A run that fails, deadlocks,
/// crashes or runs out of steps ends the process. A run that passes returns: true when every
/// thread it started was joined (the process can host another run), false when one was not
/// (it may still be running: the caller must end the process).
bool run_scenario(void (*body)(), Policy& policy, const Options& options, SharedLog* log);

/// Ends the run as failed with `message` (called by explore::check in scenarios).
[[noreturn]] void fail(const char* message);

/// Records what this run observed (the last call wins), for outcome enumeration.
void observe(const char* outcome);

}  // namespace explore
