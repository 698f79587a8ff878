// Running GoogleTest and Google Benchmark binaries and collecting what they wrote.
#include "checks/checks.hpp"

#include <sys/utsname.h>

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <thread>

namespace fs = std::filesystem;

namespace interleave {

namespace {

std::string random_token() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
}

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

TestBinaryRun run_once(ProcessRunner& runner, const TestRunOptions& o, bool setarch) {
    TestBinaryRun run;
    std::error_code ec;
    fs::remove_all(o.scratch, ec);
    fs::create_directories(o.scratch);
    // Result files get unguessable names, so a submission cannot pre-write or fake them.
    const std::string token = random_token();
    const fs::path list_json = o.scratch / ("list-" + token + ".json");
    const fs::path results_json = o.scratch / ("results-" + token + ".json");
    const fs::path progress = o.scratch / ("progress-" + token + ".txt");
    const fs::path premature = o.scratch / ("premature-exit-" + token);

    std::vector<std::string> prefix;
    if (setarch) prefix = {"setarch", machine_arch(), "-R"};

    ProcessSpec spec;
    spec.env = sandbox_environment(o.scratch);
    for (const auto& [k, v] : o.extra_env) spec.env[k] = v;
    spec.env["KATA_PROGRESS_FILE"] = progress.string();
    spec.env["KATA_TEST_TIMEOUT_MS"] =
        std::to_string(static_cast<long long>(o.test_timeout_seconds * 1000));
    spec.env["TEST_PREMATURE_EXIT_FILE"] = premature.string();
    if (gdb_available()) spec.env["KATA_BACKTRACE"] = "1";
    if (o.sanitizer) spec.env["TSAN_OPTIONS"] = tsan_options(o.scratch / "sanitizer");
    if (o.address_sanitizer) {
        spec.env["ASAN_OPTIONS"] = asan_options(o.scratch / "sanitizer", o.detect_leaks);
        spec.env["UBSAN_OPTIONS"] = ubsan_options(o.scratch / "sanitizer");
    }
    spec.cwd = o.scratch;
    spec.max_file_bytes = kFileSizeLimitMiB << 20;
    spec.sandbox = student_sandbox(o.scratch, o.memory_limit_mib, o.containment);

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
    spec.deadline = std::chrono::milliseconds(static_cast<long long>(o.timeout_seconds * 1000));
    spec.cpu_seconds = cpu_backstop(o.timeout_seconds);
    run.process = runner.run(spec);
    const int orphans = listing.orphans_killed + run.process.orphans_killed;
    if (orphans > 0)
        run.notes.push_back(fmt::format(
            "killed {} process{} the submission left running outside its process group (setsid "
            "or a double fork) when the test binary ended",
            orphans, orphans == 1 ? "" : "es"));
    if (fs::exists(results_json)) {
        try {
            run.results = parse_gtest_json(read_file(results_json));
        } catch (const std::exception&) {
            run.results.reset();
        }
    }
    run.progress = parse_progress(read_file(progress));
    run.premature_exit = fs::exists(premature);
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

/// One more run of the tests a hang left unrun (see TestBinaryRun::rest).
std::optional<TestRunSummary> run_rest_after_hang(ProcessRunner& runner, const TestRunOptions& o,
                                                  const TestBinaryRun& run) {
    if (!run.hung() || run.results || !o.gtest_filter.empty()) return std::nullopt;
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
        if (!passed) t.failures.emplace_back("did not pass (in the run after the hang)");
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
    limits.max_rss_bytes = memory_limit_mib << 20;
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

std::string tsan_options(const fs::path& log_prefix) {
    return fmt::format(
        "halt_on_error=0 exitcode={} atexit_sleep_ms=50 second_deadlock_stack=1 history_size=4 "
        "report_signal_unsafe=0 log_path={}",
        kTsanExitCode, log_prefix.string());
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
    std::error_code ec;
    fs::remove_all(scratch, ec);
    fs::create_directories(scratch);
    const fs::path out = scratch / ("benchmark-" + random_token() + ".json");
    ProcessSpec p;
    p.env = sandbox_environment(scratch);
    p.cwd = scratch;
    p.max_file_bytes = kFileSizeLimitMiB << 20;
    p.sandbox = student_sandbox(scratch, kMemoryLimitMiB, containment);
    p.deadline = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
    p.argv = {binary.string(),
              fmt::format("--benchmark_repetitions={}", spec.repetitions),
              "--benchmark_enable_random_interleaving=true",
              fmt::format("--benchmark_min_time={}", spec.min_time),
              "--benchmark_out=" + out.string(),
              "--benchmark_out_format=json"};
    const ProcessOutcome o = runner.run(p);
    result.seconds = static_cast<double>(o.elapsed.count()) / 1000.0;
    if (!o.ok()) {
        result.error = fmt::format("the benchmark binary {}", o.describe());
        return result;
    }
    try {
        result.samples = parse_benchmark_json(read_file(out));
    } catch (const std::exception& e) {
        result.error = fmt::format("could not read the benchmark results: {}", e.what());
    }
    return result;
}

}  // namespace interleave
