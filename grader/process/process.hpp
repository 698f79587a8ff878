#pragma once
/// Running other programs: the one seam through which the grader starts compilers, CMake and
/// student binaries. The real runner is POSIX; tests use a fake that replays canned outcomes.

#include "process/proc_scan.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace interleave {

/// How an untrusted child is kept apart from the machine, beyond its process group, rlimits and
/// watchdogs.
enum class Containment {
    /// Nothing more: the child may write wherever the user may, and a descendant that calls
    /// setsid() leaves the process group that the stop reaches.
    process_group,
    /// bubblewrap: the whole filesystem read-only except `writable`, and a PID namespace of its
    /// own that dies with the grader, so that every descendant ends when the child ends.
    read_only,
    /// read_only, and no network either.
    offline,
};

/// Limits for an untrusted child (a student's test or benchmark binary). Zero: no limit.
struct SandboxLimits {
    /// Resident memory of the whole process group, polled by a watchdog (not RLIMIT_AS: the
    /// ThreadSanitizer runtime reserves terabytes of address space it never touches).
    long long max_rss_bytes = 0;
    /// Live processes in the group, polled by a watchdog; when not root also RLIMIT_NPROC at the
    /// user's current task count plus a margin (the kernel does not enforce it for root).
    int max_processes = 0;
    /// RLIMIT_NOFILE.
    int max_open_files = 0;
    /// Anything but process_group runs the command under bubblewrap (`bwrap`, which the caller
    /// checked with bubblewrap_usable()).
    Containment containment = Containment::process_group;
    /// The folders a contained child may write (its scratch folder).
    std::vector<std::filesystem::path> writable;
};

struct ProcessSpec {
    std::vector<std::string> argv;
    /// The complete environment of the child (nothing is inherited implicitly).
    std::map<std::string, std::string> env;
    std::filesystem::path cwd;
    std::chrono::milliseconds deadline{std::chrono::minutes(10)};
    /// Bytes kept of stdout and of stderr each: the first half and the last half; the rest is
    /// dropped and counted.
    std::size_t output_cap = 1 << 20;
    /// RLIMIT_CPU seconds for the child (0: none).
    int cpu_seconds = 0;
    /// RLIMIT_FSIZE bytes for the child (0: none).
    long long max_file_bytes = 0;
    /// Watchdogs, limits and isolation for untrusted code (default: none).
    SandboxLimits sandbox;
    /// Opens the results channel: a pipe whose write end the child finds at descriptor
    /// kResultChannelFd and whose bytes arrive in ProcessOutcome::channel. Only the grader reads
    /// it, and what was written cannot be taken back: a record the child sent while a test ran
    /// stays what it was, whatever the child does to its files afterwards.
    bool result_channel = false;
    /// When the channel carries this text (the harness's "finished" record), the child has
    /// `exit_grace` left to exit, whatever remains of the deadline: a program whose work is
    /// done but that never ends (a static destructor that blocks, a thread never joined) is
    /// stopped in seconds, and ProcessOutcome::stuck_at_exit says so.
    std::string exit_marker;
    std::chrono::milliseconds exit_grace{std::chrono::seconds(5)};
    /// Added to the child's nice value before exec (0: unchanged), and inherited by everything
    /// it starts: a build that overlaps a test run yields the CPU to it. At 19 the child also
    /// runs under SCHED_IDLE, on cores nothing else wants.
    int niceness = 0;
};

/// The descriptor at which a child started with ProcessSpec::result_channel finds the write end
/// of its results channel.
inline constexpr int kResultChannelFd = 3;

enum class Termination {
    exited,     ///< exit_code is valid
    signaled,   ///< signal is valid
    timed_out,  ///< deadline passed; the whole process group was killed
    failed_to_start,
};

struct ProcessOutcome {
    Termination termination = Termination::failed_to_start;
    int exit_code = -1;
    int signal = 0;
    std::string out;
    std::string err;
    std::size_t dropped_bytes = 0;
    std::chrono::milliseconds elapsed{0};
    /// Set for failed_to_start.
    std::string start_error;
    /// Set when a limit of the sandbox (or of file size / CPU time) ended the child:
    /// "killed: exceeded the memory limit of 2048 MiB" and the like.
    std::string limit_exceeded;
    /// Processes that had left the child's process group (setsid, a double fork) and were still
    /// running when it ended: killed by the runner (see adopt_orphans).
    int orphans_killed = 0;
    /// What the child wrote to its results channel (ProcessSpec::result_channel): the first
    /// output_cap bytes; channel_dropped counts the rest.
    std::string channel;
    std::size_t channel_dropped = 0;
    /// Timed out within exit_grace of sending ProcessSpec::exit_marker: the work was done, the
    /// exit never came.
    bool stuck_at_exit = false;

    bool ok() const { return termination == Termination::exited && exit_code == 0; }
    /// "exited with code 1", "killed by SIGSEGV (segmentation fault)", "timed out after 20 s".
    std::string describe() const;
};

class ProcessRunner {
  public:
    virtual ~ProcessRunner() = default;
    /// Runs the process to completion or until its deadline; never throws for a child failure.
    virtual ProcessOutcome run(const ProcessSpec& spec) = 0;
};

/// How long a process group may take to end after SIGTERM before it gets SIGKILL, on a deadline
/// and on Ctrl-C. The stop ends early as soon as no live process of the group is left. SIGTERM
/// comes first so that a build tool can stop what it started: ninja runs each compiler in a
/// process group of its own, which a SIGKILL to ninja's group would never reach.
inline constexpr std::chrono::milliseconds kTerminateGrace{2000};

/// The real runner: fork/exec in a new process group, stdin from /dev/null, stdout and stderr
/// through close-on-exec pipes read by one poll loop with the deadline; on expiry SIGTERM to
/// the group, up to `grace` for every process of the group to end, then SIGKILL to the group.
class PosixProcessRunner final : public ProcessRunner {
  public:
    explicit PosixProcessRunner(std::chrono::milliseconds grace = kTerminateGrace)
        : grace_(grace) {}
    ProcessOutcome run(const ProcessSpec& spec) override;

    /// Stops every process group any runner has started and not yet reaped (for Ctrl-C):
    /// SIGTERM to each group, up to `grace` for all of them to end, SIGKILL to the groups still
    /// alive, then up to a second more for those to go. A group started while this runs gets
    /// SIGKILL at once. On return no live (non-zombie) process of those groups is left, unless
    /// one survived SIGKILL for over a second (a process stuck in the kernel). The stop also
    /// reaches the process groups of the groups' descendants (ninja runs each compiler in a
    /// group of its own). A run() in progress does not return before the stop ends, so its
    /// caller cannot report a stopped child as a failure; the caller of this exits right after.
    static void kill_all_running(std::chrono::milliseconds grace = kTerminateGrace);

  private:
    std::chrono::milliseconds grace_;
};

/// Blocks SIGINT and SIGTERM in the calling thread (and so in every thread it starts later) and
/// starts a thread that waits for them: on Ctrl-C or SIGTERM it stops every running child
/// (kill_all_running), says so on standard error and exits with 128 + the signal. Children
/// start with an empty signal mask whatever the grader blocks (see PosixProcessRunner::run).
void install_interrupt_handler();

/// Makes this process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER), so that a
/// descendant of a child that left the child's process group, and lost its parent, becomes a
/// child of this process; from then on every run ends by killing and reaping such orphans. The
/// grader calls this once at start; bubblewrap's PID namespace does the same job where it runs.
/// Returns whether the kernel agreed.
bool adopt_orphans();

/// The environment variables a child may see from the grader's own environment: PATH, HOME,
/// LANG, TMPDIR and the like; everything else is dropped.
std::map<std::string, std::string> base_environment();

/// The environment of an untrusted child: PATH and LANG from the grader's environment, HOME
/// and TMPDIR set to its scratch folder, nothing else (the caller adds what it sets itself).
std::map<std::string, std::string> sandbox_environment(const std::filesystem::path& scratch);

/// Whether `bwrap` is installed and can create its namespaces here (probed once, cached).
bool bubblewrap_usable();

}  // namespace interleave
