// The mutant matrix printed after `kata verify` (pure; see verify.hpp).
#include "grade/verify.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace interleave {

std::string mutant_matrix(const std::vector<VerifyRow>& rows) {
    static const std::vector<std::string> code_columns{"build",   "tests", "tsan",
                                                       "explore", "asan",  "timing"};
    // A kata of predictions runs no code: build (reading the answers) and predict are its checks.
    static const std::vector<std::string> predict_columns{"build", "predict"};
    std::vector<std::string> columns = code_columns;
    std::string out;
    std::string kata;
    for (const auto& r : rows) {
        if (r.subject.rfind("mutant ", 0) != 0) continue;
        if (r.kata != kata) {
            kata = r.kata;
            const bool predicts = std::any_of(r.checks.begin(), r.checks.end(),
                                              [](const auto& c) { return c.first == "predict"; });
            columns = predicts ? predict_columns : code_columns;
            out += fmt::format("\n{:<28}", kata);
            for (const auto& c : columns) out += fmt::format(" {:^7}", c);
            out += "\n";
        }
        out += fmt::format("  {:<26}", r.subject.substr(7));
        for (const auto& c : columns) {
            bool caught = false;
            for (const auto& [name, status] : r.checks) {
                if (name == c && (status == CheckStatus::fail || status == CheckStatus::error))
                    caught = true;
            }
            const bool expected = std::find(r.expected_checks.begin(), r.expected_checks.end(),
                                            c) != r.expected_checks.end();
            const std::string mark = expected ? (caught ? "[X]" : "[ ]") : (caught ? "X" : ".");
            out += fmt::format(" {:^7}", mark);
        }
        out += r.ok ? "\n" : "  <- BAD\n";
    }
    return out;
}

}  // namespace interleave
