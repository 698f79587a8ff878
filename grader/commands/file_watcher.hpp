#pragma once
/// Noticing that a student saved a file: inotify on Linux, a once-a-second poll elsewhere (or
/// with --poll), and a watcher that never fires (--manual: Enter re-checks). Tests use a fake.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace interleave {

class FileWatcher {
  public:
    virtual ~FileWatcher() = default;
    /// Watches exactly these files from now on (replacing the previous set). A file may be
    /// absent; it counts as changed when it appears.
    virtual void watch(const std::vector<std::filesystem::path>& files) = 0;
    /// Waits at most `timeout`; true when a watched file was saved since the last call.
    virtual bool wait_for_change(std::chrono::milliseconds timeout) = 0;
    /// How it watches, for the status line ("inotify", "polling every 1 s", "manual").
    virtual std::string describe() const = 0;
};

/// inotify on the files' folders (editors often save by renaming a new file over the old
/// one); nullptr when inotify_init fails.
std::unique_ptr<FileWatcher> make_inotify_watcher();

/// Compares each file's size and modification time every `interval`.
std::unique_ptr<FileWatcher> make_polling_watcher(std::chrono::milliseconds interval);

/// Never reports a change: re-checks come from Enter.
std::unique_ptr<FileWatcher> make_manual_watcher();

}  // namespace interleave
