// Packages the course for an autograder platform: the course tree, the student-file manifest
// and the platform's entry scripts (kept as ordinary files under packaging/).
#include "commands/package.hpp"
#include "commands/command.hpp"
#include "course/course.hpp"
#include "process/process.hpp"

#include <fmt/format.h>

#include <iostream>

#include <algorithm>
#include <fstream>
#include <ostream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace interleave {

namespace {

/// Folders under tests/ that grading never reads.
bool excluded(const fs::path& relative) {
    const auto first = relative.begin();
    if (first == relative.end() || *first != "tests") return false;
    const auto second = std::next(first);
    return second != relative.end() && (*second == "mutants" || *second == "fixtures");
}

void copy_with_mode(const fs::path& from, const fs::path& to) {
    fs::create_directories(to.parent_path());
    std::error_code ec;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec)
        throw std::runtime_error(fmt::format("package: cannot copy {} to {}: {}", from.string(),
                                             to.string(), ec.message()));
    // Same mode (the scripts stay executable) and same time stamps (unpacking a new package over
    // an old one does not make a build tree recompile what did not change).
    fs::permissions(to, fs::status(from).permissions(), ec);
    fs::last_write_time(to, fs::last_write_time(from), ec);
}

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) throw std::runtime_error("package: cannot write " + path.string());
}

bool is_zip(const fs::path& out) {
    return out.extension() == ".zip";
}

}  // namespace

const std::vector<std::string>& package_targets() {
    static const std::vector<std::string> targets{"gradescope", "prairielearn"};
    return targets;
}

std::vector<fs::path> package_inputs(const fs::path& project) {
    static const std::vector<std::string> roots{
        "course.yaml", "CMakeLists.txt", "CMakePresets.json", "kata",  "cmake",
        "grader",      "harness",        "exercises",         "tests", "packaging"};
    std::vector<fs::path> files;
    for (const auto& r : roots) {
        const fs::path top = project / r;
        if (fs::is_regular_file(top)) {
            files.emplace_back(r);
            continue;
        }
        if (!fs::is_directory(top))
            throw std::runtime_error(
                fmt::format("package: {} is missing from the course tree", top.string()));
        for (const auto& e : fs::recursive_directory_iterator(top)) {
            if (!e.is_regular_file()) continue;
            const fs::path rel = e.path().lexically_relative(project);
            if (!excluded(rel)) files.push_back(rel);
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string student_file_manifest(const Course& course) {
    std::string text;
    for (const auto& e : course.exercises) {
        for (const auto& f : e.student_files) text += e.folder + "/" + f + "\n";
    }
    return text;
}

void lay_out_package(const Course& course, const std::string& target, const fs::path& dir) {
    if (std::find(package_targets().begin(), package_targets().end(), target) ==
        package_targets().end())
        throw std::invalid_argument(
            fmt::format("unknown package target \"{}\" (gradescope, prairielearn)", target));
    if (fs::exists(dir) && !fs::is_empty(dir))
        throw std::runtime_error(
            fmt::format("package: {} already exists and is not empty", dir.string()));
    fs::create_directories(dir);
    for (const auto& rel : package_inputs(course.root))
        copy_with_mode(course.root / rel, dir / rel);
    const fs::path platform = course.root / "packaging" / target;
    for (const auto& e : fs::directory_iterator(platform)) {
        if (e.is_regular_file()) copy_with_mode(e.path(), dir / e.path().filename());
    }
    write_text(dir / "student_files.txt", student_file_manifest(course));
}

void zip_directory(const fs::path& dir, const fs::path& zip, ProcessRunner& runner) {
    std::vector<std::string> entries;
    for (const auto& e : fs::directory_iterator(dir)) entries.push_back(e.path().filename());
    std::sort(entries.begin(), entries.end());
    ProcessSpec spec;
    spec.argv = {"cmake", "-E", "tar", "cf", fs::absolute(zip).string(), "--format=zip", "--"};
    spec.argv.insert(spec.argv.end(), entries.begin(), entries.end());
    spec.env = base_environment();
    spec.cwd = dir;
    spec.deadline = std::chrono::minutes(2);
    const ProcessOutcome outcome = runner.run(spec);
    if (!outcome.ok())
        throw std::runtime_error(fmt::format("package: `cmake -E tar cf {} --format=zip` {}: {}{}",
                                             zip.string(), outcome.describe(), outcome.err,
                                             outcome.start_error));
}

int run_package(const Course& course, const std::string& target, const fs::path& out,
                ProcessRunner& runner, std::ostream& log) {
    const fs::path absolute = fs::absolute(out).lexically_normal();
    if (!is_zip(absolute)) {
        if (target != "prairielearn")
            throw std::invalid_argument(
                fmt::format("package: a {} package is a .zip file, got {}", target, out.string()));
        lay_out_package(course, target, absolute);
        log << fmt::format("package: {} course folder written to {}\n", target, absolute.string());
        return 0;
    }
    const fs::path scratch = absolute.string() + ".contents";
    fs::remove_all(scratch);
    fs::remove(absolute);
    lay_out_package(course, target, scratch);
    try {
        zip_directory(scratch, absolute, runner);
    } catch (...) {
        fs::remove_all(scratch);
        throw;
    }
    fs::remove_all(scratch);
    log << fmt::format("package: {} package written to {}\n", target, absolute.string());
    return 0;
}

namespace {

class PackageCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd =
            app.add_subcommand("package", "Bundle the course for Gradescope or PrairieLearn");
        cmd->add_option("target", target_, "gradescope or prairielearn")
            ->required()
            ->check(CLI::IsMember(package_targets()));
        cmd->add_option("out", out_, "OUT.zip (or a folder, for PrairieLearn)")->required();
        return cmd;
    }

    int run(const GlobalOptions& global) override {
        const Course course = load_course(global.project());
        PosixProcessRunner runner;
        return run_package(course, target_, out_, runner, std::cout);
    }

  private:
    std::string target_;
    std::string out_;
};

}  // namespace

std::unique_ptr<Command> package_command() {
    return std::make_unique<PackageCommand>();
}

}  // namespace interleave
