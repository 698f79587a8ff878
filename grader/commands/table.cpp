#include "commands/command.hpp"

namespace interleave {

std::filesystem::path GlobalOptions::project() const {
    return std::filesystem::absolute(root).lexically_normal();
}

std::filesystem::path GlobalOptions::build_root() const {
    return build_dir.empty() ? project() / "build" / "grade" : std::filesystem::absolute(build_dir);
}

std::vector<std::unique_ptr<Command>> commands() {
    // Students first (the loop: check, watch, list, hint, reset), then grading and the tools
    // of course staff.
    using Factory = std::unique_ptr<Command> (*)();
    static constexpr Factory kCommands[] = {
        check_command,   watch_command,  list_command,    hint_command,
        explore_command, reset_command,  grade_command,   verify_command,
        review_command,  export_command, package_command, selftest_command,
    };
    std::vector<std::unique_ptr<Command>> out;
    for (const Factory make : kCommands) out.push_back(make());
    return out;
}

}  // namespace interleave
