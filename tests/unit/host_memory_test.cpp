// The memory a student run may use follows the host's: the machine's MemTotal, or the limit of
// the cgroup the grader runs in (Gradescope's 768 MB container), whichever is smaller.
#include "process/host_memory.hpp"

#include <gtest/gtest.h>

namespace interleave {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

TEST(HostMemory, ReadsMemTotal) {
    EXPECT_EQ(meminfo_total_bytes("MemTotal:       24576000 kB\nMemFree:  1 kB\n"),
              std::uint64_t{24576000} * 1024);
    EXPECT_FALSE(meminfo_total_bytes("MemFree: 1 kB\n").has_value());
}

TEST(HostMemory, ReadsCgroupLimits) {
    EXPECT_EQ(cgroup_limit_bytes("805306368\n"), std::uint64_t{805306368});
    EXPECT_FALSE(cgroup_limit_bytes("max\n").has_value());                  // v2, no limit
    EXPECT_FALSE(cgroup_limit_bytes("9223372036854771712\n").has_value());  // v1, no limit
    EXPECT_FALSE(cgroup_limit_bytes("").has_value());
}

TEST(HostMemory, FindsTheLimitFilesOfItsCgroupAndEveryParent) {
    const auto v1 = cgroup_memory_limit_files("5:cpu,cpuacct:/x\n4:memory:/grader/job\n", "/cg");
    EXPECT_EQ(v1, (std::vector<std::string>{"/cg/memory/grader/job/memory.limit_in_bytes",
                                            "/cg/memory/grader/memory.limit_in_bytes",
                                            "/cg/memory/memory.limit_in_bytes"}));
    const auto v2 = cgroup_memory_limit_files("0::/box\n", "/cg");
    EXPECT_EQ(v2, (std::vector<std::string>{"/cg/box/memory.max", "/cg/unified/box/memory.max",
                                            "/cg/memory.max", "/cg/unified/memory.max"}));
}

TEST(HostMemory, CapsAStudentRunAtHalfTheRoom) {
    // Gradescope's default container: 768 MB, so 384 MiB instead of the default 2048.
    EXPECT_EQ(capped_memory_limit(2048 * kMiB, 768 * kMiB), 384 * kMiB);
    // A big machine leaves the request alone; an unknown room too.
    EXPECT_EQ(capped_memory_limit(2048 * kMiB, 24576 * kMiB), 2048 * kMiB);
    EXPECT_EQ(capped_memory_limit(2048 * kMiB, 0), 2048 * kMiB);
    // Never below 64 MiB, however small the room.
    EXPECT_EQ(capped_memory_limit(2048 * kMiB, 32 * kMiB), 64 * kMiB);
}

TEST(HostMemory, TheRoomOfThisHostIsKnown) {
    EXPECT_GT(host_memory_room(), 64 * kMiB);
}

}  // namespace
}  // namespace interleave
