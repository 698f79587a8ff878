#include "commands/watch.hpp"
#include "commands/command.hpp"
#include "commands/session.hpp"
#include "process/process.hpp"

#include "commands/hint.hpp"
#include "commands/list.hpp"
#include "commands/state.hpp"
#include "commands/terminal_keys.hpp"
#include "report/reporter.hpp"

#include <fmt/format.h>

#include <sstream>

namespace fs = std::filesystem;

namespace interleave {

namespace {

const Exercise* after(const Course& course, const Exercise* e) {
    for (std::size_t i = 0; i + 1 < course.exercises.size(); ++i) {
        if (&course.exercises[i] == e) return &course.exercises[i + 1];
    }
    return nullptr;
}

bool full_marks(const KataReport& k) {
    return k.max_score > 0 && k.score >= k.max_score;
}

}  // namespace

// Over 80 lines on purpose: the loop's states (waiting for a save, a key, a re-check) read best
// in one place.
int watch_loop(const Course& course, const Exercise* start, FileWatcher& watcher, KeySource& keys,
               const WatchHooks& hooks, std::ostream& out, std::chrono::milliseconds tick) {
    const Exercise* current = start;
    if (current == nullptr) {
        out << "every kata has full marks: nothing to watch\n";
        return 0;
    }
    auto banner = [&] {
        std::string names;
        for (const auto& f : current->student_files) {
            names += (names.empty() ? "" : ", ") + current->folder + "/" + f;
        }
        out << fmt::format(
                   "\nwatching {} ({}): save to re-check. Keys: n next kata, h hint, l list, q "
                   "quit, "
                   "Enter re-check\n",
                   names, watcher.describe())
            << std::flush;
    };
    auto switch_to = [&](const Exercise* e) {
        current = e;
        watcher.watch(hooks.files(*current));
        out << fmt::format("\nnow on {}: {} (read exercises/{}/README.md)\n", current->folder,
                           current->title, current->folder);
    };
    // Returns false when the course is complete.
    auto check = [&]() -> bool {
        hooks.clear_screen();
        const KataReport report = hooks.grade(*current);
        hooks.show(report);
        if (!full_marks(report)) return true;
        const Exercise* next = after(course, current);
        if (next == nullptr) {
            out << fmt::format("\n{}: full marks, and that was the last kata. Well done!\n",
                               current->id);
            return false;
        }
        out << fmt::format("\n{}: full marks! Moving on.\n", current->id);
        switch_to(next);
        return true;
    };

    watcher.watch(hooks.files(*current));
    if (!check()) return 0;
    banner();
    for (;;) {
        if (const auto key = keys.poll_key()) {
            switch (*key) {
                case 'q':
                    out << "bye\n";
                    return 0;
                case 'n': {
                    const Exercise* next = after(course, current);
                    if (next == nullptr) {
                        out << fmt::format("\n{} is the last kata\n", current->folder);
                    } else {
                        switch_to(next);
                    }
                    break;
                }
                case 'h':
                    out << "\n" << hooks.hint(*current);
                    break;
                case 'l':
                    out << "\n" << hooks.list();
                    break;
                case '\n':
                case '\r':
                    if (!check()) return 0;
                    break;
                default:
                    continue;
            }
            banner();
            continue;
        }
        if (watcher.wait_for_change(tick)) {
            if (!check()) return 0;
            banner();
        }
    }
}

int run_watch(const CommandContext& ctx, Grader& grader, const WatchOptions& options) {
    const fs::path root = options.source.empty() ? ctx.exercises() : fs::absolute(options.source);
    const StudentState start_state =
        options.source.empty() ? load_state(state_file(ctx.project)) : StudentState{};
    const Exercise* start = current_kata(ctx.course, start_state, root);

    std::unique_ptr<FileWatcher> watcher;
    if (options.manual) {
        watcher = make_manual_watcher();
    } else if (!options.poll) {
        watcher = make_inotify_watcher();
        if (!watcher) ctx.err << "kata watch: inotify is unavailable; polling every second\n";
    }
    if (!watcher) watcher = make_polling_watcher(std::chrono::seconds(1));

    CheckOptions check = options.check;
    check.source = options.source.empty() ? fs::path{} : root;
    const bool terminal = ctx.interactive;
    WatchHooks hooks;
    GradeReport last;  // the latest check, rendered whole (with its time) by `show`
    hooks.grade = [&](const Exercise& e) {
        last = check_kata(ctx, grader, e, check);
        return last.katas.front();
    };
    hooks.show = [&](const KataReport&) {
        make_terminal_reporter(
            TerminalStyle{ctx.color, options.check.switches.verbose, "kata check"})
            ->render(last, ctx.out);
    };
    hooks.hint = [&](const Exercise& e) {
        std::string text;
        update_state(state_file(ctx.project),
                     [&](StudentState& state) { text = next_hint(state, e); });
        return text;
    };
    hooks.list = [&] {
        PosixProcessRunner git;
        GitStubSource stubs(git, ctx.project);
        std::ostringstream table;
        render_list(list_rows(ctx.course, load_state(state_file(ctx.project)), stubs, root), table);
        return table.str();
    };
    hooks.files = [&](const Exercise& e) {
        std::vector<fs::path> files;
        for (const auto& rel : student_paths(e)) files.push_back(root / rel);
        return files;
    };
    hooks.clear_screen = [&] {
        if (terminal) ctx.out << "\033[2J\033[H" << std::flush;
    };
    TerminalKeys keys;
    return watch_loop(ctx.course, start, *watcher, keys, hooks, ctx.out);
}

namespace {

class WatchCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand(
            "watch",
            "Re-check the current kata each time you save one of its files. Keys: n next kata, "
            "h hint, l list, q quit, Enter re-check");
        cmd->add_flag("--poll", options_.poll, "Look for changes every second (no inotify)");
        cmd->add_flag("--manual", options_.manual, "Re-check only when Enter is pressed");
        cmd->add_option("--source", options_.source,
                        "Watch and grade DIR/<NN-name>/ instead of exercises/")
            ->check(CLI::ExistingDirectory);
        options_.check.switches.add_to(*cmd);
        return cmd;
    }

    int run(const GlobalOptions& global) override {
        GradingSession session(global);
        return run_watch(session.context(), session.grader(), options_);
    }

  private:
    WatchOptions options_;
};

}  // namespace

std::unique_ptr<Command> watch_command() {
    return std::make_unique<WatchCommand>();
}

}  // namespace interleave
