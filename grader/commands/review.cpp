#include "commands/review.hpp"

#include "checks/checks.hpp"
#include "course/course.hpp"
#include "review/fingerprint.hpp"
#include "review/review_run.hpp"
#include "review/roster.hpp"
#include "review/slot_grader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <thread>

namespace fs = std::filesystem;

namespace interleave {

CLI::App* ReviewCommand::add_to(CLI::App& app) {
    review_ = app.add_subcommand(
        "review", "Grade a class: every student repository, a tamper report, class summaries");
    review_->add_option("submissions", inputs_,
                        "Student repositories, or folders whose subfolders are repositories");
    review_->add_option("--roster", roster_, "CSV with columns student,path")
        ->check(CLI::ExistingFile);
    review_->add_option("--out", out_, "Output folder (students/, summary.*)");
    review_->add_option("--kata", katas_, "Grade only these katas (repeatable; default: all)");
    review_->add_flag("--no-tsan", no_tsan_, "Skip the ThreadSanitizer check");
    review_->add_flag("--no-timing", no_timing_, "Skip the timing check");
    auto* isolate = review_->add_flag("--isolate", isolate_,
                                      "Also cut the network of student code (bubblewrap)");
    review_
        ->add_flag("--unsafe-no-isolation", no_isolation_,
                   "Grade even where bubblewrap cannot run: a submission could then write into "
                   "this tree (each write is caught after the kata and stops the review)")
        ->excludes(isolate);
    review_->add_option("--jobs,-j", jobs_, "Submissions graded in parallel")
        ->check(CLI::PositiveNumber);
    review_
        ->add_option("--build-jobs", build_jobs_,
                     "Build parallelism per submission (default: cores / jobs)")
        ->check(CLI::NonNegativeNumber);
    review_
        ->add_option("--test-timeout", test_timeout_,
                     "Per-test watchdog in seconds (default: from exercise.yaml)")
        ->check(CLI::PositiveNumber);
    review_->add_option("--shard", shard_, "Grade only shard i of N (i/N, students by name)");
    review_->add_option("--manual", manual_, "CSV student,kata,points,comment -> final.csv")
        ->check(CLI::ExistingFile);

    merge_ = review_->add_subcommand("merge", "Join the outputs of `review --shard` runs");
    merge_->add_option("shards", shard_dirs_, "Output folders of the shards")
        ->required()
        ->check(CLI::ExistingDirectory);
    merge_->add_option("--out", merge_out_, "Output folder of the merged summary")->required();
    merge_->add_option("--manual", merge_manual_, "CSV student,kata,points,comment -> final.csv")
        ->check(CLI::ExistingFile);
    return review_;
}

namespace {

void say(const std::string& line) {
    std::cout << line << "\n" << std::flush;
}

}  // namespace

int ReviewCommand::run_merge() const {
    const fs::path out = fs::absolute(merge_out_);
    std::vector<fs::path> shards(shard_dirs_.begin(), shard_dirs_.end());
    const auto records = merge_shards(shards, out);
    write_class_summary(
        out, records,
        merge_manual_.empty() ? std::nullopt : std::optional<fs::path>(merge_manual_));
    say(fmt::format("review merge: {} students from {} shards -> {}", records.size(), shards.size(),
                    (out / "summary.html").string()));
    return 0;
}

int ReviewCommand::run(const GlobalOptions& global) {
    if (merge_->parsed()) return run_merge();
    const fs::path project = global.project();
    const std::string& build_dir = global.build_dir;
    if (out_.empty()) throw std::invalid_argument("review: --out DIR is required");
    if (inputs_.empty() == roster_.empty())
        throw std::invalid_argument(
            "review: give either submission folders or --roster (one of the two)");

    const Course course = load_course(project);
    ReviewPlan plan;
    plan.course = &course;
    for (const auto& k : katas_) {
        const Exercise* e = course.find(k);
        if (e == nullptr)
            throw std::invalid_argument(fmt::format("review: unknown kata \"{}\"", k));
        plan.katas.push_back(e);
    }
    if (plan.katas.empty()) {
        for (const auto& e : course.exercises) plan.katas.push_back(&e);
    }
    std::vector<fs::path> inputs(inputs_.begin(), inputs_.end());
    auto everyone =
        sorted_class(roster_.empty() ? discover_submissions(inputs) : read_roster(roster_));
    plan.students = shard_.empty() ? everyone : take_shard(everyone, parse_shard(shard_));
    plan.out = fs::absolute(out_).lexically_normal();
    plan.jobs = jobs_;

    GradeOptions go;
    go.katas = plan.katas;
    go.tsan = !no_tsan_;
    go.timing = !no_timing_;
    go.test_timeout_seconds = test_timeout_;
    go.isolation = isolation_from_flags(isolate_, no_isolation_);
    const Containment containment = resolve_containment(go.isolation);
    if (containment == Containment::process_group && !no_isolation_)
        throw std::runtime_error(
            "review: bubblewrap (bwrap) is not installed or cannot create namespaces here, so "
            "one submission could rewrite the harness that grades the others; install the "
            "bubblewrap package (in a container, allow user namespaces), or accept the risk with "
            "--unsafe-no-isolation");
    say(fmt::format("review: {}", containment_note(containment)));
    const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    go.jobs = build_jobs_ > 0 ? build_jobs_ : std::max(1, cores / jobs_);
    std::string kata_ids;
    for (const Exercise* e : plan.katas) kata_ids += e->id + " ";
    plan.salt = fmt::format("grader {} course {} katas {}tsan {} timing {} test-timeout {}",
                            grader_version(), course_fingerprint(course, plan.katas), kata_ids,
                            go.tsan, go.timing, go.test_timeout_seconds);

    const fs::path work = build_dir.empty() ? plan.out / "slots" : fs::absolute(build_dir);
    say(fmt::format("review: {} of {} students{}, {} in parallel (build folders in {})",
                    plan.students.size(), everyone.size(),
                    shard_.empty() ? "" : " (shard " + shard_ + ")", jobs_, work.string()));
    SlotGrader grader(course, project, work, go, jobs_);
    ReviewTally tally;
    const auto records = review_class(plan, grader, say, tally);
    write_class_summary(plan.out, records,
                        manual_.empty() ? std::nullopt : std::optional<fs::path>(manual_));
    say(fmt::format("review: {} graded, {} unchanged and reused, {} with errors -> {}",
                    tally.graded, tally.reused, tally.errors,
                    (plan.out / "summary.html").string()));
    if (!tally.seconds.empty()) {
        auto secs = tally.seconds;
        std::sort(secs.begin(), secs.end());
        say(fmt::format("review: per graded submission {:.1f} s median, {:.1f} s max",
                        secs[secs.size() / 2], secs.back()));
    }
    return tally.errors == 0 ? 0 : 1;
}

std::unique_ptr<Command> review_command() {
    return std::make_unique<ReviewCommand>();
}

}  // namespace interleave
