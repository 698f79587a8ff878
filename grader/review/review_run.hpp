#pragma once
/// Reviewing a class: grade each submission (in parallel grading slots), keep one record per
/// student, reuse the records whose fingerprint is unchanged, and write the class summary.

#include "course/course.hpp"
#include "report/report.hpp"
#include "review/roster.hpp"
#include "review/student_record.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace interleave {

/// Grades the katas of one submission in grading slot `slot` (0 <= slot < jobs); a slot is
/// used by one thread at a time. May throw: the review records the error and goes on.
class SubmissionGrader {
  public:
    virtual ~SubmissionGrader() = default;
    virtual GradeReport grade(const Submission& submission, int slot) = 0;
};

struct ReviewPlan {
    const Course* course = nullptr;
    std::vector<const Exercise*> katas;
    std::vector<Submission> students;  ///< already sorted and sharded
    std::filesystem::path out;         ///< DIR: students/<name>/ and the summaries
    std::string salt;                  ///< grader version and options, part of the fingerprint
    int jobs = 1;
};

struct ReviewTally {
    int graded = 0;
    int reused = 0;
    int errors = 0;
    /// Wall time of each submission graded in this run (not the reused ones), in seconds.
    std::vector<double> seconds;
};

/// One line for the instructor ("alice: unchanged, reused"); called from one thread at a time.
using ReviewLog = std::function<void(const std::string& line)>;

/// Grades or reuses each student of the plan, writing OUT/students/<name>/ (review.json and a
/// report per known format), and returns the records in plan order. A submission that throws
/// gets a record with `error` set; it never stops the others, with one exception: a submission
/// whose code changed the grading tree (GradingTreeChanged) gets its record saved with a tamper
/// flag, and then the review throws std::runtime_error, since nothing graded after it could be
/// trusted.
std::vector<StudentRecord> review_class(const ReviewPlan& plan, SubmissionGrader& grader,
                                        const ReviewLog& log, ReviewTally& tally);

/// Writes every format make_reporter() knows into STUDENT_DIR/report.<ext>.
void write_student_reports(const std::filesystem::path& student_dir, const GradeReport& report);

/// Writes OUT/summary.csv, summary.md, summary.html, students.json (whose records the summary
/// covers) and, with manual scores, final.csv.
void write_class_summary(const std::filesystem::path& out,
                         const std::vector<StudentRecord>& records,
                         const std::optional<std::filesystem::path>& manual_csv);

/// Copies OUT/students/<name>/ of every shard folder into OUT of the merge and returns all
/// records sorted by student (only those its students.json lists, when it has one). Throws
/// std::invalid_argument on a student in two shards or a shard folder without records.
std::vector<StudentRecord> merge_shards(const std::vector<std::filesystem::path>& shards,
                                        const std::filesystem::path& out);

}  // namespace interleave
