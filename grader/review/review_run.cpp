#include "review/review_run.hpp"

#include "report/reporter.hpp"
#include "review/class_summary.hpp"
#include "review/fingerprint.hpp"
#include "review/manual_scores.hpp"
#include "review/summary_html.hpp"
#include "review/tamper.hpp"
#include "workspace/tree_seal.hpp"
#include "workspace/workspace.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace interleave {

namespace {

/// Every report format a reporter may exist for, and the file extension it gets.
constexpr std::pair<const char*, const char*> kFormats[] = {
    {"terminal", "txt"}, {"json", "json"}, {"markdown", "md"},
    {"html", "html"},    {"junit", "xml"}, {"sarif", "sarif"},
};

void write_text(const fs::path& path, const std::function<void(std::ostream&)>& body) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) throw std::runtime_error("review: cannot write " + path.string());
    body(out);
    if (!out) throw std::runtime_error("review: cannot write " + path.string());
}

/// Sets `tree_changed` when the submission's code wrote into the grading tree.
StudentRecord grade_one(const ReviewPlan& plan, SubmissionGrader& grader, const Submission& s,
                        const std::string& fingerprint, int slot, bool& tree_changed) {
    const auto t0 = std::chrono::steady_clock::now();
    StudentRecord r;
    r.student = s.student;
    r.repo = s.repo.string();
    r.fingerprint = fingerprint;
    const fs::path dir = plan.out / "students" / s.student;
    try {
        fs::create_directories(dir);
        r.tamper = find_tampering(*plan.course, plan.course->root, s.repo);
        r.designs = read_designs(s.repo);
        const GradeReport report = grader.grade(s, slot);
        r.report = report_to_json(report);
        write_student_reports(dir, report);
    } catch (const GradingTreeChanged& e) {
        // The tree that grades everyone else is no longer the course's: the review stops.
        for (const auto& change : e.changes())
            r.tamper.push_back({change, "written by the submission's code while it was graded"});
        r.error = fmt::format("grading {} failed: {}", s.student, e.what());
        r.report = nlohmann::json();
        tree_changed = true;
    } catch (const std::exception& e) {
        r.error = fmt::format("grading {} failed: {}", s.student, e.what());
        r.report = nlohmann::json();
    } catch (...) {
        r.error = fmt::format("grading {} failed with an unknown exception", s.student);
        r.report = nlohmann::json();
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace

void write_student_reports(const fs::path& student_dir, const GradeReport& report) {
    fs::create_directories(student_dir);
    for (const auto& [name, ext] : kFormats) {
        const auto reporter = make_reporter(name, TerminalStyle{false, true});
        if (!reporter) continue;  // a format this build does not have
        write_text(student_dir / fmt::format("report.{}", ext),
                   [&](std::ostream& out) { reporter->render(report, out); });
    }
}

std::vector<StudentRecord> review_class(const ReviewPlan& plan, SubmissionGrader& grader,
                                        const ReviewLog& log, ReviewTally& tally) {
    const std::size_t n = plan.students.size();
    std::vector<StudentRecord> records(n);
    std::vector<std::string> fingerprints(n);
    std::vector<std::size_t> todo;
    std::mutex log_mutex;
    auto say = [&](const std::string& line) {
        std::lock_guard lock(log_mutex);
        if (log) log(line);
    };
    for (std::size_t i = 0; i < n; ++i) {
        const Submission& s = plan.students[i];
        fingerprints[i] = submission_fingerprint(plan.katas, s.repo, plan.salt);
        const auto old = load_record(plan.out / "students" / s.student);
        if (old && old->error.empty() && old->fingerprint == fingerprints[i]) {
            records[i] = *old;
            ++tally.reused;
            say(fmt::format("{}: unchanged, reused ({} / {})", s.student,
                            format_points(old->total()), format_points(old->max_total())));
        } else {
            todo.push_back(i);
        }
    }
    std::atomic<std::size_t> next{0};
    std::atomic<int> done{0};
    std::atomic<bool> stopped{false};
    std::string stop_reason;
    auto drain = [&](int slot) {
        for (std::size_t k = next++; k < todo.size() && !stopped; k = next++) {
            const std::size_t i = todo[k];
            const Submission& s = plan.students[i];
            bool tree_changed = false;
            StudentRecord r = grade_one(plan, grader, s, fingerprints[i], slot, tree_changed);
            if (tree_changed) {
                std::lock_guard lock(log_mutex);
                if (!stopped.exchange(true)) stop_reason = r.error;
            }
            try {
                save_record(plan.out / "students" / s.student, r);
            } catch (const std::exception& e) {
                if (r.error.empty()) r.error = e.what();
            }
            const int finished = ++done;
            say(r.error.empty()
                    ? fmt::format(
                          "[{}/{}] {}: {} / {} in {:.1f} s{}", finished, todo.size(), s.student,
                          format_points(r.total()), format_points(r.max_total()), r.seconds,
                          r.tamper.empty() ? ""
                                           : fmt::format(" (tamper: {} files)", r.tamper.size()))
                    : fmt::format("[{}/{}] {}: error: {}", finished, todo.size(), s.student,
                                  r.error));
            records[i] = std::move(r);
        }
    };
    const int jobs = std::max(1, std::min<int>(plan.jobs, static_cast<int>(todo.size())));
    std::vector<std::thread> threads;
    for (int slot = 1; slot < jobs; ++slot) threads.emplace_back(drain, slot);
    drain(0);
    for (auto& t : threads) t.join();
    if (stopped)
        throw std::runtime_error("review stopped: " + stop_reason +
                                 " (that student's record is saved with the tamper flag)");
    for (const auto& r : records) {
        if (!r.error.empty()) {
            ++tally.errors;
        }
    }
    tally.graded = static_cast<int>(todo.size());
    for (const std::size_t i : todo) tally.seconds.push_back(records[i].seconds);
    return records;
}

void write_class_summary(const fs::path& out, const std::vector<StudentRecord>& records,
                         const std::optional<fs::path>& manual_csv) {
    fs::create_directories(out);
    // Read manual.csv first: a malformed one stops the run before any summary is rewritten.
    const std::vector<ManualScore> manual =
        manual_csv ? read_manual_scores(*manual_csv) : std::vector<ManualScore>{};
    std::vector<StudentRecord> shown = records;
    apply_manual_scores(shown, manual);
    write_text(out / "summary.csv", [&](std::ostream& o) { write_summary_csv(shown, o); });
    write_text(out / "summary.md", [&](std::ostream& o) { write_summary_markdown(shown, o); });
    write_text(out / "summary.html", [&](std::ostream& o) { write_summary_html(shown, o); });
    nlohmann::json manifest{{"students", nlohmann::json::array()}};
    for (const auto& r : records) manifest["students"].push_back(r.student);
    write_text(out / "students.json", [&](std::ostream& o) {
        o << manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    });
    if (manual_csv) {
        write_text(out / "final.csv",
                   [&](std::ostream& o) { write_final_csv(records, manual, o); });
    }
}

std::vector<StudentRecord> merge_shards(const std::vector<fs::path>& shards, const fs::path& out) {
    std::vector<StudentRecord> all;
    std::set<std::string> seen;
    for (const auto& shard : shards) {
        auto records = load_records(shard);
        // A shard folder may hold records of other students (seeded from an earlier run): the
        // manifest of its last run says whose results it stands for.
        const auto manifest =
            nlohmann::json::parse(read_file(shard / "students.json"), nullptr, false);
        if (manifest.is_object() && manifest.contains("students")) {
            std::set<std::string> listed;
            for (const auto& n : manifest["students"]) listed.insert(n.get<std::string>());
            std::erase_if(records,
                          [&](const StudentRecord& r) { return listed.count(r.student) == 0; });
        }
        if (records.empty())
            throw std::invalid_argument(fmt::format(
                "review merge: {} holds no students/<name>/review.json", shard.string()));
        for (auto& r : records) {
            if (!seen.insert(r.student).second)
                throw std::invalid_argument(fmt::format(
                    "review merge: student \"{}\" is in more than one shard (again in {})",
                    r.student, shard.string()));
            const fs::path from = shard / "students" / r.student;
            const fs::path to = out / "students" / r.student;
            if (fs::weakly_canonical(from) != fs::weakly_canonical(to)) {
                fs::create_directories(to);
                fs::copy(from, to,
                         fs::copy_options::recursive | fs::copy_options::overwrite_existing);
            }
            all.push_back(std::move(r));
        }
    }
    std::sort(all.begin(), all.end(),
              [](const StudentRecord& a, const StudentRecord& b) { return a.student < b.student; });
    return all;
}

}  // namespace interleave
