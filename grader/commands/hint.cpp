#include "commands/hint.hpp"
#include "commands/command.hpp"
#include "commands/session.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace interleave {

std::string next_hint(StudentState& state, const Exercise& e) {
    const int total = static_cast<int>(e.hints.size());
    if (total == 0) return fmt::format("{} has no hints; its README.md explains the idea\n", e.id);
    KataProgress& p = state.katas[e.id];
    const bool exhausted = p.hints_shown >= total;
    p.hints_shown = std::min(p.hints_shown + 1, total);
    std::string text;
    for (int i = 0; i < p.hints_shown; ++i) {
        text += fmt::format("hint {} of {} ({}): {}\n", i + 1, total, e.id,
                            e.hints[static_cast<std::size_t>(i)]);
    }
    if (exhausted) {
        text += fmt::format("no more hints for {}: all {} are shown above\n", e.id, total);
    } else if (p.hints_shown < total) {
        text += fmt::format("(`./kata hint {}` again for the next one)\n", e.id);
    } else {
        text += "that was the last hint\n";
    }
    return text;
}

int run_hint(const CommandContext& ctx, const std::string& kata) {
    const Exercise* named = kata.empty() ? nullptr : &find_kata(ctx.course, kata, "hint");
    std::string text = "every kata has full marks: no hint needed\n";
    update_state(state_file(ctx.project), [&](StudentState& state) {
        const Exercise* e =
            named != nullptr ? named : current_kata(ctx.course, state, ctx.exercises());
        if (e != nullptr) text = next_hint(state, *e);
    });
    ctx.out << text;
    return 0;
}

namespace {

class HintCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand("hint", "Show one more hint for a kata (default: current)");
        cmd->add_option("kata", kata_, "Kata id or folder (default: the current one)");
        return cmd;
    }

    int run(const GlobalOptions& global) override {
        const Session session(global);
        return run_hint(session.context(), kata_);
    }

  private:
    std::string kata_;
};

}  // namespace

std::unique_ptr<Command> hint_command() {
    return std::make_unique<HintCommand>();
}

}  // namespace interleave
