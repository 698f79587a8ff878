#pragma once
// Kata 07 - graceful shutdown. Read README.md in this folder first.
//
// Write a downloader that stops on request. download_all() fetches every URL into options.dir
// with at most options.max_parallel requests open, a deadline on each request, retries with
// backoff, progress lines at most options.progress_per_second times a second, and each file
// written under a temporary name and renamed only when complete. On SIGINT or SIGTERM it takes
// no new work, gives the requests in flight options.drain_deadline to finish, cancels the rest,
// reports every URL exactly once and returns; a second signal cancels at once.
#include <kata/sim_downloads.hpp>

#include <string>
#include <vector>

/// The handler the harness installs for SIGINT and SIGTERM while download_all() runs (as a
/// program's main() would). It may run on any thread, between any two instructions of your
/// code, even while that thread holds one of your locks: do only async-signal-safe work (a
/// lock-free std::atomic, write() to a pipe). Never lock, print, allocate or call the reporter.
inline void on_shutdown_signal(int signo) {
    // TODO: count the signal (the second one means "cancel now") and wake download_all().
    (void)signo;
}

/// Downloads every URL of `urls` into options.dir and reports each one exactly once to
/// `reporter` (done, failed or cancelled); see README.md for the whole contract. Everything it
/// starts is finished and joined when it returns.
inline void download_all(kata::dl::Server& server, const std::vector<std::string>& urls,
                         const kata::dl::Options& options, kata::dl::Reporter& reporter) {
    // TODO. Useful pieces:
    //   kata::dl::Result r = server.get(url, deadline, cancel_flag,
    //                                   [&](std::string_view chunk) { /* write it */ });
    //   std::filesystem::rename(options.dir / "x.part", options.dir / kata::dl::file_name(url));
    //   ::pipe2(fds, O_CLOEXEC | O_NONBLOCK); ::poll(...); ::write(fd, &byte, 1);
    (void)server;
    (void)urls;
    (void)options;
    (void)reporter;
}
