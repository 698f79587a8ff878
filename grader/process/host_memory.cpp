#include "process/host_memory.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace interleave {
namespace {

std::string read_small_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
    s = trim(s);
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end == s.data()) return std::nullopt;
    return value;
}

/// "/a/b/c" -> {"/a/b/c", "/a/b", "/a", "/"}.
std::vector<std::string> self_and_parents(std::string_view path) {
    std::vector<std::string> out;
    std::string p(trim(path));
    if (p.empty() || p.front() != '/') p.insert(p.begin(), '/');
    while (true) {
        out.push_back(p);
        if (p == "/") break;
        const auto slash = p.find_last_of('/');
        p = slash == 0 ? "/" : p.substr(0, slash);
    }
    return out;
}

std::string join(std::string_view root, const std::string& path, std::string_view file) {
    std::string out(root);
    if (path != "/") out += path;
    out += '/';
    out += file;
    return out;
}

}  // namespace

std::optional<std::uint64_t> meminfo_total_bytes(std::string_view meminfo) {
    const auto at = meminfo.find("MemTotal:");
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = meminfo.substr(at + 9);
    rest = rest.substr(0, rest.find('\n'));
    const auto kib = parse_number(rest.substr(0, rest.find("kB")));
    if (!kib) return std::nullopt;
    return *kib * 1024;
}

std::optional<std::uint64_t> cgroup_limit_bytes(std::string_view text) {
    text = trim(text);
    if (text.empty() || text == "max") return std::nullopt;
    const auto value = parse_number(text);
    // cgroup v1 says "unlimited" with the largest page-aligned signed 64-bit number.
    if (!value || *value >= (std::uint64_t{1} << 62)) return std::nullopt;
    return value;
}

std::vector<std::string> cgroup_memory_limit_files(std::string_view proc_self_cgroup,
                                                   std::string_view cgroup_root) {
    std::vector<std::string> files;
    std::istringstream lines{std::string(proc_self_cgroup)};
    std::string line;
    while (std::getline(lines, line)) {
        // hierarchy-id:controller-list:path
        const auto first = line.find(':');
        const auto second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        const std::string path = line.substr(second + 1);
        if (controllers.empty() && line.compare(0, first, "0") == 0) {
            for (const auto& p : self_and_parents(path)) {
                files.push_back(join(cgroup_root, p, "memory.max"));
                files.push_back(join(std::string(cgroup_root) + "/unified", p, "memory.max"));
            }
            continue;
        }
        std::istringstream names(controllers);
        std::string name;
        while (std::getline(names, name, ',')) {
            if (name != "memory") continue;
            for (const auto& p : self_and_parents(path))
                files.push_back(
                    join(std::string(cgroup_root) + "/memory", p, "memory.limit_in_bytes"));
        }
    }
    return files;
}

std::uint64_t host_memory_room() {
    static const std::uint64_t room = [] {
        std::uint64_t best = meminfo_total_bytes(read_small_file("/proc/meminfo")).value_or(0);
        for (const auto& file : cgroup_memory_limit_files(read_small_file("/proc/self/cgroup"))) {
            const auto limit = cgroup_limit_bytes(read_small_file(file));
            if (limit && (best == 0 || *limit < best)) best = *limit;
        }
        return best;
    }();
    return room;
}

std::uint64_t capped_memory_limit(std::uint64_t requested_bytes, std::uint64_t room_bytes) {
    if (room_bytes == 0) return requested_bytes;
    constexpr std::uint64_t kFloor = std::uint64_t{64} << 20;
    return std::max(kFloor, std::min(requested_bytes, room_bytes / 2));
}

}  // namespace interleave
