// interleave: the grader's command line. main() reads as the pipeline it runs: the command
// table, the parsed line, the safety of what runs next (interrupts, orphans), then the one
// command that was asked for. Each command lives in grader/commands/ (docs/architecture.md).
#include "commands/command.hpp"
#include "course/course.hpp"
#include "process/process.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

using namespace interleave;

int main(int argc, char** argv) {
    CLI::App app{"Interleave: auto-graded concurrency katas in C++20", "./kata"};
    app.require_subcommand(1);
    GlobalOptions global;
    if (const char* root = std::getenv("KATA_ROOT")) global.root = root;
    app.add_option("--root", global.root, "Project root (the folder with course.yaml)");
    app.add_option("--build-dir", global.build_dir,
                   "Where build trees and staged files go (default ROOT/build/grade)");

    const auto table = commands();
    std::vector<std::pair<CLI::App*, Command*>> registered;
    registered.reserve(table.size());
    for (const auto& command : table) registered.emplace_back(command->add_to(app), command.get());
    CLI11_PARSE(app, argc, argv);

    install_interrupt_handler();  // Ctrl-C stops every child before the grader exits
    adopt_orphans();              // descendants that leave their process group come back to us
    try {
        for (const auto& [subcommand, command] : registered) {
            if (subcommand->parsed()) return command->run(global);
        }
        return kExitInfrastructure;  // require_subcommand(1) makes this unreachable
    } catch (const MetadataError& e) {
        std::cerr << "error: bad course metadata: " << e.what() << "\n";
        return kExitInfrastructure;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitInfrastructure;
    }
}
