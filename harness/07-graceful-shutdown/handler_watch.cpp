// Kata 07 harness: what the signal handler calls, seen from below.
//
// The test binary (release build only) defines the C library's lock, condition-variable,
// allocation and detach entry points itself. Each records the call when it is made from inside
// the signal handler (the harness's trampoline marks that, kata::dl::detail::t_in_handler), then
// forwards to the C library. std::mutex::lock, std::lock_guard and std::unique_lock end in
// pthread_mutex_lock; notify_one and notify_all in pthread_cond_signal and
// pthread_cond_broadcast; operator new, std::string and std::function in malloc. None of these
// is async-signal-safe: a handler that interrupts a thread holding the same lock (or the
// allocator's) waits for ever. pthread_detach is counted so that a worker detached instead of
// joined is seen even when it ends before the thread count is read.
//
// The sanitizer builds leave all this out: ThreadSanitizer and AddressSanitizer define the same
// functions (their interceptors), and a second definition would not link. Their runs still
// check everything else; the handler's calls are judged by the release build's tests.
#include <kata/sim_downloads.hpp>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define GS_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define GS_SANITIZED 1
#endif

#if defined(GS_WATCH_HANDLER_CALLS) && !defined(GS_SANITIZED) && defined(__GLIBC__)

#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <cstddef>

extern "C" {
void* __libc_malloc(std::size_t size) noexcept;
void* __libc_calloc(std::size_t count, std::size_t size) noexcept;
void* __libc_realloc(void* p, std::size_t size) noexcept;
}

namespace {

using kata::dl::detail::unsafe_call_in_handler;

/// The C library's own definition of `name` (the versioned one first, where there are two).
void* next_definition(std::atomic<void*>& slot, const char* name, const char* version) {
    void* p = slot.load(std::memory_order_acquire);
    if (p == nullptr) {
        if (version != nullptr) p = ::dlvsym(RTLD_NEXT, name, version);
        if (p == nullptr) p = ::dlsym(RTLD_NEXT, name);
        slot.store(p, std::memory_order_release);
    }
    return p;
}

template <class Fn>
Fn real(std::atomic<void*>& slot, const char* name, const char* version = nullptr) {
    return reinterpret_cast<Fn>(next_definition(slot, name, version));
}

std::atomic<void*> g_mutex_lock{nullptr};
std::atomic<void*> g_mutex_trylock{nullptr};
std::atomic<void*> g_cond_signal{nullptr};
std::atomic<void*> g_cond_broadcast{nullptr};
std::atomic<void*> g_rwlock_rdlock{nullptr};
std::atomic<void*> g_rwlock_wrlock{nullptr};
std::atomic<void*> g_detach{nullptr};

/// Resolved before main(), so that no lookup ever happens inside a handler.
__attribute__((constructor)) void resolve_all() {
    next_definition(g_mutex_lock, "pthread_mutex_lock", nullptr);
    next_definition(g_mutex_trylock, "pthread_mutex_trylock", nullptr);
    next_definition(g_cond_signal, "pthread_cond_signal", "GLIBC_2.3.2");
    next_definition(g_cond_broadcast, "pthread_cond_broadcast", "GLIBC_2.3.2");
    next_definition(g_rwlock_rdlock, "pthread_rwlock_rdlock", nullptr);
    next_definition(g_rwlock_wrlock, "pthread_rwlock_wrlock", nullptr);
    next_definition(g_detach, "pthread_detach", nullptr);
}

}  // namespace

extern "C" {

int pthread_mutex_lock(pthread_mutex_t* m) noexcept {
    unsafe_call_in_handler(
        "pthread_mutex_lock (std::mutex::lock, std::lock_guard, "
        "std::unique_lock)");
    return real<int (*)(pthread_mutex_t*)>(g_mutex_lock, "pthread_mutex_lock")(m);
}

int pthread_mutex_trylock(pthread_mutex_t* m) noexcept {
    unsafe_call_in_handler("pthread_mutex_trylock (std::mutex::try_lock)");
    return real<int (*)(pthread_mutex_t*)>(g_mutex_trylock, "pthread_mutex_trylock")(m);
}

int pthread_cond_signal(pthread_cond_t* c) noexcept {
    unsafe_call_in_handler("pthread_cond_signal (std::condition_variable::notify_one)");
    return real<int (*)(pthread_cond_t*)>(g_cond_signal, "pthread_cond_signal", "GLIBC_2.3.2")(c);
}

int pthread_cond_broadcast(pthread_cond_t* c) noexcept {
    unsafe_call_in_handler("pthread_cond_broadcast (std::condition_variable::notify_all)");
    return real<int (*)(pthread_cond_t*)>(g_cond_broadcast, "pthread_cond_broadcast",
                                          "GLIBC_2.3.2")(c);
}

int pthread_rwlock_rdlock(pthread_rwlock_t* l) noexcept {
    unsafe_call_in_handler("pthread_rwlock_rdlock (std::shared_mutex::lock_shared)");
    return real<int (*)(pthread_rwlock_t*)>(g_rwlock_rdlock, "pthread_rwlock_rdlock")(l);
}

int pthread_rwlock_wrlock(pthread_rwlock_t* l) noexcept {
    unsafe_call_in_handler("pthread_rwlock_wrlock (std::shared_mutex::lock)");
    return real<int (*)(pthread_rwlock_t*)>(g_rwlock_wrlock, "pthread_rwlock_wrlock")(l);
}

int pthread_detach(pthread_t t) noexcept {
    kata::dl::detail::g_detached.fetch_add(1, std::memory_order_relaxed);
    return real<int (*)(pthread_t)>(g_detach, "pthread_detach")(t);
}

void* malloc(std::size_t size) noexcept {
    unsafe_call_in_handler(
        "malloc (operator new: a std::string, a std::vector, a std::function, "
        "an exception...)");
    return __libc_malloc(size);
}

void* calloc(std::size_t count, std::size_t size) noexcept {
    unsafe_call_in_handler("calloc");
    return __libc_calloc(count, size);
}

void* realloc(void* p, std::size_t size) noexcept {
    unsafe_call_in_handler("realloc");
    return __libc_realloc(p, size);
}

}  // extern "C"

#endif
