// `kata grade [KATA...]`: grades katas from exercises/, solutions/, a mutant or another folder,
// and writes every report format asked for.
#include "commands/command.hpp"
#include "commands/console.hpp"
#include "commands/grade_switches.hpp"
#include "commands/session.hpp"
#include "commands/state.hpp"
#include "process/process.hpp"
#include "report/reporter.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace fs = std::filesystem;

namespace interleave {

namespace {

/// "terminal, json, junit, ...": every report format, for help and errors.
std::string format_list() {
    std::string out;
    for (const auto& n : report_format_names()) out += (out.empty() ? "" : ", ") + n;
    return out;
}

/// Writes the report in each format of `formats` ("NAME" or "NAME:PATH"); a format without a
/// path goes to its default destination (standard output for most).
void write_reports(const GradeReport& report, std::vector<std::string> formats, bool verbose) {
    if (formats.empty()) formats.emplace_back("terminal");
    const ReporterContext context = process_context();
    const bool color = colour_wanted(isatty(STDOUT_FILENO) != 0, std::getenv("NO_COLOR"));
    for (const auto& f : formats) {
        const auto colon = f.find(':');
        const std::string name = f.substr(0, colon);
        std::string path = colon == std::string::npos ? "" : f.substr(colon + 1);
        const auto reporter =
            make_reporter(name, TerminalStyle{path.empty() && color, verbose}, context);
        if (!reporter)
            throw std::invalid_argument(
                fmt::format("unknown report format \"{}\" ({})", name, format_list()));
        std::ios::openmode mode = std::ios::out;
        if (path.empty()) {
            const DefaultDestination d = default_destination(name, context.env);
            path = d.path;
            if (d.append) mode |= std::ios::app;
        }
        if (path.empty()) {
            reporter->render(report, std::cout);
            continue;
        }
        std::ofstream out(path, mode);
        if (!out)
            throw std::runtime_error(fmt::format("cannot write the {} report to {}", name, path));
        reporter->render(report, out);
    }
}

class GradeCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand("grade", "Build and grade katas, print a report");
        cmd->add_option("katas", katas_, "Kata ids or folder names (default: all)");
        auto* sol =
            cmd->add_flag("--solutions", solutions_, "Grade solutions/ instead of exercises/");
        cmd->add_option("--source", source_, "Take student files from DIR/<NN-name>/")
            ->check(CLI::ExistingDirectory)
            ->excludes(sol);
        cmd->add_option("--mutant", mutant_,
                        "Grade the reference with tests/mutants/<id>/NAME/ over it (one kata)")
            ->excludes(sol);
        cmd->add_option("--format", formats_,
                        "Report format NAME[:PATH] (" + format_list() +
                            "); repeatable (docs/report-formats.md)");
        switches_.add_to(*cmd);
        cmd->add_option("--fail-under", fail_under_, "Exit 1 when the score is below PERCENT")
            ->check(CLI::Range(0.0, 100.0));
        return cmd;
    }

    int run(const GlobalOptions& global) override {
        GradingSession session(global);
        const fs::path& project = session.project();
        GradeOptions go;
        go.katas = select_katas(session.course(), katas_);
        switches_.apply(go);
        if (!mutant_.empty()) {
            if (go.katas.size() != 1)
                throw std::invalid_argument("--mutant needs exactly one kata");
            const fs::path dir = project / "tests" / "mutants" / go.katas[0]->id / mutant_;
            if (!fs::is_directory(dir))
                throw std::invalid_argument("no mutant folder " + dir.string());
            go.layers = {{project / "solutions", true}, {dir, false}};
            go.source_label = "mutant " + mutant_;
        } else if (solutions_) {
            go.layers = {{project / "solutions", true}};
            go.source_label = "solutions";
        } else if (!source_.empty()) {
            go.layers = {{fs::absolute(source_), true}};
            go.source_label = source_;
        } else {
            go.layers = {{project / "exercises", true}};
            go.source_label = "exercises";
        }
        const GradeReport report = session.grader().grade(go, session.context().progress);
        if (go.source_label == "exercises") remember_grade(project, session.course(), report);
        write_reports(report, formats_, switches_.verbose);
        if (infrastructure_failed(report)) return kExitInfrastructure;
        if (fail_under_ >= 0 && report.max_score > 0 &&
            100.0 * report.score / report.max_score < fail_under_)
            return 1;
        return 0;
    }

  private:
    std::vector<std::string> katas_;
    bool solutions_ = false;
    std::string source_;
    std::string mutant_;
    std::vector<std::string> formats_;
    GradeSwitches switches_;
    double fail_under_ = -1;
};

}  // namespace

std::unique_ptr<Command> grade_command() {
    return std::make_unique<GradeCommand>();
}

}  // namespace interleave
