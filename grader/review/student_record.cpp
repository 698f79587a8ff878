#include "review/student_record.hpp"

#include "workspace/workspace.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace interleave {

double StudentRecord::total() const {
    return report.is_object() ? report.value("score", 0.0) : 0.0;
}

double StudentRecord::max_total() const {
    return report.is_object() ? report.value("max_score", 0.0) : 0.0;
}

nlohmann::json record_to_json(const StudentRecord& r) {
    nlohmann::json doc;
    doc["version"] = 1;
    doc["student"] = r.student;
    doc["repo"] = r.repo;
    doc["fingerprint"] = r.fingerprint;
    doc["error"] = r.error;
    doc["seconds"] = r.seconds;
    doc["tamper"] = nlohmann::json::array();
    for (const auto& t : r.tamper)
        doc["tamper"].push_back({{"path", t.path}, {"change", t.change}});
    doc["designs"] = nlohmann::json::array();
    for (const auto& [path, text] : r.designs)
        doc["designs"].push_back({{"path", path}, {"content", text}});
    doc["report"] = r.report;
    return doc;
}

StudentRecord record_from_json(const nlohmann::json& doc) {
    StudentRecord r;
    r.student = doc.at("student").get<std::string>();
    r.repo = doc.value("repo", std::string());
    r.fingerprint = doc.value("fingerprint", std::string());
    r.error = doc.value("error", std::string());
    r.seconds = doc.value("seconds", 0.0);
    for (const auto& t : doc.value("tamper", nlohmann::json::array()))
        r.tamper.push_back({t.at("path").get<std::string>(), t.at("change").get<std::string>()});
    for (const auto& d : doc.value("designs", nlohmann::json::array()))
        r.designs.emplace_back(d.at("path").get<std::string>(), d.at("content").get<std::string>());
    r.report = doc.value("report", nlohmann::json());
    return r;
}

fs::path record_path(const fs::path& student_dir) {
    return student_dir / "review.json";
}

std::optional<StudentRecord> load_record(const fs::path& student_dir) {
    const std::string text = read_file(record_path(student_dir));
    if (text.empty()) return std::nullopt;
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded()) return std::nullopt;
    try {
        return record_from_json(doc);
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

void save_record(const fs::path& student_dir, const StudentRecord& record) {
    fs::create_directories(student_dir);
    const fs::path path = record_path(student_dir);
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << record_to_json(record).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
        if (!out) throw std::runtime_error("review: cannot write " + tmp.string());
    }
    // Written whole, then renamed: an interrupted run never leaves half a record to reuse.
    fs::rename(tmp, path);
}

std::vector<StudentRecord> load_records(const fs::path& out_dir) {
    std::vector<StudentRecord> out;
    const fs::path students = out_dir / "students";
    if (!fs::is_directory(students)) return out;
    for (const auto& entry : fs::directory_iterator(students)) {
        if (!entry.is_directory()) continue;
        if (auto r = load_record(entry.path())) out.push_back(std::move(*r));
    }
    std::sort(out.begin(), out.end(),
              [](const StudentRecord& a, const StudentRecord& b) { return a.student < b.student; });
    return out;
}

std::vector<std::pair<std::string, std::string>> read_designs(const fs::path& repo) {
    std::vector<std::pair<std::string, std::string>> out;
    if (fs::is_regular_file(repo / "DESIGN.md"))
        out.emplace_back("DESIGN.md", read_file(repo / "DESIGN.md"));
    std::vector<fs::path> folders;
    if (fs::is_directory(repo / "exercises")) {
        for (const auto& entry : fs::directory_iterator(repo / "exercises"))
            if (entry.is_directory()) folders.push_back(entry.path());
    }
    std::sort(folders.begin(), folders.end());
    for (const auto& f : folders) {
        if (fs::is_regular_file(f / "DESIGN.md"))
            out.emplace_back((f / "DESIGN.md").lexically_relative(repo).generic_string(),
                             read_file(f / "DESIGN.md"));
    }
    return out;
}

}  // namespace interleave
