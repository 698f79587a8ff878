// interleave: the grader's command line. main() reads as the pipeline it runs:
// course -> plan -> grade (build, run, judge, score) -> reporters.
#include "commands/check.hpp"
#include "commands/console.hpp"
#include "commands/export.hpp"
#include "commands/hint.hpp"
#include "commands/list.hpp"
#include "commands/package.hpp"
#include "commands/reset.hpp"
#include "commands/review.hpp"
#include "commands/state.hpp"
#include "commands/watch.hpp"
#include "course/course.hpp"
#include "grade/grade.hpp"
#include "process/process.hpp"
#include "report/reporter.hpp"
#include "grade/verify.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

constexpr int kExitInfrastructure = 2;

/// Ctrl-C or SIGTERM: kill every child's process group, then leave.
void install_interrupt_handler() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set] {
        int sig = 0;
        sigwait(&set, &sig);
        PosixProcessRunner::kill_all_running();
        std::cerr << "\ninterrupted: every test process was stopped\n";
        std::_Exit(128 + sig);
    }).detach();
}

struct FormatTarget {
    std::string name;
    std::string path;  ///< empty: standard output
};

FormatTarget parse_format(const std::string& spec) {
    const auto colon = spec.find(':');
    return colon == std::string::npos ? FormatTarget{spec, ""}
                                      : FormatTarget{spec.substr(0, colon), spec.substr(colon + 1)};
}

std::vector<const Exercise*> select_katas(const Course& course,
                                          const std::vector<std::string>& names) {
    std::vector<const Exercise*> out;
    if (names.empty()) {
        for (const auto& e : course.exercises) out.push_back(&e);
        return out;
    }
    for (const auto& n : names) {
        const Exercise* e = course.find(n);
        if (e == nullptr) {
            std::string known;
            for (const auto& k : course.exercises) known += (known.empty() ? "" : ", ") + k.id;
            throw std::invalid_argument(fmt::format("unknown kata \"{}\" (known: {})", n, known));
        }
        out.push_back(e);
    }
    return out;
}

ProgressFn terminal_progress() {
    if (isatty(STDERR_FILENO) == 0) return {};
    return [](const std::string& kata, const std::string& stage) {
        std::cerr << fmt::format("\r\033[K  {} : {}...", kata, stage) << std::flush;
        if (stage == "done") std::cerr << "\r\033[K";
    };
}

/// Holds an exclusive lock on the build folder for the life of the process: two grader runs
/// sharing one build tree would overwrite each other's staged files and builds.
void lock_build_dir(const fs::path& build_root) {
    fs::create_directories(build_root);
    const std::string path = (build_root / ".lock").string();
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot create " + path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        std::cerr << "kata: another grading run is using " << build_root.string()
                  << "; waiting for it to finish\n";
        if (flock(fd, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + path);
    }
    // The descriptor stays open (and locked) until the process exits.
}

/// "terminal, json, junit, ...": every report format, for help and errors.
std::string format_list() {
    std::string out;
    for (const auto& n : report_format_names()) out += (out.empty() ? "" : ", ") + n;
    return out;
}

bool use_color() {
    return isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
}

bool infrastructure_failed(const GradeReport& report) {
    for (const auto& k : report.katas) {
        for (const auto& c : k.checks) {
            if (c.data.contains("infrastructure")) return true;
        }
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Interleave: auto-graded concurrency katas in C++20"};
    app.require_subcommand(1);
    std::string root = std::getenv("KATA_ROOT") != nullptr ? std::getenv("KATA_ROOT") : ".";
    std::string build_dir;
    app.add_option("--root", root, "Project root (the folder with course.yaml)");
    app.add_option("--build-dir", build_dir,
                   "Where build trees and staged files go (default ROOT/build/grade)");

    // grade
    auto* grade = app.add_subcommand("grade", "Build and grade katas, print a report");
    std::vector<std::string> katas;
    bool solutions = false;
    std::string source;
    std::string mutant;
    std::vector<std::string> formats;
    bool no_tsan = false;
    bool no_timing = false;
    bool verbose = false;
    int jobs = 0;
    double fail_under = -1;
    double test_timeout = 0;
    grade->add_option("katas", katas, "Kata ids or folder names (default: all)");
    auto* sol = grade->add_flag("--solutions", solutions, "Grade solutions/ instead of exercises/");
    grade->add_option("--source", source, "Take student files from DIR/<NN-name>/")
        ->check(CLI::ExistingDirectory)
        ->excludes(sol);
    grade
        ->add_option("--mutant", mutant,
                     "Grade the reference with tests/mutants/<id>/NAME/ over it (one kata)")
        ->excludes(sol);
    grade->add_option(
        "--format", formats,
        "Report format NAME[:PATH] (" + format_list() + "); repeatable (docs/report-formats.md)");
    grade->add_flag("--no-tsan", no_tsan, "Skip the ThreadSanitizer check");
    grade->add_flag("--no-timing", no_timing, "Skip the timing check");
    bool no_asan = false;
    grade->add_flag("--no-asan", no_asan, "Skip the AddressSanitizer + UBSan check");
    grade->add_flag("--verbose,-v", verbose, "Show every detail line");
    grade->add_option("--jobs,-j", jobs, "Build parallelism")->check(CLI::NonNegativeNumber);
    grade
        ->add_option("--test-timeout", test_timeout,
                     "Per-test watchdog in seconds (default: from exercise.yaml)")
        ->check(CLI::PositiveNumber);
    bool isolate = false;
    bool no_isolation = false;
    auto* isolate_flag = grade->add_flag(
        "--isolate", isolate,
        "Also cut the network of student code, and fail where bubblewrap cannot run (by "
        "default student code sees a read-only filesystem wherever bubblewrap works)");
    grade
        ->add_flag("--unsafe-no-isolation", no_isolation,
                   "Never use bubblewrap: student code may write wherever you may (the grading "
                   "tree is still checked after each kata)")
        ->excludes(isolate_flag);
    long long memory_limit = 0;
    grade
        ->add_option("--memory-limit", memory_limit,
                     "Resident memory a test binary may use, in MiB (default 2048; x3 under TSan)")
        ->check(CLI::PositiveNumber);
    grade->add_option("--fail-under", fail_under, "Exit 1 when the score is below PERCENT")
        ->check(CLI::Range(0.0, 100.0));

    // verify
    auto* verify = app.add_subcommand(
        "verify", "Check references (full marks), stubs (0 on tests) and mutants");
    std::vector<std::string> verify_katas;
    std::string mutant_filter;
    bool verify_no_timing = false;
    verify->add_option("katas", verify_katas, "Kata ids or folder names (default: all)");
    verify->add_option("--mutant", mutant_filter, "Only mutants whose name contains this");
    verify->add_flag("--no-timing", verify_no_timing,
                     "Skip timing for the reference (mutants that need it still run it)");
    verify->add_option("--jobs,-j", jobs, "Build parallelism")->check(CLI::NonNegativeNumber);
    bool verify_all_checks = false;
    verify->add_flag("--all-checks", verify_all_checks,
                     "Run TSan and timing on every mutant too, not only the checks its "
                     "expect.yaml names (a fuller mutant matrix, several times slower)");
    std::string verify_part = "all";
    verify
        ->add_option("--part", verify_part,
                     "all; timed: the references and the mutants a timing check catches (give "
                     "it a quiet machine); untimed: the stubs and every other mutant")
        ->check(CLI::IsMember({"all", "timed", "untimed"}));
    int verify_runs = 1;
    double safety_factor = 0;
    verify->add_option("--runs", verify_runs, "Grade each reference N times (default 1)")
        ->check(CLI::PositiveNumber);
    verify
        ->add_option("--safety-factor", safety_factor,
                     "Exit 1 when a timing comparison's margin (full-credit ratio / worst "
                     "ratio) is below F (default 0: off)")
        ->check(CLI::NonNegativeNumber);

    // export
    auto* export_cmd =
        app.add_subcommand("export", "Write a student template repository (no solutions)");
    ExportOptions export_options;
    export_cmd->add_option("dest", export_options.destination, "An empty or new folder")
        ->required();
    export_cmd->add_flag("--force", export_options.force, "Replace the contents of DEST");

    // selftest
    auto* selftest = app.add_subcommand("selftest", "Run the project's own test suite (CTest)");

    // package
    auto* package =
        app.add_subcommand("package", "Bundle the course for Gradescope or PrairieLearn");
    std::string package_target;
    std::string package_out;
    package->add_option("target", package_target, "gradescope or prairielearn")
        ->required()
        ->check(CLI::IsMember(package_targets()));
    package->add_option("out", package_out, "OUT.zip (or a folder, for PrairieLearn)")->required();
    // review
    ReviewCommand review(app);
    // student commands
    auto* list = app.add_subcommand("list", "Every kata: status, last score, next check to pass");
    auto* check = app.add_subcommand("check", "Grade one kata (default: the current one)");
    CheckOptions check_options;
    bool check_no_tsan = false;
    bool check_no_timing = false;
    check->add_option("kata", check_options.kata, "Kata id or folder (default: the current one)");
    check->add_flag("--no-tsan", check_no_tsan, "Skip the ThreadSanitizer check");
    check->add_flag("--no-timing", check_no_timing, "Skip the timing check");
    check->add_flag("--verbose,-v", check_options.verbose, "Show every detail line");
    check->add_flag("--trace", check_options.trace,
                    "Also write build/trace/KATA.{student,reference}.json (url-pipeline)");
    auto* hint = app.add_subcommand("hint", "Show one more hint for a kata (default: current)");
    std::string hint_kata;
    hint->add_option("kata", hint_kata, "Kata id or folder (default: the current one)");
    auto* reset = app.add_subcommand("reset", "Back up your files of a kata, restore its stub");
    std::string reset_name;
    bool reset_yes = false;
    reset->add_option("kata", reset_name, "Kata id or folder")->required();
    reset->add_flag("--yes,-y", reset_yes, "Do not ask for confirmation");
    auto* watch = app.add_subcommand("watch", "Re-check the current kata each time you save");
    WatchOptions watch_options;
    watch->add_flag("--poll", watch_options.poll, "Look for changes every second (no inotify)");
    watch->add_flag("--manual", watch_options.manual, "Re-check only when Enter is pressed");
    watch->add_flag("--no-tsan", check_no_tsan, "Skip the ThreadSanitizer check");
    watch->add_flag("--no-timing", check_no_timing, "Skip the timing check");
    watch
        ->add_option("--source", watch_options.source,
                     "Watch and grade DIR/<NN-name>/ instead of exercises/")
        ->check(CLI::ExistingDirectory);

    CLI11_PARSE(app, argc, argv);
    install_interrupt_handler();
    adopt_orphans();

    try {
        const fs::path project = fs::absolute(root).lexically_normal();
        if (selftest->parsed()) {
            if (chdir(project.c_str()) != 0)
                throw std::runtime_error("cannot enter " + project.string());
            execlp("ctest", "ctest", "--preset", "grader", static_cast<char*>(nullptr));
            throw std::runtime_error("could not start ctest (is CMake installed?)");
        }
        if (review.parsed()) return review.run(project, build_dir);

        const Course course = load_course(project);
        if (package->parsed()) {
            PosixProcessRunner package_runner;
            return run_package(course, package_target, package_out, package_runner, std::cout);
        }
        if (export_cmd->parsed()) {
            PosixProcessRunner export_runner;
            return run_export(course, export_runner, export_options, std::cout);
        }
        Workspace ws{project,
                     build_dir.empty() ? project / "build" / "grade" : fs::absolute(build_dir)};
        const CommandContext ctx{course,
                                 project,
                                 ws,
                                 colour_wanted(isatty(STDOUT_FILENO) != 0, std::getenv("NO_COLOR")),
                                 isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0,
                                 progress_to(isatty(STDERR_FILENO) != 0, std::cerr)};
        PosixProcessRunner git_runner;
        GitStubSource stubs(git_runner, project);
        if (list->parsed()) return run_list(ctx, stubs);
        if (hint->parsed()) return run_hint(ctx, hint_kata);
        if (reset->parsed()) return run_reset(ctx, stubs, reset_name, reset_yes, ask_on_terminal);
        lock_build_dir(ws.build_root);
        PosixProcessRunner runner;
        Grader grader(course, runner, ws);
        check_options.tsan = watch_options.check.tsan = !check_no_tsan;
        check_options.timing = watch_options.check.timing = !check_no_timing;
        if (check->parsed()) return run_check(ctx, grader, runner, check_options);
        if (watch->parsed()) return run_watch(ctx, grader, watch_options);

        if (verify->parsed()) {
            VerifyOptions vo;
            vo.katas = select_katas(course, verify_katas);
            vo.timing = !verify_no_timing;
            vo.jobs = jobs;
            vo.mutant_filter = mutant_filter;
            vo.all_checks = verify_all_checks;
            vo.runs = verify_runs;
            vo.part = verify_part == "timed"     ? VerifyPart::timed
                      : verify_part == "untimed" ? VerifyPart::untimed
                                                 : VerifyPart::all;
            const bool color = use_color();
            const auto rows = verify_course(
                course, grader, vo,
                [&](const VerifyRow& r) {
                    const std::string mark = r.ok ? (color ? "\033[32mok  \033[0m" : "ok  ")
                                                  : (color ? "\033[31mBAD \033[0m" : "BAD ");
                    std::cout << fmt::format(
                        "{} {:<18} {:<28} expected {:<22} got: {} ({:.0f} s)\n", mark, r.kata,
                        r.subject, r.expected, r.observed, r.seconds);
                    if (!r.ok) std::cout << "     " << r.why << "\n";
                    std::cout << std::flush;
                },
                terminal_progress());
            const auto bad =
                std::count_if(rows.begin(), rows.end(), [](const VerifyRow& r) { return !r.ok; });
            std::cout << fmt::format("\nverify: {} of {} expectations hold\n",
                                     rows.size() - static_cast<std::size_t>(bad), rows.size());
            const std::string matrix = mutant_matrix(rows);
            if (!matrix.empty())
                std::cout << "\nmutant matrix (X: the check caught it; [ ]: the expected check)"
                          << matrix;
            std::cout << "\nreference margins (margin: full-credit ratio / worst ratio)"
                      << margins_section(rows);
            const auto thin = thin_margins(rows, safety_factor);
            for (const auto& t : thin) std::cout << "verify: " << t << "\n";
            return bad == 0 && thin.empty() ? 0 : 1;
        }

        GradeOptions go;
        go.katas = select_katas(course, katas);
        go.tsan = !no_tsan;
        go.timing = !no_timing;
        go.asan = !no_asan;
        go.jobs = jobs;
        go.test_timeout_seconds = test_timeout;
        go.isolation = isolate        ? Isolation::full
                       : no_isolation ? Isolation::none
                                      : Isolation::automatic;
        go.memory_limit_mib = memory_limit;
        if (!mutant.empty()) {
            if (go.katas.size() != 1)
                throw std::invalid_argument("--mutant needs exactly one kata");
            const fs::path dir = project / "tests" / "mutants" / go.katas[0]->id / mutant;
            if (!fs::is_directory(dir))
                throw std::invalid_argument("no mutant folder " + dir.string());
            go.layers = {{project / "solutions", true}, {dir, false}};
            go.source_label = "mutant " + mutant;
        } else if (solutions) {
            go.layers = {{project / "solutions", true}};
            go.source_label = "solutions";
        } else if (!source.empty()) {
            go.layers = {{fs::absolute(source), true}};
            go.source_label = source;
        } else {
            go.layers = {{project / "exercises", true}};
            go.source_label = "exercises";
        }
        const GradeReport report = grader.grade(go, terminal_progress());
        if (go.source_label == "exercises") remember_grade(project, course, report);

        if (formats.empty()) formats.emplace_back("terminal");
        const ReporterContext context = process_context();
        for (const auto& f : formats) {
            FormatTarget target = parse_format(f);
            const auto reporter = make_reporter(
                target.name, TerminalStyle{target.path.empty() && use_color(), verbose}, context);
            if (!reporter)
                throw std::invalid_argument(
                    fmt::format("unknown report format \"{}\" ({})", target.name, format_list()));
            std::ios::openmode mode = std::ios::out;
            if (target.path.empty()) {
                const DefaultDestination d = default_destination(target.name, context.env);
                target.path = d.path;
                if (d.append) mode |= std::ios::app;
            }
            if (target.path.empty()) {
                reporter->render(report, std::cout);
            } else {
                std::ofstream out(target.path, mode);
                if (!out)
                    throw std::runtime_error(
                        fmt::format("cannot write the {} report to {}", target.name, target.path));
                reporter->render(report, out);
            }
        }
        if (infrastructure_failed(report)) return kExitInfrastructure;
        if (fail_under >= 0 && report.max_score > 0 &&
            100.0 * report.score / report.max_score < fail_under)
            return 1;
        return 0;
    } catch (const MetadataError& e) {
        std::cerr << "error: bad course metadata: " << e.what() << "\n";
        return kExitInfrastructure;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitInfrastructure;
    }
}
