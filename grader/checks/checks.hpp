#pragma once
/// The checks of one kata, one file each (build_check, tests_check, tsan_check, asan_check,
/// timing_check, manual_check). Each runs its part (through ProcessRunner) and judges what it
/// left behind; the judging half is a pure function of files and outcomes, unit-tested with
/// canned GoogleTest/Benchmark JSON and sanitizer text. The scorer (score/scorer.hpp) alone
/// decides what a result is worth next to the others.

#include "checks/parsers.hpp"
#include "course/course.hpp"
#include "grade/grade_options.hpp"
#include "process/process.hpp"
#include "report/report.hpp"
#include "workspace/build_driver.hpp"
#include "workspace/workspace.hpp"

#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace interleave {

/// Exit code of harness/support/test_main.cpp's watchdog.
inline constexpr int kWatchdogExitCode = 87;
/// Exit code TSan is told to use when it reported something.
inline constexpr int kTsanExitCode = 66;

/// The sandbox of every student binary: resident memory of its process group (ThreadSanitizer
/// runs get kTsanMemoryFactor times more for the shadow memory), live processes, bytes per
/// file written, open files. The memory limit is capped at half of what the host or the
/// grader's container really has (process/host_memory.hpp).
inline constexpr long long kMemoryLimitMiB = 2048;
inline constexpr int kTsanMemoryFactor = 3;
inline constexpr int kProcessLimit = 64;
inline constexpr long long kFileSizeLimitMiB = 64;
inline constexpr int kOpenFilesLimit = 256;
/// How long a test or benchmark binary may take to exit once its harness reported the last
/// result: static destructors and thread joins of a correct program take milliseconds.
inline constexpr std::chrono::milliseconds kExitGrace{5000};

/// What the report says about the sandbox in effect (containment_note).
inline constexpr const char* kIsolationRlimits = "isolation: rlimits + watchdogs";
inline constexpr const char* kIsolationBubblewrap =
    "isolation: bubblewrap: no network, read-only filesystem (plus rlimits + watchdogs)";
inline constexpr const char* kIsolationReadOnly =
    "isolation: bubblewrap: read-only filesystem except the scratch folder, own PID namespace "
    "(plus rlimits + watchdogs)";

/// The report note for a containment.
const char* containment_note(Containment c);

/// Everything one run of a GoogleTest binary left behind, read from files the grader created.
struct TestBinaryRun {
    ProcessOutcome process;
    std::vector<std::string> listed;        ///< every test the binary contains
    std::optional<TestRunSummary> results;  ///< absent when the JSON was not written
    Progress progress;
    bool premature_exit = false;     ///< GoogleTest's premature-exit file remained
    std::string sanitizer_log;       ///< TSan/ASan log files, concatenated
    std::vector<std::string> notes;  ///< e.g. "rerun under setarch -R"
    /// Evidence that the submission tried to change its own results: records outside the
    /// results stream's protocol, a results file that contradicts the stream. The results above
    /// are already corrected (the stream wins; a test it does not vouch for failed).
    std::vector<std::string> tamper;
    /// When a hang or a crash stopped the binary in a test: the results of the tests that had
    /// not run yet, from one more run of the binary with only those (one bug then costs one
    /// test, not all that follow). Absent when nothing was left; partial when that run stopped
    /// too.
    std::optional<TestRunSummary> rest;

    /// The test that hung (the watchdog's, else the one running at the deadline), if any.
    std::optional<std::string> hung_test() const;
    /// Whether the binary was stopped by a hang: the harness's per-test watchdog, or the
    /// grader's deadline.
    bool hung() const;
};

struct TestRunOptions {
    std::filesystem::path binary;
    std::filesystem::path scratch;  ///< emptied, then used as cwd and for result files
    std::map<std::string, std::string> extra_env;
    double timeout_seconds = 120;
    double test_timeout_seconds = 20;
    bool sanitizer = false;  ///< adds TSAN_OPTIONS with log_path in the scratch folder
    /// The caller checked bubblewrap_usable() for anything but process_group.
    Containment containment = Containment::process_group;
    long long memory_limit_mib = kMemoryLimitMiB;
    /// Adds ASAN_OPTIONS and UBSAN_OPTIONS with log_path in the scratch folder.
    bool address_sanitizer = false;
    /// LeakSanitizer on; run_test_binary turns it off (with a note) where it cannot run.
    bool detect_leaks = true;
    /// A GoogleTest filter for the listing and the run (empty: every test).
    std::string gtest_filter;
    /// GradeOptions::fail_fast: no rerun after a hang; a release run stops at its first failing
    /// test, a ThreadSanitizer run at its first report (it runs every test until then).
    bool fail_fast = false;
    /// An earlier run of the same code finished its tests and never exited: this one gets a
    /// second, not kExitGrace, to exit (the verdict is already known).
    bool exit_hang_proven = false;
};

/// A fresh random token for a results channel.
std::string random_token();

/// Gives the child a results channel with `token` (the harness's result_channel.hpp finds it
/// through two variables) and `grace` to exit once the harness says it finished.
void open_results_channel(ProcessSpec& spec, const std::string& token,
                          std::chrono::milliseconds grace);

/// A student binary's run that reports over a results channel with `token` (the benchmark, the
/// explorer): `scratch` emptied and made its working folder, the sandbox, the file-size limit
/// and a deadline of `timeout_seconds`. The caller sets argv.
ProcessSpec channel_run_spec(const std::filesystem::path& scratch, const std::string& token,
                             Containment containment, double timeout_seconds);

/// The limits of a student binary whose scratch folder (cwd, HOME, the only writable place
/// when contained) is `scratch`.
SandboxLimits student_sandbox(const std::filesystem::path& scratch, long long memory_limit_mib,
                              Containment containment);

/// True for the note run_test_binary adds when LeakSanitizer could not run and the ASan run was
/// repeated with detect_leaks=0 (so a leak cannot have been caught).
bool is_leaks_unchecked_note(const std::string& note);

/// True when `build` is a build check that refused the source before compiling it (an include
/// of a test framework or of a file outside the kata, a redefined assertion macro).
bool is_refused_build(const CheckResult& build);

/// Runs a test binary under its deadline. Never throws for a misbehaving binary.
TestBinaryRun run_test_binary(ProcessRunner& runner, const TestRunOptions& options);

/// The TSAN_OPTIONS the grader sets (explicitly, so a student's environment cannot change them).
/// `halt_on_first_report`: exit at the first report instead of going on to find them all.
std::string tsan_options(const std::filesystem::path& log_prefix,
                         bool halt_on_first_report = false);

/// Exit code ASan and UBSan are told to use when they reported something.
inline constexpr int kAsanExitCode = 67;

/// The ASAN_OPTIONS and UBSAN_OPTIONS the grader sets (explicitly, like tsan_options).
std::string asan_options(const std::filesystem::path& log_prefix, bool detect_leaks);
std::string ubsan_options(const std::filesystem::path& log_prefix);

/// Judges the AddressSanitizer + UBSan run: any report fails the check (naming the bad access
/// and the freeing site in the student's file); a clean run passes (the scorer decides whether
/// it earns its points). A runtime that cannot start is an infrastructure error, not a verdict.
CheckResult judge_asan(const TestBinaryRun& run, int points, const Workspace& ws);

/// Judges the correctness tests: points in proportion to the tests that passed.
CheckResult judge_tests(const TestBinaryRun& run, int points, const Workspace& ws);

/// Judges the TSan run: any report fails the check; a clean run passes (the scorer decides
/// whether it earns its points: a stub that does nothing is race-free but earns nothing).
CheckResult judge_tsan(const TestBinaryRun& run, int points, const Workspace& ws);

/// Turns benchmark samples into the timing check: each comparison's ratio, its share of the
/// points (linear between full and zero credit), and noise detection.
CheckResult judge_timing(const TimingSpec& spec,
                         const std::map<std::string, BenchmarkSamples>& samples);

/// Whether a timing result is too noisy to judge (the caller retries once, then reports it).
bool timing_inconclusive(const CheckResult& timing);

/// A check switched off for this grade: skipped, its points out of the maximum (see
/// CheckResult::disabled), `why` naming the switch.
CheckResult disabled_check(CheckKind kind, double points, std::string why);

/// A build failure as a check: the first compiler errors, naming the student's files.
CheckResult judge_build_failure(const BuildOutcome& build, const Workspace& ws,
                                const std::string& what);

/// Runs the kata's benchmark binary and returns its samples, or an error message.
struct BenchmarkRun {
    std::map<std::string, BenchmarkSamples> samples;
    std::string error;
    double seconds = 0;
    /// Evidence that the submission wrote to the results channel itself (more than the one
    /// report Google Benchmark writes); `error` is set too, since no figure can be trusted.
    std::vector<std::string> tamper;
};
BenchmarkRun run_benchmark(ProcessRunner& runner, const std::filesystem::path& binary,
                           const std::filesystem::path& scratch, const TimingSpec& spec,
                           double timeout_seconds,
                           Containment containment = Containment::process_group);

/// Everything the checks of one kata share while it is graded. One per kata, made by the grade
/// loop; the checks run in order (build, tests, tsan, asan, timing) and may read what earlier
/// ones left here.
struct KataRun {
    ProcessRunner& runner;
    const Workspace& ws;
    const Exercise& exercise;
    const GradeOptions& options;
    Containment containment;
    BuildDriver builder;
    ProgressFn progress;
    /// The release test run's options, set by run_tests_check; the sanitizer runs start there.
    TestRunOptions tests_run;
    /// Set by run_tests_check when a test hung in the release build: the sanitizer runs leave it
    /// out instead of waiting out the same hang again.
    std::string hung_test;
    /// Set by run_build_check when the kata could not be built: why the other checks did not
    /// run ("not graded: the code does not compile").
    std::string not_built;

    void step(const std::string& stage) const {
        if (progress) progress(exercise.id, stage);
    }
    std::string tests_target() const { return exercise.id + "_tests"; }
    std::string bench_target() const { return exercise.id + "_bench"; }
    std::string explore_target() const { return exercise.id + "_explore"; }

    /// Builds `targets` in the tree of `preset`, in the background at the lowest CPU priority:
    /// build() of the same preset and one of these targets then waits for it instead of
    /// building again. At most one early build per tree (BuildDriver's rule).
    void build_early(const std::string& preset, const std::vector<std::string>& targets);
    /// Builds `target` in the tree of `preset`, or takes the outcome of the early build that
    /// included it (build_early); a target it left out is built once it ends.
    BuildOutcome build(const std::string& preset, const std::string& target);
    struct EarlyBuild {
        std::vector<std::string> targets;
        std::shared_future<BuildOutcome> outcome;
    };
    /// Early builds by preset; a KataRun waits for them all as it ends (members are destroyed
    /// before `builder`, which they use).
    std::map<std::string, EarlyBuild> early_builds;
    /// The explore check when it started beside the release tests (start_explore_early);
    /// declared after early_builds, which it uses, so that it is waited for first.
    std::shared_future<CheckResult> explore_early;
};

/// A check that did not run, and why ("ThreadSanitizer disabled (--no-tsan)"). An empty `why`
/// leaves the reason to the scorer (a check whose points need passing tests).
CheckResult skipped_check(CheckKind kind, double points, std::string why = "");

/// Stages the student files and builds the release tree (the benchmark too when timing will
/// run): build passes, or fails quoting the compiler's first errors or the missing files.
CheckResult run_build_check(KataRun& k);
/// Runs the correctness tests (release build) and judges them; fills k.tests_run.
CheckResult run_tests_check(KataRun& k);
/// Builds with clang + ThreadSanitizer, runs the tests again, judges the races (or skipped:
/// disabled).
CheckResult run_tsan_check(KataRun& k);
/// Builds with AddressSanitizer + UBSan, runs the tests again, judges memory errors (or
/// skipped: disabled).
CheckResult run_asan_check(KataRun& k);
/// Builds the kata's scenarios for the explorer (tsan tree, `<id>_explore`), searches their
/// schedules within exercise.yaml's budget, and judges what the explorer reported (or skipped:
/// disabled).
CheckResult run_explore_check(KataRun& k);

/// Starts the explore check in the background (its build is the early tsan build; the explorer
/// runs on the core the release tests leave idle): run_explore_check then takes its result.
/// For katas whose tests do not need every core.
void start_explore_early(KataRun& k);

/// The time budget to give the explorer whose yaml budget is `seconds`: that, for a student's
/// grade; with explore_runs_only (verify), a safety net far above what its runs take, so that
/// only the run budget ends the search and the same schedules are searched whatever the load.
double explorer_seconds(const GradeOptions& options, double seconds);

/// Judges one run of the explorer: its report arrives over the results channel only. A
/// scenario that a schedule breaks fails the check and loses its share of the points; the
/// details show the interleaving step by step and the command that replays it.
CheckResult judge_explore(const ProcessOutcome& process, const ChannelContent& channel, int points,
                          const std::string& kata_id);

/// One program's predicted outcomes (normalised: words separated by one space).
struct PredictAnswer {
    std::set<std::string> outcomes;
    int line = 0;  ///< where the program's name is in the answers file
};
/// A student's answers file for checks.predict, or why it cannot be read.
struct PredictAnswers {
    std::map<std::string, PredictAnswer> programs;  ///< by program (scenario) name
    std::string error;  ///< "answers.yaml line 4: LostUpdate.outcomes: expected a list ..."
};

/// Reads the predictions of `file` (its text): `Program: {outcomes: [...], why: ...}` per
/// program; a problem is reported in `error` with the file, line and field, never thrown.
PredictAnswers parse_predict_answers(const std::string& file, const std::string& text);

/// Judges predictions against the explorer's `--outcomes` report: each program is worth an
/// equal share, earned in full for the exact set, else in proportion to the outcomes right
/// over every outcome either side named. A program's true set is what its interleavings reach
/// plus its `relaxed_outcomes` (what only a weak memory order gives). Each missed outcome is
/// shown with a schedule that reaches it (or why relaxed atomics allow it); each impossible one
/// with the number of schedules that never do. `stress` is the `<id>_stress` report (null when
/// none was made): each litmus test's counts of real runs are shown beside the prediction, and
/// a real run that ended outside the true set is the course's error, never the student's.
CheckResult judge_predictions(const PredictSpec& spec, const nlohmann::json& enumeration,
                              const PredictAnswers& answers,
                              const nlohmann::json& stress = nullptr);

/// Builds the kata's programs (tsan tree, `<id>_explore`), enumerates every schedule of each,
/// and judges the student's answers file against the outcomes (checks.predict).
CheckResult run_predict_check(KataRun& k);

/// Runs the benchmark (once more when the first run is too noisy) and judges its ratios (or
/// skipped: disabled).
CheckResult run_timing_check(KataRun& k);

}  // namespace interleave
