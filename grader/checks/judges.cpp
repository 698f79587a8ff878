// Pure judgements: what a run left behind -> CheckResult.
#include "checks/checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

namespace interleave {

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

/// A GoogleTest failure ("path:line\nmessage...") with the path shortened, at most `max` lines.
std::string tidy_failure(const Workspace& ws, const std::string& failure, std::size_t max = 8) {
    auto lines = lines_of(failure);
    if (!lines.empty()) {
        static const std::regex kWhere(R"(^(.*?):(\d+)$)");
        std::smatch m;
        if (std::regex_match(lines[0], m, kWhere)) {
            lines[0] = fmt::format("at {}:{}", display_path(ws, m[1].str()), m[2].str());
        }
    }
    if (lines.size() > max) {
        lines.resize(max);
        lines.emplace_back("...");
    }
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "\n    ") + l;
    return out;
}

/// Is this path one of the student's files (inside the stage folder)?
bool is_student_path(const Workspace& ws, const std::string& path) {
    const std::string shown = display_path(ws, path);
    return shown != path && shown.rfind("harness/", 0) != 0 &&
           shown.find('/') != std::string::npos &&
           std::isdigit(static_cast<unsigned char>(shown[0])) != 0;
}

/// Line `line` of a file, trimmed, or empty.
std::string source_line(const std::string& path, int line) {
    const auto lines = lines_of(read_file(path));
    if (line < 1 || static_cast<std::size_t>(line) > lines.size()) return {};
    std::string s = lines[static_cast<std::size_t>(line - 1)];
    s.erase(0, s.find_first_not_of(" \t"));
    return s;
}

/// ": `code`" quoting line `line` of a file after a file:line, or empty when the line is unknown.
std::string quoted_source(const std::string& path, int line) {
    const std::string code = source_line(path, line);
    return code.empty() ? std::string() : ": `" + code + "`";
}

/// Summarises gdb's "thread apply all bt" output: for each thread, its innermost frame in the
/// student's code (or, failing that, its innermost named frame).
std::vector<std::string> summarise_backtraces(const Workspace& ws, const std::string& text) {
    static const std::regex kThread(R"(^Thread (\d+) .*$)");
    static const std::regex kFrame(R"(^#\d+\s+(?:0x[0-9a-f]+ in )?(.+?) \(.*\) at (\S+):(\d+)$)");
    std::vector<std::string> out;
    std::string thread;
    bool found = false;
    std::string waiting;
    for (const auto& line : lines_of(text)) {
        std::smatch m;
        if (std::regex_match(line, m, kThread)) {
            thread = m[1].str();
            found = false;
            waiting.clear();
        } else if (!thread.empty() && !found && std::regex_match(line, m, kFrame)) {
            const std::string fn = m[1].str();
            // The library frame closest to the student's code says what the thread waits on.
            if ((fn.find("wait") != std::string::npos || fn.find("lock") != std::string::npos ||
                 fn.find("sleep") != std::string::npos || fn.find("join") != std::string::npos)) {
                waiting = fn;
            }
            if (is_student_path(ws, m[2].str())) {
                const int line_no = std::stoi(m[3].str());
                out.push_back(fmt::format("thread {} {} in {} at {}:{}{}", thread,
                                          waiting.empty() ? "is" : "waits (" + waiting + ")", fn,
                                          display_path(ws, m[2].str()), line_no,
                                          quoted_source(m[2].str(), line_no)));
                found = true;
            }
        }
    }
    return out;
}

std::string describe_access(const Workspace& ws, const SanitizerAccess& a) {
    const SanitizerFrame* pick = nullptr;
    for (const auto& f : a.frames) {
        if (is_student_path(ws, f.file)) {
            pick = &f;
            break;
        }
    }
    if (pick == nullptr && !a.frames.empty()) pick = &a.frames.front();
    if (pick == nullptr) return fmt::format("{} by {}", a.what, a.thread);
    return fmt::format("{} by {} in {} at {}:{}{}", a.what, a.thread, pick->function,
                       display_path(ws, pick->file), pick->line,
                       quoted_source(pick->file, pick->line));
}

/// The first line of `text` containing `needle`, trimmed, or empty.
std::string first_line_with(const std::string& text, const std::string& needle) {
    for (auto& line : lines_of(text)) {
        if (line.find(needle) == std::string::npos) continue;
        line.erase(0, line.find_first_not_of(" \t"));
        return line;
    }
    return {};
}

/// The TSan runtime died on its own: a FATAL line, or no test ever started (a runtime that
/// fails at start-up kills the binary before main()).
bool tsan_runtime_failed(const TestBinaryRun& run, const std::string& all) {
    if (all.find("FATAL: ThreadSanitizer") != std::string::npos) return true;
    const bool nothing_ran = run.progress.started.empty() && !run.results;
    return nothing_ran && run.process.termination != Termination::timed_out &&
           all.find("ThreadSanitizer: CHECK failed") != std::string::npos;
}

/// An ASan/UBSan access or site: "READ of size 8 by thread T3 in Queue::pop() at
/// 04-producer-consumer/bounded_queue.hpp:77: code", preferring the student's frame.
std::string describe_asan_access(const Workspace& ws, const SanitizerAccess& a) {
    const SanitizerFrame* pick = nullptr;
    for (const auto& f : a.frames) {
        if (is_student_path(ws, f.file)) {
            pick = &f;
            break;
        }
    }
    if (pick == nullptr && !a.frames.empty()) pick = &a.frames.front();
    const std::string who = a.thread.empty() ? "" : " by " + a.thread;
    if (pick == nullptr) return a.what + who;
    return fmt::format(
        "{}{}{} at {}:{}{}", a.what, who, pick->function.empty() ? "" : " in " + pick->function,
        display_path(ws, pick->file), pick->line, quoted_source(pick->file, pick->line));
}

/// The student's file and line of an access, for the JSON report (the first frame otherwise).
nlohmann::json access_json(const Workspace& ws, const SanitizerAccess& a) {
    nlohmann::json j{{"what", a.what}, {"thread", a.thread}};
    const SanitizerFrame* pick = nullptr;
    for (const auto& f : a.frames) {
        if (is_student_path(ws, f.file)) {
            pick = &f;
            break;
        }
    }
    if (pick == nullptr && !a.frames.empty()) pick = &a.frames.front();
    if (pick != nullptr) {
        j["file"] = display_path(ws, pick->file);
        j["line"] = pick->line;
        j["function"] = pick->function;
    }
    return j;
}

std::string count_tests(int passed, int total) {
    return fmt::format("{} of {} test{} pass", passed, total, total == 1 ? "" : "s");
}

}  // namespace

CheckResult judge_tests(const TestBinaryRun& run, int points, const Workspace& ws) {
    CheckResult c;
    c.name = "tests";
    c.max_score = points;
    c.seconds = static_cast<double>(run.process.elapsed.count()) / 1000.0;
    const ProcessOutcome& p = run.process;
    int total = static_cast<int>(run.listed.size());
    int passed = 0;
    const bool normal_exit =
        p.termination == Termination::exited && (p.exit_code == 0 || p.exit_code == 1);

    // A test that started and never ended means the binary stopped mid-run: whatever results
    // file exists then was not written by GoogleTest at the end of the run.
    const bool stopped_mid_test = run.progress.running().has_value();
    if (run.results && normal_exit && !run.premature_exit && !stopped_mid_test) {
        total = std::max(total, static_cast<int>(run.results->tests.size()));
        passed = run.results->passed();
        for (const auto& t : run.results->tests) {
            if (t.passed) continue;
            const std::string first =
                t.failures.empty() ? "did not pass" : tidy_failure(ws, t.failures.front());
            c.details.push_back(fmt::format("{}: {}", t.name, first));
            c.data["failed"].push_back(t.name);
        }
        c.message = count_tests(passed, total);
        // Lead with the harness's plain-words message: the last line of the first failure.
        for (const auto& t : run.results->tests) {
            if (t.passed) continue;
            const auto failure_lines =
                t.failures.empty() ? std::vector<std::string>{} : lines_of(t.failures.front());
            c.message += fmt::format(". First failure: {}: {}", t.name,
                                     failure_lines.empty() ? "did not pass" : failure_lines.back());
            break;
        }
    } else {
        for (const auto& [name, ok] : run.progress.ended) passed += ok ? 1 : 0;
        const auto running = run.progress.hung ? run.progress.hung : run.progress.running();
        const std::string during = running ? fmt::format(" during {}", *running) : "";
        if (p.termination == Termination::failed_to_start) {
            c.status = CheckStatus::error;
            c.message = "could not run the test binary: " + p.start_error;
        } else if (total == 0 && p.ok()) {
            c.message = "the test binary ran no test";
        } else if (total == 0) {
            c.message =
                fmt::format("the test binary could not even list its tests: it {}", p.describe());
        } else if (p.termination == Termination::timed_out ||
                   (p.termination == Termination::exited && p.exit_code == kWatchdogExitCode)) {
            const double limit = p.termination == Termination::timed_out
                                     ? static_cast<double>(p.elapsed.count()) / 1000.0
                                     : 0;
            c.message = running
                            ? fmt::format("timed out, likely deadlock: {} never finished", *running)
                            : std::string(
                                  "timed out, likely deadlock (no test was running: a hang outside "
                                  "the tests)");
            if (limit > 0)
                c.message += fmt::format(" (the binary was killed after {:.0f} s)", limit);
            for (auto& line : summarise_backtraces(ws, p.err)) c.details.push_back(std::move(line));
            c.data["hung_test"] = running.value_or("");
        } else if (!p.limit_exceeded.empty()) {
            c.message = fmt::format("{}{}", p.limit_exceeded,
                                    running ? fmt::format(" (during {})", *running) : "");
        } else if (p.termination == Termination::signaled) {
            c.message = fmt::format("crashed{}: {}", during, p.describe());
        } else if (run.premature_exit) {
            c.message = fmt::format(
                "the test binary stopped{}: exit() or quick_exit() was called before the tests "
                "finished",
                during);
        } else if (run.results && stopped_mid_test) {
            c.message = fmt::format(
                "the test binary stopped{} before its tests finished; the results file it left "
                "was not written by the test framework and is ignored",
                during);
        } else if (p.termination == Termination::exited && p.exit_code != 0 && p.exit_code != 1) {
            c.message = fmt::format(
                "the test binary {}{} (an uncaught exception or std::terminate prints above)",
                p.describe(), during);
        } else {
            c.message = fmt::format("the test binary {} without writing its results{}",
                                    p.describe(), during);
        }
        if (c.status != CheckStatus::error) {
            c.message = fmt::format("{}; {}", c.message, count_tests(passed, total));
        }
        // The tail of what the binary printed is the best evidence left.
        auto err_lines = lines_of(p.err);
        const std::size_t keep = std::min<std::size_t>(err_lines.size(), 15);
        for (std::size_t i = err_lines.size() - keep; i < err_lines.size(); ++i) {
            c.data["stderr_tail"].push_back(err_lines[i]);
        }
    }
    if (p.dropped_bytes > 0)
        c.details.push_back(fmt::format("(output flood: {} bytes were dropped)", p.dropped_bytes));
    c.data["passed"] = passed;
    c.data["total"] = total;
    if (c.status != CheckStatus::error)
        c.status = total > 0 && passed == total ? CheckStatus::pass : CheckStatus::fail;
    c.score = total > 0 ? points * static_cast<double>(passed) / total : 0;
    if (c.status == CheckStatus::error) c.score = 0;
    return c;
}

CheckResult judge_tsan(const TestBinaryRun& run, int points, bool tests_passed,
                       const Workspace& ws) {
    CheckResult c;
    c.name = "tsan";
    c.max_score = points;
    c.seconds = static_cast<double>(run.process.elapsed.count()) / 1000.0;
    for (const auto& n : run.notes) c.details.push_back(n);
    const std::string all = run.sanitizer_log + run.process.err;
    const auto reports = parse_tsan_reports(all);
    std::set<std::string> seen;
    for (const auto& r : reports) {
        if (!seen.insert(r.summary).second) continue;
        std::string line = r.kind;
        for (std::size_t i = 0; i < r.accesses.size() && i < 2; ++i) {
            line += (i == 0 ? ": " : "; ") + describe_access(ws, r.accesses[i]);
        }
        c.details.push_back(line);
        c.data["reports"].push_back(
            nlohmann::json{{"kind", r.kind}, {"summary", r.summary}, {"text", r.text}});
    }
    const ProcessOutcome& p = run.process;
    if (!reports.empty()) {
        c.status = CheckStatus::fail;
        c.message = fmt::format("ThreadSanitizer reported {} problem{} ({} distinct); first: {}",
                                reports.size(), reports.size() == 1 ? "" : "s", seen.size(),
                                c.details[run.notes.size()]);
        c.score = 0;
        return c;
    }
    if ((all.find("ThreadSanitizer") != std::string::npos && run.listed.empty()) ||
        tsan_runtime_failed(run, all)) {
        c.status = CheckStatus::error;
        c.message =
            "ThreadSanitizer could not start, so races were not checked (not the student's fault). "
            "Try: sudo sysctl vm.mmap_rnd_bits=28, or make sure clang's TSan runtime "
            "(libclang-rt-dev) is installed";
        const std::string fatal = first_line_with(all, "FATAL: ThreadSanitizer");
        if (!fatal.empty()) c.message += fmt::format(" (it said: {})", fatal);
        c.infrastructure = true;
        c.details.push_back(all.substr(0, 2000));
        return c;
    }
    if (p.termination == Termination::timed_out || p.termination == Termination::signaled ||
        (p.termination == Termination::exited && p.exit_code == kWatchdogExitCode)) {
        CheckResult as_tests = judge_tests(run, 0, ws);
        c.status = CheckStatus::fail;
        c.message = "under ThreadSanitizer the tests " + as_tests.message;
        for (auto& d : as_tests.details) c.details.push_back(std::move(d));
        return c;
    }
    if (p.termination == Termination::failed_to_start) {
        c.status = CheckStatus::error;
        c.message = "could not run the ThreadSanitizer build: " + p.start_error;
        return c;
    }
    if (!tests_passed) {
        c.status = CheckStatus::skipped;
        c.message =
            "no data race found, but these points need every correctness test to pass first";
        return c;
    }
    c.status = CheckStatus::pass;
    c.score = points;
    c.message = "no data race found";
    if (run.results && run.results->failed() > 0) {
        c.details.push_back(
            fmt::format("note: {} test(s) failed in the sanitizer build (slower timing); races are "
                        "what this check grades",
                        run.results->failed()));
    }
    return c;
}

CheckResult judge_asan(const TestBinaryRun& run, int points, bool tests_passed,
                       const Workspace& ws) {
    CheckResult c;
    c.name = "asan";
    c.max_score = points;
    c.seconds = static_cast<double>(run.process.elapsed.count()) / 1000.0;
    for (const auto& n : run.notes) c.details.push_back(n);
    const std::string all = run.sanitizer_log + run.process.err;
    const auto reports = parse_asan_reports(all);
    std::set<std::string> seen;
    std::string first;
    for (const auto& r : reports) {
        if (!seen.insert(r.summary.empty() ? r.text : r.summary).second) continue;
        // The bad access, then where the memory was freed (or, for a leak, allocated).
        // UBSan's message already says what went wrong: "undefined behaviour: <message> in...".
        std::string line =
            r.kind.rfind("undefined behaviour", 0) == 0 ? "undefined behaviour" : r.kind;
        const SanitizerAccess* site = nullptr;
        for (const auto& a : r.accesses) {
            if (a.what == "freed" || a.what.rfind("stack object", 0) == 0) site = &a;
        }
        if (!r.accesses.empty()) line += ": " + describe_asan_access(ws, r.accesses.front());
        if (site != nullptr && site != &r.accesses.front())
            line += "; " + describe_asan_access(ws, *site);
        if (first.empty()) first = line;
        c.details.push_back(line);
        nlohmann::json accesses = nlohmann::json::array();
        for (const auto& a : r.accesses) accesses.push_back(access_json(ws, a));
        c.data["reports"].push_back(nlohmann::json{
            {"kind", r.kind}, {"summary", r.summary}, {"accesses", accesses}, {"text", r.text}});
    }
    const ProcessOutcome& p = run.process;
    if (!reports.empty()) {
        c.status = CheckStatus::fail;
        c.message = fmt::format("AddressSanitizer/UBSan reported {} problem{}; first: {}",
                                reports.size(), reports.size() == 1 ? "" : "s", first);
        return c;
    }
    const bool nothing_ran = run.progress.started.empty() && !run.results;
    const bool runtime_spoke =
        all.find("Sanitizer") != std::string::npos || all.find("ASan") != std::string::npos;
    if (p.termination == Termination::failed_to_start) {
        c.status = CheckStatus::error;
        c.message = "could not run the AddressSanitizer build: " + p.start_error;
        c.infrastructure = true;
        return c;
    }
    // The release build listed and ran these tests: a sanitizer build that cannot even list
    // them failed in its runtime, not in the student's code.
    if (((runtime_spoke && nothing_ran) || run.listed.empty()) &&
        p.termination != Termination::timed_out) {
        c.status = CheckStatus::error;
        c.message =
            "the AddressSanitizer runtime could not start, so memory errors were not checked (not "
            "the student's fault). Try: sudo sysctl vm.mmap_rnd_bits=28, or make sure clang's "
            "sanitizer runtime (libclang-rt-dev) is installed";
        c.infrastructure = true;
        c.details.push_back(all.substr(0, 2000));
        return c;
    }
    if (p.termination == Termination::timed_out || p.termination == Termination::signaled ||
        (p.termination == Termination::exited &&
         (p.exit_code == kWatchdogExitCode || p.exit_code == kAsanExitCode))) {
        CheckResult as_tests = judge_tests(run, 0, ws);
        c.status = CheckStatus::fail;
        c.message = "under AddressSanitizer the tests " + as_tests.message;
        for (auto& d : as_tests.details) c.details.push_back(std::move(d));
        if (as_tests.data.contains("stderr_tail"))
            c.data["stderr_tail"] = as_tests.data["stderr_tail"];
        return c;
    }
    if (!tests_passed) {
        c.status = CheckStatus::skipped;
        c.message =
            "no memory error found, but these points need every correctness test to pass first";
        return c;
    }
    c.status = CheckStatus::pass;
    c.score = points;
    c.message = "no memory error, leak or undefined behaviour found";
    if (run.results && run.results->failed() > 0) {
        c.details.push_back(fmt::format(
            "note: {} test(s) failed in the sanitizer build (slower timing); memory errors are "
            "what this check grades",
            run.results->failed()));
    }
    return c;
}

CheckResult judge_timing(const TimingSpec& spec,
                         const std::map<std::string, BenchmarkSamples>& samples) {
    CheckResult c;
    c.name = "timing";
    c.max_score = spec.points;
    c.status = CheckStatus::pass;
    const double share =
        spec.comparisons.empty() ? 0.0 : spec.points / static_cast<double>(spec.comparisons.size());
    auto stat = [&](const std::vector<double>& v) {
        return spec.statistic == "median" ? median(v) : minimum(v);
    };
    auto spread = [](const std::vector<double>& v) {
        const double lo = minimum(v);
        return lo > 0 ? (median(v) - lo) / lo : 0.0;
    };
    auto series = [&](const BenchmarkSamples& s,
                      const Comparison& cmp) -> const std::vector<double>& {
        return cmp.metric == "cpu_time" ? s.cpu_time_ns : s.real_time_ns;
    };
    auto available = [&] {
        std::string names;
        for (const auto& [name, s] : samples) names += (names.empty() ? "" : ", ") + name;
        return names;
    };
    bool inconclusive = false;
    // The fewest free cores a comparison that missed full credit ran with, when too few.
    std::optional<double> starved_cores;
    std::vector<std::string> summaries;
    for (const auto& cmp : spec.comparisons) {
        const auto student = samples.find(cmp.student);
        if (student == samples.end()) {
            c.status = CheckStatus::error;
            c.message = fmt::format("benchmark \"{}\" is missing from the results (found: {})",
                                    cmp.student, available());
            c.score = 0;
            return c;
        }
        double ratio = 0;
        double worst_spread = 0;
        // The ratio most favourable to the student that the samples allow: noise only adds
        // time, so the student's fastest run against the baseline's slowest run.
        double best_case = 0;
        if (!cmp.baseline.empty()) {
            const auto baseline = samples.find(cmp.baseline);
            if (baseline == samples.end()) {
                c.status = CheckStatus::error;
                c.message = fmt::format("baseline \"{}\" is missing from the results (found: {})",
                                        cmp.baseline, available());
                c.score = 0;
                return c;
            }
            const auto& s = series(student->second, cmp);
            const auto& b = series(baseline->second, cmp);
            ratio = stat(b) > 0 ? stat(s) / stat(b) : 0;
            worst_spread = std::max(spread(s), spread(b));
            best_case = maximum(b) > 0 ? minimum(s) / maximum(b) : 0;
        } else {
            const auto counter = student->second.counters.find(cmp.counter);
            if (counter == student->second.counters.end()) {
                c.status = CheckStatus::error;
                c.message = fmt::format("counter \"{}\" is missing from benchmark \"{}\"",
                                        cmp.counter, cmp.student);
                c.score = 0;
                return c;
            }
            ratio = stat(counter->second);
            worst_spread = spread(counter->second);
            best_case = minimum(counter->second);
        }
        double cores = 0;
        if (spec.min_free_cores > 0) {
            const auto free = student->second.counters.find("free_cores");
            if (free == student->second.counters.end()) {
                c.status = CheckStatus::error;
                c.message = fmt::format(
                    "counter \"free_cores\" is missing from benchmark \"{}\" (exercise.yaml "
                    "sets min_free_cores)",
                    cmp.student);
                c.score = 0;
                return c;
            }
            cores = median(free->second);
        }
        double fraction =
            (cmp.zero_credit_ratio - ratio) / (cmp.zero_credit_ratio - cmp.full_credit_ratio);
        fraction = std::clamp(fraction, 0.0, 1.0);
        const bool noisy = worst_spread > spec.max_spread;
        // Noise makes a verdict doubtful only when it could have changed it: a comparison whose
        // most favourable ratio still earns no credit is judged however noisy the machine.
        const bool no_credit_in_any_case = best_case >= cmp.zero_credit_ratio;
        if (noisy && fraction < 1.0 && !no_credit_in_any_case) inconclusive = true;
        // Too few free cores bias the ratio itself (not just its spread), so no bound on the
        // repetitions can rescue the verdict: only full credit stands.
        const bool starved = spec.min_free_cores > 0 && cores < spec.min_free_cores;
        if (starved && fraction < 1.0) {
            inconclusive = true;
            starved_cores = std::min(cores, starved_cores.value_or(cores));
        }
        c.score += share * fraction;
        if (fraction < 1.0) c.status = CheckStatus::fail;
        const std::string verdict = fraction >= 1.0 ? "full credit"
                                    : fraction <= 0.0
                                        ? "no credit"
                                        : fmt::format("{:.0f}% credit", fraction * 100);
        summaries.push_back(
            fmt::format("{}: ratio {:.2f} (full credit at <= {:.2f}, none at >= {:.2f}, {} of {} "
                        "runs) -> {}{}{}",
                        cmp.name, ratio, cmp.full_credit_ratio, cmp.zero_credit_ratio,
                        spec.statistic, spec.repetitions, verdict,
                        noisy ? fmt::format(" [noisy: spread {:.0f}%]", worst_spread * 100) : "",
                        starved ? fmt::format(" [busy machine: {:.2f} free cores]", cores) : ""));
        c.comparisons.push_back(TimingComparison{
            cmp.name, ratio, cmp.full_credit_ratio, cmp.zero_credit_ratio, fraction, worst_spread,
            spec.min_free_cores > 0 ? std::optional<double>(cores) : std::nullopt});
    }
    c.details = summaries;
    c.inconclusive = inconclusive;
    if (inconclusive && starved_cores) {
        c.status = CheckStatus::error;
        c.message = fmt::format(
            "inconclusive: the machine was too busy to judge the speed (the benchmark's threads "
            "got {:.2f} cores, it needs {:.2f}); regrade on a quieter machine",
            *starved_cores, spec.min_free_cores);
    } else if (inconclusive) {
        c.status = CheckStatus::error;
        c.message = "inconclusive: the machine was too noisy to judge the speed (spread above " +
                    fmt::format("{:.0f}%", spec.max_spread * 100) +
                    "); regrade on a quieter machine";
    } else if (c.status == CheckStatus::pass) {
        c.message =
            summaries.size() == 1 ? summaries.front() : "every comparison earns full credit";
    } else {
        // Lead with the first comparison that missed full credit.
        std::size_t first_miss = 0;
        while (first_miss + 1 < summaries.size() && c.comparisons[first_miss].fraction >= 1.0) {
            ++first_miss;
        }
        c.message = summaries[first_miss];
        if (!spec.advice.empty()) c.details.push_back("idea: " + spec.advice);
    }
    return c;
}

bool timing_inconclusive(const CheckResult& timing) {
    return timing.inconclusive;
}

CheckResult judge_build_failure(const BuildOutcome& build, const Workspace& ws,
                                const std::string& what) {
    CheckResult c;
    c.name = "build";
    c.status = CheckStatus::fail;
    c.seconds = build.seconds;
    const auto errors = parse_compiler_errors(build.output);
    std::vector<Diagnostic> picked;
    for (const auto& d : errors) {
        if (is_student_path(ws, d.file)) picked.push_back(d);
    }
    if (picked.empty()) picked = errors;
    for (std::size_t i = 0; i < picked.size() && i < 5; ++i) {
        const auto& d = picked[i];
        c.details.push_back(fmt::format("{}:{}:{}: error: {}", display_path(ws, d.file), d.line,
                                        d.column, d.message));
        c.errors.push_back(SourceError{display_path(ws, d.file), d.line, d.column, d.message});
    }
    if (build.infrastructure) {
        c.status = CheckStatus::error;
        c.message = fmt::format(
            "could not configure the build tree (an installation problem, not the student's code): "
            "{}",
            build.command);
        c.infrastructure = true;
        auto lines = lines_of(build.output);
        const std::size_t keep = std::min<std::size_t>(lines.size(), 20);
        for (std::size_t i = lines.size() - keep; i < lines.size(); ++i)
            c.details.push_back(lines[i]);
        return c;
    }
    if (picked.empty()) {
        auto lines = lines_of(build.output);
        const std::size_t keep = std::min<std::size_t>(lines.size(), 20);
        for (std::size_t i = lines.size() - keep; i < lines.size(); ++i)
            c.details.push_back(lines[i]);
        c.message = fmt::format("{} failed ({})", what, build.command);
    } else {
        c.message = fmt::format("{} failed: {} error{}; first: {}", what, errors.size(),
                                errors.size() == 1 ? "" : "s", c.details.front());
    }
    return c;
}

}  // namespace interleave
