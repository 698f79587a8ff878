#pragma once
// Kata 09 - CPU-bound work across cores: count a day of log records by level on several threads.
// Reference solution: dynamic chunks taken from one atomic index, counts private to each thread
// until the end, one merge after every thread is joined.
#include <kata/log_records.hpp>

#include <algorithm>
#include <atomic>
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
    // Small enough that the last chunks even out the threads' finishing times (a chunk of the
    // costliest records takes about 0.2 ms), large enough that taking one (an atomic add on a
    // line both threads share) is rare next to the work in it.
    constexpr std::size_t kChunk = 4096;
    const std::size_t n = records.size();
    const std::size_t chunks = (n + kChunk - 1) / kChunk;
    // No more threads than chunks: a thread with nothing to take is a thread's start for nothing.
    const std::size_t workers = std::min<std::size_t>(threads, std::max<std::size_t>(chunks, 1));

    auto count_chunks = [&](std::atomic<std::size_t>& next) {
        Counts mine{};  // on this thread's stack: no other thread writes near it
        for (;;) {
            const std::size_t begin = next.fetch_add(kChunk, std::memory_order_relaxed);
            if (begin >= n) break;
            const std::size_t end = std::min(n, begin + kChunk);
            for (std::size_t i = begin; i < end; ++i)
                ++mine[kata::logs::index(kata::logs::level_of(records[i]))];
        }
        return mine;
    };

    std::atomic<std::size_t> next{0};
    if (workers == 1) return count_chunks(next);

    // MUTANT: each thread adds its private counts into the shared total when it is done,
    // without a lock: two threads finishing together can lose each other's additions.
    Counts total{};
    auto work_and_merge = [&] {
        const Counts mine = count_chunks(next);
        for (std::size_t level = 0; level < total.size(); ++level) total[level] += mine[level];
    };
    {
        std::vector<std::jthread> helpers;
        helpers.reserve(workers - 1);
        for (std::size_t t = 0; t + 1 < workers; ++t) helpers.emplace_back(work_and_merge);
        work_and_merge();
    }
    return total;
}
