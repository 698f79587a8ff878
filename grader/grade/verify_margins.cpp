// Reference margins of `kata verify --runs N` (pure; see verify.hpp).
#include "grade/verify.hpp"

#include "checks/parsers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace interleave {

namespace {

std::string format_margin(double margin) {
    return std::isinf(margin) ? "inf" : fmt::format("{:.2f}", margin);
}

}  // namespace

void add_reference_run(ReferenceMargins& margins, const KataReport& run) {
    margins.scores.push_back(run.score);
    margins.max_score = run.max_score;
    const CheckResult* timing = run.find(CheckKind::timing);
    if (timing == nullptr) return;
    for (const auto& c : timing->comparisons) {
        const std::string& name = c.name;
        auto it = std::find_if(margins.comparisons.begin(), margins.comparisons.end(),
                               [&](const ComparisonMargin& m) { return m.name == name; });
        if (it == margins.comparisons.end()) {
            margins.comparisons.push_back({name, c.full_credit_ratio, c.zero_credit_ratio, {}});
            it = std::prev(margins.comparisons.end());
        }
        it->ratios.push_back(c.ratio);
    }
}

double timing_margin(double full_credit_ratio, const std::vector<double>& ratios) {
    if (ratios.empty()) return 0;
    const double worst = *std::max_element(ratios.begin(), ratios.end());
    if (worst <= 0) return std::numeric_limits<double>::infinity();
    return full_credit_ratio / worst;
}

std::string margins_section(const std::vector<VerifyRow>& rows) {
    std::string out;
    for (const auto& r : rows) {
        if (r.subject != "reference" || r.margins.scores.empty()) continue;
        const auto& m = r.margins;
        const auto [lo, hi] = std::minmax_element(m.scores.begin(), m.scores.end());
        out += fmt::format("\n{}: score {:.4g}/{:.4g}", r.kata, *hi, m.max_score);
        if (*lo != *hi) out += fmt::format(" (lowest {:.4g})", *lo);
        out += fmt::format(" over {} run{}\n", m.scores.size(), m.scores.size() == 1 ? "" : "s");
        if (m.comparisons.empty()) out += "  no timing comparisons measured\n";
        for (const auto& c : m.comparisons) {
            const double best = *std::min_element(c.ratios.begin(), c.ratios.end());
            const double worst = *std::max_element(c.ratios.begin(), c.ratios.end());
            out += fmt::format("  {}\n", c.name);
            out += fmt::format(
                "    ratio best {:.3f}, median {:.3f}, worst {:.3f} (full credit at <= {:.2f}, "
                "none at >= {:.2f}); margin {}\n",
                best, median(c.ratios), worst, c.full_credit_ratio, c.zero_credit_ratio,
                format_margin(timing_margin(c.full_credit_ratio, c.ratios)));
        }
    }
    return out;
}

std::vector<std::string> thin_margins(const std::vector<VerifyRow>& rows, double safety_factor) {
    std::vector<std::string> out;
    if (safety_factor <= 0) return out;
    for (const auto& r : rows) {
        if (r.subject != "reference") continue;
        for (const auto& c : r.margins.comparisons) {
            const double margin = timing_margin(c.full_credit_ratio, c.ratios);
            if (margin >= safety_factor) continue;
            out.push_back(fmt::format(
                "{}: comparison `{}`: margin {} is below the safety factor {:.2f} (worst ratio "
                "{:.3f} over {} run{}, full credit at <= {:.2f}): the threshold would flake",
                r.kata, c.name, format_margin(margin), safety_factor,
                *std::max_element(c.ratios.begin(), c.ratios.end()), c.ratios.size(),
                c.ratios.size() == 1 ? "" : "s", c.full_credit_ratio));
        }
    }
    return out;
}

}  // namespace interleave
