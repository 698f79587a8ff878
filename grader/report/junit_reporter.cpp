// JUnit XML: one <testsuite> per kata, one <testcase> per check. Failed checks carry a
// <failure>, checks the grader could not judge an <error>, checks not run a <skipped> whose
// body says why (GitLab shows the body). Written with pugixml, so that any text the student's
// code produced is escaped by an XML library; <testsuites> takes no `skipped` attribute (the
// xUnit schema, junit-10.xsd, refuses it there).
#include "report/markup_escape.hpp"
#include "report/reporter.hpp"
#include "report/source_location.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <sstream>

namespace interleave {

namespace {

struct Counts {
    int tests = 0;
    int failures = 0;
    int errors = 0;
    int skipped = 0;
    double seconds = 0;

    void add(const CheckResult& c) {
        ++tests;
        failures += c.status == CheckStatus::fail ? 1 : 0;
        errors += c.status == CheckStatus::error ? 1 : 0;
        skipped += c.status == CheckStatus::skipped || c.status == CheckStatus::pending ? 1 : 0;
        seconds += c.seconds;
    }
    void write(pugi::xml_node node, bool with_skipped) const {
        node.append_attribute("tests") = tests;
        node.append_attribute("failures") = failures;
        node.append_attribute("errors") = errors;
        if (with_skipped) node.append_attribute("skipped") = skipped;
        node.append_attribute("time") = fmt::format("{:.3f}", seconds).c_str();
    }
};

/// Text for pugixml: valid UTF-8 already (report/utf8.cpp), minus what XML 1.0 forbids.
std::string x(const std::string& text) {
    return xml_allowed(text);
}

std::string details_text(const CheckResult& c) {
    std::string out;
    for (const auto& d : c.details) out += d + "\n";
    return out;
}

void add_check(pugi::xml_node suite, const KataReport& k, const CheckResult& c,
               const std::string& source) {
    pugi::xml_node tc = suite.append_child("testcase");
    tc.append_attribute("classname") = x(k.folder).c_str();
    tc.append_attribute("name") = x(c.name).c_str();
    tc.append_attribute("time") = fmt::format("{:.3f}", c.seconds).c_str();
    // `file` and `line` (read by GitLab and Jenkins) wherever the check's evidence points at a
    // line: a compiler error, a race's access, a failed assertion, a hung thread's frame.
    if (const auto where = find_location(c)) {
        tc.append_attribute("file") = x(repository_path(where->file, source)).c_str();
        tc.append_attribute("line") = where->line;
    }
    auto child = [&](const char* element, const std::string& message, const std::string& body) {
        pugi::xml_node n = tc.append_child(element);
        n.append_attribute("message") = x(message).c_str();
        if (element != std::string("skipped")) n.append_attribute("type") = x(c.name).c_str();
        if (!body.empty()) n.text() = x(body).c_str();
    };
    switch (c.status) {
        case CheckStatus::pass:
            break;
        case CheckStatus::fail:
            child("failure", c.message, details_text(c));
            break;
        case CheckStatus::error:
            child("error", c.message, details_text(c));
            break;
        case CheckStatus::skipped:
            child("skipped", c.message, (c.disabled ? "switched off: " : "") + c.message);
            break;
        case CheckStatus::pending:
            // Not run by the grader: a person grades it.
            child("skipped", "pending manual review: " + c.message,
                  "pending manual review: " + c.message);
            break;
    }
    if (c.max_score > 0 && c.status != CheckStatus::pending)
        tc.append_child("system-out").text() =
            fmt::format("score {:.4g}/{:.4g}", c.score, c.max_score).c_str();
}

class JunitReporter final : public Reporter {
  public:
    void render(const GradeReport& report, std::ostream& out) const override {
        pugi::xml_document doc;
        pugi::xml_node decl = doc.append_child(pugi::node_declaration);
        decl.append_attribute("version") = "1.0";
        decl.append_attribute("encoding") = "UTF-8";
        pugi::xml_node suites = doc.append_child("testsuites");
        suites.append_attribute("name") = x(report.course + " (" + report.source + ")").c_str();
        Counts all;
        for (const auto& k : report.katas)
            for (const auto& c : k.checks) all.add(c);
        all.write(suites, false);
        for (const auto& k : report.katas) {
            Counts counts;
            for (const auto& c : k.checks) counts.add(c);
            pugi::xml_node suite = suites.append_child("testsuite");
            suite.append_attribute("name") = x(k.folder).c_str();
            counts.write(suite, true);
            pugi::xml_node props = suite.append_child("properties");
            pugi::xml_node title = props.append_child("property");
            title.append_attribute("name") = "title";
            title.append_attribute("value") = x(k.title).c_str();
            pugi::xml_node score = props.append_child("property");
            score.append_attribute("name") = "score";
            score.append_attribute("value") =
                fmt::format("{:.4g}/{:.4g}", k.score, k.max_score).c_str();
            for (const auto& c : k.checks) add_check(suite, k, c, report.source);
        }
        doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
    }
};

}  // namespace

std::unique_ptr<Reporter> make_junit_reporter() {
    return std::make_unique<JunitReporter>();
}

}  // namespace interleave
