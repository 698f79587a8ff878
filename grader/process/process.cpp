#include "process/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

/// Calls fn(pid, fields after the command name) for every process in /proc; the fields start
/// with the state (field 3 of proc(5)'s stat).
template <typename Fn>
void for_each_process(Fn fn) {
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return;
    std::array<char, 1024> buf{};
    while (const dirent* e = readdir(proc)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        const std::string path = std::string("/proc/") + e->d_name + "/stat";
        std::FILE* f = std::fopen(path.c_str(), "re");
        if (f == nullptr) continue;  // it ended meanwhile
        const std::size_t n = std::fread(buf.data(), 1, buf.size() - 1, f);
        std::fclose(f);
        buf[n] = '\0';
        const char* close_paren = std::strrchr(buf.data(), ')');
        if (close_paren == nullptr) continue;
        fn(std::atoi(e->d_name), close_paren + 2);
    }
    closedir(proc);
}

/// Threads (tasks) that belong to `uid`: what RLIMIT_NPROC counts.
long count_user_tasks(uid_t uid) {
    long tasks = 0;
    for_each_process([&](int pid, const char* fields) {
        struct stat st {};
        if (stat(fmt::format("/proc/{}", pid).c_str(), &st) != 0 || st.st_uid != uid) return;
        // Field 20 is num_threads: the 18th after the state.
        long threads = 1;
        std::sscanf(fields,
                    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld",
                    &threads);
        tasks += threads;
    });
    return tasks;
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

GroupUsage process_group_usage(int pgid) {
    GroupUsage usage;
    static const long page = sysconf(_SC_PAGESIZE);
    for_each_process([&](int, const char* fields) {
        char state = 0;
        int ppid = 0;
        int pgrp = 0;
        long long rss = 0;
        // state ppid pgrp ... rss is field 24: the 22nd from the state.
        if (std::sscanf(fields,
                        "%c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d "
                        "%*u %*u %lld",
                        &state, &ppid, &pgrp, &rss) != 4)
            return;
        if (pgrp != pgid || state == 'Z') return;
        ++usage.processes;
        usage.rss_bytes += rss * page;
    });
    return usage;
}

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

/// Whether a live process of group `pgid` is left (a zombie only waits to be reaped: it is not).
bool group_alive(pid_t pgid) {
    if (kill(-pgid, 0) != 0 && errno == ESRCH) return false;
    return process_group_usage(pgid).processes > 0;
}

/// Group `pgid` and the process groups of every descendant of its processes. A build tool may
/// put what it starts in groups of their own (ninja runs each compiler so), out of reach of a
/// signal to the tool's group; they are listed here so that the stop reaches them too.
std::vector<pid_t> groups_of_tree(pid_t pgid) {
    struct Entry {
        int ppid = 0;
        int pgrp = 0;
    };
    std::map<int, Entry> table;
    for_each_process([&](int pid, const char* fields) {
        Entry e;
        char state = 0;
        if (std::sscanf(fields, "%c %d %d", &state, &e.ppid, &e.pgrp) == 3 && state != 'Z')
            table[pid] = e;
    });
    std::set<int> in_tree;
    std::vector<int> frontier;
    for (const auto& [pid, e] : table) {
        if (e.pgrp == pgid) frontier.push_back(pid);
    }
    while (!frontier.empty()) {
        const int pid = frontier.back();
        frontier.pop_back();
        if (!in_tree.insert(pid).second) continue;
        for (const auto& [child, e] : table) {
            if (e.ppid == pid) frontier.push_back(child);
        }
    }
    std::set<pid_t> groups{pgid};
    for (const int pid : in_tree) groups.insert(table[pid].pgrp);
    return {groups.begin(), groups.end()};
}

/// Polls until no group of `pgids` is alive or `until` passes; returns the groups still alive.
std::vector<pid_t> wait_until_gone(std::vector<pid_t> pgids,
                                   std::chrono::steady_clock::time_point until) {
    for (;;) {
        std::erase_if(pgids, [](pid_t g) { return !group_alive(g); });
        if (pgids.empty() || std::chrono::steady_clock::now() >= until) return pgids;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

/// The children of this process that no run started (orphans adopted as the subreaper), with
/// whether each is still running (not a zombie). Call with g_running_mutex held.
std::map<pid_t, bool> adopted_children() {
    const pid_t self = getpid();
    std::map<pid_t, bool> found;
    for_each_process([&](int pid, const char* fields) {
        char state = 0;
        int ppid = 0;
        if (std::sscanf(fields, "%c %d", &state, &ppid) != 2 || ppid != self) return;
        if (g_running.count(pid) == 0) found[pid] = state != 'Z';
    });
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
    const bool contained = spec.sandbox.containment != Containment::process_group;
    if (contained) {
        args = bubblewrap_prefix(spec);
        args.insert(args.end(), spec.argv.begin(), spec.argv.end());
    }
    const SandboxLimits& limits = spec.sandbox;
    const bool watched = limits.max_processes > 0 || limits.max_rss_bytes > 0;
    // RLIMIT_NPROC counts every task of the user, so the cap is relative to what runs now.
    const rlim_t nproc_cap =
        limits.max_processes > 0 && geteuid() != 0
            ? static_cast<rlim_t>(count_user_tasks(geteuid()) + 4 * limits.max_processes + 256)
            : 0;
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    const std::string cwd = spec.cwd.string();

    const auto start = std::chrono::steady_clock::now();
    // Forked and registered under the lock: kill_orphans() must never see an unregistered child.
    std::unique_lock registering(g_running_mutex);
    const pid_t pid = fork();
    if (pid < 0) {
        outcome.start_error = std::string("fork failed: ") + std::strerror(errno);
        return outcome;
    }
    if (pid == 0) {
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
        if (limits.max_open_files > 0) {
            const rlimit files{static_cast<rlim_t>(limits.max_open_files),
                               static_cast<rlim_t>(limits.max_open_files)};
            setrlimit(RLIMIT_NOFILE, &files);
        }
        if (nproc_cap > 0) {
            const rlimit procs{nproc_cap, nproc_cap};
            setrlimit(RLIMIT_NPROC, &procs);
        }
        // An untrusted child never outlives a grader that died without cleaning up.
        if (watched) prctl(PR_SET_PDEATHSIG, SIGKILL);
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
    g_running.insert(pid);
    if (g_stopping) kill(-pid, SIGKILL);  // too late for the stop's SIGTERM
    registering.unlock();
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
    auto next_scan = start;
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
        if (!reaped && watched && std::chrono::steady_clock::now() >= next_scan) {
            next_scan = std::chrono::steady_clock::now() + std::chrono::milliseconds(40);
            const GroupUsage usage = process_group_usage(pid);
            if (limits.max_processes > 0 && usage.processes > limits.max_processes) {
                outcome.limit_exceeded = fmt::format(
                    "killed: too many processes (fork bomb?): {} running at once, the limit is {}",
                    usage.processes, limits.max_processes);
            } else if (limits.max_rss_bytes > 0 && usage.rss_bytes > limits.max_rss_bytes) {
                outcome.limit_exceeded =
                    fmt::format("killed: exceeded the memory limit of {} MiB (resident memory)",
                                limits.max_rss_bytes >> 20);
            }
            if (!outcome.limit_exceeded.empty()) {
                kill(-pid, SIGKILL);
                waitpid(pid, &status, 0);
                reaped = true;
            }
        }
    }
    if (timed_out) {
        // SIGTERM, then until the grace period ends for the leader to be reaped and every other
        // process of the group to end (reading the pipes meanwhile, so none blocks on a write).
        const std::vector<pid_t> groups = groups_of_tree(pid);
        for (pid_t g : groups) kill(-g, SIGTERM);
        const auto grace_end = std::chrono::steady_clock::now() + grace_;
        while (std::chrono::steady_clock::now() < grace_end) {
            if (!reaped) reaped = waitpid(pid, &status, WNOHANG) == pid;
            // A deadline already passed: one look at the groups, no waiting.
            if (reaped && wait_until_gone(groups, {}).empty()) break;
            if (open_fds > 0) {
                drain_ready(10);
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
        for (pid_t g : groups) kill(-g, SIGKILL);
        if (!reaped) waitpid(pid, &status, 0);
    }
    // Whatever the child left behind in its group goes too (a detached grandchild holding the
    // pipes open must not keep us reading until the deadline), then the pipes are drained.
    // During kill_all_running() the stop ends the group itself, after its grace period.
    if (!g_stopping) kill(-pid, SIGKILL);
    const auto drain_end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (open_fds > 0 && std::chrono::steady_clock::now() < drain_end) drain_ready(50);
    for (auto& f : fds) {
        if (f.fd >= 0) close(f.fd);
    }
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
    outcome.out = out.take(outcome.dropped_bytes);
    outcome.err = err.take(outcome.dropped_bytes);
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
    } else if (contained && WEXITSTATUS(status) > 128 && WEXITSTATUS(status) < 160) {
        // bubblewrap reports a child killed by signal N as exit code 128 + N.
        outcome.termination = Termination::signaled;
        outcome.signal = WEXITSTATUS(status) - 128;
    } else {
        outcome.termination = Termination::exited;
        outcome.exit_code = WEXITSTATUS(status);
    }
    return outcome;
}

}  // namespace interleave
