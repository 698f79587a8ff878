#pragma once
/// How many threads this process has, read from the kernel: the harnesses' check that a
/// submission leaves no thread behind and never runs more than it promised.

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace kata {

/// The number of threads of this process, from /proc/self/stat (field 20); 0 when unreadable.
inline int process_thread_count() {
    const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[1024];
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    const char* p = std::strrchr(buf, ')');
    if (p == nullptr) return 0;
    // Fields after the command name: state(3) ppid(4) ... num_threads(20).
    int field = 2;
    for (; *p != '\0'; ++p) {
        if (*p == ' ' && ++field == 20) return std::atoi(p + 1);
    }
    return 0;
}

/// The thread count once threads that were just joined have left /proc: the kernel wakes
/// pthread_join before it removes the finished thread, so a count taken right after a join can
/// still include it. Waits up to `patience` for the count to fall to `expected`; a thread that
/// was never joined keeps the count above it.
inline int settled_thread_count(
    int expected, std::chrono::milliseconds patience = std::chrono::milliseconds(250)) {
    int n = process_thread_count();
    for (auto waited = std::chrono::milliseconds(0); waited < patience && n > expected;
         waited += std::chrono::milliseconds(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        n = process_thread_count();
    }
    return n;
}

}  // namespace kata
