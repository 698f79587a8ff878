#pragma once
/// The input of the parallel-speedup kata (09), owned by the harness: a day of log records, the
/// level of each one (a small computation whose length differs from record to record), and the
/// serial count that every parallel version must equal.
///
/// What the student uses:
///  - `Record`: 8 bytes, a key and a cost. `level_of(record)` runs `record.cost` rounds of a
///    mixing function on the key and returns the record's Level: the CPU-bound work to spread
///    over threads. Pure and thread-safe; a record of cost 1 takes about 1.5 ns on a 2 GHz core,
///    one of cost 49 about 45 ns.
///  - `Counts`: how many records of each level (index with `index(level)`).
///  - `count_serial(records)`: the one-thread answer.
///  - `make_day(n, seed)`: a generated day. The day gets busier as it goes: the cost of the
///    record at position i is 1 + max_cost * (i / n)^2, so the second half of the records holds
///    close to 90% of the work.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kata::logs {

enum class Level : std::uint8_t { debug, info, warning, error };
inline constexpr std::size_t kLevels = 4;

/// How many records of each level: counts[index(Level::warning)] is the number of warnings.
using Counts = std::array<std::uint64_t, kLevels>;

constexpr std::size_t index(Level level) noexcept {
    return static_cast<std::size_t>(level);
}

/// One log record as the kata sees it: `cost` is how many rounds level_of() needs for it.
struct Record {
    std::uint32_t key = 0;
    std::uint32_t cost = 1;
};

/// The level of one record: `record.cost` rounds of a 64-bit mix of the key, then one of 20
/// buckets (10 of them debug, 6 info, 3 warning, 1 error). No shortcut exists: each round needs
/// the one before, so the time grows with the cost. GIVEN: pure and thread-safe.
inline Level level_of(const Record& record) noexcept {
    static constexpr Level kByBucket[20] = {
        Level::debug, Level::debug,   Level::debug,   Level::debug,   Level::debug,
        Level::debug, Level::debug,   Level::debug,   Level::debug,   Level::debug,
        Level::info,  Level::info,    Level::info,    Level::info,    Level::info,
        Level::info,  Level::warning, Level::warning, Level::warning, Level::error};
    std::uint64_t x = (std::uint64_t{record.cost} << 32) | record.key;
    for (std::uint32_t round = 0; round < record.cost; ++round) {
        x ^= x >> 31;
        x *= 0x9E3779B97F4A7C15ULL;
    }
    x ^= x >> 29;
    return kByBucket[((x >> 32) * 20) >> 32];
}

/// The serial count: one thread, one pass. GIVEN: the answer a parallel count must equal.
inline Counts count_serial(std::span<const Record> records) noexcept {
    Counts counts{};
    for (const Record& r : records) ++counts[index(level_of(r))];
    return counts;
}

/// A generated day of `n` records: random keys (from `seed`), and a cost that grows with the
/// square of the position, from 1 for the first record to 1 + max_cost for the last.
inline std::vector<Record> make_day(std::size_t n, std::uint64_t seed,
                                    std::uint32_t max_cost = 48) {
    std::vector<Record> day(n);
    std::uint64_t state = seed * 2 + 1;
    for (std::size_t i = 0; i < n; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const double at = static_cast<double>(i) / static_cast<double>(n);
        day[i].key = static_cast<std::uint32_t>(state >> 32);
        day[i].cost = 1 + static_cast<std::uint32_t>(max_cost * at * at);
    }
    return day;
}

/// "debug 10, info 6, warning 3, error 1": for messages.
inline std::string to_string(const Counts& counts) {
    static constexpr const char* kNames[kLevels] = {"debug", "info", "warning", "error"};
    std::string text;
    for (std::size_t i = 0; i < kLevels; ++i) {
        if (i > 0) text += ", ";
        text += std::string(kNames[i]) + " " + std::to_string(counts[i]);
    }
    return text;
}

}  // namespace kata::logs
