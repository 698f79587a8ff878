#include "review/summary_html.hpp"

#include "report/markup_escape.hpp"
#include "review/class_summary.hpp"

#include <fmt/format.h>

#include <map>

namespace interleave {

namespace {

constexpr const char* kStyle = R"(body{font-family:sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .6em}
.hist td{border:none;padding:.1em .4em}.bar{background:#4a7bd0;height:1em;display:inline-block}
.tamper{color:#a00}pre{background:#f4f4f4;padding:1em;white-space:pre-wrap}
)";

void write_histograms(const std::vector<StudentRecord>& records, std::ostream& out) {
    out << "<h2 id=\"distribution\">Score distribution</h2>\n";
    const auto columns = score_columns(records);
    if (columns.empty()) out << "<p>No graded check.</p>\n";
    for (const auto& c : columns) {
        std::map<double, int> counts;
        int graded = 0;
        for (const auto& r : records) {
            if (const auto s = column_score(r, c)) {
                ++counts[*s];
                ++graded;
            }
        }
        out << fmt::format("<h3>{} (out of {})</h3>\n<table class=\"hist\">\n",
                           html_escape(c.name()), format_points(c.max_score));
        for (const auto& [score, n] : counts) {
            const int width = graded == 0 ? 0 : 100 * n / graded;
            out << fmt::format(
                "<tr><td>{}</td><td><span class=\"bar\" style=\"width:{}px\"></span></td>"
                "<td>{}</td></tr>\n",
                format_points(score), 3 * width, n);
        }
        out << "</table>\n";
    }
}

void write_failures(const std::vector<StudentRecord>& records, std::ostream& out) {
    out << "<h2 id=\"failures\">Most common failures</h2>\n";
    const auto failures = common_failures(records, 20);
    if (failures.empty()) {
        out << "<p>No check failed.</p>\n";
        return;
    }
    out << "<table>\n<tr><th>students</th><th>message</th></tr>\n";
    for (const auto& [message, n] : failures)
        out << fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", n, html_escape(message));
    out << "</table>\n";
}

void write_table(const std::vector<StudentRecord>& records, std::ostream& out) {
    const auto columns = score_columns(records);
    out << "<h2 id=\"scores\">Scores</h2>\n<table>\n<tr><th>student</th>";
    for (const auto& c : columns) out << "<th>" << html_escape(c.name()) << "</th>";
    out << "<th>total</th><th>tamper</th><th>error</th></tr>\n";
    for (const auto& r : records) {
        out << "<tr><td>" << html_escape(r.student) << "</td>";
        for (const auto& c : columns) {
            const auto s = column_score(r, c);
            out << "<td>" << (s ? format_points(*s) : "-") << "</td>";
        }
        out << fmt::format("<td>{} / {}</td><td{}>{}</td><td>{}</td></tr>\n",
                           format_points(r.total()), format_points(r.max_total()),
                           r.tamper.empty() ? "" : " class=\"tamper\"",
                           r.tamper.empty() ? "no" : "yes", html_escape(r.error));
    }
    out << "</table>\n";
}

void write_tamper(const std::vector<StudentRecord>& records, std::ostream& out) {
    out << "<h2 id=\"tamper\">Tamper flags</h2>\n";
    bool any = false;
    for (const auto& r : records) {
        if (r.tamper.empty()) continue;
        any = true;
        out << "<h3 class=\"tamper\">" << html_escape(r.student) << "</h3>\n<ul>\n";
        for (const auto& t : r.tamper)
            out << fmt::format("<li>{} ({})</li>\n", html_escape(t.path), html_escape(t.change));
        out << "</ul>\n";
    }
    if (!any) out << "<p>No repository differs from the course outside its student files.</p>\n";
}

void write_designs(const std::vector<StudentRecord>& records, std::ostream& out) {
    out << "<h2 id=\"design\">Design notes</h2>\n";
    bool any = false;
    for (const auto& r : records) {
        for (const auto& [path, text] : r.designs) {
            any = true;
            out << fmt::format("<h3>{}: {}</h3>\n<pre>{}</pre>\n", html_escape(r.student),
                               html_escape(path), html_escape(text));
        }
    }
    if (!any) out << "<p>No DESIGN.md in any repository.</p>\n";
}

}  // namespace

void write_summary_html(const std::vector<StudentRecord>& records, std::ostream& out) {
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        << "<title>Class summary</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
        << fmt::format("<h1>Class summary</h1>\n<p>{} student{}.</p>\n", records.size(),
                       records.size() == 1 ? "" : "s");
    write_table(records, out);
    write_histograms(records, out);
    write_failures(records, out);
    write_tamper(records, out);
    write_designs(records, out);
    out << "</body>\n</html>\n";
}

}  // namespace interleave
