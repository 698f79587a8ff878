#pragma once
/// An exclusive advisory lock (flock) on a lock file, for short critical sections shared between
/// processes: two commands run in two terminals take turns instead of interleaving.

#include <filesystem>

namespace interleave {

class FileLock {
  public:
    /// Creates `path` (and its folder) when missing and blocks until the lock is ours. Throws
    /// std::runtime_error naming the file when it cannot be created or locked.
    explicit FileLock(const std::filesystem::path& path);
    /// Releases the lock (closing the descriptor). The lock file stays: removing it could let
    /// two processes lock two different files of the same name.
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace interleave
