#pragma once
/// What the review keeps per student (students/<name>/review.json): the grade report, the
/// tamper list, the DESIGN.md notes and the fingerprint that lets a rerun reuse it.

#include "review/tamper.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace interleave {

struct StudentRecord {
    std::string student;
    std::string repo;
    std::string fingerprint;
    /// Non-empty when grading did not complete (the report is then null).
    std::string error;
    double seconds = 0;
    std::vector<TamperFinding> tamper;
    /// (path in the repo, content) of each DESIGN.md found.
    std::vector<std::pair<std::string, std::string>> designs;
    /// The JSON grade report (report_to_json), null after an error.
    nlohmann::json report;

    double total() const;
    double max_total() const;
};

nlohmann::json record_to_json(const StudentRecord& record);
/// Throws nlohmann::json::exception on a document that is not a record.
StudentRecord record_from_json(const nlohmann::json& doc);

/// The record file of a student folder.
std::filesystem::path record_path(const std::filesystem::path& student_dir);
/// Reads STUDENT_DIR/review.json; nullopt when absent or unreadable.
std::optional<StudentRecord> load_record(const std::filesystem::path& student_dir);
/// Writes STUDENT_DIR/review.json (creating the folder). Throws std::runtime_error on failure.
void save_record(const std::filesystem::path& student_dir, const StudentRecord& record);
/// Every record under OUT/students/, sorted by student.
std::vector<StudentRecord> load_records(const std::filesystem::path& out_dir);

/// DESIGN.md at the repository's top and in each exercises/NN-name/ folder.
std::vector<std::pair<std::string, std::string>> read_designs(const std::filesystem::path& repo);

}  // namespace interleave
