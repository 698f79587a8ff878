#pragma once
// Scenarios for the explorer (`./kata explore KATA`, the `explore` check).
//
// A scenario is a small program, run many times, each time under a different schedule of its
// threads. Write it as a normal test body: start std::threads, call the student's object, join,
// then state what must hold with EXPLORE_CHECK. The explorer runs one thread at a time and
// switches between them at every atomic, mutex, condition-variable and thread operation, so a
// bug that needs one exact order of a few instructions is found by search, not by luck, and is
// shown as the numbered steps that produce it.
//
// Rules for a scenario: two or three threads and a handful of operations each (the number of
// schedules grows quickly with both); no real clocks or randomness of its own (time is virtual:
// sleeps and timeouts cost nothing and are explored); everything it needs to check is known
// after the joins.
//
// Example:
//   EXPLORE_SCENARIO(TwoIncrementsMakeTwo, {}, "two threads increment once each") {
//       Counter c;
//       std::thread a([&] { c.increment(); });
//       std::thread b([&] { c.increment(); });
//       a.join();
//       b.join();
//       EXPLORE_CHECK(c.value() == 2, "the total is %lld, not 2", (long long)c.value());
//   }
#include <cstdio>

namespace explore {

struct ScenarioOptions {
    /// Plain (non-atomic) reads and writes are scheduling points too: finds lost updates on
    /// plain variables, at the price of many more schedules. Off by default.
    bool memory_points = false;
    /// An untimed wait may return with no notify, as the standard allows (a few per run).
    bool spurious_wakeups = false;
};

struct Scenario {
    const char* name;
    const char* description;
    void (*body)();
    ScenarioOptions options;
    const char* file;
};

/// Adds a scenario to the binary's list (called by EXPLORE_SCENARIO before main).
int register_scenario(const Scenario& scenario);

/// Paths whose lines are shown in a failing interleaving, most interesting first (the student's
/// folder, then the scenarios'): frames elsewhere (the standard library) are skipped.
int register_focus(const char* path);

/// Records what this run observed ("r1=0 r2=1"): `explore --outcomes` lists every distinct one
/// over every schedule (litmus tests, predict-the-outcome katas).
void observe(const char* outcome);

/// The kata's id, for the replay command a failure prints.
int register_kata(const char* id);

/// Ends the current run as failed with `message`.
[[noreturn]] void fail(const char* message);

}  // namespace explore

#define EXPLORE_CHECK(condition, ...)                                              \
    do {                                                                           \
        if (!(condition)) {                                                        \
            char explore_message_[1024];                                           \
            std::snprintf(explore_message_, sizeof explore_message_, __VA_ARGS__); \
            ::explore::fail(explore_message_);                                     \
        }                                                                          \
    } while (0)

#define EXPLORE_OBSERVE(...)                                                     \
    do {                                                                         \
        char explore_observed_[256];                                             \
        std::snprintf(explore_observed_, sizeof explore_observed_, __VA_ARGS__); \
        ::explore::observe(explore_observed_);                                   \
    } while (0)

#define EXPLORE_SCENARIO(name, options, description)                                  \
    static void explore_scenario_##name();                                            \
    [[maybe_unused]] static const int explore_registered_##name =                     \
        ::explore::register_scenario({#name, description, &explore_scenario_##name,   \
                                      ::explore::ScenarioOptions options, __FILE__}); \
    static void explore_scenario_##name()

#if defined(KATA_ID)
[[maybe_unused]] static const int explore_kata_ = ::explore::register_kata(KATA_ID);
#endif
#if defined(KATA_STUDENT_DIR) && defined(KATA_HARNESS_DIR)
// A kata whose programs are the harness's own code (predict the outcome: the student writes no
// code) defines EXPLORE_PROGRAMS_ARE_THE_HARNESS first: the harness's lines are then the ones
// shown, every operation of them.
#if !defined(EXPLORE_PROGRAMS_ARE_THE_HARNESS)
[[maybe_unused]] static const int explore_focus_student_ =
    ::explore::register_focus(KATA_STUDENT_DIR);
#endif
[[maybe_unused]] static const int explore_focus_harness_ =
    ::explore::register_focus(KATA_HARNESS_DIR);
#endif
