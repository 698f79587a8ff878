#pragma once
/// CPU time, to tell sleeping from spinning. A thread that waits 500 ms should burn a few
/// milliseconds of CPU at most; one that burns hundreds is busy-waiting.

#include <time.h>

#include <chrono>
#include <string>

namespace kata {

/// CPU time consumed so far by the calling thread.
inline std::chrono::nanoseconds thread_cpu_time() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

/// CPU time consumed so far by every thread of this process.
inline std::chrono::nanoseconds process_cpu_time() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

/// Measures the wall and CPU time of `fn()` on the calling thread. Use from the thread that
/// blocks; use process_cpu_time() deltas when the waiting happens on threads the test does not
/// own.
struct CpuUsage {
    std::chrono::nanoseconds wall{};
    std::chrono::nanoseconds cpu{};
    /// cpu / wall, 0 when no wall time passed.
    double fraction() const {
        return wall.count() > 0
                   ? static_cast<double>(cpu.count()) / static_cast<double>(wall.count())
                   : 0.0;
    }
    /// "burned 480 ms of CPU while waiting 500 ms" - for assertion messages.
    std::string describe() const {
        using std::chrono::duration_cast;
        using std::chrono::milliseconds;
        return "burned " + std::to_string(duration_cast<milliseconds>(cpu).count()) +
               " ms of CPU while waiting " +
               std::to_string(duration_cast<milliseconds>(wall).count()) + " ms";
    }
};

template <class Fn>
CpuUsage measure_thread_cpu(Fn&& fn) {
    const auto wall0 = std::chrono::steady_clock::now();
    const auto cpu0 = thread_cpu_time();
    fn();
    return CpuUsage{std::chrono::steady_clock::now() - wall0, thread_cpu_time() - cpu0};
}

}  // namespace kata
