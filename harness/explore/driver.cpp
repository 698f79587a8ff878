// The explorer's main: searches the schedules of every scenario in this binary, stops at the
// first failing one, shrinks it to the fewest context switches that still fail, and prints it
// as numbered steps with the student's source lines.
//
// Runs happen in a forked worker process that serves one run after another while they pass
// (a fork per schedule cost most of the time); a run that fails, deadlocks or crashes ends its
// worker, and the next run starts a fresh one. Every run whose steps are shown (a failure, an
// outcome's witness, a replay) runs in a fresh process, and must end as the reused worker's run
// did: when it does not, the code kept state from one run to the next, and the scenario is
// searched again with a fresh process for every run.
//
//   <kata>_explore [--scenario NAME] [--replay TOKEN] [--runs N] [--seconds S] [--depth D]
//                  [--bound B] [--seed S] [--json FILE] [--list] [--outcomes]
//                  [--stop-at-first-failure]
//
// Search, per scenario: every schedule with at most B preemptions (CHESS's bounded search,
// B = 2) while that set is small enough for the run budget; then PCT (Burckhardt et al.,
// ASPLOS 2010: random thread priorities and D-1 random priority change points, which finds a
// bug of depth D with probability at least 1/(n k^(D-1))) until the budget is spent.
// A replay token names one schedule exactly: `s` followed by the steps at which the schedule
// leaves the thread that ran before (`s4:1,9:0`: at step 4 switch to thread 1, at step 9 to
// thread 0); `p<depth>-<k>-<seed>` is one PCT run.
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <kata/explore.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../support/result_channel.hpp"
#include "scheduler.hpp"

namespace explore {

namespace {
std::vector<Scenario>& scenarios() {
    static std::vector<Scenario> list;
    return list;
}
std::string& kata_id() {
    static std::string id = "KATA";
    return id;
}
std::vector<std::string>& focus() {
    static std::vector<std::string> list;
    return list;
}
}  // namespace

int register_scenario(const Scenario& scenario) {
    scenarios().push_back(scenario);
    return 0;
}

int register_kata(const char* id) {
    kata_id() = id;
    return 0;
}

int register_focus(const char* path) {
    std::string p = path;
    if (!p.empty() && p.back() != '/') p += '/';
    focus().push_back(p);
    return 0;
}

namespace {

// ---- policies ---------------------------------------------------------------------------

/// PCT: the enabled thread of highest priority runs; at each of depth-1 random steps the
/// running thread drops below every initial priority.
class PctPolicy final : public Policy {
  public:
    PctPolicy(int depth, std::uint32_t k, std::uint64_t seed) : rng_(seed) {
        for (int i = 1; i < depth; ++i) {
            change_at_.push_back(
                static_cast<std::uint32_t>(rng_() % std::max<std::uint32_t>(k, 1)));
        }
        depth_ = depth;
    }
    int choose(std::uint32_t step, int previous, std::uint32_t enabled, std::uint32_t /*timed*/,
               int /*soonest*/) override {
        for (std::size_t i = 0; i < change_at_.size(); ++i) {
            if (change_at_[i] == step && previous >= 0)
                priority_[previous] = static_cast<std::int64_t>(i) + 1 - depth_;
        }
        int best = -1;
        for (int t = 0; t < 32; ++t) {
            if (((enabled >> t) & 1u) != 0 && (best < 0 || priority_[t] > priority_[best]))
                best = t;
        }
        return best;
    }
    void on_spawn(int thread) override {
        priority_[thread] = static_cast<std::int64_t>(1000 + rng_() % 1000000);
    }
    void on_yield(int thread) override { priority_[thread] = --lowest_; }

  private:
    std::mt19937_64 rng_;
    std::vector<std::uint32_t> change_at_;
    std::int64_t priority_[32] = {};
    std::int64_t lowest_ = -1000;
    int depth_ = 1;
};

/// A schedule to run, as the parent hands it to a worker: either a choice per step (the first
/// `choices.size()` steps; kDefault, or a thread that cannot run, means the default choice, and
/// every later step takes the default) or one PCT run.
struct Schedule {
    static constexpr std::uint8_t kDefault = 0xFF;
    std::vector<std::uint8_t> choices;
    int pct_depth = 0;  // > 0: a PCT run with these parameters instead
    std::uint32_t pct_k = 0;
    std::uint64_t pct_seed = 0;

    /// Exactly these choices, then never a preemption (exhaustive search extends it).
    static Schedule prefix(std::vector<std::uint8_t> choices) {
        Schedule s;
        s.choices = std::move(choices);
        return s;
    }
    /// Never preempts except at the listed steps: the shape of a replay token.
    static Schedule switches(const std::map<std::uint32_t, int>& at) {
        Schedule s;
        if (!at.empty()) s.choices.assign(at.rbegin()->first + 1, kDefault);
        for (const auto& [step, thread] : at) s.choices[step] = static_cast<std::uint8_t>(thread);
        return s;
    }
    static Schedule pct(int depth, std::uint32_t k, std::uint64_t seed) {
        Schedule s;
        s.pct_depth = depth;
        s.pct_k = k;
        s.pct_seed = seed;
        return s;
    }
};

/// What the parent asks its worker to run next (in MAP_SHARED memory, written between runs).
struct Job {
    bool frames;
    int pct_depth;
    std::uint32_t pct_k;
    std::uint64_t pct_seed;
    std::uint32_t count;
    std::uint8_t choice[kMaxDecisions];
};

/// Takes the job's choice at each step it gives one for, else the default choice.
class ChoicePolicy final : public Policy {
  public:
    explicit ChoicePolicy(const Job& job) : job_(job) {}
    int choose(std::uint32_t step, int previous, std::uint32_t enabled, std::uint32_t timed,
               int soonest) override {
        if (step < job_.count && job_.choice[step] != Schedule::kDefault &&
            ((enabled >> job_.choice[step]) & 1u) != 0)
            return job_.choice[step];
        return default_choice(previous, enabled, timed, soonest);
    }

  private:
    const Job& job_;
};

/// No run outlives this (the whole search's budget plus a second): code that loops outside the
/// scheduler's sight must not hold the grade beyond its budget.
std::chrono::steady_clock::time_point g_run_deadline = std::chrono::steady_clock::time_point::max();

// ---- one run ----------------------------------------------------------------------------

/// Memory the parent and its worker both see (MAP_SHARED), mapped once before any fork.
template <class T>
T* shared_memory(const char* what) {
    void* p = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        std::fprintf(stderr, "explore: mmap of the %s: %s\n", what, std::strerror(errno));
        std::exit(2);
    }
    return static_cast<T*>(p);
}

SharedLog* shared_log() {
    static SharedLog* log = shared_memory<SharedLog>("run log");
    return log;
}

Job* shared_job() {
    static Job* job = shared_memory<Job>("job box");
    return job;
}

struct RunResult {
    Outcome outcome = Outcome::Running;
    std::string message;
    std::string observed;  // explore::observe's last words (outcome enumeration)
    std::vector<Decision> decisions;
    std::vector<Event> events;
};

bool is_failure(Outcome o) {
    return o == Outcome::Failed || o == Outcome::Deadlock || o == Outcome::Crashed;
}

/// A worker serves at most this many runs: what a scenario leaks stays bounded.
constexpr int kRunsPerWorker = 256;

/// false: every run in a fresh process (set when a scenario's code kept state between runs).
bool g_reuse = true;

/// The child process that runs the schedules of one scenario, one job at a time.
struct Worker {
    pid_t pid = -1;
    int pidfd = -1;    // readable once the worker has ended (-1 where the kernel has none)
    int job_fd = -1;   // the parent writes one byte per job
    int done_fd = -1;  // the worker writes one byte per run that passed; end of file: it ended
    const Scenario* scenario = nullptr;
    int served = 0;
};
Worker g_worker;

void close_fds(Worker& w) {
    for (int* fd : {&w.pidfd, &w.job_fd, &w.done_fd}) {
        if (*fd >= 0) close(*fd);
        *fd = -1;
    }
}

/// Waits for the worker to end, forgets it, and returns its wait status.
int reap_worker() {
    int status = 0;
    while (waitpid(g_worker.pid, &status, 0) < 0 && errno == EINTR) {
    }
    close_fds(g_worker);
    g_worker = Worker{};
    return status;
}

/// Ends the worker (it waits for a job, or is stuck in a run) and reaps it.
void retire_worker() {
    if (g_worker.pid < 0) return;
    kill(g_worker.pid, SIGKILL);
    reap_worker();
}

/// The worker's loop: a byte on `job_fd` is the job in the job box; each passing run answers a
/// byte on `done_fd`; any other end of a run ends the process (run_scenario does).
[[noreturn]] void serve(const Scenario& s, int job_fd, int done_fd) {
    // The student's code runs in this child: it must not be able to speak for the parent.
    kata_support::close_channel();
    signal(SIGPIPE, SIG_DFL);
    SharedLog* log = shared_log();
    const Job& job = *shared_job();
    while (true) {
        char byte = 0;
        const ssize_t got = read(job_fd, &byte, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got != 1) _exit(0);  // the parent is gone, or retired this worker
        Options options;
        options.memory_points = s.options.memory_points;
        options.spurious_wakeups = s.options.spurious_wakeups;
        options.frames = job.frames;
        ChoicePolicy choices(job);
        std::optional<PctPolicy> pct;  // seeded only for a PCT run
        if (job.pct_depth > 0) pct.emplace(job.pct_depth, job.pct_k, job.pct_seed);
        Policy& policy = pct ? static_cast<Policy&>(*pct) : choices;
        if (!run_scenario(s.body, policy, options, log)) _exit(0);
        if (write(done_fd, "x", 1) != 1) _exit(0);
    }
}

bool start_worker(const Scenario& s) {
    int job[2];
    int done[2];
    if (pipe2(job, O_CLOEXEC) != 0) return false;
    if (pipe2(done, O_CLOEXEC) != 0) {
        close(job[0]);
        close(job[1]);
        return false;
    }
    std::fflush(nullptr);
    const pid_t child = fork();
    if (child == 0) {
        close(job[1]);
        close(done[0]);
        serve(s, job[0], done[1]);
    }
    close(job[0]);
    close(done[1]);
    if (child < 0) {
        close(job[1]);
        close(done[0]);
        return false;
    }
    g_worker.pid = child;
    g_worker.job_fd = job[1];
    g_worker.done_fd = done[0];
    g_worker.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    g_worker.scenario = &s;
    g_worker.served = 0;
    return true;
}

/// Runs one schedule of `s`. `keep_events` (a run whose steps are shown) runs in a fresh
/// process; other runs reuse the worker while their runs pass.
RunResult run_once(const Scenario& s, const Schedule& schedule, bool keep_events) {
    SharedLog* log = shared_log();
    log->outcome = Outcome::Running;
    log->events = 0;
    log->decisions = 0;
    log->message[0] = '\0';
    log->observed[0] = '\0';
    Job& job = *shared_job();
    job.frames = keep_events;
    job.pct_depth = schedule.pct_depth;
    job.pct_k = schedule.pct_k;
    job.pct_seed = schedule.pct_seed;
    job.count =
        static_cast<std::uint32_t>(std::min<std::size_t>(schedule.choices.size(), kMaxDecisions));
    std::copy_n(schedule.choices.begin(), job.count, job.choice);
    if (g_worker.pid >= 0 &&
        (g_worker.scenario != &s || keep_events || !g_reuse || g_worker.served >= kRunsPerWorker))
        retire_worker();
    // A worker that ended between two runs (killed from outside) is replaced once: the run
    // has not started, so it must not be judged as its crash.
    bool sent = false;
    for (int attempt = 0; attempt < 2 && !sent; ++attempt) {
        if (g_worker.pid < 0 && !start_worker(s)) {
            RunResult r;
            r.outcome = Outcome::Crashed;
            r.message = std::string("the explorer could not start a process for the run: ") +
                        std::strerror(errno);
            return r;
        }
        sent = write(g_worker.job_fd, "x", 1) == 1;
        if (!sent) retire_worker();
    }
    RunResult r;
    int status = 0;
    bool ended = !sent;
    bool passed = false;
    // A run is a few thousand steps: one that takes seconds is stuck outside the scheduler.
    const auto deadline =
        std::min(std::chrono::steady_clock::now() + std::chrono::seconds(5), g_run_deadline);
    while (!ended && !passed) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(g_worker.pid, SIGKILL);
            log->outcome = Outcome::Livelock;
            std::snprintf(log->message, sizeof log->message,
                          "the run did not end within 5 s of real time");
            ended = true;
            break;
        }
        pollfd fds[2] = {{g_worker.done_fd, POLLIN, 0}, {g_worker.pidfd, POLLIN, 0}};
        const int ready = poll(fds, g_worker.pidfd >= 0 ? 2 : 1,
                               static_cast<int>(std::min<long long>(left.count() + 1, 1000)));
        if (ready < 0 && errno != EINTR) {
            ended = true;
            break;
        }
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            char byte = 0;
            if (read(g_worker.done_fd, &byte, 1) == 1)
                passed = true;
            else
                ended = true;  // end of file: the worker ended
        } else if (g_worker.pidfd >= 0 && (fds[1].revents & POLLIN) != 0) {
            ended = true;
        }
    }
    if (ended && g_worker.pid >= 0) {
        status = reap_worker();
    } else if (!ended) {
        ++g_worker.served;
        if (!g_reuse) retire_worker();
    }
    r.outcome = log->outcome;
    if (r.outcome == Outcome::Running) {
        r.outcome = Outcome::Crashed;
        r.message = WIFSIGNALED(status)
                        ? std::string("the program was killed by signal ") +
                              std::to_string(WTERMSIG(status))
                        : "the program exited (code " + std::to_string(WEXITSTATUS(status)) +
                              ") before the scenario ended";
    } else {
        r.message = log->message;
    }
    r.observed = log->observed;
    r.decisions.assign(log->decision,
                       log->decision + std::min<std::uint32_t>(log->decisions, kMaxDecisions));
    if (keep_events)
        r.events.assign(log->event, log->event + std::min<std::uint32_t>(log->events, kMaxEvents));
    return r;
}

const char* outcome_name(Outcome o) {
    switch (o) {
        case Outcome::Passed:
            return "passed";
        case Outcome::Failed:
            return "failed";
        case Outcome::Deadlock:
            return "deadlock";
        case Outcome::Livelock:
            return "unfinished";
        case Outcome::Crashed:
            return "crashed";
        case Outcome::Running:
            return "running";
    }
    return "?";
}

// ---- replay tokens ------------------------------------------------------------------------

std::map<std::uint32_t, int> switches_of(const std::vector<Decision>& decisions) {
    std::map<std::uint32_t, int> out;
    for (std::uint32_t i = 0; i < decisions.size(); ++i) {
        const Decision& d = decisions[i];
        if (d.chosen != default_choice(d)) out[i] = d.chosen;
    }
    return out;
}

std::string token_of(const std::map<std::uint32_t, int>& switches) {
    std::string t = "s";
    bool first = true;
    for (const auto& [step, thread] : switches) {
        if (!first) t += ',';
        first = false;
        t += std::to_string(step) + ":" + std::to_string(thread);
    }
    return t;
}

std::optional<Schedule> schedule_of_token(const std::string& token, std::string& error) {
    if (!token.empty() && token[0] == 's') {
        std::map<std::uint32_t, int> switches;
        std::stringstream in(token.substr(1));
        std::string item;
        while (std::getline(in, item, ',')) {
            unsigned step = 0;
            int thread = 0;
            if (std::sscanf(item.c_str(), "%u:%d", &step, &thread) != 2 || thread < 0 ||
                thread >= kMaxThreads || step >= kMaxDecisions) {
                error = "'" + item + "' is not STEP:THREAD";
                return std::nullopt;
            }
            switches[step] = thread;
        }
        return Schedule::switches(switches);
    }
    int depth = 0;
    unsigned k = 0;
    unsigned long long seed = 0;
    if (std::sscanf(token.c_str(), "p%d-%u-%llu", &depth, &k, &seed) == 3 && depth >= 1) {
        return Schedule::pct(depth, k, seed);
    }
    error = "a replay token is s<STEP:THREAD,...> or p<DEPTH>-<K>-<SEED>";
    return std::nullopt;
}

// ---- search -------------------------------------------------------------------------------

struct Budget {
    std::chrono::steady_clock::time_point end;
    int runs;
    bool spent(int done) const { return done >= runs || std::chrono::steady_clock::now() >= end; }
};

struct SearchResult {
    int schedules = 0;
    int unfinished = 0;      // runs that hit the step limit or the real-time limit
    bool exhausted = false;  // every schedule within the preemption bound was run
    std::optional<RunResult> failure;
    std::string found_by;  // the strategy and token that found it
    double seconds = 0;
    double seconds_to_failure = 0;
};

int preemptions(const std::vector<Decision>& d, std::size_t upto) {
    int n = 0;
    for (std::size_t i = 0; i < upto && i < d.size(); ++i) {
        if (preempts(d[i], d[i].chosen)) ++n;
    }
    return n;
}

/// Runs every schedule with at most `bound` preemptions, depth first, until `visit` returns
/// false or the budget is spent. Returns true when every such schedule was run.
template <class Visit>
bool bounded_search(const Scenario& s, const Budget& budget, int max_runs, int bound, int& runs,
                    Visit visit) {
    std::vector<std::vector<std::uint8_t>> stack{{}};
    while (!stack.empty() && runs < max_runs && !budget.spent(runs)) {
        std::vector<std::uint8_t> prefix = std::move(stack.back());
        stack.pop_back();
        RunResult r = run_once(s, Schedule::prefix(prefix), false);
        ++runs;
        const auto& d = r.decisions;
        int used = preemptions(d, prefix.size());
        for (std::size_t i = prefix.size(); i < d.size(); ++i) {
            for (int t = 31; t >= 0; --t) {
                if (((d[i].enabled >> t) & 1u) == 0 || t == d[i].chosen) continue;
                const int cost = used + (preempts(d[i], t) ? 1 : 0);
                if (cost > bound) continue;
                std::vector<std::uint8_t> next;
                next.reserve(i + 1);
                for (std::size_t j = 0; j < i; ++j) next.push_back(d[j].chosen);
                next.push_back(static_cast<std::uint8_t>(t));
                stack.push_back(std::move(next));
            }
            if (preempts(d[i], d[i].chosen)) ++used;
        }
        if (!visit(std::move(r))) return false;
    }
    return stack.empty();
}

SearchResult search(const Scenario& s, const Budget& budget, int bound, int depth,
                    std::uint64_t seed, int exhaustive_share) {
    SearchResult out;
    const auto start = std::chrono::steady_clock::now();
    auto note = [&](RunResult r, std::string by) {
        out.failure = std::move(r);
        out.found_by = std::move(by);
        out.seconds_to_failure =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    std::uint32_t longest = 1;
    std::optional<RunResult> last_unfinished;
    // Bounded exhaustive search first: the smallest bugs need one or two preemptions.
    const bool complete = bounded_search(
        s, budget, budget.runs * exhaustive_share / 100, bound, out.schedules, [&](RunResult r) {
            longest =
                std::max<std::uint32_t>(longest, static_cast<std::uint32_t>(r.decisions.size()));
            if (r.outcome == Outcome::Livelock) {
                ++out.unfinished;
                last_unfinished = r;
            }
            if (!is_failure(r.outcome)) return true;
            note(std::move(r), "bounded search");
            return false;
        });
    out.exhausted = complete && !out.failure;
    // PCT with the rest of the budget.
    std::mt19937_64 seeds(seed);
    while (!out.failure && !out.exhausted && !budget.spent(out.schedules)) {
        const std::uint64_t run_seed = seeds() % 1000000000ULL;
        RunResult r = run_once(s, Schedule::pct(depth, longest, run_seed), false);
        ++out.schedules;
        if (is_failure(r.outcome)) {
            note(std::move(r), "PCT, replay p" + std::to_string(depth) + "-" +
                                   std::to_string(longest) + "-" + std::to_string(run_seed));
            break;
        }
        longest = std::max<std::uint32_t>(longest, static_cast<std::uint32_t>(r.decisions.size()));
        if (r.outcome == Outcome::Livelock) {
            ++out.unfinished;
            last_unfinished = std::move(r);
        }
    }
    if (!out.failure && out.schedules > 0 && out.unfinished == out.schedules && last_unfinished) {
        // Not one schedule ended: the code never finishes, whatever the order.
        out.found_by = "every schedule";
        out.failure = std::move(*last_unfinished);
        out.failure->outcome = Outcome::Livelock;
        out.seconds_to_failure =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

/// One outcome of a scenario, as `--outcomes` lists it.
struct SeenOutcome {
    std::string text;  ///< what the scenario observed, or the failure's kind ("deadlock")
    int schedules = 0;
    std::map<std::uint32_t, int> witness;  ///< the schedule with the fewest switches reaching it
};

/// What a run shows as its outcome: what it observed, or its failure's kind ("deadlock").
std::string outcome_of(const RunResult& r) {
    return is_failure(r.outcome) ? std::string(outcome_name(r.outcome))
           : r.observed.empty()  ? "(nothing observed)"
                                 : r.observed;
}

/// Every outcome a scenario can observe (explore::observe), over every schedule (no bound on
/// preemptions): for litmus tests and predict-the-outcome katas. A schedule that fails (a
/// deadlock, a failed check, a crash) counts as the outcome named by its kind. Returns the
/// outcomes in text order and whether every schedule was run.
std::vector<SeenOutcome> enumerate_outcomes(const Scenario& s, const Budget& budget, int& runs,
                                            bool& complete) {
    std::map<std::string, SeenOutcome> seen;
    runs = 0;
    complete = bounded_search(s, budget, budget.runs, 1 << 20, runs, [&](RunResult r) {
        SeenOutcome& entry = seen[outcome_of(r)];
        auto switches = switches_of(r.decisions);
        if (entry.schedules++ == 0 || switches.size() < entry.witness.size()) {
            entry.text = outcome_of(r);
            entry.witness = std::move(switches);
        }
        return true;
    });
    std::vector<SeenOutcome> out;
    for (auto& [text, entry] : seen) out.push_back(std::move(entry));
    return out;
}

/// Removes context switches one at a time while the run still fails the same way.
RunResult shrink(const Scenario& s, RunResult failing, int max_tries, int& tries) {
    std::map<std::uint32_t, int> best = switches_of(failing.decisions);
    bool progress = true;
    while (progress && tries < max_tries) {
        progress = false;
        for (auto it = best.rbegin(); it != best.rend() && tries < max_tries; ++it) {
            std::map<std::uint32_t, int> candidate = best;
            candidate.erase(it->first);
            RunResult r = run_once(s, Schedule::switches(candidate), false);
            ++tries;
            if (r.outcome == failing.outcome) {
                best = switches_of(r.decisions);
                failing = std::move(r);
                progress = true;
                break;
            }
        }
    }
    RunResult final_run = run_once(s, Schedule::switches(best), true);
    return is_failure(final_run.outcome) ? final_run : failing;
}

// ---- what a failure shows -----------------------------------------------------------------

struct Frame {
    std::string function;
    std::string file;
    int line = 0;
};

/// The symbolizer to use: EXPLORE_SYMBOLIZER, else the first llvm-symbolizer found, else
/// addr2line; empty when none is installed (the steps then have no source lines).
std::string symbolizer() {
    if (const char* chosen = std::getenv("EXPLORE_SYMBOLIZER");
        chosen != nullptr && *chosen != '\0') {
        return chosen;
    }
    const char* path = std::getenv("PATH");
    std::vector<std::string> dirs;
    std::stringstream in(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string d; std::getline(in, d, ':');) dirs.push_back(d);
    for (const char* name :
         {"llvm-symbolizer", "llvm-symbolizer-14", "llvm-symbolizer-15", "llvm-symbolizer-16",
          "llvm-symbolizer-17", "llvm-symbolizer-18", "addr2line"}) {
        for (const std::string& d : dirs) {
            const std::string candidate = d + "/" + name;
            if (access(candidate.c_str(), X_OK) == 0) return candidate;
        }
    }
    for (const char* fixed : {"/usr/lib/llvm-14/bin/llvm-symbolizer", "/usr/bin/addr2line"}) {
        if (access(fixed, X_OK) == 0) return fixed;
    }
    return "";
}

/// Resolves addresses of this executable to their inline chains with llvm-symbolizer.
std::map<std::uint64_t, std::vector<Frame>> symbolize(const std::set<std::uint64_t>& pcs) {
    std::map<std::uint64_t, std::vector<Frame>> out;
    Dl_info self{};
    if (dladdr(reinterpret_cast<void*>(&symbolize), &self) == 0 || pcs.empty()) return out;
    const auto base = reinterpret_cast<std::uint64_t>(self.dli_fbase);
    // In the working folder (the grader's scratch folder, writable inside its sandbox).
    const char* tmp = std::getenv("TMPDIR");
    std::string input =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : ".") + "/explore-pcs-XXXXXX";
    const int fd = mkstemp(input.data());
    if (fd < 0) return out;
    std::vector<std::uint64_t> order;
    {
        std::string text;
        for (std::uint64_t pc : pcs) {
            Dl_info info{};
            if (dladdr(reinterpret_cast<void*>(pc), &info) == 0 || info.dli_fbase != self.dli_fbase)
                continue;
            char line[64];
            std::snprintf(line, sizeof line, "0x%llx\n",
                          static_cast<unsigned long long>(pc - base - 1));
            text += line;
            order.push_back(pc);
        }
        if (write(fd, text.data(), text.size()) < 0) order.clear();
        close(fd);
    }
    // llvm-symbolizer (inlined frames, one blank line after each address), else binutils'
    // addr2line (-a prints each address before its frames).
    const std::string tool = symbolizer();
    const bool llvm = tool.find("llvm-symbolizer") != std::string::npos;
    const std::string command = llvm ? tool + " --obj=/proc/" + std::to_string(getpid()) +
                                           "/exe --inlining --demangle < " + input + " 2>/dev/null"
                                     : tool + " -a -f -i -C -e /proc/" + std::to_string(getpid()) +
                                           "/exe < " + input + " 2>/dev/null";
    FILE* pipe = tool.empty() ? nullptr : popen(command.c_str(), "r");
    if (pipe != nullptr) {
        std::vector<std::string> lines;
        char buffer[4096];
        while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
            lines.emplace_back(buffer, strcspn(buffer, "\n"));
        }
        pclose(pipe);
        std::size_t index = 0;
        std::vector<Frame> chain;
        auto flush = [&] {
            if (index < order.size()) out[order[index]] = std::move(chain);
            ++index;
            chain.clear();
        };
        bool started = llvm;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (llvm ? lines[i].empty() : lines[i].rfind("0x", 0) == 0) {
                if (started) flush();
                started = true;
                continue;
            }
            if (i + 1 >= lines.size()) break;
            Frame f;
            f.function = lines[i];
            const std::string& l = lines[++i];
            // llvm: file:line:column; addr2line: file:line (maybe " (discriminator N)")
            const auto colon = l.find(':');
            const auto end = l.find_first_not_of("0123456789", colon + 1);
            if (colon != std::string::npos) {
                f.file = l.substr(0, colon);
                f.line = std::atoi(l.substr(colon + 1, end - colon - 1).c_str());
            }
            chain.push_back(std::move(f));
        }
        if (!llvm && started) flush();
    }
    unlink(input.c_str());
    return out;
}

std::string source_line(const std::string& file, int line) {
    static std::map<std::string, std::vector<std::string>> cache;
    auto it = cache.find(file);
    if (it == cache.end()) {
        std::vector<std::string> lines;
        std::ifstream in(file);
        for (std::string l; std::getline(in, l);) lines.push_back(l);
        it = cache.emplace(file, std::move(lines)).first;
    }
    if (line < 1 || line > static_cast<int>(it->second.size())) return "";
    std::string text = it->second[static_cast<std::size_t>(line - 1)];
    const auto first = text.find_first_not_of(" \t");
    text = first == std::string::npos ? "" : text.substr(first);
    if (text.size() > 70) text = text.substr(0, 67) + "...";
    return text;
}

std::string shown_path(const std::string& file) {
    for (const std::string& f : focus()) {
        if (file.rfind(f, 0) == 0) {
            // keep the kata's folder name: "01-counter/counter.hpp"
            std::string dir = f.substr(0, f.size() - 1);
            const auto slash = dir.rfind('/');
            return (slash == std::string::npos ? dir : dir.substr(slash + 1)) + "/" +
                   file.substr(f.size());
        }
    }
    const auto slash = file.rfind('/');
    return slash == std::string::npos ? file : file.substr(slash + 1);
}

struct Step {
    int number;
    int thread;
    std::string operation;
    std::string value;
    std::string where;
    std::string source;
};

std::string value_text(const Event& e) {
    char b[128];
    switch (e.op) {
        case Op::Load:
        case Op::Store:
            std::snprintf(b, sizeof b, "%lld", static_cast<long long>(e.value));
            return b;
        case Op::Read:
        case Op::Write:
            // Plain memory: the value when the access was of a whole integer.
            if (e.value2 != 1) return "";
            std::snprintf(b, sizeof b, "%lld", static_cast<long long>(e.value));
            return b;
        case Op::Exchange:
        case Op::FetchAdd:
        case Op::FetchSub:
        case Op::FetchOther:
            std::snprintf(b, sizeof b, "%lld -> %lld", static_cast<long long>(e.value),
                          static_cast<long long>(e.value2));
            return b;
        case Op::CasOk:
            std::snprintf(b, sizeof b, "%lld -> %lld", static_cast<long long>(e.value),
                          static_cast<long long>(e.value2));
            return b;
        case Op::CasFailed:
            std::snprintf(b, sizeof b, "saw %lld, expected %lld", static_cast<long long>(e.value),
                          static_cast<long long>(e.value2));
            return b;
        case Op::Lock:
        case Op::Unlock:
        case Op::LockBusy:
        case Op::SharedLock:
        case Op::SharedUnlock:
            std::snprintf(b, sizeof b, "mutex %u", e.object);
            return b;
        case Op::Wait:
        case Op::Notified:
        case Op::TimedOut:
        case Op::SpuriousWake:
            std::snprintf(b, sizeof b, "cv %u, mutex %lld", e.object,
                          static_cast<long long>(e.value));
            return b;
        case Op::NotifyOne:
        case Op::NotifyAll:
            std::snprintf(b, sizeof b, "cv %u, wakes %lld", e.object,
                          static_cast<long long>(e.value));
            return b;
        case Op::Spawn:
        case Op::Join:
            std::snprintf(b, sizeof b, "thread %lld", static_cast<long long>(e.value));
            return b;
        case Op::Sleep:
            std::snprintf(b, sizeof b, "%.3f ms", static_cast<double>(e.value) / 1e6);
            return b;
        default:
            return "";
    }
}

/// The steps worth reading: those whose code is the student's or the scenario's (the standard
/// library's own atomics and locks are left out), at most `limit`, ending with the failure.
std::vector<Step> steps_of(const RunResult& run, std::size_t limit, std::size_t& hidden) {
    std::set<std::uint64_t> pcs;
    for (const Event& e : run.events) {
        for (std::uint64_t pc : e.frames) {
            if (pc != 0) pcs.insert(pc);
        }
    }
    const auto symbols = symbolize(pcs);
    std::vector<Step> steps;
    for (const Event& e : run.events) {
        std::optional<Frame> where;
        for (std::uint64_t pc : e.frames) {
            if (pc == 0 || where) break;
            auto it = symbols.find(pc);
            if (it == symbols.end()) continue;
            for (const Frame& f : it->second) {
                const bool focused =
                    std::any_of(focus().begin(), focus().end(),
                                [&](const std::string& p) { return f.file.rfind(p, 0) == 0; });
                if (focused) {
                    where = f;
                    break;
                }
            }
        }
        if (!where && e.op != Op::Failure) continue;
        // What the student's code did, plus the scenario's thread starts, joins and verdict:
        // the scenario's own bookkeeping (its atomics, its plain variables) is left out.
        const bool lifecycle = e.op == Op::Spawn || e.op == Op::Join || e.op == Op::Exit ||
                               e.op == Op::Sleep || e.op == Op::Failure;
        const bool students =
            where && !focus().empty() && where->file.rfind(focus().front(), 0) == 0;
        if (!lifecycle && !students && focus().size() > 1) continue;
        Step s;
        s.number = 0;
        s.thread = e.thread;
        s.operation = op_name(e.op);
        s.value = value_text(e);
        if (where) {
            s.where = shown_path(where->file) + ":" + std::to_string(where->line);
            s.source = source_line(where->file, where->line);
        }
        steps.push_back(std::move(s));
    }
    for (std::size_t i = 0; i < steps.size(); ++i) steps[i].number = static_cast<int>(i + 1);
    hidden = steps.size() > limit ? steps.size() - limit : 0;
    if (hidden > 0) steps.erase(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(hidden));
    return steps;
}

std::string table(const std::vector<Step>& steps, std::size_t hidden) {
    std::string out;
    char line[512];
    if (hidden > 0) {
        std::snprintf(line, sizeof line, "      (%zu earlier steps not shown)\n", hidden);
        out += line;
    }
    std::snprintf(line, sizeof line, "  %4s  %-6s  %-16s  %-22s  %s\n", "step", "thread",
                  "operation", "value", "where");
    out += line;
    int previous = -1;
    for (const Step& s : steps) {
        const char* mark = (previous >= 0 && s.thread != previous) ? ">" : " ";
        std::snprintf(line, sizeof line, "%s %4d  T%-5d  %-16s  %-22s  %s%s%s\n", mark, s.number,
                      s.thread, s.operation.c_str(), s.value.c_str(), s.where.c_str(),
                      s.source.empty() ? "" : "  ", s.source.c_str());
        out += line;
        previous = s.thread;
    }
    return out;
}

struct Arguments {
    std::string scenario;
    std::string replay;
    std::string json;
    int runs = 2000;
    double seconds = 8;
    int depth = 3;
    int bound = 2;
    int exhaustive_share = 50;
    std::uint64_t seed = 20261206;
    bool list = false;
    bool outcomes = false;
    bool stop_at_first_failure = false;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(
        stderr,
        "explore: %s\nusage: explore [--scenario NAME] [--replay TOKEN] [--runs N] [--seconds S]\n"
        "               [--depth D] [--bound B] [--seed S] [--json FILE] [--list] [--outcomes]\n",
        why);
    std::exit(2);
}

Arguments parse(int argc, char** argv) {
    Arguments a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage((arg + " needs a value").c_str());
            return argv[++i];
        };
        try {
            if (arg == "--scenario")
                a.scenario = value();
            else if (arg == "--replay")
                a.replay = value();
            else if (arg == "--json")
                a.json = value();
            else if (arg == "--runs")
                a.runs = std::stoi(value());
            else if (arg == "--seconds")
                a.seconds = std::stod(value());
            else if (arg == "--depth")
                a.depth = std::stoi(value());
            else if (arg == "--bound")
                a.bound = std::stoi(value());
            else if (arg == "--exhaustive-share")
                a.exhaustive_share = std::stoi(value());
            else if (arg == "--seed")
                a.seed = std::stoull(value());
            else if (arg == "--list")
                a.list = true;
            else if (arg == "--outcomes")
                a.outcomes = true;
            else if (arg == "--stop-at-first-failure")
                a.stop_at_first_failure = true;
            else
                usage(("unknown option " + arg).c_str());
        } catch (const std::exception&) {
            usage((arg + " needs a number").c_str());
        }
    }
    return a;
}

}  // namespace

}  // namespace explore

int main(int argc, char** argv) {
    using namespace explore;
    // One malloc arena for every thread: the scheduler runs one thread at a time, and each
    // worker process would otherwise map a new arena for each thread it starts.
    mallopt(M_ARENA_MAX, 1);
    prepare();
    // A worker that ended makes writing its next job fail (EPIPE), not end the explorer.
    signal(SIGPIPE, SIG_IGN);
    const Arguments args = parse(argc, argv);
    std::vector<const Scenario*> chosen;
    for (const Scenario& s : scenarios()) {
        if (args.list) std::printf("%s  %s\n", s.name, s.description);
        if (args.scenario.empty() || args.scenario == s.name) chosen.push_back(&s);
    }
    if (args.list) return 0;
    if (chosen.empty()) usage(("no scenario named " + args.scenario).c_str());
    if (!args.replay.empty() && chosen.size() != 1) usage("--replay needs --scenario NAME");
    if (args.outcomes) {
        int rc = 0;
        const Budget budget{std::chrono::steady_clock::now() +
                                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(args.seconds)),
                            args.runs};
        nlohmann::json report = {{"format_version", 1}, {"scenarios", nlohmann::json::array()}};
        for (const Scenario* s : chosen) {
            int runs = 0;
            bool complete = false;
            std::vector<SeenOutcome> outcomes;
            // Each outcome's witness again, in a fresh process, with its steps: what a student
            // who missed this outcome reads.
            std::vector<RunResult> witnesses;
            while (true) {
                outcomes = enumerate_outcomes(*s, budget, runs, complete);
                witnesses.clear();
                bool same = true;
                for (const SeenOutcome& o : outcomes) {
                    witnesses.push_back(run_once(*s, Schedule::switches(o.witness), true));
                    same = same && outcome_of(witnesses.back()) == o.text;
                }
                if (same || !g_reuse) break;
                // The code kept state from one run to the next: a fresh process for every run.
                g_reuse = false;
            }
            if (!complete) rc = 3;
            std::printf("%s: %zu outcome%s over %d schedules%s\n", s->name, outcomes.size(),
                        outcomes.size() == 1 ? "" : "s", runs,
                        complete ? " (every schedule)" : " (budget spent: there may be more)");
            nlohmann::json entry = {{"name", s->name},
                                    {"description", s->description},
                                    {"schedules", runs},
                                    {"complete", complete},
                                    {"outcomes", nlohmann::json::array()}};
            // Outcomes only a weak memory order gives (relaxed atomics): no interleaving
            // reaches them, so the enumeration cannot; the scenario names them.
            nlohmann::json relaxed = nlohmann::json::array();
            if (s->options.relaxed_outcomes != nullptr) {
                std::stringstream in(s->options.relaxed_outcomes);
                for (std::string item; std::getline(in, item, '|');) {
                    if (!item.empty()) relaxed.push_back(item);
                }
            }
            if (!relaxed.empty()) {
                entry["relaxed_outcomes"] = relaxed;
                for (const auto& item : relaxed)
                    std::printf("  %-30s relaxed atomics only: no interleaving\n",
                                item.get<std::string>().c_str());
            }
            for (std::size_t i = 0; i < outcomes.size(); ++i) {
                const SeenOutcome& o = outcomes[i];
                const RunResult& witness = witnesses[i];
                const std::string token = token_of(o.witness);
                std::printf("  %-30s %6d schedules, e.g. --replay %s\n", o.text.c_str(),
                            o.schedules, token.c_str());
                std::size_t hidden = 0;
                nlohmann::json steps = nlohmann::json::array();
                for (const Step& st : steps_of(witness, 40, hidden)) {
                    steps.push_back({{"step", st.number},
                                     {"thread", st.thread},
                                     {"operation", st.operation},
                                     {"value", st.value},
                                     {"where", st.where},
                                     {"source", st.source}});
                }
                entry["outcomes"].push_back({{"outcome", o.text},
                                             {"schedules", o.schedules},
                                             {"replay", token},
                                             {"steps_hidden", hidden},
                                             {"steps", steps}});
            }
            report["scenarios"].push_back(std::move(entry));
        }
        const std::string text =
            report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
        if (!args.json.empty()) std::ofstream(args.json) << text << "\n";
        kata_support::send_block("outcomes", text);
        kata_support::send_record("finished");
        retire_worker();
        return rc;
    }

    nlohmann::json report = {{"format_version", 1}, {"scenarios", nlohmann::json::array()}};
    bool any_failed = false;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t index = 0; index < chosen.size(); ++index) {
        const Scenario& s = *chosen[index];
        SearchResult result;
        if (!args.replay.empty()) {
            std::string error;
            const auto schedule = schedule_of_token(args.replay, error);
            if (!schedule) usage(error.c_str());
            RunResult r = run_once(s, *schedule, true);
            result.schedules = 1;
            if (is_failure(r.outcome)) {
                result.failure = std::move(r);
                result.found_by = "replay " + args.replay;
            }
        } else {
            // What is left of the time budget is shared by the scenarios still to run.
            const auto left = std::chrono::duration<double>(args.seconds) -
                              (std::chrono::steady_clock::now() - start);
            const auto share = left / static_cast<double>(chosen.size() - index);
            g_run_deadline = std::chrono::steady_clock::now() +
                             std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 share + std::chrono::seconds(1));
            Budget budget{
                std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(share),
                args.runs};
            result =
                search(s, budget, args.bound, args.depth, args.seed + index, args.exhaustive_share);
            if (result.failure && g_reuse && result.failure->outcome != Outcome::Livelock) {
                // Found in a reused worker: the same schedule must fail in a fresh process too,
                // else the code kept state from one run to the next, and the search starts
                // over with a fresh process for every run.
                const RunResult fresh =
                    run_once(s, Schedule::switches(switches_of(result.failure->decisions)), true);
                if (!is_failure(fresh.outcome)) {
                    g_reuse = false;
                    budget.end =
                        std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(share);
                    g_run_deadline = budget.end + std::chrono::seconds(1);
                    result = search(s, budget, args.bound, args.depth, args.seed + index,
                                    args.exhaustive_share);
                }
            }
        }
        nlohmann::json entry = {{"name", s.name},
                                {"description", s.description},
                                {"schedules", result.schedules},
                                {"unfinished", result.unfinished},
                                {"exhausted", result.exhausted},
                                {"seconds", result.seconds}};
        std::printf("%s %s: %s (%d schedules%s, %.1f s)\n", result.failure ? "FAIL" : "ok  ",
                    s.name, s.description, result.schedules,
                    result.exhausted ? ", every one with at most 2 preemptions" : "",
                    result.seconds);
        if (result.failure) {
            any_failed = true;
            int tries = 0;
            // A run that never ends is not shrunk or replayed: each try would take seconds.
            const bool endless = result.failure->outcome == Outcome::Livelock;
            RunResult shrunk = args.replay.empty() && !endless
                                   ? shrink(s, *result.failure, 300, tries)
                                   : *result.failure;
            if (shrunk.events.empty() && !endless) {
                shrunk = run_once(s, Schedule::switches(switches_of(shrunk.decisions)), true);
            }
            const std::string token = token_of(switches_of(shrunk.decisions));
            std::size_t hidden = 0;
            const auto steps = endless ? std::vector<Step>{} : steps_of(shrunk, 30, hidden);
            const std::string shown = endless ? std::string() : table(steps, hidden);
            if (endless) {
                shrunk.message =
                    "no schedule of this scenario ever ended: the code loops (or waits) without "
                    "end whatever the order of its threads (" +
                    shrunk.message + ")";
            }
            std::printf("  %s: %s\n", outcome_name(shrunk.outcome), shrunk.message.c_str());
            if (!endless) {
                std::printf(
                    "  found by %s after %d schedules (%.2f s); shortened to %zu "
                    "preemption(s):\n",
                    result.found_by.c_str(), result.schedules, result.seconds_to_failure,
                    switches_of(shrunk.decisions).size());
                std::fputs(shown.c_str(), stdout);
                std::printf("  replay: ./kata explore %s --scenario %s --replay %s\n",
                            kata_id().c_str(), s.name, token.c_str());
            }
            nlohmann::json rows = nlohmann::json::array();
            for (const Step& st : steps) {
                rows.push_back({{"step", st.number},
                                {"thread", st.thread},
                                {"operation", st.operation},
                                {"value", st.value},
                                {"where", st.where},
                                {"source", st.source}});
            }
            entry["failure"] = {{"outcome", outcome_name(shrunk.outcome)},
                                {"message", shrunk.message},
                                {"found_by", result.found_by},
                                {"seconds_to_failure", result.seconds_to_failure},
                                {"replay", token},
                                {"steps_hidden", hidden},
                                {"steps", rows},
                                {"table", shown}};
        }
        report["scenarios"].push_back(entry);
        // Only whether anything fails is asked (the grader's fail-fast mode): the rest can wait.
        if (any_failed && args.stop_at_first_failure) break;
    }
    const std::string text = report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!args.json.empty()) {
        std::ofstream out(args.json);
        out << text << "\n";
    }
    // The grader reads the report from its results channel only (support/result_channel.hpp).
    kata_support::send_block("explore", text);
    kata_support::send_record("finished");
    retire_worker();
    return any_failed ? 1 : 0;
}
