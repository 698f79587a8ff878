#pragma once
/// The command table: every subcommand has one shape. It adds itself and its options to the
/// command line, then runs once the line is parsed. main() walks commands() (see table.cpp),
/// the way ninja walks kTools[].

#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace interleave {

/// Exit status for "the grader or the machine failed" (never a student's fault).
inline constexpr int kExitInfrastructure = 2;

/// The options every command shares, set before any command runs.
struct GlobalOptions {
    std::string root = ".";  ///< the folder with course.yaml (--root, or KATA_ROOT)
    std::string build_dir;   ///< --build-dir; empty: ROOT/build/grade

    std::filesystem::path project() const;
    std::filesystem::path build_root() const;
};

class Command {
  public:
    virtual ~Command() = default;
    /// Adds the subcommand and its options to `app`; returns the subcommand.
    virtual CLI::App* add_to(CLI::App& app) = 0;
    /// Runs the parsed command; returns the exit status. May throw (main reports the error
    /// and exits with kExitInfrastructure).
    virtual int run(const GlobalOptions& global) = 0;
};

/// Every subcommand, in the order `--help` lists them.
std::vector<std::unique_ptr<Command>> commands();

std::unique_ptr<Command> grade_command();
std::unique_ptr<Command> check_command();
std::unique_ptr<Command> watch_command();
std::unique_ptr<Command> list_command();
std::unique_ptr<Command> hint_command();
std::unique_ptr<Command> reset_command();
std::unique_ptr<Command> verify_command();
std::unique_ptr<Command> review_command();
std::unique_ptr<Command> export_command();
std::unique_ptr<Command> package_command();
std::unique_ptr<Command> selftest_command();
std::unique_ptr<Command> explore_command();

}  // namespace interleave
