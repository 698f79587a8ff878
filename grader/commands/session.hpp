#pragma once
/// What the commands that work on a course share: the course loaded from the project, where its
/// builds go, the terminal context, and the lock on the build folder.

#include "commands/command.hpp"
#include "commands/context.hpp"
#include "course/course.hpp"
#include "grade/grade.hpp"
#include "process/process.hpp"
#include "workspace/workspace.hpp"

#include <string>
#include <vector>

namespace interleave {

class Session {
  public:
    /// Loads course.yaml and every exercise.yaml (throws MetadataError naming file and line).
    explicit Session(const GlobalOptions& global);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const Course& course() const { return course_; }
    const std::filesystem::path& project() const { return project_; }
    const Workspace& workspace() const { return ws_; }

    /// The context of the student commands: colours, questions and progress only on a terminal.
    CommandContext context() const;

    /// Holds an exclusive lock on the build folder until the process exits, saying so when it
    /// has to wait: two grader runs sharing one build tree would overwrite each other's staged
    /// files and builds.
    void lock_build_dir() const;

  private:
    std::filesystem::path project_;
    Course course_;
    Workspace ws_;
};

/// A Session that grades: the build folder locked for the life of the process, the real process
/// runner and a Grader over the session's course and workspace.
class GradingSession : public Session {
  public:
    explicit GradingSession(const GlobalOptions& global);

    ProcessRunner& runner() { return runner_; }
    Grader& grader() { return grader_; }

  private:
    PosixProcessRunner runner_;
    Grader grader_;
};

/// The katas named (ids or folders), in the order given; all of them, in course order, when
/// `names` is empty. Throws std::invalid_argument naming the known ids.
std::vector<const Exercise*> select_katas(const Course& course,
                                          const std::vector<std::string>& names);

}  // namespace interleave
