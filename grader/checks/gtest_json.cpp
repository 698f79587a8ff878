#include "checks/parsers.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <optional>
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

ChannelContent read_channel(const std::string& text, const std::string& token) {
    constexpr std::size_t kMaxForeign = 10;
    constexpr std::size_t kMaxLine = 200;
    ChannelContent c;
    const std::string prefix = token + " ";
    std::size_t at = 0;
    while (at < text.size()) {
        auto eol = text.find('\n', at);
        if (eol == std::string::npos) eol = text.size();
        const std::string line = text.substr(at, eol - at);
        at = eol + 1;
        if (token.empty() || line.rfind(prefix, 0) != 0) {
            if (c.foreign.size() < kMaxForeign) c.foreign.push_back(line.substr(0, kMaxLine));
            ++c.foreign_count;
            continue;
        }
        std::string record = line.substr(prefix.size());
        std::istringstream fields(record);
        std::string verb;
        std::string name;
        std::size_t size = 0;
        if (record.rfind("block ", 0) == 0 && (fields >> verb >> name >> size) && fields.eof() &&
            at + size <= text.size()) {
            c.blocks.emplace_back(name, text.substr(at, size));
            at += size + 1;  // the payload and its newline
            continue;
        }
        c.records.push_back(std::move(record));
    }
    return c;
}

Progress parse_progress(const ChannelContent& channel) {
    std::string records;
    for (const auto& r : channel.records) records += r + "\n";
    Progress p = parse_progress(records);
    std::vector<std::string> foreign;
    for (const auto& line : channel.foreign)
        foreign.push_back("a line without the harness's token: \"" + line + "\"");
    p.violations.insert(p.violations.begin(), foreign.begin(), foreign.end());
    if (channel.foreign_count > channel.foreign.size())
        p.violations.push_back(fmt::format("{} more line(s) without the harness's token",
                                           channel.foreign_count - channel.foreign.size()));
    return p;
}

Progress parse_progress(const std::string& text) {
    Progress p;
    std::istringstream in(text);
    std::string line;
    std::optional<std::string> open;  // the test between its "start" and its "end"
    auto violation = [&p](const std::string& what, const std::string& record) {
        constexpr std::size_t kMaxEvidence = 10;
        constexpr std::size_t kMaxRecord = 200;
        if (p.violations.size() < kMaxEvidence)
            p.violations.push_back(what + ": \"" + record.substr(0, kMaxRecord) + "\"");
    };
    while (std::getline(in, line)) {
        const auto space = line.find(' ');
        const std::string verb = line.substr(0, space);
        const std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
        if (verb == "abort" && p.begun && !rest.empty()) {
            // std::terminate's reason, from the harness's handler (at exit too).
            if (!p.abort_reason) p.abort_reason = rest;
        } else if (p.finished) {
            violation("a record after the last test had finished", line);
        } else if (verb == "begin" && rest.empty()) {
            if (p.begun) violation("a second \"begin\"", line);
            p.begun = true;
        } else if (!p.begun) {
            violation("a record before the test binary's main() started", line);
        } else if (verb == "finished" && rest.empty()) {
            if (open) violation("\"finished\" while a test was running", line);
            p.finished = true;
        } else if (verb == "start" && !rest.empty()) {
            if (open) violation("a test started while another was running", line);
            p.started.push_back(rest);
            open = rest;
        } else if (verb == "end") {
            const auto last = rest.rfind(' ');
            const std::string name = last == std::string::npos ? "" : rest.substr(0, last);
            const std::string result = last == std::string::npos ? "" : rest.substr(last + 1);
            const bool passed = result == "pass";
            if (name.empty() || (result != "pass" && result != "fail")) {
                violation("a malformed record", line);
            } else if (const auto first = p.ended.find(name); first != p.ended.end()) {
                violation("a second result for a test that had ended", line);
                if (first->second != passed) p.disputed.insert(name);
            } else if (open != name) {
                violation("a result for a test that was not running", line);
            } else {
                p.ended[name] = passed;
                open.reset();
            }
        } else if (verb == "hung" && !rest.empty()) {
            p.hung = rest;
        } else {
            violation("a record the harness never writes", line);
        }
    }
    return p;
}

}  // namespace interleave
