// Redaction of hidden tests from a judged check (pure; see visibility.hpp).
#include "checks/visibility.hpp"

#include <fmt/format.h>

#include <set>
#include <sstream>

namespace interleave {

namespace {

std::string last_line(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    std::string last;
    while (std::getline(in, line)) {
        if (!line.empty()) last = line;
    }
    return last;
}

/// Every spelling of a hidden test that can leak: "Suite.Test" and GoogleTest's generated
/// class name "Suite_Test_Test" (it shows up in backtraces and sanitizer stacks).
std::vector<std::string> spellings_of(const std::set<std::string>& hidden) {
    std::vector<std::string> out;
    for (const auto& name : hidden) {
        out.push_back(name);
        std::string cls = name;
        for (auto& ch : cls) {
            if (ch == '.') ch = '_';
        }
        out.push_back(cls + "_Test");
    }
    return out;
}

std::string scrub(std::string text, const std::vector<std::string>& spellings) {
    for (const auto& s : spellings) {
        for (auto pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos)) {
            text.replace(pos, s.size(), kHiddenTestLabel);
            pos += std::string(kHiddenTestLabel).size();
        }
    }
    return text;
}

void scrub_json(nlohmann::json& j, const std::vector<std::string>& spellings) {
    if (j.is_string()) {
        j = scrub(j.get<std::string>(), spellings);
    } else if (j.is_array() || j.is_object()) {
        for (auto& item : j) scrub_json(item, spellings);
    }
}

std::string count_hidden(int n) {
    return fmt::format("{} hidden test{} failed", n, n == 1 ? "" : "s");
}

/// The tests check's message, details and per-test data, rebuilt without hidden failures.
void redact_test_results(CheckResult& check, const TestRunSummary& results,
                         const std::vector<std::string>& patterns) {
    int hidden_failed = 0;
    const TestCaseResult* first_visible_failure = nullptr;
    nlohmann::json tests = nlohmann::json::array();
    std::vector<std::string> visible_failed;
    for (const auto& t : results.tests) {
        const bool hidden = is_hidden_test(t.name, patterns);
        nlohmann::json entry{{"name", t.name},
                             {"status", t.passed ? "pass" : (t.skipped ? "skipped" : "fail")},
                             {"visibility", hidden ? "hidden" : "visible"}};
        if (!t.passed && !t.failures.empty()) entry["message"] = last_line(t.failures.front());
        tests.push_back(entry);
        if (t.passed) continue;
        if (hidden) {
            ++hidden_failed;
        } else {
            visible_failed.push_back(t.name);
            if (first_visible_failure == nullptr) first_visible_failure = &t;
        }
    }
    std::vector<std::string> details;
    for (const auto& d : check.details) {
        bool about_hidden = false;
        for (const auto& t : results.tests) {
            if (is_hidden_test(t.name, patterns) && d.rfind(t.name + ": ", 0) == 0)
                about_hidden = true;
        }
        if (!about_hidden) details.push_back(d);
    }
    if (hidden_failed > 0)
        details.push_back(count_hidden(hidden_failed) + " (hidden tests are not shown)");
    check.details = details;

    const auto cut = check.message.find(". First failure: ");
    if (cut != std::string::npos) {
        check.message.resize(cut);
        if (first_visible_failure != nullptr) {
            const auto& f = *first_visible_failure;
            check.message +=
                fmt::format(". First failure: {}: {}", f.name,
                            f.failures.empty() ? "did not pass" : last_line(f.failures.front()));
        } else {
            check.message += ". " + count_hidden(hidden_failed);
        }
    }
    if (check.data.contains("failed")) {
        check.data["failed"] = visible_failed;
        if (visible_failed.empty()) check.data.erase("failed");
    }
    check.data["hidden_failed"] = hidden_failed;
    check.data["tests"] = tests;
}

}  // namespace

bool is_hidden_test(const std::string& test, const std::vector<std::string>& patterns) {
    for (const auto& p : patterns) {
        if (!p.empty() && p.back() == '*') {
            if (test.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0) return true;
        } else if (test == p) {
            return true;
        }
    }
    return false;
}

void apply_test_visibility(CheckResult& check, const TestBinaryRun& run,
                           const std::vector<std::string>& patterns) {
    if (patterns.empty()) return;
    std::set<std::string> hidden;
    auto consider = [&](const std::string& name) {
        if (is_hidden_test(name, patterns)) hidden.insert(name);
    };
    for (const auto& n : run.listed) consider(n);
    for (const auto& n : run.progress.started) consider(n);
    if (run.results) {
        for (const auto& t : run.results->tests) consider(t.name);
    }
    if (check.name == "tests" && run.results) redact_test_results(check, *run.results, patterns);
    if (hidden.empty()) return;
    const auto spellings = spellings_of(hidden);
    check.message = scrub(check.message, spellings);
    for (auto& d : check.details) d = scrub(d, spellings);
    for (auto& t : check.tamper) t = scrub(t, spellings);
    // The per-test list keeps real names: it is what marks them hidden for a platform.
    nlohmann::json tests = check.data.contains("tests") ? check.data["tests"] : nlohmann::json();
    scrub_json(check.data, spellings);
    if (!tests.is_null()) check.data["tests"] = tests;
}

}  // namespace interleave
