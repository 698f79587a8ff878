// `kata explore KATA`: the explorer on its own, for a student who wants to see the schedule
// that breaks their code, replay it (--replay TOKEN, printed by every failure), or list every
// outcome a small program can reach (--outcomes). Grading runs the same binary as the explore
// check (checks/explore_check.cpp); this command shows its own words.
#include "checks/checks.hpp"
#include "commands/command.hpp"
#include "commands/session.hpp"
#include "workspace/build_driver.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace fs = std::filesystem;

namespace interleave {

namespace {

class ExploreCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand(
            "explore",
            "Search the schedules of a kata's scenarios for one that breaks your code, and show "
            "it step by step");
        cmd->add_option("kata", kata_, "Kata id or folder")->required();
        cmd->add_option("--scenario", scenario_, "Only this scenario (see --list)");
        cmd->add_option("--replay", replay_,
                        "Run the one schedule a failure printed (needs --scenario)");
        cmd->add_option("--seconds", seconds_, "Time budget of the search (default: the kata's)")
            ->check(CLI::PositiveNumber);
        cmd->add_option("--seed", seed_, "Seed of the random (PCT) part of the search");
        cmd->add_option("--source", source_,
                        "Folder laid out like exercises/ to take the code from (default: "
                        "exercises/)");
        cmd->add_flag("--list", list_, "List the kata's scenarios");
        cmd->add_flag("--outcomes", outcomes_,
                      "List every outcome the scenarios observe over every schedule");
        return cmd;
    }

    int run(const GlobalOptions& global) override {
        GradingSession session(global);
        const Exercise& e = *select_katas(session.course(), {kata_}).front();
        if (e.predict) {
            // Listing the outcomes would answer the kata for the student.
            fmt::print(stderr,
                       "{} asks you to predict its programs' outcomes without running them: "
                       "write them in {} and run `./kata check {}`, which shows each outcome "
                       "you missed with a schedule that reaches it\n",
                       e.id, e.predict->answers, e.id);
            return 1;
        }
        if (!e.explore) {
            fmt::print(stderr, "{} has no explore check (checks.explore in {})\n", e.id,
                       e.yaml_path.string());
            return 1;
        }
        const fs::path source =
            source_.empty() ? session.project() / "exercises" : fs::absolute(source_);
        const StageResult staged = stage_student_files(session.workspace(), e, {{source, true}});
        if (!staged.missing.empty()) {
            fmt::print(stderr, "explore {}: missing file {} in {}\n", e.id, staged.missing.front(),
                       source.string());
            return 1;
        }
        BuildDriver builder(session.runner(), session.workspace(), 0);
        const std::string target = e.id + "_explore";
        const BuildOutcome built = builder.build("tsan", {target});
        if (!built.ok) {
            fmt::print(stderr, "explore {}: the scenarios do not compile ({}):\n{}\n", e.id,
                       built.command, built.output);
            return 1;
        }
        const fs::path scratch = session.workspace().scratch_dir(e, "explore");
        std::error_code ec;
        fs::remove_all(scratch, ec);
        fs::create_directories(scratch);
        ProcessSpec p;
        p.argv = {builder.binary("tsan", e, target).string(), "--seconds",
                  fmt::format("{}", seconds_ > 0 ? seconds_ : e.explore->seconds), "--runs",
                  std::to_string(e.explore->runs)};
        if (!scenario_.empty()) p.argv.insert(p.argv.end(), {"--scenario", scenario_});
        if (!replay_.empty()) p.argv.insert(p.argv.end(), {"--replay", replay_});
        if (!seed_.empty()) p.argv.insert(p.argv.end(), {"--seed", seed_});
        if (list_) p.argv.emplace_back("--list");
        if (outcomes_) p.argv.emplace_back("--outcomes");
        p.env = sandbox_environment(scratch);
        p.cwd = scratch;
        p.sandbox =
            student_sandbox(scratch, kMemoryLimitMiB, resolve_containment(Isolation::automatic));
        p.deadline = std::chrono::milliseconds(
            static_cast<long long>(((seconds_ > 0 ? seconds_ : e.explore->seconds) + 30) * 1000));
        const ProcessOutcome o = session.runner().run(p);
        fmt::print("{}", o.out);
        if (!o.err.empty()) fmt::print(stderr, "{}", o.err);
        if (o.termination == Termination::exited && (o.exit_code == 0 || o.exit_code == 1))
            return o.exit_code;
        fmt::print(stderr, "explore {}: the explorer {} ({})\n", e.id, o.describe(),
                   fmt::join(p.argv, " "));
        return o.termination == Termination::exited && o.exit_code == 2 ? 2 : 1;
    }

  private:
    std::string kata_;
    std::string scenario_;
    std::string replay_;
    std::string seed_;
    std::string source_;
    double seconds_ = 0;
    bool list_ = false;
    bool outcomes_ = false;
};

}  // namespace

std::unique_ptr<Command> explore_command() {
    return std::make_unique<ExploreCommand>();
}

}  // namespace interleave
