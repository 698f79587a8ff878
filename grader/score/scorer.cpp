#include "score/scorer.hpp"

namespace interleave {

namespace {

/// Why a check of `kind` earned nothing while the tests fail.
const char* blocked_reason(CheckKind kind) {
    switch (kind) {
        case CheckKind::tsan:
            return "no data race found, but these points need every correctness test to pass "
                   "first";
        case CheckKind::explore:
            return "no failing interleaving found, but these points need every correctness test "
                   "to pass first";
        case CheckKind::asan:
            return "no memory error found, but these points need every correctness test to pass "
                   "first";
        case CheckKind::timing:
            return "not measured: speed is graded once every correctness test passes";
        case CheckKind::build:
        case CheckKind::tests:
        case CheckKind::predict:
            break;
    }
    return "";
}

}  // namespace

bool needs_passing_tests(CheckKind kind) {
    return kind == CheckKind::tsan || kind == CheckKind::explore || kind == CheckKind::asan ||
           kind == CheckKind::timing;
}

void score_kata(KataReport& kata) {
    const CheckResult* tests = kata.find(CheckKind::tests);
    const bool tests_passed = tests != nullptr && tests->status == CheckStatus::pass;
    for (auto& c : kata.checks) {
        for (const CheckKind kind :
             {CheckKind::tsan, CheckKind::explore, CheckKind::asan, CheckKind::timing}) {
            if (!c.is(kind) || tests_passed) continue;
            const bool not_run = c.status == CheckStatus::skipped && c.message.empty();
            // A timing result is blocked whatever it measured; a sanitizer's failure stands.
            const bool blocked = kind == CheckKind::timing ? c.status != CheckStatus::skipped
                                                           : c.status == CheckStatus::pass;
            if (!not_run && !blocked) {
                // A failure stands, as evidence; but these points need passing tests, whatever
                // the check found (a partly broken explore check must not outscore a clean one).
                if (c.score > 0) {
                    c.score = 0;
                    c.details.push_back(
                        "no points: this check's points need every correctness test to pass "
                        "first");
                }
                continue;
            }
            if (kind == CheckKind::timing) {
                // Nothing measured stands: the check is as if it never ran.
                CheckResult fresh;
                fresh.name = c.name;
                fresh.max_score = c.max_score;
                c = std::move(fresh);
            }
            c.status = CheckStatus::skipped;
            c.score = 0;
            c.message = blocked_reason(kind);
        }
    }
    total_up(kata);
}

}  // namespace interleave
