#pragma once
/// Running other programs: the one seam through which the grader starts compilers, CMake and
/// student binaries. The real runner is POSIX; tests use a fake that replays canned outcomes.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace interleave {

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
};

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

/// The real runner: fork/exec in a new process group, stdin from /dev/null, stdout and stderr
/// through close-on-exec pipes read by one poll loop with the deadline; on expiry SIGTERM to
/// the group, a grace period, then SIGKILL to the group.
class PosixProcessRunner final : public ProcessRunner {
  public:
    explicit PosixProcessRunner(std::chrono::milliseconds grace = std::chrono::milliseconds(500))
        : grace_(grace) {}
    ProcessOutcome run(const ProcessSpec& spec) override;

    /// Kills every process group this runner has started and not yet reaped (for Ctrl-C).
    static void kill_all_running();

  private:
    std::chrono::milliseconds grace_;
};

/// The environment variables a child may see from the grader's own environment: PATH, HOME,
/// LANG, TMPDIR and the like; everything else is dropped.
std::map<std::string, std::string> base_environment();

}  // namespace interleave
