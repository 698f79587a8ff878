#pragma once
/// `kata watch`: re-checks the current kata each time one of its files is saved, and moves on
/// when it reaches full marks. Keys: n next kata, h hint, l list, q quit, Enter re-check.
/// The loop is separate from the terminal so that tests drive it with fakes.

#include "commands/check.hpp"
#include "commands/context.hpp"
#include "commands/file_watcher.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace interleave {

/// Keys the student presses; the real one reads a terminal in raw mode.
class KeySource {
  public:
    virtual ~KeySource() = default;
    /// A key pressed since the last call, if any (does not wait). '\n' is Enter.
    virtual std::optional<char> poll_key() = 0;
};

/// What the loop does to the world, each replaceable in tests.
struct WatchHooks {
    std::function<KataReport(const Exercise&)> grade;  ///< grades and remembers one kata
    std::function<void(const KataReport&)> show;       ///< prints its report
    std::function<std::string(const Exercise&)> hint;  ///< one more hint
    std::function<std::string()> list;                 ///< the `kata list` table
    std::function<std::vector<std::filesystem::path>(const Exercise&)> files;
    std::function<void()> clear_screen;  ///< no-op when not on a terminal
};

/// Runs until q (or Ctrl-C, which the key source reports as 'q'). Starts by checking `start`;
/// returns 0. `tick`: how long to wait for a save between looks at the keyboard.
int watch_loop(const Course& course, const Exercise* start, FileWatcher& watcher, KeySource& keys,
               const WatchHooks& hooks, std::ostream& out,
               std::chrono::milliseconds tick = std::chrono::milliseconds(200));

struct WatchOptions {
    bool poll = false;
    bool manual = false;
    std::filesystem::path source;  ///< empty: exercises/
    CheckOptions check;
};

int run_watch(const CommandContext& ctx, Grader& grader, const WatchOptions& options);

}  // namespace interleave
