// `kata verify`: proves the course (references full marks, stubs 0 on tests, every mutant caught
// by the check its expect.yaml names) and prints the mutant matrix and the reference margins.
#include "grade/verify.hpp"
#include "commands/command.hpp"
#include "commands/console.hpp"
#include "commands/session.hpp"
#include "process/process.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace interleave {

namespace {

/// "ok   counter  reference  expected full marks  got: 100/100 (12 s)", coloured on a terminal.
void print_row(const VerifyRow& r, bool color) {
    const std::string mark =
        r.ok ? (color ? "\033[32mok  \033[0m" : "ok  ") : (color ? "\033[31mBAD \033[0m" : "BAD ");
    std::cout << fmt::format("{} {:<18} {:<28} expected {:<22} got: {} ({:.0f} s)\n", mark, r.kata,
                             r.subject, r.expected, r.observed, r.seconds);
    if (!r.ok) std::cout << "     " << r.why << "\n";
    std::cout << std::flush;
}

class VerifyCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand(
            "verify", "Check references (full marks), stubs (0 on tests) and mutants");
        cmd->add_option("katas", katas_, "Kata ids or folder names (default: all)");
        cmd->add_option("--mutant", options_.mutant_filter,
                        "Only mutants whose name contains this");
        cmd->add_flag("--no-timing", no_timing_,
                      "Skip timing for the reference (mutants that need it still run it)");
        cmd->add_option("--jobs,-j", options_.jobs, "Build parallelism")
            ->check(CLI::NonNegativeNumber);
        cmd->add_flag("--all-checks", options_.all_checks,
                      "Run TSan and timing on every mutant too, not only the checks its "
                      "expect.yaml names (a fuller mutant matrix, several times slower)");
        cmd->add_option("--part", part_,
                        "all; timed: each reference's tests and timing, and the mutants a "
                        "timing check catches (give it a quiet machine); untimed: each "
                        "reference's other checks, the stubs and every other mutant")
            ->check(CLI::IsMember({"all", "timed", "untimed"}));
        cmd->add_option("--runs", options_.runs, "Grade each reference N times (default 1)")
            ->check(CLI::PositiveNumber);
        cmd->add_option("--safety-factor", safety_factor_,
                        "Exit 1 when a timing comparison's margin (full-credit ratio / worst "
                        "ratio) is below F (default 0: off)")
            ->check(CLI::NonNegativeNumber);
        return cmd;
    }

    int run(const GlobalOptions& global) override {
        GradingSession session(global);
        options_.katas = select_katas(session.course(), katas_);
        options_.timing = !no_timing_;
        options_.part = part_ == "timed"     ? VerifyPart::timed
                        : part_ == "untimed" ? VerifyPart::untimed
                                             : VerifyPart::all;
        const bool color = colour_wanted(isatty(STDOUT_FILENO) != 0, std::getenv("NO_COLOR"));
        const auto rows = verify_course(
            session.course(), session.grader(), options_,
            [&](const VerifyRow& r) { print_row(r, color); }, session.context().progress);
        const auto bad =
            std::count_if(rows.begin(), rows.end(), [](const VerifyRow& r) { return !r.ok; });
        std::cout << fmt::format("\nverify: {} of {} expectations hold\n",
                                 rows.size() - static_cast<std::size_t>(bad), rows.size());
        const std::string matrix = mutant_matrix(rows);
        if (!matrix.empty())
            std::cout << "\nmutant matrix (X: the check caught it; [ ]: the expected check)"
                      << matrix;
        std::cout << "\nreference margins (margin: full-credit ratio / worst ratio)"
                  << margins_section(rows);
        const auto thin = thin_margins(rows, safety_factor_);
        for (const auto& t : thin) std::cout << "verify: " << t << "\n";
        return bad == 0 && thin.empty() ? 0 : 1;
    }

  private:
    std::vector<std::string> katas_;
    VerifyOptions options_;
    bool no_timing_ = false;
    std::string part_ = "all";
    double safety_factor_ = 0;
};

}  // namespace

std::unique_ptr<Command> verify_command() {
    return std::make_unique<VerifyCommand>();
}

}  // namespace interleave
