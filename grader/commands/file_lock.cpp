#include "commands/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace interleave {

FileLock::FileLock(const std::filesystem::path& path) {
    std::filesystem::create_directories(path.parent_path());
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw std::runtime_error("cannot create the lock file " + path.string() + ": " +
                                 std::strerror(errno));
    }
    int rc = 0;
    while ((rc = flock(fd_, LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (rc != 0) {
        const int e = errno;
        close(fd_);
        throw std::runtime_error("cannot lock " + path.string() + ": " + std::strerror(e));
    }
}

FileLock::~FileLock() {
    if (fd_ >= 0) close(fd_);
}

}  // namespace interleave
