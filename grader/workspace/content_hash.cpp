#include "workspace/content_hash.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace interleave {

std::string content_hash(std::string_view bytes) {
    std::uint64_t h = 14695981039346656037ULL;
    for (const unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return fmt::format("{:016x}", h);
}

}  // namespace interleave
