// Running GoogleTest and Google Benchmark binaries and collecting what they wrote.
#include "checks/checks.hpp"
#include "process/host_memory.hpp"

#include <sys/utsname.h>

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>
#include <thread>

namespace fs = std::filesystem;

namespace interleave {

std::string random_token() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
}

void open_results_channel(ProcessSpec& spec, const std::string& token,
                          std::chrono::milliseconds grace) {
    spec.result_channel = true;
    spec.env["KATA_RESULT_FD"] = std::to_string(kResultChannelFd);
    spec.env["KATA_RESULT_TOKEN"] = token;
    spec.exit_marker = token + " finished\n";
    spec.exit_grace = grace;
}

ProcessSpec channel_run_spec(const fs::path& scratch, const std::string& token,
                             Containment containment, double timeout_seconds) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
    fs::create_directories(scratch);
    ProcessSpec p;
    p.env = sandbox_environment(scratch);
    open_results_channel(p, token, kExitGrace);
    p.cwd = scratch;
    p.max_file_bytes = kFileSizeLimitMiB << 20;
    p.sandbox = student_sandbox(scratch, kMemoryLimitMiB, containment);
    p.deadline = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
    return p;
}

namespace {

/// RLIMIT_CPU never cuts a run the wall-clock deadline would let finish (every core busy for
/// the whole deadline); it stops a binary the grader could no longer kill.
int cpu_backstop(double timeout_seconds) {
    const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
    return static_cast<int>(timeout_seconds * cores) + 10;
}

std::string machine_arch() {
    utsname u{};
    uname(&u);
    return u.machine;
}

bool gdb_available() {
    static const bool available = [] {
        for (const char* dir : {"/usr/bin/gdb", "/usr/local/bin/gdb", "/bin/gdb"}) {
            if (fs::exists(dir)) return true;
        }
        return false;
    }();
    return available;
}

std::string read_sanitizer_logs(const fs::path& scratch) {
    std::string all;
    for (const auto& entry : fs::directory_iterator(scratch)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("sanitizer.", 0) == 0) all += read_file(entry.path());
    }
    return all;
}

/// Trusts the results stream over the results file: a test passes only if both say so. Every
/// disagreement that favours the student, and every record outside the stream's protocol, is
/// tamper evidence; the stream was sent as each test ended, the file could have been rewritten
/// afterwards.
void reconcile(TestBinaryRun& run) {
    const Progress& p = run.progress;
    for (const auto& v : p.violations) run.tamper.push_back("results stream: " + v);
    if (!run.results) return;
    const bool completed = run.process.termination == Termination::exited &&
                           (run.process.exit_code == 0 || run.process.exit_code == 1);
    if (!p.begun && completed) {
        run.tamper.emplace_back(
            "the test binary ran to the end but sent nothing over the grader's results channel "
            "(it was closed or taken over): no result of its results file counts");
    }
    auto fail = [&run](TestCaseResult& t, const std::string& why, const std::string& evidence) {
        t.passed = false;
        t.failures.insert(t.failures.begin(), why);
        run.tamper.push_back(evidence);
    };
    std::set<std::string> in_file;
    for (auto& t : run.results->tests) {
        in_file.insert(t.name);
        const auto record = p.ended.find(t.name);
        if (p.disputed.count(t.name) != 0) {
            fail(t, "two contradicting results were sent for this test; it counts as failed",
                 fmt::format("{}: two contradicting results were sent as it ended", t.name));
        } else if (!t.passed) {
            continue;
        } else if (record == p.ended.end()) {
            if (completed)
                fail(t,
                     "the results file says it passed, but the test never reported a result as "
                     "it ended",
                     fmt::format("{}: passed in the results file with no result in the stream",
                                 t.name));
        } else if (!record->second) {
            fail(
                t,
                "failed as it ended (the results file, which says it passed, was changed "
                "afterwards)",
                fmt::format("{}: failed as it ended, but the results file says it passed", t.name));
        }
    }
    // A test the stream saw fail that the file leaves out still failed.
    for (const auto& [name, passed] : p.ended) {
        if (passed || in_file.count(name) != 0) continue;
        TestCaseResult t;
        t.name = name;
        t.failures.emplace_back("failed as it ended (the results file had lost this test)");
        run.results->tests.push_back(t);
        run.tamper.push_back(
            fmt::format("{}: failed as it ended, but is missing from the results "
                        "file",
                        name));
    }
}

/// The environment, limits and sandbox of one run of the test binary (listing or running): the
/// results channel with `token`, the harness's watchdogs, the sanitizers' options.
ProcessSpec test_binary_spec(const TestRunOptions& o, const std::string& token,
                             const fs::path& premature) {
    ProcessSpec spec;
    spec.env = sandbox_environment(o.scratch);
    for (const auto& [k, v] : o.extra_env) spec.env[k] = v;
    // Once the harness says every test is done, the exit is due within seconds.
    open_results_channel(spec, token,
                         o.exit_hang_proven                     ? std::chrono::milliseconds(1000)
                         : (o.sanitizer || o.address_sanitizer) ? 3 * kExitGrace
                                                                : kExitGrace);
    spec.env["KATA_TEST_TIMEOUT_MS"] =
        std::to_string(static_cast<long long>(o.test_timeout_seconds * 1000));
    spec.env["TEST_PREMATURE_EXIT_FILE"] = premature.string();
    // No thread running at all for this long is a deadlock or a lost wake-up (the harness's
    // watchdog says so in seconds); sanitizers slow everything, so they get longer.
    spec.env["KATA_STALL_MS"] = (o.sanitizer || o.address_sanitizer) ? "15000" : "5000";
    if (gdb_available()) spec.env["KATA_BACKTRACE"] = "1";
    if (o.sanitizer) spec.env["TSAN_OPTIONS"] = tsan_options(o.scratch / "sanitizer", o.fail_fast);
    if (o.address_sanitizer) {
        spec.env["ASAN_OPTIONS"] = asan_options(o.scratch / "sanitizer", o.detect_leaks);
        spec.env["UBSAN_OPTIONS"] = ubsan_options(o.scratch / "sanitizer");
    }
    spec.cwd = o.scratch;
    spec.max_file_bytes = kFileSizeLimitMiB << 20;
    spec.sandbox = student_sandbox(o.scratch, o.memory_limit_mib, o.containment);
    return spec;
}

/// What the run left behind: GoogleTest's results file, the harness's stream on the channel
/// (the two reconciled), and whether the binary exited before GoogleTest finished.
void read_run_results(TestBinaryRun& run, const fs::path& results_json, const std::string& token,
                      const fs::path& premature) {
    if (fs::exists(results_json)) {
        try {
            run.results = parse_gtest_json(read_file(results_json));
        } catch (const std::exception&) {
            run.results.reset();
        }
    }
    run.progress = parse_progress(read_channel(run.process.channel, token));
    if (run.process.channel_dropped > 0)
        run.progress.violations.push_back(fmt::format(
            "{} bytes past the channel's cap were dropped", run.process.channel_dropped));
    run.premature_exit = fs::exists(premature);
    reconcile(run);
}

TestBinaryRun run_once(ProcessRunner& runner, const TestRunOptions& o, bool setarch) {
    TestBinaryRun run;
    std::error_code ec;
    fs::remove_all(o.scratch, ec);
    fs::create_directories(o.scratch);
    // Result files get unguessable names, so a submission cannot pre-write or fake them.
    const std::string token = random_token();
    const fs::path list_json = o.scratch / ("list-" + token + ".json");
    const fs::path results_json = o.scratch / ("results-" + token + ".json");
    const fs::path premature = o.scratch / ("premature-exit-" + token);

    std::vector<std::string> prefix;
    if (setarch) prefix = {"setarch", machine_arch(), "-R"};

    ProcessSpec spec = test_binary_spec(o, token, premature);
    spec.argv = prefix;
    spec.argv.push_back(o.binary.string());
    if (!o.gtest_filter.empty()) spec.argv.push_back("--gtest_filter=" + o.gtest_filter);
    spec.argv.push_back("--gtest_list_tests");
    spec.argv.push_back("--gtest_output=json:" + list_json.string());
    spec.deadline = std::chrono::seconds(60);
    const ProcessOutcome listing = runner.run(spec);
    try {
        run.listed = parse_gtest_list(read_file(list_json));
    } catch (const std::exception&) {
        run.listed.clear();
    }
    if (!listing.ok() && run.listed.empty()) {
        run.process = listing;
        // A sanitizer runtime that dies at start-up writes its reason to the log file.
        if (o.sanitizer || o.address_sanitizer) run.sanitizer_log = read_sanitizer_logs(o.scratch);
        return run;
    }
    fs::remove(premature, ec);

    spec.argv = prefix;
    spec.argv.push_back(o.binary.string());
    if (!o.gtest_filter.empty()) spec.argv.push_back("--gtest_filter=" + o.gtest_filter);
    spec.argv.push_back("--gtest_output=json:" + results_json.string());
    // Under a sanitizer a failing test is not the verdict, the first report is (TSAN_OPTIONS).
    if (o.fail_fast && !o.sanitizer && !o.address_sanitizer)
        spec.argv.push_back("--gtest_fail_fast");
    spec.deadline = std::chrono::milliseconds(static_cast<long long>(o.timeout_seconds * 1000));
    spec.cpu_seconds = cpu_backstop(o.timeout_seconds);
    run.process = runner.run(spec);
    const int orphans = listing.orphans_killed + run.process.orphans_killed;
    if (orphans > 0)
        run.notes.push_back(fmt::format(
            "killed {} process{} the submission left running outside its process group (setsid "
            "or a double fork) when the test binary ended",
            orphans, orphans == 1 ? "" : "es"));
    read_run_results(run, results_json, token, premature);
    if (o.sanitizer || o.address_sanitizer) run.sanitizer_log = read_sanitizer_logs(o.scratch);
    return run;
}

bool tsan_mapping_failure(const TestBinaryRun& run) {
    const std::string needle = "unexpected memory mapping";
    return run.process.err.find(needle) != std::string::npos ||
           run.process.out.find(needle) != std::string::npos ||
           run.sanitizer_log.find(needle) != std::string::npos;
}

/// ASan of older clang releases refuses to start when the kernel randomises mappings widely.
bool asan_mapping_failure(const TestBinaryRun& run) {
    const std::string needle = "Shadow memory range interleaves with an existing memory mapping";
    return run.process.err.find(needle) != std::string::npos ||
           run.sanitizer_log.find(needle) != std::string::npos;
}

/// LeakSanitizer stops the process at exit when it cannot ptrace (some containers forbid it).
bool leak_sanitizer_unavailable(const TestBinaryRun& run) {
    const std::string needle = "LeakSanitizer has encountered a fatal error";
    return run.process.err.find(needle) != std::string::npos ||
           run.sanitizer_log.find(needle) != std::string::npos;
}

/// One more run of the tests a hang or a crash left unrun (see TestBinaryRun::rest).
std::optional<TestRunSummary> run_rest_after_hang(ProcessRunner& runner, const TestRunOptions& o,
                                                  const TestBinaryRun& run) {
    // A crash in the middle of a test stops the binary just as a hang does.
    const bool crashed_in_test =
        run.process.termination == Termination::signaled && run.progress.running().has_value();
    if ((!run.hung() && !crashed_in_test) || run.results || !o.gtest_filter.empty() || o.fail_fast)
        return std::nullopt;
    const std::string hung = run.hung_test().value_or("");
    std::string rest;
    for (const auto& t : run.listed) {
        if (t != hung && run.progress.ended.count(t) == 0) rest += (rest.empty() ? "" : ":") + t;
    }
    if (rest.empty()) return std::nullopt;
    TestRunOptions again = o;
    again.scratch = o.scratch / "rest";
    again.gtest_filter = rest;
    const TestBinaryRun second = run_once(runner, again, false);
    const ProcessOutcome& p = second.process;
    const bool finished = second.results && p.termination == Termination::exited &&
                          (p.exit_code == 0 || p.exit_code == 1) && !second.premature_exit &&
                          !second.progress.running();
    if (finished) return second.results;
    // That run stopped too: what ended before it stopped still counts.
    TestRunSummary partial;
    for (const auto& [name, passed] : second.progress.ended) {
        TestCaseResult t;
        t.name = name;
        t.passed = passed;
        if (!passed)
            t.failures.emplace_back(
                "did not pass (in the run of the tests left after the first stop; that run stopped "
                "too, so its failure message is lost)");
        partial.tests.push_back(std::move(t));
    }
    return partial;
}

}  // namespace

bool TestBinaryRun::hung() const {
    return process.termination == Termination::timed_out ||
           (process.termination == Termination::exited && process.exit_code == kWatchdogExitCode);
}

std::optional<std::string> TestBinaryRun::hung_test() const {
    return progress.hung ? progress.hung : progress.running();
}

bool is_leaks_unchecked_note(const std::string& note) {
    return note.find("detect_leaks=0") != std::string::npos;
}

const char* containment_note(Containment c) {
    switch (c) {
        case Containment::process_group:
            return kIsolationRlimits;
        case Containment::read_only:
            return kIsolationReadOnly;
        case Containment::offline:
            return kIsolationBubblewrap;
    }
    return kIsolationRlimits;
}

SandboxLimits student_sandbox(const fs::path& scratch, long long memory_limit_mib,
                              Containment containment) {
    SandboxLimits limits;
    // Below the memory this host (or the container the grader runs in) really has, so that the
    // watchdog, not the kernel's OOM killer, stops a memory-hungry submission.
    limits.max_rss_bytes = static_cast<long long>(capped_memory_limit(
        static_cast<std::uint64_t>(memory_limit_mib) << 20, host_memory_room()));
    limits.max_processes = kProcessLimit;
    limits.max_open_files = kOpenFilesLimit;
    limits.containment = containment;
    limits.writable = {scratch};
    return limits;
}

std::string asan_options(const fs::path& log_prefix, bool detect_leaks) {
    return fmt::format(
        "halt_on_error=1 abort_on_error=0 exitcode={} detect_leaks={} "
        "detect_stack_use_after_return=1 strict_string_checks=1 check_initialization_order=1 "
        "print_summary=1 symbolize=1 log_path={}",
        kAsanExitCode, detect_leaks ? 1 : 0, log_prefix.string());
}

std::string ubsan_options(const fs::path& log_prefix) {
    return fmt::format("halt_on_error=1 print_stacktrace=1 print_summary=1 exitcode={} log_path={}",
                       kAsanExitCode, log_prefix.string());
}

std::string tsan_options(const fs::path& log_prefix, bool halt_on_first_report) {
    return fmt::format(
        "halt_on_error={} exitcode={} atexit_sleep_ms=50 second_deadlock_stack=1 history_size=4 "
        "report_signal_unsafe=0 log_path={}",
        halt_on_first_report ? 1 : 0, kTsanExitCode, log_prefix.string());
}

TestBinaryRun run_test_binary(ProcessRunner& runner, const TestRunOptions& options) {
    TestBinaryRun run = run_once(runner, options, false);
    if (options.sanitizer && tsan_mapping_failure(run)) {
        // clang < 18's TSan runtime cannot cope with a large vm.mmap_rnd_bits; without address
        // space randomisation the same binary runs normally.
        run = run_once(runner, options, true);
        run.notes.push_back(
            "ThreadSanitizer failed with \"unexpected memory mapping\" (kernel vm.mmap_rnd_bits is "
            "above what clang < 18 supports); the tests were rerun under `setarch -R`. Permanent "
            "fix: sudo sysctl vm.mmap_rnd_bits=28");
    }
    if (options.address_sanitizer && asan_mapping_failure(run)) {
        run = run_once(runner, options, true);
        run.notes.push_back(
            "AddressSanitizer could not map its shadow memory (kernel vm.mmap_rnd_bits is above "
            "what this clang supports); the tests were rerun under `setarch -R`. Permanent fix: "
            "sudo sysctl vm.mmap_rnd_bits=28");
    }
    if (options.address_sanitizer && options.detect_leaks && leak_sanitizer_unavailable(run)) {
        TestRunOptions without_leaks = options;
        without_leaks.detect_leaks = false;
        run = run_test_binary(runner, without_leaks);
        run.notes.push_back(
            "LeakSanitizer cannot run here (it needs ptrace, which this machine or container "
            "forbids); the AddressSanitizer run was repeated with detect_leaks=0, so leaks were "
            "not checked");
    }
    if (!run.rest) run.rest = run_rest_after_hang(runner, options, run);
    return run;
}

BenchmarkRun run_benchmark(ProcessRunner& runner, const fs::path& binary, const fs::path& scratch,
                           const TimingSpec& spec, double timeout_seconds,
                           Containment containment) {
    BenchmarkRun result;
    // The report comes over the results channel (harness/support/bench_main.cpp), not through a
    // file the submission could rewrite once the benchmarks are done.
    const std::string token = random_token();
    ProcessSpec p = channel_run_spec(scratch, token, containment, timeout_seconds);
    p.argv = {binary.string(),
              fmt::format("--benchmark_repetitions={}", spec.repetitions),
              "--benchmark_enable_random_interleaving=true",
              fmt::format("--benchmark_min_time={}", spec.min_time),
              "--benchmark_out=/dev/null",
              "--benchmark_out_format=json"};
    const ProcessOutcome o = runner.run(p);
    result.seconds = static_cast<double>(o.elapsed.count()) / 1000.0;
    const ChannelContent channel = read_channel(o.channel, token);
    if (!o.ok()) {
        result.error = fmt::format("the benchmark binary {}", o.describe());
        for (const auto& r : channel.records) {
            if (r.rfind("abort ", 0) == 0) {
                result.error += ": " + r.substr(6);
                break;
            }
        }
        return result;
    }
    for (const auto& line : channel.foreign)
        result.tamper.push_back("results channel: a line without the harness's token: \"" + line +
                                "\"");
    if (o.channel_dropped > 0)
        result.tamper.push_back(fmt::format(
            "results channel: {} bytes past the channel's cap were dropped", o.channel_dropped));
    const bool finished = std::find(channel.records.begin(), channel.records.end(), "finished") !=
                          channel.records.end();
    if (channel.blocks.size() != 1 || channel.blocks.front().first != "report" || !finished) {
        result.error = fmt::format(
            "the benchmark binary exited normally but did not send its report to the grader ({} "
            "report(s), {}): did the submission close or take over descriptors it did not open?",
            channel.blocks.size(), finished ? "finished" : "not finished");
        if (channel.blocks.size() > 1)
            result.tamper.emplace_back("results channel: more than one benchmark report");
        return result;
    }
    if (!result.tamper.empty()) {
        result.error =
            "something other than the harness wrote to the benchmark's results channel, so no "
            "figure can be trusted (see the tamper evidence)";
        return result;
    }
    try {
        result.samples = parse_benchmark_json(channel.blocks.front().second);
    } catch (const std::exception& e) {
        result.error = fmt::format("could not read the benchmark results: {}", e.what());
    }
    return result;
}

}  // namespace interleave
