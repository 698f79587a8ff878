#pragma once
/// How much memory the grader and the student code it runs may use in all on this host: the
/// machine's memory, or less when the grader runs in a container (a cgroup with a memory
/// limit: Gradescope's default container has 768 MB). A student run's memory watchdog must fire
/// well below that, or a memory-hungry submission gets the kernel's OOM killer, which may take
/// the grader with it instead of giving a verdict.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace interleave {

/// MemTotal of a /proc/meminfo text, in bytes; nullopt when absent.
std::optional<std::uint64_t> meminfo_total_bytes(std::string_view meminfo);

/// A cgroup memory limit file's value (v2 memory.max: a number or "max"; v1
/// memory.limit_in_bytes: a number, a huge one when unlimited); nullopt for no limit.
std::optional<std::uint64_t> cgroup_limit_bytes(std::string_view text);

/// The files that may hold this process's memory limits, its own cgroup's first, then each
/// parent's up to the root, from a /proc/self/cgroup text: for v1 (the "memory" controller)
/// `<root>/memory/<path>/memory.limit_in_bytes`, for v2 (`0::<path>`)
/// `<root>/<path>/memory.max` (and `<root>/unified/...` where v2 is mounted beside v1).
std::vector<std::string> cgroup_memory_limit_files(std::string_view proc_self_cgroup,
                                                   std::string_view cgroup_root = "/sys/fs/cgroup");

/// The smallest of MemTotal and every cgroup limit above this process, in bytes; 0 when
/// none can be read. Read once and cached.
std::uint64_t host_memory_room();

/// The resident-memory limit a student run gets: `requested_bytes`, but at most half of
/// `room_bytes` (the grader, the compiler's cache and the page cache need the rest); a room of
/// 0 (unknown) leaves the request as it is. Never below 64 MiB.
std::uint64_t capped_memory_limit(std::uint64_t requested_bytes, std::uint64_t room_bytes);

}  // namespace interleave
