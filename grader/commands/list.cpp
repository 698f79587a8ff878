#include "commands/list.hpp"
#include "commands/command.hpp"
#include "commands/session.hpp"
#include "process/process.hpp"

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace interleave {

namespace {

bool identical_to_stub(const Exercise& e, StubSource& stubs, const fs::path& exercises_root) {
    for (const auto& rel : student_paths(e)) {
        const auto stub = stubs.stub(rel);
        const fs::path file = exercises_root / rel;
        if (!stub || !fs::is_regular_file(file) || read_file(file) != *stub) return false;
    }
    return true;
}

std::string score_text(double score, double max) {
    return fmt::format("{:.4g}/{:.4g}", score, max);
}

}  // namespace

std::vector<ListRow> list_rows(const Course& course, const StudentState& state, StubSource& stubs,
                               const fs::path& exercises_root) {
    const Exercise* current = current_kata(course, state, exercises_root);
    std::vector<ListRow> rows;
    for (const auto& e : course.exercises) {
        ListRow row;
        row.folder = e.folder;
        row.title = e.title;
        row.current = (&e == current);
        const auto it = state.katas.find(e.id);
        const bool graded = it != state.katas.end() && it->second.graded;
        if (!graded) {
            row.last_score = "-";
            row.next = e.predict ? "predict" : "tests";
            row.status =
                identical_to_stub(e, stubs, exercises_root) ? "not started" : "not checked yet";
        } else {
            const KataProgress& p = it->second;
            row.last_score = score_text(p.score, p.max_score);
            row.next = p.next_check.empty() ? "-" : p.next_check;
            if (p.hash != hash_student_files(e, exercises_root)) {
                row.status = "stale (changed since last check)";
                row.next = "check again";
            } else {
                const bool unrun = p.next_check.size() > std::string(kNotRun).size() &&
                                   p.next_check.ends_with(kNotRun);
                row.status = p.full_marks() ? "passing"
                             : unrun        ? "passing what ran; some checks not run"
                                            : "failing";
            }
        }
        rows.push_back(row);
    }
    return rows;
}

void render_list(const std::vector<ListRow>& rows, std::ostream& out) {
    out << fmt::format("  {:<22} {:<34} {:>9}  {}\n", "kata", "status", "last", "next check");
    for (const auto& r : rows) {
        out << fmt::format("{} {:<22} {:<34} {:>9}  {}\n", r.current ? '>' : ' ', r.folder,
                           r.status, r.last_score, r.next);
    }
}

int run_list(const CommandContext& ctx, StubSource& stubs) {
    const StudentState state = load_state(state_file(ctx.project));
    const auto rows = list_rows(ctx.course, state, stubs, ctx.exercises());
    render_list(rows, ctx.out);
    const Exercise* current = current_kata(ctx.course, state, ctx.exercises());
    if (current != nullptr) {
        ctx.out << fmt::format(
            "\nnext: edit exercises/{}/ (read its README.md), then run `./kata check`\n",
            current->folder);
    } else {
        ctx.out << "\nevery kata has full marks\n";
    }
    return 0;
}

namespace {

class ListCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        return app.add_subcommand("list", "Every kata: status, last score, next check to pass");
    }

    int run(const GlobalOptions& global) override {
        const Session session(global);
        PosixProcessRunner git;
        GitStubSource stubs(git, session.project());
        return run_list(session.context(), stubs);
    }
};

}  // namespace

std::unique_ptr<Command> list_command() {
    return std::make_unique<ListCommand>();
}

}  // namespace interleave
