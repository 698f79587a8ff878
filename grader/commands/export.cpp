// `kata export`: the student template repository (see export.hpp).
#include "commands/export.hpp"
#include "commands/command.hpp"
#include "course/course.hpp"
#include "process/process.hpp"

#include <fmt/format.h>

#include <fmt/ranges.h>
#include <iostream>

#include <fnmatch.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace interleave {

namespace {

constexpr const char* kAuthorName = "Interleave export";
constexpr const char* kAuthorEmail = "export@interleave.invalid";
constexpr const char* kOpenMarker = "<!-- instructor -->";
constexpr const char* kCloseMarker = "<!-- /instructor -->";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

ProcessOutcome run_git(ProcessRunner& runner, const fs::path& cwd,
                       const std::vector<std::string>& args) {
    ProcessSpec spec;
    spec.argv = {"git",
                 "-c",
                 std::string("user.name=") + kAuthorName,
                 "-c",
                 std::string("user.email=") + kAuthorEmail,
                 "-c",
                 "commit.gpgsign=false",
                 "-c",
                 "init.defaultBranch=main"};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env = base_environment();
    // The author is fixed, whatever the exporting machine's configuration says.
    for (const char* who : {"AUTHOR", "COMMITTER"}) {
        spec.env[fmt::format("GIT_{}_NAME", who)] = kAuthorName;
        spec.env[fmt::format("GIT_{}_EMAIL", who)] = kAuthorEmail;
    }
    spec.cwd = cwd;
    spec.deadline = std::chrono::minutes(2);
    return runner.run(spec);
}

std::string command_line(const std::vector<std::string>& args) {
    std::string s = "git";
    for (const auto& a : args) s += " " + a;
    return s;
}

void git_or_throw(ProcessRunner& runner, const fs::path& cwd,
                  const std::vector<std::string>& args) {
    const ProcessOutcome o = run_git(runner, cwd, args);
    if (!o.ok()) {
        throw std::runtime_error(fmt::format("export: history: `{}` in {} {}: {}",
                                             command_line(args), cwd.string(), o.describe(),
                                             o.err.empty() ? o.start_error : o.err));
    }
}

std::vector<std::string> walk(const fs::path& root) {
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        const std::string rel = fs::relative(it->path(), root).generic_string();
        if (it->is_directory() && (rel == "build" || rel == ".git" || rel == ".cache")) {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_directory()) files.push_back(rel);
    }
    std::sort(files.begin(), files.end());
    return files;
}

/// DEST must not be the project or one of its parents: --force empties DEST.
void check_destination(const fs::path& root, const fs::path& dest, bool force) {
    const fs::path r = fs::weakly_canonical(root);
    const fs::path d = fs::weakly_canonical(dest);
    const auto [d_end, r_at] = std::mismatch(d.begin(), d.end(), r.begin(), r.end());
    if (d_end == d.end()) {
        throw std::invalid_argument(fmt::format(
            "export: {} is the project or a folder above it; choose a new folder", d.string()));
    }
    if (fs::exists(fs::symlink_status(dest)) && !fs::is_directory(dest)) {
        throw std::invalid_argument(
            fmt::format("export: {} exists and is not a folder", dest.string()));
    }
    if (fs::is_directory(dest) && !fs::is_empty(dest)) {
        if (!force) {
            throw std::invalid_argument(fmt::format(
                "export: {} is not empty; pass --force to replace its contents", dest.string()));
        }
        // Only DEST's own entries go; a symlink is removed, never followed.
        for (const auto& entry : fs::directory_iterator(dest)) fs::remove_all(entry.path());
    }
}

}  // namespace

const std::vector<std::string>& always_instructor_only() {
    static const std::vector<std::string> globs{"solutions", "tests/mutants", "harness/*/hidden"};
    return globs;
}

bool instructor_only(const std::string& relative, const std::vector<std::string>& globs) {
    for (std::size_t end = relative.find('/');; end = relative.find('/', end + 1)) {
        const std::string prefix = relative.substr(0, end);
        for (const auto& g : globs) {
            std::string glob = g;
            while (glob.size() > 1 && glob.back() == '/') glob.pop_back();
            if (fnmatch(glob.c_str(), prefix.c_str(), FNM_PATHNAME) == 0) return true;
        }
        if (end == std::string::npos) return false;
    }
}

std::string student_markdown(const std::string& text, const std::string& file) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
        const auto open = text.find(kOpenMarker, pos);
        const auto stray = text.find(kCloseMarker, pos);
        if (stray != std::string::npos && (open == std::string::npos || stray < open)) {
            throw std::runtime_error(fmt::format("export: {}: `{}` without an opening `{}`", file,
                                                 kCloseMarker, kOpenMarker));
        }
        if (open == std::string::npos) break;
        const auto close = text.find(kCloseMarker, open);
        if (close == std::string::npos) {
            throw std::runtime_error(fmt::format("export: {}: `{}` is never closed by `{}`", file,
                                                 kOpenMarker, kCloseMarker));
        }
        out.append(text, pos, open - pos);
        pos = close + std::string(kCloseMarker).size();
        if (pos < text.size() && text[pos] == '\n') ++pos;
    }
    out.append(text, pos, std::string::npos);
    return out;
}

std::vector<std::string> project_files(ProcessRunner& runner, const fs::path& root) {
    const ProcessOutcome inside = run_git(runner, root, {"rev-parse", "--is-inside-work-tree"});
    if (!inside.ok() || inside.out.rfind("true", 0) != 0) return walk(root);
    const ProcessOutcome listed = run_git(runner, root, {"ls-files", "-z"});
    if (!listed.ok()) {
        throw std::runtime_error(fmt::format("export: listing files: `git ls-files -z` in {} {}",
                                             root.string(), listed.describe()));
    }
    std::vector<std::string> files;
    std::istringstream in(listed.out);
    std::string name;
    while (std::getline(in, name, '\0')) {
        // A tracked file deleted from the working tree is not part of the project any more.
        if (!name.empty() && fs::exists(fs::symlink_status(root / name))) files.push_back(name);
    }
    std::sort(files.begin(), files.end());
    return files;
}

int run_export(const Course& course, ProcessRunner& runner, const ExportOptions& options,
               std::ostream& out) {
    const fs::path root = course.root;
    const fs::path dest = fs::absolute(options.destination).lexically_normal();
    check_destination(root, dest, options.force);
    std::vector<std::string> globs = always_instructor_only();
    globs.insert(globs.end(), course.instructor_only.begin(), course.instructor_only.end());

    std::size_t copied = 0;
    std::size_t left_out = 0;
    fs::create_directories(dest);
    for (const auto& rel : project_files(runner, root)) {
        if (instructor_only(rel, globs)) {
            ++left_out;
            continue;
        }
        const fs::path from = root / rel;
        const fs::path to = dest / rel;
        fs::create_directories(to.parent_path());
        if (fs::is_regular_file(fs::symlink_status(from)) && from.extension() == ".md") {
            std::ofstream(to, std::ios::binary) << student_markdown(slurp(from), rel);
            fs::permissions(to, fs::status(from).permissions());
        } else {
            fs::copy(from, to,
                     fs::copy_options::copy_symlinks | fs::copy_options::overwrite_existing);
        }
        ++copied;
    }
    out << fmt::format("exported {} files to {} ({} instructor-only files left out: {})\n", copied,
                       dest.string(), left_out, fmt::join(globs, ", "));

    const ProcessOutcome version = run_git(runner, dest, {"--version"});
    if (!version.ok()) {
        out << "git is not installed: the export has no history (run `git init` there)\n";
        return 0;
    }
    git_or_throw(runner, dest, {"init", "-q"});
    git_or_throw(runner, dest, {"add", "-A"});
    git_or_throw(runner, dest,
                 {"commit", "-q", "--no-verify", "-m", "Student template: " + course.title});
    out << fmt::format("created a fresh git history in {}: one commit by {} <{}>\n", dest.string(),
                       kAuthorName, kAuthorEmail);
    return 0;
}

namespace {

class ExportCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd =
            app.add_subcommand("export", "Write a student template repository (no solutions)");
        cmd->add_option("dest", options_.destination, "An empty or new folder")->required();
        cmd->add_flag("--force", options_.force, "Replace the contents of DEST");
        return cmd;
    }

    int run(const GlobalOptions& global) override {
        const Course course = load_course(global.project());
        PosixProcessRunner runner;
        return run_export(course, runner, options_, std::cout);
    }

  private:
    ExportOptions options_;
};

}  // namespace

std::unique_ptr<Command> export_command() {
    return std::make_unique<ExportCommand>();
}

}  // namespace interleave
