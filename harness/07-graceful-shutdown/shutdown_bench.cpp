// Kata 07 timing: how promptly download_all() returns after SIGINT, against what it had to wait
// for. Each repetition runs two kinds of shutdown three times each, with the signal sent from
// inside a chosen request's start:
//   - work-bound: short files (10 to 30 ms) and a long drain deadline (200 ms): the requests in
//     flight finish long before the deadline, so the call should return as they do;
//   - deadline-bound: files of half a second and a drain deadline of 40 ms: the call should
//     return at the deadline.
// The bound of one shutdown, computed in the same run from what the server knows, is
//     min(drain deadline, time the requests in flight at the signal still needed unhindered),
// and the graded counter "shutdown_over_bound" is the sum of the times from the signal to the
// return over the sum of the bounds. 1.0 is a program that returns the moment its last request
// ends (or the deadline passes); one that waits out the whole deadline while nothing runs any
// more lands near 3.
#include "downloader.hpp"

#include <kata/sim_downloads.hpp>

#include <benchmark/benchmark.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

namespace {

using namespace kata::dl;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Shutdown {
    std::int64_t took_us = 0;   ///< from the first handler call to the return
    std::int64_t bound_us = 0;  ///< min(drain deadline, work in flight at the signal)
    bool ok = false;
};

Shutdown one_shutdown(bool work_bound, int round) {
    ServerConfig cfg;
    cfg.seed = 100 + static_cast<std::uint64_t>(round);
    cfg.url_count = 40;
    cfg.min_chunks = work_bound ? 10 : 90;
    cfg.max_chunks = work_bound ? 30 : 100;
    cfg.chunk_latency = work_bound ? 1000us : 5000us;
    Options opt;
    opt.max_parallel = 4;
    opt.request_timeout = 2000ms;
    opt.drain_deadline = work_bound ? 200ms : 40ms;
    opt.progress_per_second = 50;
    opt.dir = fs::current_path() / ("gs-bench-" + std::to_string(round) + (work_bound ? "w" : "d"));
    std::error_code ec;
    fs::remove_all(opt.dir, ec);
    fs::create_directories(opt.dir);

    Server server(cfg);
    Reporter reporter(server);
    server.signal_at_start(work_bound ? 9 : 4, SIGINT);
    Shutdown s;
    {
        SignalScope scope(&on_shutdown_signal);
        download_all(server, server.urls(), opt, reporter);
        const std::int64_t ret = server.now_us();
        if (SignalScope::calls() == 0) return s;
        const std::int64_t sig = server.mono_to_us(SignalScope::first_entry_ns());
        const std::uint64_t exit_seq = SignalScope::first_exit_seq();
        std::int64_t work = 0;
        for (std::size_t i = 0; i < cfg.url_count; ++i) {
            for (const auto& a : server.attempt_log(i)) {
                const bool in_flight = a.seq < exit_seq && a.end_us >= sig;
                if (in_flight || a.seq > exit_seq)
                    work = std::max(work, a.start_us + a.nominal_us - sig);
            }
        }
        s.took_us = ret - sig;
        s.bound_us = std::max<std::int64_t>(
            1000, std::min<std::int64_t>(opt.drain_deadline.count() * 1000, work));
        s.ok = reporter.outcomes().size() == cfg.url_count;
    }
    fs::remove_all(opt.dir, ec);
    return s;
}

void BM_ShutdownLatency(benchmark::State& state) {
    for (auto _ : state) {
        std::int64_t took = 0, bound = 0, took_work = 0, bound_work = 0;
        for (int round = 0; round < 6; ++round) {
            const bool work_bound = round % 2 == 0;
            const Shutdown s = one_shutdown(work_bound, round);
            if (!s.ok) {
                state.SkipWithError("download_all() did not report every URL exactly once");
                return;
            }
            took += s.took_us;
            bound += s.bound_us;
            if (work_bound) {
                took_work += s.took_us;
                bound_work += s.bound_us;
            }
        }
        state.counters["shutdown_over_bound"] =
            static_cast<double>(took) / static_cast<double>(bound);
        state.counters["work_bound_ratio"] =
            static_cast<double>(took_work) / static_cast<double>(bound_work);
        state.counters["deadline_bound_ratio"] =
            static_cast<double>(took - took_work) / static_cast<double>(bound - bound_work);
        state.counters["signal_to_return_ms"] = static_cast<double>(took) / 6000.0;
    }
}

BENCHMARK(BM_ShutdownLatency)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
