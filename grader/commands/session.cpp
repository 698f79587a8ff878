#include "commands/session.hpp"

#include "commands/console.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace interleave {

Session::Session(const GlobalOptions& global)
    : project_(global.project()),
      course_(load_course(project_)),
      ws_{project_, global.build_root()} {}

CommandContext Session::context() const {
    return CommandContext{course_,
                          project_,
                          ws_,
                          colour_wanted(isatty(STDOUT_FILENO) != 0, std::getenv("NO_COLOR")),
                          isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0,
                          progress_to(isatty(STDERR_FILENO) != 0, std::cerr)};
}

void Session::lock_build_dir() const {
    fs::create_directories(ws_.build_root);
    const std::string path = (ws_.build_root / ".lock").string();
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot create " + path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        std::cerr << "kata: another grading run is using " << ws_.build_root.string()
                  << "; waiting for it to finish\n";
        if (flock(fd, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + path);
    }
    // The descriptor stays open (and locked) until the process exits.
}

GradingSession::GradingSession(const GlobalOptions& global)
    : Session(global), grader_(course(), runner_, workspace()) {
    lock_build_dir();
}

std::vector<const Exercise*> select_katas(const Course& course,
                                          const std::vector<std::string>& names) {
    std::vector<const Exercise*> out;
    if (names.empty()) {
        for (const auto& e : course.exercises) out.push_back(&e);
        return out;
    }
    for (const auto& n : names) {
        const Exercise* e = course.find(n);
        if (e == nullptr) {
            std::string known;
            for (const auto& k : course.exercises) known += (known.empty() ? "" : ", ") + k.id;
            throw std::invalid_argument(fmt::format("unknown kata \"{}\" (known: {})", n, known));
        }
        out.push_back(e);
    }
    return out;
}

}  // namespace interleave
