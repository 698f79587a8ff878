#include "process/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

extern char** environ;

namespace interleave {

namespace {

std::mutex g_running_mutex;
std::set<pid_t> g_running;
/// Set while kill_all_running() stops the groups: a run that starts meanwhile kills its own
/// group at once, and a run whose leader ends leaves the rest of the group to the stop.
std::atomic<bool> g_stopping{false};
/// Set by adopt_orphans(): this process is a child subreaper.
std::atomic<bool> g_adopting{false};

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

std::vector<std::string> bubblewrap_prefix(const ProcessSpec& spec) {
    // No tmpfs over /tmp: the binary itself may live there. TMPDIR points into the scratch folder.
    std::vector<std::string> argv{"bwrap", "--ro-bind", "/",      "/",
                                  "--dev", "/dev",      "--proc", "/proc"};
    for (const auto& dir : spec.sandbox.writable) {
        for (const char* a : {"--bind", dir.c_str(), dir.c_str()}) argv.emplace_back(a);
    }
    // A PID namespace: when the command ends, so does every process it started, even one that
    // called setsid() or forked twice to leave the process group.
    for (const char* a : {"--unshare-pid", "--die-with-parent"}) argv.emplace_back(a);
    if (spec.sandbox.containment == Containment::offline) argv.emplace_back("--unshare-net");
    if (!spec.cwd.empty()) {
        argv.emplace_back("--chdir");
        argv.push_back(spec.cwd.string());
    }
    argv.emplace_back("--");
    return argv;
}

}  // namespace

std::map<std::string, std::string> sandbox_environment(const std::filesystem::path& scratch) {
    std::map<std::string, std::string> env;
    const auto base = base_environment();
    for (const char* key : {"PATH", "LANG"}) {
        if (base.count(key) != 0) env[key] = base.at(key);
    }
    env["HOME"] = scratch.string();
    env["TMPDIR"] = scratch.string();
    return env;
}

bool bubblewrap_usable() {
    static const bool usable = [] {
        ProcessSpec probe;
        probe.argv = {"bwrap",         "--ro-bind",     "/",      "/",
                      "--dev",         "/dev",          "--proc", "/proc",
                      "--unshare-net", "--unshare-pid", "true"};
        probe.env = base_environment();
        probe.deadline = std::chrono::seconds(10);
        PosixProcessRunner runner;
        return runner.run(probe).ok();
    }();
    return usable;
}

std::string ProcessOutcome::describe() const {
    if (!limit_exceeded.empty()) return limit_exceeded;
    switch (termination) {
        case Termination::exited:
            return fmt::format("exited with code {}", exit_code);
        case Termination::signaled:
            return "killed by " + signal_name(signal);
        case Termination::timed_out:
            if (stuck_at_exit)
                return "finished its work but never exited (stopped after the grace period)";
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

namespace {

/// The children of this process that no run started (orphans adopted as the subreaper), with
/// whether each is still running (not a zombie). Call with g_running_mutex held.
std::map<pid_t, bool> adopted_children() {
    const pid_t self = getpid();
    std::map<pid_t, bool> found;
    for (const auto& p : scan_processes()) {
        if (p.ppid == self && g_running.count(p.pid) == 0) found[p.pid] = p.state != 'Z';
    }
    return found;
}

/// Whether `pid` is a bubblewrap process (its own teardown can outlast the run by a moment).
bool is_bubblewrap(pid_t pid) {
    std::ifstream comm(fmt::format("/proc/{}/comm", pid));
    std::string name;
    std::getline(comm, name);
    return name == "bwrap";
}

/// Kills and reaps the orphans adopted as the subreaper, until a look finds none; returns how
/// many were still running a moment after the run ended (a helper that was already exiting,
/// such as a sanitizer's symbolizer or bubblewrap's own teardown, is reaped but not counted).
/// Holds g_running_mutex, under which every run forks and registers its child, so a child
/// just started is never taken for an orphan.
int kill_orphans() {
    if (!g_adopting) return 0;
    int killed = 0;
    std::lock_guard lock(g_running_mutex);
    for (int round = 0; round < 20; ++round) {
        auto orphans = adopted_children();
        if (orphans.empty()) break;
        if (std::any_of(orphans.begin(), orphans.end(), [](const auto& o) { return o.second; })) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            const auto now = adopted_children();
            for (auto& [pid, running] : orphans) running = now.count(pid) != 0 && now.at(pid);
        }
        for (const auto& [pid, running] : orphans) {
            if (!running) continue;
            if (!is_bubblewrap(pid)) ++killed;
            kill(pid, SIGKILL);
        }
        for (const auto& [pid, running] : orphans) waitpid(pid, nullptr, 0);
        // An orphan that was forking may have left a child of its own: look again.
    }
    return killed;
}

}  // namespace

void install_interrupt_handler() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set] {
        int sig = 0;
        sigwait(&set, &sig);
        PosixProcessRunner::kill_all_running();
        std::fputs("\ninterrupted: every test process was stopped\n", stderr);
        std::_Exit(128 + sig);
    }).detach();
}

bool adopt_orphans() {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return false;
    g_adopting = true;
    return true;
}

void PosixProcessRunner::kill_all_running(std::chrono::milliseconds grace) {
    std::vector<pid_t> started;
    {
        std::lock_guard lock(g_running_mutex);
        g_stopping = true;
        started.assign(g_running.begin(), g_running.end());
    }
    std::set<pid_t> every_group;
    for (pid_t pgid : started) {
        for (pid_t g : groups_of_tree(pgid)) every_group.insert(g);
    }
    std::vector<pid_t> groups(every_group.begin(), every_group.end());
    for (pid_t pgid : groups) kill(-pgid, SIGTERM);
    groups = wait_until_gone(groups, std::chrono::steady_clock::now() + grace);
    for (pid_t pgid : groups) kill(-pgid, SIGKILL);
    wait_until_gone(groups, std::chrono::steady_clock::now() + std::chrono::seconds(1));
    g_stopping = false;
}

namespace {

/// What the child needs, prepared before fork: after fork only async-signal-safe calls.
struct Launch {
    std::vector<std::string> args;
    std::vector<std::string> env_strings;
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::string cwd;
    rlim_t nproc_cap = 0;
    bool watched = false;

    explicit Launch(const ProcessSpec& spec) : args(spec.argv), cwd(spec.cwd.string()) {
        for (const auto& [k, v] : spec.env) {
            std::string entry = k;
            entry += '=';
            entry += v;
            env_strings.push_back(std::move(entry));
        }
        for (auto& e : env_strings) envp.push_back(e.data());
        envp.push_back(nullptr);
        if (spec.sandbox.containment != Containment::process_group) {
            args = bubblewrap_prefix(spec);
            args.insert(args.end(), spec.argv.begin(), spec.argv.end());
        }
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const SandboxLimits& limits = spec.sandbox;
        watched = limits.max_processes > 0 || limits.max_rss_bytes > 0;
        // RLIMIT_NPROC counts every task of the user, so the cap is relative to what runs now.
        if (limits.max_processes > 0 && geteuid() != 0)
            nproc_cap = static_cast<rlim_t>(count_user_tasks(geteuid())) +
                        4 * static_cast<rlim_t>(limits.max_processes) + 256;
    }
};

void set_limit(int resource, rlim_t soft, rlim_t hard) {
    const rlimit limit{soft, hard};
    setrlimit(resource, &limit);
}

/// Sets FD_CLOEXEC on every descriptor from `first` up: close_range() where the kernel has it
/// (5.11+), else one fcntl() per possible descriptor. Async-signal-safe (runs after fork).
void mark_close_on_exec_from(int first) {
#if defined(SYS_close_range) && defined(CLOSE_RANGE_CLOEXEC)
    if (syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
#endif
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    const rlim_t top = std::min<rlim_t>(limit.rlim_cur, 65536);
    for (int fd = first; static_cast<rlim_t>(fd) < top; ++fd) {
        const int flags = fcntl(fd, F_GETFD);
        if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

/// In the forked child: its own process group, an empty signal mask, stdin from /dev/null, the
/// pipes, the limits, then exec. Reports an exec (or chdir) failure's errno on `exec_fd`.
[[noreturn]] void become_child(const ProcessSpec& spec, const Launch& launch, int out_fd,
                               int err_fd, int exec_fd, int channel_fd) {
    setpgid(0, 0);
    // The mask and dispositions survive exec: the grader blocks SIGINT and SIGTERM in its
    // threads (a dedicated thread waits for them), and a child started with SIGTERM still
    // blocked could never be stopped politely, nor could anything it starts.
    sigset_t nothing;
    sigemptyset(&nothing);
    sigprocmask(SIG_SETMASK, &nothing, nullptr);
    signal(SIGPIPE, SIG_DFL);
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    if (channel_fd >= 0) {
        // The channel goes to a fixed descriptor, inherited across exec; whatever sat there
        // (the exec-failure pipe, say) moves out of the way first.
        if (exec_fd == kResultChannelFd) exec_fd = fcntl(exec_fd, F_DUPFD_CLOEXEC, 10);
        if (channel_fd != kResultChannelFd) dup2(channel_fd, kResultChannelFd);
        fcntl(kResultChannelFd, F_SETFD, 0);
    }
    // Nothing else the grader holds (or inherited: a CI runner's descriptors) reaches the
    // child: every descriptor past the standard ones and the channel closes at exec. Marked
    // close-on-exec rather than closed, so that exec_fd still reports a failed exec.
    mark_close_on_exec_from(channel_fd >= 0 ? kResultChannelFd + 1 : STDERR_FILENO + 1);
    set_limit(RLIMIT_CORE, 0, 0);
    if (spec.cpu_seconds > 0)
        set_limit(RLIMIT_CPU, static_cast<rlim_t>(spec.cpu_seconds),
                  static_cast<rlim_t>(spec.cpu_seconds) + 1);
    if (spec.max_file_bytes > 0)
        set_limit(RLIMIT_FSIZE, static_cast<rlim_t>(spec.max_file_bytes),
                  static_cast<rlim_t>(spec.max_file_bytes));
    if (spec.sandbox.max_open_files > 0)
        set_limit(RLIMIT_NOFILE, static_cast<rlim_t>(spec.sandbox.max_open_files),
                  static_cast<rlim_t>(spec.sandbox.max_open_files));
    if (launch.nproc_cap > 0) set_limit(RLIMIT_NPROC, launch.nproc_cap, launch.nproc_cap);
    if (spec.niceness != 0) (void)!nice(spec.niceness);
    if (spec.niceness >= 19) {
        // The lowest priority there is: run only on a core nothing else wants.
        const sched_param none{};
        sched_setscheduler(0, SCHED_IDLE, &none);
    }
    // An untrusted child never outlives a grader that died without cleaning up.
    if (launch.watched) prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (launch.cwd.empty() || chdir(launch.cwd.c_str()) == 0)
        execvpe(launch.argv[0], launch.argv.data(), launch.envp.data());
    const int e = errno;
    (void)!write(exec_fd, &e, sizeof e);
    _exit(127);
}

/// Reads the child's stdout and stderr into capped buffers, and its results channel (if any:
/// `channel_fd` >= 0) into a buffer that keeps the first `cap` bytes.
class OutputPump {
  public:
    OutputPump(int out_fd, int err_fd, int channel_fd, std::size_t cap)
        : fds_{pollfd{out_fd, POLLIN, 0}, pollfd{err_fd, POLLIN, 0}, pollfd{channel_fd, POLLIN, 0}},
          open_(channel_fd >= 0 ? 3 : 2),
          out_(cap),
          err_(cap),
          channel_cap_(cap) {}
    ~OutputPump() {
        for (auto& f : fds_) {
            if (f.fd >= 0) close(f.fd);
        }
    }
    OutputPump(const OutputPump&) = delete;
    OutputPump& operator=(const OutputPump&) = delete;

    bool open() const { return open_ > 0; }

    /// Waits up to `timeout_ms` for output and reads what is ready; with both pipes closed,
    /// just sleeps (up to 5 ms, so that a reap is noticed soon).
    void pump(int timeout_ms) {
        if (open_ == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeout_ms, 5)));
            return;
        }
        // A closed descriptor (-1) is skipped by poll() itself.
        if (poll(fds_.data(), fds_.size(), timeout_ms) <= 0) return;
        for (std::size_t i = 0; i < fds_.size(); ++i) {
            if (fds_[i].fd < 0 || (fds_[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            const ssize_t n = read(fds_[i].fd, buf_.data(), buf_.size());
            if (n > 0 && i == 2) {
                keep_channel(static_cast<std::size_t>(n));
            } else if (n > 0) {
                (i == 0 ? out_ : err_).append(buf_.data(), static_cast<std::size_t>(n));
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(fds_[i].fd);
                fds_[i].fd = -1;
                --open_;
            }
        }
    }

    /// Drains what is left, for up to a second (a grandchild may hold the pipes open).
    void drain() {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (open_ > 0 && std::chrono::steady_clock::now() < end) pump(50);
    }

    /// Whether the channel has carried `marker` (checked over the bytes that arrived since the
    /// last call, plus an overlap for a marker cut between two reads).
    bool channel_carried(const std::string& marker) {
        if (marker.empty()) return false;
        if (!marker_seen_) {
            const std::size_t from =
                marker_scanned_ > marker.size() ? marker_scanned_ - marker.size() : 0;
            marker_seen_ = channel_.find(marker, from) != std::string::npos;
            marker_scanned_ = channel_.size();
        }
        return marker_seen_;
    }

    void take(ProcessOutcome& outcome) {
        outcome.out = out_.take(outcome.dropped_bytes);
        outcome.err = err_.take(outcome.dropped_bytes);
        outcome.channel = std::move(channel_);
        outcome.channel_dropped = channel_dropped_;
    }

  private:
    void keep_channel(std::size_t n) {
        const std::size_t room = channel_cap_ - std::min(channel_cap_, channel_.size());
        channel_.append(buf_.data(), std::min(n, room));
        channel_dropped_ += n - std::min(n, room);
    }

    std::array<pollfd, 3> fds_;
    int open_;
    CappedBuffer out_;
    CappedBuffer err_;
    std::size_t channel_cap_;
    std::string channel_;
    std::size_t channel_dropped_ = 0;
    bool marker_seen_ = false;
    std::size_t marker_scanned_ = 0;
    std::array<char, 65536> buf_{};
};

/// The watchdogs of the sandbox: a limit the group broke, as the outcome's message, or empty.
std::string broken_limit(const SandboxLimits& limits, pid_t pgid) {
    const GroupUsage usage = process_group_usage(pgid);
    if (limits.max_processes > 0 && usage.processes > limits.max_processes)
        return fmt::format(
            "killed: too many processes (fork bomb?): {} running at once, the limit is {}",
            usage.processes, limits.max_processes);
    if (limits.max_rss_bytes > 0 && usage.rss_bytes > limits.max_rss_bytes)
        return fmt::format("killed: exceeded the memory limit of {} MiB (resident memory)",
                           limits.max_rss_bytes >> 20);
    return {};
}

/// Reads the child's output until it is reaped (true) or `deadline` passes (false). A watched
/// child's group is checked against the sandbox's limits every 40 ms; one that breaks a limit
/// is killed at once, and the limit is set in `outcome`.
bool wait_for_child(pid_t pid, std::chrono::steady_clock::time_point deadline, bool watched,
                    const ProcessSpec& spec, OutputPump& pump, ProcessOutcome& outcome,
                    int& status) {
    auto next_scan = std::chrono::steady_clock::now();
    bool exit_due = false;
    for (;;) {
        if (!exit_due && pump.channel_carried(spec.exit_marker)) {
            exit_due = true;
            const auto by = std::chrono::steady_clock::now() + spec.exit_grace;
            if (by < deadline) {
                deadline = by;
                outcome.stuck_at_exit = true;  // cleared below if the exit comes in time
            }
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pump.pump(static_cast<int>(std::min<long long>(left.count(), 50)));
        if (waitpid(pid, &status, WNOHANG) == pid) {
            outcome.stuck_at_exit = false;
            return true;
        }
        if (!watched || std::chrono::steady_clock::now() < next_scan) continue;
        next_scan = std::chrono::steady_clock::now() + std::chrono::milliseconds(40);
        outcome.limit_exceeded = broken_limit(spec.sandbox, pid);
        if (!outcome.limit_exceeded.empty()) {
            outcome.stuck_at_exit = false;
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return true;
        }
    }
}

/// After the deadline: SIGTERM to the child's tree, then until `grace` ends for the leader to be
/// reaped and every other process to end (reading the pipes meanwhile, so none blocks on a
/// write), then SIGKILL to what is left.
void stop_tree(pid_t pid, std::chrono::milliseconds grace, OutputPump& pump, bool& reaped,
               int& status) {
    const std::vector<pid_t> groups = groups_of_tree(pid);
    for (pid_t g : groups) kill(-g, SIGTERM);
    const auto grace_end = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < grace_end) {
        if (!reaped) reaped = waitpid(pid, &status, WNOHANG) == pid;
        // A deadline already passed: one look at the groups, no waiting.
        if (reaped && wait_until_gone(groups, {}).empty()) break;
        pump.pump(10);
    }
    for (pid_t g : groups) kill(-g, SIGKILL);
    if (!reaped) waitpid(pid, &status, 0);
}

/// The termination, from the wait status and how the run ended.
void classify(ProcessOutcome& outcome, int status, bool timed_out, const ProcessSpec& spec) {
    if (!outcome.start_error.empty()) {
        outcome.termination = Termination::failed_to_start;
    } else if (timed_out) {
        outcome.termination = Termination::timed_out;
    } else if (WIFSIGNALED(status)) {
        outcome.termination = Termination::signaled;
        outcome.signal = WTERMSIG(status);
        if (outcome.limit_exceeded.empty() && outcome.signal == SIGXFSZ &&
            spec.max_file_bytes > 0) {
            outcome.limit_exceeded = fmt::format("killed: file size limit (a file reached {} MiB)",
                                                 spec.max_file_bytes >> 20);
        } else if (outcome.limit_exceeded.empty() && outcome.signal == SIGXCPU &&
                   spec.cpu_seconds > 0) {
            outcome.limit_exceeded =
                fmt::format("killed: CPU time limit of {} s", spec.cpu_seconds);
        }
    } else if (spec.sandbox.containment != Containment::process_group &&
               WEXITSTATUS(status) > 128 && WEXITSTATUS(status) < 160) {
        // bubblewrap reports a child killed by signal N as exit code 128 + N.
        outcome.termination = Termination::signaled;
        outcome.signal = WEXITSTATUS(status) - 128;
    } else {
        outcome.termination = Termination::exited;
        outcome.exit_code = WEXITSTATUS(status);
    }
}

}  // namespace

ProcessOutcome PosixProcessRunner::run(const ProcessSpec& spec) {
    ProcessOutcome outcome;
    if (spec.argv.empty()) {
        outcome.start_error = "empty command";
        return outcome;
    }
    std::array<int, 2> out_pipe{};
    std::array<int, 2> err_pipe{};
    std::array<int, 2> exec_pipe{};  // reports an exec failure from the child
    std::array<int, 2> channel_pipe{-1, -1};
    if (pipe2(out_pipe.data(), O_CLOEXEC) != 0 || pipe2(err_pipe.data(), O_CLOEXEC) != 0 ||
        pipe2(exec_pipe.data(), O_CLOEXEC) != 0 ||
        (spec.result_channel && pipe2(channel_pipe.data(), O_CLOEXEC) != 0)) {
        outcome.start_error = std::strerror(errno);
        return outcome;
    }
    const Launch launch(spec);
    const auto start = std::chrono::steady_clock::now();
    // Forked and registered under the lock: kill_orphans() must never see an unregistered child.
    std::unique_lock registering(g_running_mutex);
    const pid_t pid = fork();
    if (pid < 0) {
        outcome.start_error = std::string("fork failed: ") + std::strerror(errno);
        return outcome;
    }
    if (pid == 0)
        become_child(spec, launch, out_pipe[1], err_pipe[1], exec_pipe[1], channel_pipe[1]);
    setpgid(pid, pid);  // also from the parent, so the group exists before any kill
    g_running.insert(pid);
    if (g_stopping) kill(-pid, SIGKILL);  // too late for the stop's SIGTERM
    registering.unlock();
    for (int fd : {out_pipe[1], err_pipe[1], exec_pipe[1], channel_pipe[1]}) {
        if (fd >= 0) close(fd);
    }
    int exec_errno = 0;
    if (read(exec_pipe[0], &exec_errno, sizeof exec_errno) ==
        static_cast<ssize_t>(sizeof exec_errno)) {
        outcome.start_error = fmt::format("{}: {}", spec.argv[0], std::strerror(exec_errno));
    }
    close(exec_pipe[0]);

    OutputPump pump(out_pipe[0], err_pipe[0], channel_pipe[0], spec.output_cap);
    bool reaped = false;
    int status = 0;
    const bool timed_out =
        !wait_for_child(pid, start + spec.deadline, launch.watched, spec, pump, outcome, status);
    reaped = !timed_out;
    if (timed_out) stop_tree(pid, grace_, pump, reaped, status);
    // Whatever the child left behind in its group goes too (a detached grandchild holding the
    // pipes open must not keep us reading until the deadline), then the pipes are drained.
    // During kill_all_running() the stop ends the group itself, after its grace period.
    if (!g_stopping) kill(-pid, SIGKILL);
    pump.drain();
    {
        std::lock_guard lock(g_running_mutex);
        g_running.erase(pid);
    }
    if (!g_stopping) outcome.orphans_killed = kill_orphans();
    // An interrupted run does not return while the stop lasts: its caller would take the
    // stopped child for a failure and could report or record it before the process exits.
    while (g_stopping) std::this_thread::sleep_for(std::chrono::milliseconds(10));

    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    pump.take(outcome);
    classify(outcome, status, timed_out, spec);
    return outcome;
}

}  // namespace interleave
