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
// after the joins. One process runs a scenario many times over: set what it shares (a global, a
// static) at its start, as the predict kata's programs do. Code that keeps state from one run to
// the next anyway is caught (a failure or an outcome that a fresh process does not reproduce)
// and then searched with a fresh process for every run, many times slower.
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
#include <cstddef>
#include <cstdio>
#include <thread>

namespace explore {

struct ScenarioOptions {
    /// Plain (non-atomic) reads and writes are scheduling points too: finds lost updates on
    /// plain variables, at the price of many more schedules. Off by default.
    bool memory_points = false;
    /// An untimed wait may return with no notify, as the standard allows (a few per run).
    bool spurious_wakeups = false;
    /// Outcomes that only a weak memory order gives ('|' between them): the explorer runs one
    /// thread at a time, so every run it makes is sequentially consistent; a program with
    /// relaxed atomics can also end these ways on real hardware (EXPLORE_LITMUS).
    const char* relaxed_outcomes = nullptr;
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

#if defined(EXPLORE_STRESS_BUILD)
// The stress build (real runs of the litmus tests, kata/litmus_stress.hpp) has no explorer:
// a scenario is compiled but never registered.
#define EXPLORE_SCENARIO(name, options, description) \
    [[maybe_unused]] static void explore_scenario_##name()
#else
#define EXPLORE_SCENARIO(name, options, description)                                  \
    static void explore_scenario_##name();                                            \
    [[maybe_unused]] static const int explore_registered_##name =                     \
        ::explore::register_scenario({#name, description, &explore_scenario_##name,   \
                                      ::explore::ScenarioOptions options, __FILE__}); \
    static void explore_scenario_##name()
#endif

// A litmus test in jcstress's shape: `Name` is a struct whose members are the shared state,
// with `void actor1()`, `void actor2()`, `void outcome(char* out, std::size_t size) const` (what
// the run ended with, written after both actors are done) and
// `static constexpr const char* description`. The explorer runs the two actors as two threads
// over one object, under every interleaving; the stress build runs each actor in a loop of its
// own thread over many objects at full speed on the real machine, and counts the outcomes.
// `relaxed` names the outcomes only a weak memory order allows ('|' between them; "" for none).
#if defined(EXPLORE_STRESS_BUILD)
#include <kata/litmus_stress.hpp>
#define EXPLORE_LITMUS(Name, relaxed)                                                     \
    [[maybe_unused]] static const int explore_litmus_##Name = ::explore::register_litmus( \
        {#Name, Name::description, relaxed, &::explore::stress_litmus<Name>});
#else
#define EXPLORE_LITMUS(Name, relaxed)                                          \
    EXPLORE_SCENARIO(Name, {.relaxed_outcomes = relaxed}, Name::description) { \
        Name explore_state_;                                                   \
        std::thread explore_first_([&] { explore_state_.actor1(); });          \
        std::thread explore_second_([&] { explore_state_.actor2(); });         \
        explore_first_.join();                                                 \
        explore_second_.join();                                                \
        char explore_outcome_[256];                                            \
        explore_state_.outcome(explore_outcome_, sizeof explore_outcome_);     \
        ::explore::observe(explore_outcome_);                                  \
    }
#endif

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
