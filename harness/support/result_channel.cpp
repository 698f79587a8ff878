#include "result_channel.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <typeinfo>

namespace kata_support {

namespace {

// Plain data only: set by a constructor that runs before every dynamic initialiser, which
// would otherwise reset a std::string filled here.
int g_fd = -1;
char g_token[65] = {};

/// Overwrites the value of an environment variable where it lives (the initial environment
/// is what /proc/self/environ reads), then removes it.
void wipe(const char* name) {
    if (char* value = std::getenv(name)) std::memset(value, 'x', std::strlen(value));
    unsetenv(name);
}

/// A descriptor number the submission cannot know in advance: somewhere in the upper half
/// of what RLIMIT_NOFILE allows.
int unpredictable_descriptor() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    const long high = limit.rlim_cur == RLIM_INFINITY ? 1024 : static_cast<long>(limit.rlim_cur);
    unsigned int r = 0;
    if (getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) r = 0;
    const long lo = high / 2;
    return static_cast<int>(lo + static_cast<long>(r % static_cast<unsigned int>(high - lo - 8)));
}

/// What std::terminate was called for: the uncaught exception's type and what(), when there is
/// one. Sent as an "abort <reason>" record and printed, then the process aborts as it would have.
[[noreturn]] void explain_terminate() {
    std::string why = "std::terminate was called with no exception in flight";
    if (const std::exception_ptr e = std::current_exception()) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            int status = 0;
            char* name = abi::__cxa_demangle(typeid(x).name(), nullptr, nullptr, &status);
            why = std::string("uncaught exception ") + (status == 0 ? name : typeid(x).name()) +
                  ": " + x.what();
            std::free(name);
        } catch (...) {
            why = "uncaught exception of a type not derived from std::exception";
        }
    }
    for (char& c : why) c = (c == '\n' || c == '\r') ? ' ' : c;
    send_record("abort " + why);
    std::fprintf(stderr, "\n[ TERMINATE ] %s\n", why.c_str());
    std::fflush(stderr);
    std::abort();
}

__attribute__((constructor(101))) void take_the_channel() {
    std::set_terminate(explain_terminate);
    const char* fd = std::getenv("KATA_RESULT_FD");
    const char* token = std::getenv("KATA_RESULT_TOKEN");
    if (fd != nullptr && token != nullptr && *token != '\0') {
        const int given = std::atoi(fd);
        const int moved = fcntl(given, F_DUPFD_CLOEXEC, unpredictable_descriptor());
        if (moved >= 0) {
            close(given);
            g_fd = moved;
        } else {
            g_fd = given;
        }
        std::strncpy(g_token, token, sizeof g_token - 1);
    }
    wipe("KATA_RESULT_TOKEN");
    wipe("KATA_RESULT_FD");
}

void write_all(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = write(g_fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

bool has_channel() {
    return g_fd >= 0;
}

void send_record(const std::string& record) {
    if (g_fd < 0) return;
    write_all(std::string(g_token) + " " + record + "\n");
}

void send_block(const std::string& name, const std::string& payload) {
    if (g_fd < 0) return;
    write_all(std::string(g_token) + " block " + name + " " + std::to_string(payload.size()) +
              "\n" + payload + "\n");
}

void close_channel() {
    if (g_fd < 0) return;
    close(g_fd);
    g_fd = -1;
}

}  // namespace kata_support
