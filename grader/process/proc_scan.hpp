#pragma once
/// Readings of /proc: which processes exist, their parents, groups, threads and memory. Every
/// watchdog and every stop of the runner looks through here; nothing here sends a signal.

#include <sys/types.h>

#include <chrono>
#include <vector>

namespace interleave {

/// One process as /proc/<pid>/stat shows it.
struct ProcEntry {
    pid_t pid = 0;
    char state = 0;  ///< 'R', 'S', 'Z' (a zombie only waits to be reaped) ...
    pid_t ppid = 0;
    pid_t pgrp = 0;
    long threads = 1;
    long long rss_bytes = 0;
};

/// Every process of the machine (of this PID namespace), read once.
std::vector<ProcEntry> scan_processes();

/// Threads (tasks) that belong to `uid`: what RLIMIT_NPROC counts.
long count_user_tasks(uid_t uid);

/// The processes in process group `pgid` and their resident memory, read from /proc.
struct GroupUsage {
    int processes = 0;
    long long rss_bytes = 0;
};
GroupUsage process_group_usage(pid_t pgid);

/// Whether a live process of group `pgid` is left (a zombie is not).
bool group_alive(pid_t pgid);

/// Group `pgid` and the process groups of every descendant of its processes. A build tool may
/// put what it starts in groups of their own (ninja runs each compiler so), out of reach of a
/// signal to the tool's group; they are listed so that a stop reaches them too.
std::vector<pid_t> groups_of_tree(pid_t pgid);

/// Polls until no group of `pgids` is alive or `until` passes; returns the groups still alive.
std::vector<pid_t> wait_until_gone(std::vector<pid_t> pgids,
                                   std::chrono::steady_clock::time_point until);

}  // namespace interleave
