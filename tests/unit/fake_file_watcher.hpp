#pragma once
/// A FileWatcher and a KeySource for tests: each replays a script, one entry per call.

#include "commands/file_watcher.hpp"
#include "commands/watch.hpp"

#include <deque>

namespace interleave::testing {

class FakeFileWatcher final : public FileWatcher {
  public:
    explicit FakeFileWatcher(std::deque<bool> saves) : saves_(std::move(saves)) {}
    void watch(const std::vector<std::filesystem::path>& files) override {
        watched.push_back(files);
    }
    bool wait_for_change(std::chrono::milliseconds) override {
        ++waits;
        if (saves_.empty()) return false;
        const bool saved = saves_.front();
        saves_.pop_front();
        return saved;
    }
    std::string describe() const override { return "fake"; }

    std::vector<std::vector<std::filesystem::path>> watched;
    int waits = 0;

  private:
    std::deque<bool> saves_;
};

/// Replays keys (std::nullopt: no key this time); when the script ends it presses 'q'.
class FakeKeys final : public KeySource {
  public:
    explicit FakeKeys(std::deque<std::optional<char>> keys) : keys_(std::move(keys)) {}
    std::optional<char> poll_key() override {
        if (keys_.empty()) return 'q';
        const auto k = keys_.front();
        keys_.pop_front();
        return k;
    }

  private:
    std::deque<std::optional<char>> keys_;
};

}  // namespace interleave::testing
