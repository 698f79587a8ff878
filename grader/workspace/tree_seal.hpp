#pragma once
/// The grading tree's seal: a fingerprint of every file the grader compiles or reads as the
/// course's contract (harness, CMake files, course.yaml, every exercise.yaml, the references),
/// taken before student code runs and compared after each kata. Student code runs read-only
/// where bubblewrap works; the seal is the proof, and the only guard where it does not.

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace interleave {

/// Thrown when the grading tree changed while student code ran: no grade may come from it.
class GradingTreeChanged : public std::runtime_error {
  public:
    GradingTreeChanged(std::string kata, std::vector<std::string> changes);
    const std::string& kata() const { return kata_; }
    /// "harness/01-counter/counter_test.cpp modified", sorted.
    const std::vector<std::string>& changes() const { return changes_; }

  private:
    std::string kata_;
    std::vector<std::string> changes_;
};

class TreeSeal {
  public:
    /// Hashes every sealed file under `root` (paths relative to it). Costs milliseconds: the
    /// sealed files are sources, a few hundred kilobytes in all.
    static TreeSeal take(const std::filesystem::path& root);

    /// What differs between this seal and the tree now: "PATH modified", "PATH added",
    /// "PATH removed", sorted; empty when nothing changed.
    std::vector<std::string> changes() const;

    /// Throws GradingTreeChanged naming `kata` when changes() is not empty.
    void check_after(const std::string& kata) const;

    std::size_t files() const { return hashes_.size(); }

  private:
    std::filesystem::path root_;
    std::map<std::string, std::string> hashes_;  ///< relative path -> content hash
};

}  // namespace interleave
