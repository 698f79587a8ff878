#include "checks/parsers.hpp"

#include <nlohmann/json.hpp>

#include <sstream>
#include <stdexcept>

namespace interleave {

int TestRunSummary::passed() const {
    int n = 0;
    for (const auto& t : tests) n += t.passed ? 1 : 0;
    return n;
}

int TestRunSummary::failed() const {
    return static_cast<int>(tests.size()) - passed();
}

TestRunSummary parse_gtest_json(const std::string& text) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("testsuites")) {
        throw std::runtime_error("not a GoogleTest JSON report");
    }
    TestRunSummary summary;
    for (const auto& suite : doc["testsuites"]) {
        for (const auto& test : suite.value("testsuite", nlohmann::json::array())) {
            TestCaseResult r;
            r.name = suite.value("name", "") + "." + test.value("name", "");
            if (test.value("status", "RUN") != "RUN") continue;  // disabled / not built
            r.skipped = test.value("result", "") == "SKIPPED";
            for (const auto& f : test.value("failures", nlohmann::json::array())) {
                r.failures.push_back(f.value("failure", ""));
            }
            r.passed = r.failures.empty() && test.value("result", "COMPLETED") == "COMPLETED";
            summary.tests.push_back(std::move(r));
        }
    }
    return summary;
}

std::vector<std::string> parse_gtest_list(const std::string& text) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("testsuites")) {
        throw std::runtime_error("not a GoogleTest test list");
    }
    std::vector<std::string> names;
    for (const auto& suite : doc["testsuites"]) {
        for (const auto& test : suite.value("testsuite", nlohmann::json::array())) {
            names.push_back(suite.value("name", "") + "." + test.value("name", ""));
        }
    }
    return names;
}

std::optional<std::string> Progress::running() const {
    for (auto it = started.rbegin(); it != started.rend(); ++it) {
        if (ended.count(*it) == 0) return *it;
    }
    return std::nullopt;
}

Progress parse_progress(const std::string& text) {
    Progress p;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto space = line.find(' ');
        if (space == std::string::npos) continue;
        const std::string verb = line.substr(0, space);
        std::string rest = line.substr(space + 1);
        if (verb == "start") {
            p.started.push_back(rest);
        } else if (verb == "end") {
            const auto last = rest.rfind(' ');
            if (last == std::string::npos) continue;
            p.ended[rest.substr(0, last)] = rest.substr(last + 1) == "pass";
        } else if (verb == "hung") {
            p.hung = rest;
        }
    }
    return p;
}

}  // namespace interleave
