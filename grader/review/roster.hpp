#pragma once
/// Who is in the class: the submissions to review, found from folders or read from a roster,
/// and the slice of them one shard grades.

#include <filesystem>
#include <string>
#include <vector>

namespace interleave {

/// One student's repository.
struct Submission {
    std::string student;  ///< also the name of the student's folder in the review output
    std::filesystem::path repo;
};

/// A folder holding exercises/ is one repository (named after the folder); any other folder is
/// a class folder whose subfolders that hold exercises/ are the repositories. Throws
/// std::invalid_argument naming the path when an input is not a folder or holds no repository.
std::vector<Submission> discover_submissions(const std::vector<std::filesystem::path>& inputs);

/// Reads a roster CSV with the header `student,path` (a relative path is relative to the
/// roster's folder). Throws std::invalid_argument naming the file and line of a bad row.
std::vector<Submission> read_roster(const std::filesystem::path& csv);

/// Splits one CSV line into fields (RFC 4180 quoting: "a, b" and "" for a quote), with libcsv;
/// throws std::invalid_argument on a malformed line (see parse_csv()).
std::vector<std::string> split_csv_line(const std::string& line);

/// Sorts by student name and throws std::invalid_argument on a duplicate or on a name that
/// cannot be a folder name (empty, ".", "..", or holding '/').
std::vector<Submission> sorted_class(std::vector<Submission> all);

/// "--shard i/N": students i, i+N, i+2N... (1-based) of the class sorted by name.
struct Shard {
    int index = 1;
    int count = 1;
};

/// Parses "2/3"; throws std::invalid_argument unless 1 <= i <= N.
Shard parse_shard(const std::string& spec);

/// The students of `shard`, from a class already in sorted_class() order.
std::vector<Submission> take_shard(const std::vector<Submission>& sorted, Shard shard);

}  // namespace interleave
