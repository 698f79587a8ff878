#include "process/proc_scan.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>

namespace interleave {

namespace {

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

}  // namespace

std::vector<ProcEntry> scan_processes() {
    static const long page = sysconf(_SC_PAGESIZE);
    std::vector<ProcEntry> out;
    for_each_process([&](int pid, const char* fields) {
        ProcEntry e;
        e.pid = pid;
        long long rss = 0;
        // state ppid pgrp ... num_threads is field 20 (the 18th from the state), rss field 24.
        if (std::sscanf(fields,
                        "%c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld %*d "
                        "%*u %*u %lld",
                        &e.state, &e.ppid, &e.pgrp, &e.threads, &rss) != 5)
            return;
        e.rss_bytes = rss * page;
        out.push_back(e);
    });
    return out;
}

long count_user_tasks(uid_t uid) {
    long tasks = 0;
    for (const auto& p : scan_processes()) {
        struct stat st {};
        if (stat(fmt::format("/proc/{}", p.pid).c_str(), &st) != 0 || st.st_uid != uid) continue;
        tasks += p.threads;
    }
    return tasks;
}

GroupUsage process_group_usage(pid_t pgid) {
    GroupUsage usage;
    for (const auto& p : scan_processes()) {
        if (p.pgrp != pgid || p.state == 'Z') continue;
        ++usage.processes;
        usage.rss_bytes += p.rss_bytes;
    }
    return usage;
}

bool group_alive(pid_t pgid) {
    if (kill(-pgid, 0) != 0 && errno == ESRCH) return false;
    return process_group_usage(pgid).processes > 0;
}

std::vector<pid_t> groups_of_tree(pid_t pgid) {
    std::map<pid_t, ProcEntry> table;
    for (const auto& p : scan_processes()) {
        if (p.state != 'Z') table[p.pid] = p;
    }
    std::set<pid_t> in_tree;
    std::vector<pid_t> frontier;
    for (const auto& [pid, e] : table) {
        if (e.pgrp == pgid) frontier.push_back(pid);
    }
    while (!frontier.empty()) {
        const pid_t pid = frontier.back();
        frontier.pop_back();
        if (!in_tree.insert(pid).second) continue;
        for (const auto& [child, e] : table) {
            if (e.ppid == pid) frontier.push_back(child);
        }
    }
    std::set<pid_t> groups{pgid};
    for (const pid_t pid : in_tree) groups.insert(table[pid].pgrp);
    return {groups.begin(), groups.end()};
}

std::vector<pid_t> wait_until_gone(std::vector<pid_t> pgids,
                                   std::chrono::steady_clock::time_point until) {
    for (;;) {
        std::erase_if(pgids, [](pid_t g) { return !group_alive(g); });
        if (pgids.empty() || std::chrono::steady_clock::now() >= until) return pgids;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace interleave
