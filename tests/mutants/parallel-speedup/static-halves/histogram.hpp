#pragma once
// Kata 09 - CPU-bound work across cores: count a day of log records by level on several threads.
// Reference solution: dynamic chunks taken from one atomic index, counts private to each thread
// until the end, one merge after every thread is joined.
#include <kata/log_records.hpp>

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

/// How many records of each level `records` holds: exactly count_serial(records), computed on
/// at most `threads` threads at a time (the calling thread counted if it does some of the work).
/// Every thread it starts is joined before it returns. Throws std::invalid_argument when
/// `threads` is 0. Several calls may run at once from different threads.
inline kata::logs::Counts count_levels(std::span<const kata::logs::Record> records,
                                       unsigned threads) {
    using kata::logs::Counts;
    if (threads == 0) throw std::invalid_argument("count_levels: threads must be at least 1");
    constexpr std::size_t kChunk = 4096;  // only to decide how many threads are worth starting
    const std::size_t n = records.size();
    const std::size_t chunks = (n + kChunk - 1) / kChunk;
    // No more threads than chunks: a thread with nothing to take is a thread's start for nothing.
    const std::size_t workers = std::min<std::size_t>(threads, std::max<std::size_t>(chunks, 1));

    // MUTANT: static partition - thread t takes the t-th of `workers` equal blocks of records,
    // however much work each block holds.
    auto count_block = [&](std::size_t t) {
        Counts mine{};
        const std::size_t begin = n * t / workers;
        const std::size_t end = n * (t + 1) / workers;
        for (std::size_t i = begin; i < end; ++i)
            ++mine[kata::logs::index(kata::logs::level_of(records[i]))];
        return mine;
    };

    std::vector<Counts> partial(workers);
    {
        std::vector<std::jthread> helpers;
        helpers.reserve(workers - 1);
        for (std::size_t t = 0; t + 1 < workers; ++t)
            helpers.emplace_back([&, t] { partial[t] = count_block(t); });
        partial[workers - 1] = count_block(workers - 1);
    }

    Counts total{};
    for (const Counts& p : partial)
        for (std::size_t level = 0; level < total.size(); ++level) total[level] += p[level];
    return total;
}
