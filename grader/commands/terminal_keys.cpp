#include "commands/terminal_keys.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace interleave {

namespace {
constexpr char kCtrlC = 3;
}  // namespace

TerminalKeys::TerminalKeys() {
    if (isatty(STDIN_FILENO) != 0 && tcgetattr(STDIN_FILENO, &saved_) == 0) {
        termios raw = saved_;
        raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        raw_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    reader_ = std::thread([this] { read_loop(); });
}

TerminalKeys::~TerminalKeys() {
    stop_ = true;
    reader_.join();
    restore();
}

void TerminalKeys::restore() {
    if (raw_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
}

void TerminalKeys::read_loop() {
    while (!stop_) {
        pollfd p{STDIN_FILENO, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char c = 0;
        if (read(STDIN_FILENO, &c, 1) != 1) return;  // end of input: no more keys
        if (c == kCtrlC) {
            restore();
            kill(getpid(), SIGINT);
            return;
        }
        std::lock_guard lock(mutex_);
        keys_.push_back(c);
    }
}

std::optional<char> TerminalKeys::poll_key() {
    std::lock_guard lock(mutex_);
    if (keys_.empty()) return std::nullopt;
    const char c = keys_.front();
    keys_.pop_front();
    return c;
}

}  // namespace interleave
