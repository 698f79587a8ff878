#include "report/report.hpp"

#include <cmath>

namespace interleave {

std::string to_string(CheckStatus status) {
    switch (status) {
        case CheckStatus::pass:
            return "pass";
        case CheckStatus::fail:
            return "fail";
        case CheckStatus::error:
            return "error";
        case CheckStatus::skipped:
            return "skipped";
        case CheckStatus::pending:
            return "pending";
    }
    return "error";
}

const char* check_name(CheckKind kind) {
    switch (kind) {
        case CheckKind::build:
            return "build";
        case CheckKind::tests:
            return "tests";
        case CheckKind::tsan:
            return "tsan";
        case CheckKind::explore:
            return "explore";
        case CheckKind::asan:
            return "asan";
        case CheckKind::timing:
            return "timing";
        case CheckKind::predict:
            return "predict";
    }
    return "build";
}

bool infrastructure_failed(const GradeReport& report) {
    for (const auto& k : report.katas) {
        for (const auto& c : k.checks) {
            if (c.infrastructure) return true;
        }
    }
    return false;
}

const CheckResult* KataReport::find(const std::string& check) const {
    for (const auto& c : checks) {
        if (c.name == check) return &c;
    }
    return nullptr;
}

void total_up(KataReport& kata) {
    kata.score = 0;
    kata.max_score = 0;
    kata.pending_points = 0;
    kata.disabled_points = 0;
    for (const auto& c : kata.checks) {
        if (c.status == CheckStatus::pending) {
            kata.pending_points += c.max_score;
            continue;
        }
        if (c.disabled) {
            kata.disabled_points += c.max_score;
            continue;
        }
        kata.score += c.score;
        kata.max_score += c.max_score;
    }
}

void total_up(GradeReport& report) {
    report.score = 0;
    report.max_score = 0;
    report.pending_points = 0;
    report.disabled_points = 0;
    for (auto& k : report.katas) {
        total_up(k);
        report.score += k.score;
        report.max_score += k.max_score;
        report.pending_points += k.pending_points;
        report.disabled_points += k.disabled_points;
    }
}

double percent_of(const GradeReport& report) {
    return report.max_score > 0 ? std::floor(100.0 * report.score / report.max_score + 1e-9) : 0.0;
}

}  // namespace interleave
