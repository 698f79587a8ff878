#include "review/class_summary.hpp"

#include <csv.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

namespace interleave {

namespace {

const nlohmann::json* find_check(const StudentRecord& r, const ScoreColumn& c) {
    if (!r.report.is_object() || !r.report.contains("katas")) return nullptr;
    for (const auto& k : r.report["katas"]) {
        if (k.value("id", std::string()) != c.kata || !k.contains("checks")) continue;
        for (const auto& check : k["checks"]) {
            if (check.value("name", std::string()) == c.check) return &check;
        }
    }
    return nullptr;
}

std::string markdown_cell(const std::string& text) {
    std::string out;
    for (const char ch : text) {
        if (ch == '|') {
            out += "\\|";
        } else if (ch == '\n' || ch == '\r') {
            out += ' ';
        } else {
            out += ch;
        }
    }
    return out;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

}  // namespace

std::vector<ScoreColumn> score_columns(const std::vector<StudentRecord>& records) {
    std::vector<ScoreColumn> out;
    for (const auto& r : records) {
        if (!r.report.is_object() || !r.report.contains("katas")) continue;
        for (const auto& k : r.report["katas"]) {
            for (const auto& c : k.value("checks", nlohmann::json::array())) {
                const double max = c.value("max_score", 0.0);
                if (max <= 0) continue;
                ScoreColumn col{k.value("id", std::string()), c.value("name", std::string()), max};
                const bool known = std::any_of(out.begin(), out.end(), [&](const ScoreColumn& o) {
                    return o.kata == col.kata && o.check == col.check;
                });
                if (!known) out.push_back(col);
            }
        }
    }
    return out;
}

std::optional<double> column_score(const StudentRecord& record, const ScoreColumn& column) {
    const nlohmann::json* c = find_check(record, column);
    if (c == nullptr) return std::nullopt;
    // A manually graded part has no score until a person gives one (manual.csv, see
    // apply_manual_scores).
    if (c->value("status", std::string()) == "pending") {
        if (c->contains("manual_score")) return c->value("manual_score", 0.0);
        return std::nullopt;
    }
    return c->value("score", 0.0);
}

std::string column_status(const StudentRecord& record, const ScoreColumn& column) {
    const nlohmann::json* c = find_check(record, column);
    return c == nullptr ? std::string() : c->value("status", std::string());
}

std::vector<std::pair<std::string, int>> common_failures(const std::vector<StudentRecord>& records,
                                                         std::size_t limit) {
    // Messages that differ only in numbers (counts, thread ids, lines) are one failure; the
    // first one seen stands for the group.
    std::map<std::string, std::pair<std::string, int>> groups;
    std::vector<std::string> order;
    auto count = [&](const std::string& message) {
        const std::string key = std::regex_replace(message, std::regex("[0-9]+"), "#");
        auto [it, fresh] = groups.try_emplace(key, message, 0);
        if (fresh) order.push_back(key);
        ++it->second.second;
    };
    for (const auto& r : records) {
        if (!r.error.empty()) count("grading error: " + first_line(r.error));
        if (!r.report.is_object() || !r.report.contains("katas")) continue;
        for (const auto& k : r.report["katas"]) {
            for (const auto& c : k.value("checks", nlohmann::json::array())) {
                const std::string status = c.value("status", std::string());
                if (status != "fail" && status != "error") continue;
                count(fmt::format("{} {}: {}", k.value("id", std::string()),
                                  c.value("name", std::string()),
                                  first_line(c.value("message", std::string()))));
            }
        }
    }
    std::vector<std::pair<std::string, int>> out;
    out.reserve(order.size());
    for (const auto& key : order) out.push_back(groups[key]);
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (out.size() > limit) out.resize(limit);
    return out;
}

std::string format_points(double points) {
    return fmt::format("{:g}", points);
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    // libcsv's writer: the field in quotes, each quote doubled (RFC 4180).
    std::string out(2 * text.size() + 2, '\0');
    out.resize(csv_write(out.data(), out.size(), text.data(), text.size()));
    return out;
}

void write_summary_csv(const std::vector<StudentRecord>& records, std::ostream& out) {
    const auto columns = score_columns(records);
    out << "student";
    for (const auto& c : columns) out << "," << csv_field(c.name());
    out << ",total,max,tamper,error\n";
    for (const auto& r : records) {
        out << csv_field(r.student);
        for (const auto& c : columns) {
            const auto s = column_score(r, c);
            out << "," << (s ? format_points(*s) : "");
        }
        out << "," << format_points(r.total()) << "," << format_points(r.max_total()) << ","
            << (r.tamper.empty() ? "no" : "yes") << "," << csv_field(first_line(r.error)) << "\n";
    }
}

void write_summary_markdown(const std::vector<StudentRecord>& records, std::ostream& out) {
    const auto columns = score_columns(records);
    out << "# Class summary\n\n| student |";
    for (const auto& c : columns)
        out << fmt::format(" {} ({}) |", markdown_cell(c.name()), format_points(c.max_score));
    out << " total | tamper | error |\n|---|";
    for (std::size_t i = 0; i < columns.size(); ++i) out << "---:|";
    out << "---:|---|---|\n";
    for (const auto& r : records) {
        out << "| " << markdown_cell(r.student) << " |";
        for (const auto& c : columns) {
            const auto s = column_score(r, c);
            out << " " << (s ? format_points(*s) : "-") << " |";
        }
        out << fmt::format(" {} / {} | {} | {} |\n", format_points(r.total()),
                           format_points(r.max_total()),
                           r.tamper.empty() ? "no" : fmt::format("yes ({})", r.tamper.size()),
                           markdown_cell(first_line(r.error)));
    }
}

}  // namespace interleave
