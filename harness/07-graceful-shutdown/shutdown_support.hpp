#pragma once
// Kata 07 harness support: run download_all() on its own thread (the "program"), with the
// student's handler installed for SIGINT and SIGTERM, send signals at controlled moments, and
// check everything the contract promises from what the server, the reporter, the handler
// trampoline and the directory say.
#include "downloader.hpp"

#include <kata/sim_downloads.hpp>
#include <kata/stress.hpp>

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace gs {

namespace fs = std::filesystem;
using kata::dl::Error;
using kata::dl::Options;
using kata::dl::Reporter;
using kata::dl::Server;
using kata::dl::ServerConfig;
using kata::dl::SignalScope;

/// Extra time, past the drain deadline, for a cancelled request to end and download_all() to
/// return (joins, file removals): generous, because the mutants it must catch are late by
/// hundreds of milliseconds.
constexpr std::int64_t kSlackUs = 150000;

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define GS_SANITIZED_BUILD 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define GS_SANITIZED_BUILD 1
#endif
#ifdef GS_SANITIZED_BUILD
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

/// A request that starts after the handler ran is excused only when it starts this soon after
/// it, and only one per worker: a worker caught between its check of the flag and its request.
/// Not less: on two busy cores a worker can lose the processor for several milliseconds right
/// after its check (the trial measured 4.5 and 7.8 ms for correct designs). A retry that waits
/// out its backoff and starts after the signal is caught by a test of its own, where no worker
/// is between a check and a request.
constexpr std::int64_t kExcusedStartUs = kSanitized ? 50000 : 25000;

/// How long the harness waits for download_all() to start its first request before it decides
/// that nothing will be downloaded (and sends no signal).
constexpr std::chrono::milliseconds kFirstRequestWait{200};

/// Fails the test with `problem` (one line in words) as the last line of the message, the line
/// the grader shows; `context` (the round, the moment of the signal) goes before it.
#define GS_EXPECT_OK(problem_expr, context)                           \
    do {                                                              \
        const std::string gs_problem_ = (problem_expr);               \
        EXPECT_TRUE(gs_problem_.empty()) << (context) << gs_problem_; \
    } while (0)

/// Sends `signo` to the process, but only while the harness's handler is installed for it:
/// if download_all() installed its own (or SIG_DFL), the signal could kill the test binary.
inline bool send_signal(int signo) {
    if (!SignalScope::installed(signo)) return false;
    ::kill(::getpid(), signo);
    return true;
}

/// Waits until download_all() has started a request, has returned, or `limit` has passed.
/// True when a request started.
inline bool wait_first_request(const Server& server, const std::atomic<bool>& returned,
                               std::chrono::milliseconds limit = kFirstRequestWait) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (server.started() == 0 && !returned.load() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    return server.started() > 0;
}

/// How the test thread disturbs a run while download_all() is running.
struct Plan {
    std::int64_t signal_at_start = 0;  ///< > 0: the k-th request sends `hook_signal` on start
    int hook_signal = SIGINT;
    /// Runs on the test thread while the program runs (may send signals, hold locks...);
    /// `returned` becomes true when download_all() returns.
    std::function<void(Server&, const std::atomic<bool>& returned)> during;
    std::chrono::milliseconds give_up{4000};  ///< bounded wait for download_all() to return
};

/// Everything one run measured. Shared with the program thread, so that a download_all() that
/// never returns cannot leave it pointing at freed memory.
struct Run {
    std::unique_ptr<Server> server;
    std::unique_ptr<Reporter> reporter;
    Options opt;
    fs::path dir;
    std::int64_t call_us = 0;
    std::int64_t return_us = -1;  ///< -1: did not return within Plan::give_up
    std::atomic<bool> returned{false};
    bool usable = false;  ///< returned, and started at least one request: judge it
    int threads_before = 0;
    int threads_after = 0;
    std::int64_t in_flight_after = 0;
    // The handler, as the trampoline saw it.
    int handler_calls = 0;
    std::int64_t first_signal_us = -1;
    std::uint64_t first_signal_exit_seq = 0;
    std::int64_t first_signal_exit_us = -1;  ///< when the first handler call returned
    std::int64_t second_signal_us = -1;
    std::int64_t max_handler_us = 0;
    int handler_harness_calls = 0;
    std::string handler_first_harness_call;
    int handler_unsafe_calls = 0;
    std::string handler_first_unsafe_call;
    bool handler_tampered = false;
    int handler_replaced_disposition = 0;  ///< a signal whose handler the handler replaced
    bool harness_handler_gone = false;     ///< download_all() replaced the harness's handler
    bool signal_refused = false;           ///< a planned signal was not sent (see send_signal)
    int detached = 0;                      ///< pthread_detach calls during the run (release)
    std::vector<Reporter::Outcome> outcomes;
    std::vector<Reporter::Line> lines;
    std::vector<std::int64_t> by_url;  ///< outcome index per URL, -1 none, -2 several
    std::size_t unknown = 0;
    std::int64_t late_calls = 0;
};

inline fs::path fresh_dir(const std::string& name) {
    static int counter = 0;
    const fs::path dir = fs::current_path() / ("gs-" + name + "-" + std::to_string(++counter));
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir);
    return dir;
}

inline std::shared_ptr<Run> run_download(const std::string& name, ServerConfig cfg, Options opt,
                                         Plan plan = {}) {
    auto run = std::make_shared<Run>();
    run->server = std::make_unique<Server>(cfg);
    run->reporter = std::make_unique<Reporter>(*run->server);
    run->dir = fresh_dir(name);
    opt.dir = run->dir;
    run->opt = opt;
    run->server->watch_dir(run->dir);
    if (plan.signal_at_start > 0)
        run->server->signal_at_start(plan.signal_at_start, plan.hook_signal);

    auto* scope = new SignalScope(&on_shutdown_signal);
    run->threads_before = kata::dl::process_thread_count();
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> returned = done->get_future();
    run->call_us = run->server->now_us();
    kata::dl::detail::g_detached.store(0);
    std::thread program([run, done] {
        download_all(*run->server, run->server->urls(), run->opt, *run->reporter);
        run->return_us = run->server->now_us();
        run->returned.store(true);
        done->set_value();
    });
    if (plan.during) plan.during(*run->server, run->returned);
    // A download_all() that starts nothing and does not return either is given up on sooner.
    const bool started = wait_first_request(*run->server, run->returned, std::chrono::seconds(1));
    const bool worth_waiting = started || run->returned.load();
    if (returned.wait_for(worth_waiting ? plan.give_up : std::chrono::milliseconds(0)) !=
        std::future_status::ready) {
        // Leave the program thread (and the handler) in place: it still uses them.
        program.detach();
        if (!started)
            ADD_FAILURE() << "download_all() started no request within 1 s and did not return "
                             "either: is download_all() written yet? (No signal was sent.)";
        else
            ADD_FAILURE() << "download_all() did not return within " << plan.give_up.count()
                          << " ms"
                          << (SignalScope::calls() > 0 ? " of the start (a signal had been sent)"
                                                       : "")
                          << ". It must return once every URL is done, failed or cancelled; after "
                             "a signal, within the drain deadline plus a little. Likely causes: a "
                             "wait nobody wakes, a request started without a deadline, a join on "
                             "a thread that never ends.";
        return run;
    }
    program.join();
    run->detached = kata::dl::detail::g_detached.load();
    run->harness_handler_gone = !SignalScope::installed(SIGINT) || !SignalScope::installed(SIGTERM);
    run->threads_after = kata::dl::settled_thread_count(run->threads_before);
    run->in_flight_after = run->server->in_flight();
    run->handler_calls = SignalScope::calls();
    if (run->handler_calls > 0) {
        run->first_signal_us = run->server->mono_to_us(SignalScope::first_entry_ns());
        run->first_signal_exit_seq = SignalScope::first_exit_seq();
        run->first_signal_exit_us = run->server->mono_to_us(SignalScope::first_exit_ns());
    }
    if (run->handler_calls > 1)
        run->second_signal_us = run->server->mono_to_us(SignalScope::second_entry_ns());
    run->max_handler_us = SignalScope::max_duration_ns() / 1000;
    run->handler_harness_calls = SignalScope::harness_calls();
    run->handler_first_harness_call = SignalScope::first_harness_call();
    run->handler_unsafe_calls = SignalScope::unsafe_calls();
    run->handler_first_unsafe_call = SignalScope::first_unsafe_call();
    run->handler_tampered = SignalScope::marker_tampered();
    run->handler_replaced_disposition = SignalScope::disposition_replaced();
    run->signal_refused = run->server->hook_refused();
    delete scope;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    run->reporter->close();
    run->outcomes = run->reporter->outcomes();
    run->lines = run->reporter->lines();
    run->late_calls = run->reporter->calls_after_close();
    run->by_url.assign(cfg.url_count, -1);
    for (std::size_t k = 0; k < run->outcomes.size(); ++k) {
        const std::int64_t i = run->outcomes[k].url_index;
        if (i < 0 || i >= static_cast<std::int64_t>(cfg.url_count)) {
            ++run->unknown;
            continue;
        }
        auto& slot = run->by_url[static_cast<std::size_t>(i)];
        slot = slot == -1 ? static_cast<std::int64_t>(k) : -2;
    }
    run->usable = true;
    if (run->server->started() == 0) {
        run->usable = false;
        ADD_FAILURE() << "download_all() returned without starting a single request "
                         "(server.get() was never called)"
                      << (plan.signal_at_start > 0 || plan.during ? ", so no signal was sent either"
                                                                  : "")
                      << ": is download_all() written yet?";
    }
    return run;
}

inline const Reporter::Outcome* outcome_of(const Run& run, std::size_t i) {
    const std::int64_t k = run.by_url[i];
    return k < 0 ? nullptr : &run.outcomes[static_cast<std::size_t>(k)];
}

inline const char* kind_name(Reporter::Kind k) {
    return k == Reporter::Kind::done     ? "done"
           : k == Reporter::Kind::failed ? "failed"
                                         : "cancelled";
}

inline std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::string ms(std::int64_t us) {
    return kata::for_people(static_cast<double>(us) / 1000.0) + " ms";
}

// ---------------------------------------------------------------------------------------------
// Checks. Each returns "" when the promise holds, otherwise what went wrong in words.
// ---------------------------------------------------------------------------------------------

/// Every URL reported exactly once.
inline std::string exactly_once(const Run& run) {
    std::size_t missing = 0, twice = 0;
    std::string example;
    for (std::size_t i = 0; i < run.by_url.size(); ++i) {
        if (run.by_url[i] == -1) ++missing;
        if (run.by_url[i] == -2) ++twice;
        if (run.by_url[i] < 0 && example.empty()) example = run.server->urls()[i];
    }
    if (missing == 0 && twice == 0 && run.unknown == 0) return "";
    std::ostringstream out;
    out << "of " << run.by_url.size() << " URLs, " << missing << " were never reported and "
        << twice << " were reported more than once";
    if (!example.empty()) out << " (for example " << example << ")";
    if (run.unknown > 0) out << "; " << run.unknown << " reports name a URL that was never given";
    out << ". Every URL must be reported exactly once: done, failed, or cancelled (a shutdown "
           "reports the URLs it never started, or stopped, as cancelled)";
    if (missing == run.by_url.size()) out << " (nothing was reported at all: is it written yet?)";
    return out.str();
}

/// The directory holds exactly the files reported done, each complete and exact.
inline std::string disk_matches_reports(const Run& run) {
    std::ostringstream out;
    std::set<std::string> expected;
    for (std::size_t i = 0; i < run.by_url.size(); ++i) {
        const Reporter::Outcome* o = outcome_of(run, i);
        const std::string name = kata::dl::file_name(run.server->urls()[i]);
        const fs::path path = run.dir / name;
        const bool exists = fs::exists(path);
        if (o != nullptr && o->kind == Reporter::Kind::done) {
            expected.insert(name);
            if (!exists) {
                out << name << " was reported done but is not in the folder under its final "
                    << "name (rename the temporary file before reporting). ";
                break;
            }
            const std::string body = read_file(path);
            const std::string want = run.server->expected_body(i);
            if (body != want) {
                out << name << " holds " << body.size() << " bytes, but the file is " << want.size()
                    << (body.size() == want.size() ? " bytes (different ones)" : " bytes")
                    << ": a file under its final name must be complete (write every chunk, flush "
                       "and close, then rename). ";
                break;
            }
        } else if (exists) {
            out << name << " exists under its final name although it was reported "
                << (o == nullptr ? "nowhere" : kind_name(o->kind)) << " (" << fs::file_size(path)
                << " of " << run.server->expected_body(i).size()
                << " bytes): only a complete file may take its final name. ";
            break;
        }
    }
    std::set<std::string> finals;
    for (const auto& u : run.server->urls()) finals.insert(kata::dl::file_name(u));
    for (const auto& entry : fs::directory_iterator(run.dir)) {
        const std::string name = entry.path().filename().string();
        if (expected.count(name) == 0 && finals.count(name) == 0) {
            out << "the folder still holds " << name
                << " after download_all() returned: the temporary file of a download that did "
                   "not complete must be removed. ";
            break;
        }
    }
    if (run.server->early_final_names() > 0) {
        const auto i =
            static_cast<std::size_t>(std::max<std::int64_t>(0, run.server->early_final_url()));
        out << run.server->early_final_names() << " times a file existed under its final name ("
            << kata::dl::file_name(run.server->urls()[i])
            << ") while its data was still arriving: a crash or a shutdown at that moment would "
               "leave a half-written file that looks finished. Write to a temporary name and "
               "rename it only when the file is complete.";
    }
    return out.str();
}

/// Nothing left running, no thread left, nothing reported after the return.
inline std::string clean_return(const Run& run) {
    std::ostringstream out;
    if (run.in_flight_after != 0)
        out << run.in_flight_after << " requests were still open when download_all() returned. ";
    if (run.threads_after > run.threads_before)
        out << "the process had " << run.threads_after - run.threads_before
            << " more threads after download_all() returned than before: join every thread you "
               "start. ";
    if (run.detached > 0)
        out << run.detached
            << " threads were detached during download_all(): join every thread you start (a "
               "detached worker may still be running, and using your objects, after the return). ";
    if (run.late_calls > 0)
        out << run.late_calls << " reporter calls came after download_all() returned. ";
    if (run.server->requests_without_deadline() > 0)
        out << run.server->requests_without_deadline() << " requests stalled for "
            << Server::kStallUs / 1000000
            << " s without hitting a deadline: give every request now + options.request_timeout. ";
    return out.str();
}

/// The handler did only async-signal-safe work (as far as the harness can see in every run).
inline std::string handler_behaved(const Run& run) {
    std::ostringstream out;
    if (run.harness_handler_gone || run.signal_refused)
        out << "download_all() replaced the harness's handler for SIGINT or SIGTERM (with "
               "sigaction() or signal())"
            << (run.signal_refused ? ", so the harness sent no signal" : "")
            << ": the harness installs on_shutdown_signal for you, as main() would, and restores "
               "the previous handler itself; leave the dispositions alone. ";
    if (run.handler_replaced_disposition != 0)
        out << "the signal handler replaced the handler of "
            << (run.handler_replaced_disposition == SIGINT ? "SIGINT" : "SIGTERM")
            << " (signal() or sigaction() inside it, to restore SIG_DFL and re-raise, say): that "
               "kills the program instead of shutting it down; a second signal must cancel what "
               "is in flight and let download_all() return. ";
    if (run.handler_tampered)
        out << "the signal handler changed the harness's bookkeeping "
               "(kata::dl::detail::t_in_handler): leave the harness's state alone. ";
    if (run.handler_unsafe_calls > 0)
        out << "the signal handler called " << run.handler_first_unsafe_call << " ("
            << run.handler_unsafe_calls
            << " calls that are not async-signal-safe from inside the handler): a handler may not "
               "lock a mutex, notify a condition variable or allocate memory; if the thread it "
               "interrupted holds that lock (or is inside malloc), it waits for ever. Set a "
               "lock-free std::atomic, write() a byte to a pipe, and do the rest on an ordinary "
               "thread. ";
    if (run.handler_harness_calls > 0)
        out << "the signal handler called " << run.handler_first_harness_call << " ("
            << run.handler_harness_calls
            << " harness calls from inside the handler): the reporter and the server lock and "
               "allocate, which a handler must never do; set a flag and wake a thread that does "
               "the work. ";
    if (run.max_handler_us > 50000)
        out << "one call of the signal handler took " << ms(run.max_handler_us)
            << ": a handler must never wait (no lock, no printing, no sleeping). ";
    return out.str();
}

/// Progress lines: at most progress_per_second a second (the last line, the totals, excepted),
/// never going backwards, and the last one equal to the totals.
inline std::string progress_ok(const Run& run) {
    std::ostringstream out;
    const auto& lines = run.lines;
    if (lines.empty())
        return "no progress line at all: report progress through reporter.progress()";
    const std::int64_t period = 1000000 / std::max(1, run.opt.progress_per_second);
    std::size_t too_close = 0;
    std::int64_t closest = INT64_MAX;
    for (std::size_t k = 1; k + 1 < lines.size(); ++k) {
        const std::int64_t gap = lines[k].at_us - lines[k - 1].at_us;
        closest = std::min(closest, gap);
        if (gap < period * 9 / 10) ++too_close;
    }
    if (too_close > 0)
        out << too_close << " of " << lines.size() << " progress lines came less than "
            << ms(period) << " after the previous one (the closest " << ms(closest)
            << " apart): at most " << run.opt.progress_per_second
            << " lines a second (only the final line may come sooner). Print from one place on a "
               "timer, not from each chunk. ";
    for (std::size_t k = 1; k < lines.size(); ++k) {
        if (lines[k].bytes < lines[k - 1].bytes || lines[k].files < lines[k - 1].files) {
            out << "progress went backwards: \"" << lines[k - 1].text << "\" then \""
                << lines[k].text << "\". ";
            break;
        }
    }
    std::size_t done = 0;
    for (const auto& o : run.outcomes)
        if (o.kind == Reporter::Kind::done) ++done;
    const auto& last = lines.back();
    if (last.files != done || last.bytes != run.server->delivered_bytes())
        out << "the last progress line says \"" << last.text << "\" but " << done
            << " files were done and the server delivered " << run.server->delivered_bytes()
            << " bytes: print a final line with the totals after the last worker finished. ";
    return out.str();
}

/// After the first signal: no new request (beyond one per worker that had already decided to
/// start one when the signal came), requests in flight ended by the deadline plus slack, and
/// download_all() returned by then.
inline std::string stopped_in_time(const Run& run) {
    std::ostringstream out;
    if (run.handler_calls == 0) {
        if (run.server->started() == 0) return "no request started, so no signal was sent";
        if (run.harness_handler_gone || run.signal_refused)
            return "the harness's handler never ran: download_all() installed its own with "
                   "sigaction() or signal(). The harness installs on_shutdown_signal for you; "
                   "leave SIGINT and SIGTERM alone";
        return "the harness's handler never ran: did download_all() install its own with "
               "sigaction()/signal(), or block SIGINT and SIGTERM? The harness installs "
               "on_shutdown_signal for you";
    }
    const std::int64_t sig = run.first_signal_us;
    const std::int64_t handler_exit = run.first_signal_exit_us;
    const std::int64_t bound = sig + run.opt.drain_deadline.count() * 1000 + kSlackUs;
    std::size_t after = 0, excused = 0;
    std::string after_example;
    std::int64_t after_us = 0;
    std::size_t late = 0;
    std::string late_example;
    for (std::size_t i = 0; i < run.by_url.size(); ++i) {
        for (const auto& a : run.server->attempt_log(i)) {
            if (a.seq > run.first_signal_exit_seq) {
                if (a.start_us <= handler_exit + kExcusedStartUs) {
                    ++excused;
                } else {
                    ++after;
                    if (after_example.empty()) {
                        after_example = kata::dl::file_name(run.server->urls()[i]);
                        after_us = a.start_us - handler_exit;
                    }
                }
            }
            if (a.end_us < 0 || a.end_us > bound) {
                ++late;
                if (late_example.empty()) late_example = kata::dl::file_name(run.server->urls()[i]);
            }
        }
    }
    if (after > 0 || excused > run.opt.max_parallel)
        out << after + excused << " requests started after the signal handler had run (for "
            << "example " << (after > 0 ? after_example : std::string("one"))
            << (after > 0 ? ", " + ms(after_us) + " after it" : std::string())
            << "; only one per worker, within " << ms(kExcusedStartUs)
            << " of the signal, is excused: a worker caught between its check and its request): "
               "after the first signal, take no new work and start no retry (check the flag "
               "before every request; a retry waiting out its backoff must wake up). ";
    if (late > 0)
        out << late << " requests (for example " << late_example << ") were still running "
            << ms(run.opt.drain_deadline.count() * 1000 + kSlackUs)
            << " after the first signal, whose drain deadline is "
            << ms(run.opt.drain_deadline.count() * 1000)
            << ": at the deadline, cancel what is still in flight (the cancel flag you pass to "
               "server.get()). ";
    if (run.return_us > bound)
        out << "download_all() returned " << ms(run.return_us - sig)
            << " after the first signal; the drain deadline is "
            << ms(run.opt.drain_deadline.count() * 1000)
            << ": it must return soon after the deadline at the latest. ";
    return out.str();
}

/// Requests in flight at the first signal that could finish before the deadline were allowed
/// to: each is reported done (not cancelled at once).
inline std::string in_flight_allowed_to_finish(const Run& run) {
    if (run.handler_calls == 0) return "";
    const std::int64_t sig = run.first_signal_us;
    const std::int64_t drain_end = sig + run.opt.drain_deadline.count() * 1000;
    std::size_t cut = 0;
    std::string example;
    for (std::size_t i = 0; i < run.by_url.size(); ++i) {
        const auto log = run.server->attempt_log(i);
        if (log.empty()) continue;
        const auto& a = log.back();
        const bool in_flight_at_signal = a.seq < run.first_signal_exit_seq && a.start_us <= sig &&
                                         (a.end_us < 0 || a.end_us >= sig);
        const bool could_finish = a.start_us + a.nominal_us + 20000 < drain_end;
        // Cut before the deadline: a request a busy machine slowed past the deadline may be
        // cancelled there (measured: 2 in 50 runs of the reference with one core busy).
        const bool cut_early = a.end_us >= 0 && a.end_us + 20000 < drain_end;
        const Reporter::Outcome* o = outcome_of(run, i);
        if (in_flight_at_signal && could_finish && cut_early && o != nullptr &&
            o->kind == Reporter::Kind::cancelled) {
            ++cut;
            if (example.empty()) example = kata::dl::file_name(run.server->urls()[i]);
        }
    }
    if (cut == 0) return "";
    std::ostringstream out;
    out << cut << " requests in flight at the signal (for example " << example
        << ") were cancelled although they needed far less than the drain deadline of "
        << ms(run.opt.drain_deadline.count() * 1000)
        << ": the first signal stops new work only; work in flight may finish until the deadline.";
    return out.str();
}

}  // namespace gs
