#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

extern char** environ;

namespace interleave {

namespace {

std::mutex g_running_mutex;
std::set<pid_t> g_running;

/// Keeps the head and the tail of a stream within a byte budget.
class CappedBuffer {
  public:
    explicit CappedBuffer(std::size_t cap) : half_(cap / 2) {}

    void append(const char* data, std::size_t n) {
        const std::size_t to_head = std::min(n, half_ - std::min(half_, head_.size()));
        head_.append(data, to_head);
        data += to_head;
        n -= to_head;
        if (n == 0) return;
        tail_.append(data, n);
        if (tail_.size() > 2 * half_ + 4096) {
            const std::size_t cut = tail_.size() - half_;
            dropped_ += cut;
            tail_.erase(0, cut);
        }
    }

    std::string take(std::size_t& dropped_total) {
        if (tail_.size() > half_) {
            dropped_ += tail_.size() - half_;
            tail_.erase(0, tail_.size() - half_);
        }
        dropped_total += dropped_;
        if (dropped_ == 0) return head_ + tail_;
        return head_ +
               fmt::format("\n[... {} bytes dropped by the grader's output cap ...]\n", dropped_) +
               tail_;
    }

  private:
    std::size_t half_;
    std::size_t dropped_ = 0;
    std::string head_;
    std::string tail_;
};

void set_cloexec(int fd) {
    fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

std::string signal_name(int sig) {
    switch (sig) {
        case SIGSEGV:
            return "SIGSEGV (segmentation fault: an invalid memory access)";
        case SIGABRT:
            return "SIGABRT (abort: a failed assertion or std::terminate)";
        case SIGFPE:
            return "SIGFPE (arithmetic error, e.g. division by zero)";
        case SIGBUS:
            return "SIGBUS (bus error)";
        case SIGILL:
            return "SIGILL (illegal instruction)";
        case SIGKILL:
            return "SIGKILL (killed, often by a resource limit)";
        case SIGXCPU:
            return "SIGXCPU (CPU time limit exceeded)";
        case SIGXFSZ:
            return "SIGXFSZ (file size limit exceeded)";
        case SIGTERM:
            return "SIGTERM";
        default:
            return fmt::format("signal {} ({})", sig, strsignal(sig));
    }
}

}  // namespace

std::string ProcessOutcome::describe() const {
    switch (termination) {
        case Termination::exited:
            return fmt::format("exited with code {}", exit_code);
        case Termination::signaled:
            return "killed by " + signal_name(signal);
        case Termination::timed_out:
            return fmt::format("timed out after {:.1f} s",
                               static_cast<double>(elapsed.count()) / 1000.0);
        case Termination::failed_to_start:
            return "could not start: " + start_error;
    }
    return "unknown";
}

std::map<std::string, std::string> base_environment() {
    static const std::set<std::string> keep{"PATH", "HOME", "LANG",       "LC_ALL", "TMPDIR",
                                            "USER", "TERM", "CCACHE_DIR", "CC",     "CXX"};
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = entry.substr(0, eq);
        if (keep.count(key) != 0) env[key] = entry.substr(eq + 1);
    }
    if (env.count("PATH") == 0) env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
    return env;
}

void PosixProcessRunner::kill_all_running() {
    std::lock_guard lock(g_running_mutex);
    for (pid_t pid : g_running) kill(-pid, SIGKILL);
}

ProcessOutcome PosixProcessRunner::run(const ProcessSpec& spec) {
    ProcessOutcome outcome;
    if (spec.argv.empty()) {
        outcome.start_error = "empty command";
        return outcome;
    }
    std::array<int, 2> out_pipe{};
    std::array<int, 2> err_pipe{};
    std::array<int, 2> exec_pipe{};  // reports an exec failure from the child
    if (pipe(out_pipe.data()) != 0 || pipe(err_pipe.data()) != 0 || pipe(exec_pipe.data()) != 0) {
        outcome.start_error = std::strerror(errno);
        return outcome;
    }
    for (int fd :
         {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], exec_pipe[0], exec_pipe[1]}) {
        set_cloexec(fd);
    }

    // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = spec.argv;
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    const std::string cwd = spec.cwd.string();

    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        outcome.start_error = std::string("fork failed: ") + std::strerror(errno);
        return outcome;
    }
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        const int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, STDIN_FILENO);
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        const rlimit no_core{0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        if (spec.cpu_seconds > 0) {
            const rlimit cpu{static_cast<rlim_t>(spec.cpu_seconds),
                             static_cast<rlim_t>(spec.cpu_seconds + 1)};
            setrlimit(RLIMIT_CPU, &cpu);
        }
        if (spec.max_file_bytes > 0) {
            const rlimit fsize{static_cast<rlim_t>(spec.max_file_bytes),
                               static_cast<rlim_t>(spec.max_file_bytes)};
            setrlimit(RLIMIT_FSIZE, &fsize);
        }
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
            const int e = errno;
            (void)!write(exec_pipe[1], &e, sizeof e);
            _exit(127);
        }
        execvpe(argv[0], argv.data(), envp.data());
        const int e = errno;
        (void)!write(exec_pipe[1], &e, sizeof e);
        _exit(127);
    }
    setpgid(pid, pid);  // also from the parent, so the group exists before any kill
    {
        std::lock_guard lock(g_running_mutex);
        g_running.insert(pid);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    close(exec_pipe[1]);

    int exec_errno = 0;
    if (read(exec_pipe[0], &exec_errno, sizeof exec_errno) ==
        static_cast<ssize_t>(sizeof exec_errno)) {
        outcome.start_error = fmt::format("{}: {}", spec.argv[0], std::strerror(exec_errno));
    }
    close(exec_pipe[0]);

    CappedBuffer out(spec.output_cap);
    CappedBuffer err(spec.output_cap);
    std::array<pollfd, 2> fds{pollfd{out_pipe[0], POLLIN, 0}, pollfd{err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    bool timed_out = false;
    bool reaped = false;
    int status = 0;
    std::array<char, 65536> buf{};
    const auto deadline = start + spec.deadline;
    auto drain_ready = [&](int timeout_ms) {
        const int ready = poll(fds.data(), fds.size(), timeout_ms);
        if (ready <= 0) return;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            const ssize_t n = read(fds[i].fd, buf.data(), buf.size());
            if (n > 0) {
                (i == 0 ? out : err).append(buf.data(), static_cast<std::size_t>(n));
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    };
    while (!reaped) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        if (open_fds > 0) {
            drain_ready(static_cast<int>(std::min<long long>(left.count(), 50)));
        } else {
            std::this_thread::sleep_for(
                std::chrono::milliseconds(std::min<long long>(left.count(), 5)));
        }
        reaped = waitpid(pid, &status, WNOHANG) == pid;
    }
    if (timed_out) {
        kill(-pid, SIGTERM);
        const auto grace_end = std::chrono::steady_clock::now() + grace_;
        while (waitpid(pid, &status, WNOHANG) != pid) {
            if (std::chrono::steady_clock::now() >= grace_end) {
                kill(-pid, SIGKILL);
                waitpid(pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    // Whatever the child left behind in its group goes too (a detached grandchild holding the
    // pipes open must not keep us reading until the deadline), then the pipes are drained.
    kill(-pid, SIGKILL);
    const auto drain_end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (open_fds > 0 && std::chrono::steady_clock::now() < drain_end) drain_ready(50);
    for (auto& f : fds) {
        if (f.fd >= 0) close(f.fd);
    }
    {
        std::lock_guard lock(g_running_mutex);
        g_running.erase(pid);
    }

    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    outcome.out = out.take(outcome.dropped_bytes);
    outcome.err = err.take(outcome.dropped_bytes);
    if (!outcome.start_error.empty()) {
        outcome.termination = Termination::failed_to_start;
    } else if (timed_out) {
        outcome.termination = Termination::timed_out;
    } else if (WIFSIGNALED(status)) {
        outcome.termination = Termination::signaled;
        outcome.signal = WTERMSIG(status);
    } else {
        outcome.termination = Termination::exited;
        outcome.exit_code = WEXITSTATUS(status);
    }
    return outcome;
}

}  // namespace interleave
