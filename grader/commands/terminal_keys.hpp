#pragma once
/// The keyboard for `kata watch`. On a terminal it switches to raw mode (no echo, one key at a
/// time, Ctrl-C read as a key) and restores the previous mode when destroyed. A reader thread
/// collects keys so that Ctrl-C works even while a check runs: it restores the terminal, then
/// raises SIGINT (which stops every test process and exits).

#include "commands/watch.hpp"

#include <termios.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

namespace interleave {

class TerminalKeys final : public KeySource {
  public:
    TerminalKeys();
    ~TerminalKeys() override;
    TerminalKeys(const TerminalKeys&) = delete;
    TerminalKeys& operator=(const TerminalKeys&) = delete;

    std::optional<char> poll_key() override;

  private:
    void restore();
    void read_loop();

    bool raw_ = false;
    termios saved_{};
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::deque<char> keys_;
    std::thread reader_;
};

}  // namespace interleave
