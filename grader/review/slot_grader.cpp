#include "review/slot_grader.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <stdexcept>

namespace fs = std::filesystem;

namespace interleave {

SlotGrader::SlotGrader(const Course& course, fs::path project, fs::path work_root,
                       GradeOptions options, int slots)
    : course_(course),
      project_(std::move(project)),
      work_root_(std::move(work_root)),
      options_(std::move(options)),
      lock_fds_(static_cast<std::size_t>(std::max(slots, 1)), -1) {}

SlotGrader::~SlotGrader() {
    for (const int fd : lock_fds_) {
        if (fd >= 0) close(fd);
    }
}

fs::path SlotGrader::slot_dir(int slot) const {
    return work_root_ / fmt::format("slot-{}", slot);
}

GradeReport SlotGrader::grade(const Submission& submission, int slot) {
    if (slot < 0 || static_cast<std::size_t>(slot) >= lock_fds_.size())
        throw std::out_of_range(fmt::format("review: no grading slot {}", slot));
    const fs::path dir = slot_dir(slot);
    {
        std::lock_guard guard(lock_mutex_);
        int& fd = lock_fds_[static_cast<std::size_t>(slot)];
        if (fd < 0) {
            fs::create_directories(dir);
            const std::string path = (dir / ".lock").string();
            fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
            if (fd < 0) throw std::runtime_error("review: cannot create " + path);
            if (flock(fd, LOCK_EX) != 0) throw std::runtime_error("review: cannot lock " + path);
        }
    }
    GradeOptions go = options_;
    go.layers = {{submission.repo / "exercises", true}};
    go.source_label = submission.repo.string();
    PosixProcessRunner runner;
    Grader grader(course_, runner, Workspace{project_, dir});
    return grader.grade(go);
}

}  // namespace interleave
