#pragma once
/// The real SubmissionGrader: each grading slot owns a build folder (WORK/slot-K) with its own
/// stage and its own configured release and tsan trees. The trees are reused from one
/// submission to the next, so GoogleTest and the configure step cost once per slot; only the
/// student's files are restaged and recompiled (ccache shares objects across slots).

#include "grade/grade.hpp"
#include "review/review_run.hpp"

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

namespace interleave {

class SlotGrader final : public SubmissionGrader {
  public:
    /// `options` gives the katas and checks; its layers are replaced per submission by
    /// REPO/exercises. Slot folders are created under `work_root` on first use and locked
    /// (flock) for the life of this object, so two reviews never share a slot.
    SlotGrader(const Course& course, std::filesystem::path project, std::filesystem::path work_root,
               GradeOptions options, int slots);
    ~SlotGrader() override;

    GradeReport grade(const Submission& submission, int slot) override;

    /// WORK/slot-K.
    std::filesystem::path slot_dir(int slot) const;

  private:
    const Course& course_;
    std::filesystem::path project_;
    std::filesystem::path work_root_;
    GradeOptions options_;
    std::vector<int> lock_fds_;
    std::mutex lock_mutex_;
};

}  // namespace interleave
