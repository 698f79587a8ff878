#include "commands/file_watcher.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <map>
#include <set>
#include <thread>

namespace fs = std::filesystem;

namespace interleave {

namespace {

class InotifyWatcher final : public FileWatcher {
  public:
    explicit InotifyWatcher(int fd) : fd_(fd) {}
    ~InotifyWatcher() override { close(fd_); }
    InotifyWatcher(const InotifyWatcher&) = delete;
    InotifyWatcher& operator=(const InotifyWatcher&) = delete;

    void watch(const std::vector<fs::path>& files) override {
        for (const auto& [wd, dir] : dirs_) inotify_rm_watch(fd_, wd);
        dirs_.clear();
        names_.clear();
        for (const auto& f : files) {
            const fs::path dir = f.parent_path();
            names_[dir.string()].insert(f.filename().string());
        }
        for (const auto& [dir, names] : names_) {
            const int wd =
                inotify_add_watch(fd_, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
            if (wd >= 0) dirs_[wd] = dir;
        }
        drain();
    }

    bool wait_for_change(std::chrono::milliseconds timeout) override {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
        bool changed = drain();
        // An editor's save is often several events (write, rename, chmod): take them as one.
        while (::poll(&p, 1, 100) > 0) changed = drain() || changed;
        return changed;
    }

    std::string describe() const override { return "inotify"; }

  private:
    /// Reads every pending event; true when one names a watched file.
    bool drain() {
        bool hit = false;
        alignas(inotify_event) std::array<char, 8192> buf{};
        for (;;) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 0) <= 0) break;
            const ssize_t n = read(fd_, buf.data(), buf.size());
            if (n <= 0) break;
            for (ssize_t i = 0; i < n;) {
                const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + i);
                const auto dir = dirs_.find(ev->wd);
                if (dir != dirs_.end() && ev->len > 0) {
                    const auto& names = names_[dir->second];
                    if (names.count(ev->name) > 0) hit = true;
                }
                i += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            }
        }
        return hit;
    }

    int fd_;
    std::map<int, std::string> dirs_;
    std::map<std::string, std::set<std::string>> names_;
};

class PollingWatcher final : public FileWatcher {
  public:
    explicit PollingWatcher(std::chrono::milliseconds interval) : interval_(interval) {}

    void watch(const std::vector<fs::path>& files) override {
        files_ = files;
        last_ = signature();
    }

    bool wait_for_change(std::chrono::milliseconds timeout) override {
        const auto until = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= next_look_) {
                next_look_ = now + interval_;
                auto current = signature();
                if (current != last_) {
                    last_ = std::move(current);
                    return true;
                }
            }
            if (now >= until) return false;
            std::this_thread::sleep_until(std::min(until, next_look_));
        }
    }

    std::string describe() const override {
        return "polling every " + std::to_string(interval_.count()) + " ms";
    }

  private:
    std::vector<std::string> signature() const {
        std::vector<std::string> out;
        for (const auto& f : files_) {
            std::error_code ec;
            const auto size = fs::file_size(f, ec);
            if (ec) {
                out.emplace_back("-");
                continue;
            }
            const auto time = fs::last_write_time(f, ec).time_since_epoch().count();
            out.push_back(std::to_string(size) + "@" + std::to_string(time));
        }
        return out;
    }

    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point next_look_{};
    std::vector<fs::path> files_;
    std::vector<std::string> last_;
};

class ManualWatcher final : public FileWatcher {
  public:
    void watch(const std::vector<fs::path>&) override {}
    bool wait_for_change(std::chrono::milliseconds timeout) override {
        std::this_thread::sleep_for(timeout);
        return false;
    }
    std::string describe() const override { return "manual (Enter re-checks)"; }
};

}  // namespace

std::unique_ptr<FileWatcher> make_inotify_watcher() {
    const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return nullptr;
    return std::make_unique<InotifyWatcher>(fd);
}

std::unique_ptr<FileWatcher> make_polling_watcher(std::chrono::milliseconds interval) {
    return std::make_unique<PollingWatcher>(interval);
}

std::unique_ptr<FileWatcher> make_manual_watcher() {
    return std::make_unique<ManualWatcher>();
}

}  // namespace interleave
