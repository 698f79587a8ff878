#include "commands/reset.hpp"
#include "commands/command.hpp"
#include "commands/session.hpp"
#include "process/process.hpp"

#include "commands/state.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace interleave {

namespace {

void write_bytes(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

/// A folder name not used yet: <id>-<timestamp>, then -2, -3...
fs::path fresh_folder(const fs::path& root, const std::string& base) {
    fs::path dir = root / base;
    for (int n = 2; fs::exists(dir); ++n) dir = root / fmt::format("{}-{}", base, n);
    return dir;
}

std::string now_stamp() {
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    return fmt::format("{:%Y%m%d-%H%M%S}", fmt::gmtime(now));
}

}  // namespace

ResetResult reset_kata(const Exercise& e, const fs::path& exercises_root, StubSource& stubs,
                       const fs::path& backups_root, const std::string& timestamp) {
    std::vector<std::pair<std::string, std::string>> originals;
    for (const auto& rel : student_paths(e)) {
        auto stub = stubs.stub(rel);
        if (!stub) {
            throw std::runtime_error(fmt::format(
                "kata reset {}: no committed stub for exercises/{} (is this a git checkout? `git "
                "show HEAD:exercises/{}` found nothing); nothing was changed",
                e.id, rel, rel));
        }
        originals.emplace_back(rel, std::move(*stub));
    }
    ResetResult result;
    result.backup = fresh_folder(backups_root, e.id + "-" + timestamp);
    fs::create_directories(result.backup);
    for (const auto& [rel, stub] : originals) {
        const fs::path file = exercises_root / rel;
        if (!fs::exists(file)) continue;
        const std::string bytes = read_file(file);
        const fs::path copy = result.backup / rel;
        fs::create_directories(copy.parent_path());
        write_bytes(copy, bytes);
        if (read_file(copy) != bytes) {
            throw std::runtime_error(fmt::format(
                "kata reset {}: the backup {} does not match exercises/{}; nothing was restored",
                e.id, copy.string(), rel));
        }
        result.saved.push_back(rel);
    }
    for (const auto& [rel, stub] : originals) {
        const fs::path file = exercises_root / rel;
        fs::create_directories(file.parent_path());
        write_bytes(file, stub);
        result.restored.push_back(rel);
    }
    return result;
}

bool ask_on_terminal(const std::string& question) {
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

int run_reset(const CommandContext& ctx, StubSource& stubs, const std::string& kata, bool yes,
              const Confirm& confirm) {
    const Exercise& e = find_kata(ctx.course, kata, "reset");
    const std::string files = fmt::format("exercises/{}/", e.folder);
    if (!yes) {
        if (!ctx.interactive) {
            ctx.err << fmt::format(
                "kata reset {}: refusing to replace your files in {} without confirmation; "
                "run it on a terminal, or add --yes\n",
                e.id, files);
            return 2;
        }
        if (!confirm(fmt::format("Replace your files in {} with the stub? (a backup is kept in "
                                 "build/backups/)",
                                 files))) {
            ctx.err << "kata reset: nothing was changed\n";
            return 1;
        }
    }
    const ResetResult r =
        reset_kata(e, ctx.exercises(), stubs, ctx.project / "build" / "backups", now_stamp());
    ctx.out << fmt::format("your files were saved in {}\n", r.backup.string());
    for (const auto& rel : r.saved) ctx.out << fmt::format("  saved    {}\n", rel);
    for (const auto& rel : r.restored) ctx.out << fmt::format("  restored exercises/{}\n", rel);
    // The kata starts over: forget its grade, keep the hints already seen.
    update_state(state_file(ctx.project), [&](StudentState& state) {
        if (auto it = state.katas.find(e.id); it != state.katas.end()) {
            const int hints = it->second.hints_shown;
            it->second = KataProgress{};
            it->second.hints_shown = hints;
        }
    });
    return 0;
}

namespace {

class ResetCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand("reset", "Back up your files of a kata, restore its stub");
        cmd->add_option("kata", kata_, "Kata id or folder")->required();
        cmd->add_flag("--yes,-y", yes_, "Do not ask for confirmation");
        return cmd;
    }

    int run(const GlobalOptions& global) override {
        const Session session(global);
        PosixProcessRunner git;
        GitStubSource stubs(git, session.project());
        return run_reset(session.context(), stubs, kata_, yes_, ask_on_terminal);
    }

  private:
    std::string kata_;
    bool yes_ = false;
};

}  // namespace

std::unique_ptr<Command> reset_command() {
    return std::make_unique<ResetCommand>();
}

}  // namespace interleave
