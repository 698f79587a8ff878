#pragma once
// Kata 05 - MUTANT (thread-per-request): one thread per URL with the blocking fetch.
//
// It respects the request and page limits with a semaphore, retries correctly and reports every
// URL once, but every open request owns a whole thread: hundreds of threads where the cap allows
// parse_threads + 2.
#include <kata/sim_web.hpp>

#include <asio.hpp>

#include <chrono>
#include <deque>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

inline void crawl(kata::web::SimWeb& web, const std::vector<std::string>& urls,
                  const kata::web::Limits& limits, kata::web::ResultSink& sink) {
    using kata::web::Error;
    const std::size_t slots =
        std::max<std::size_t>(1, std::min(limits.max_in_flight, limits.max_live_pages));
    std::counting_semaphore<> open(static_cast<std::ptrdiff_t>(slots));
    std::mutex sink_mutex;
    std::deque<std::thread> threads;
    for (const std::string& url : urls) {
        open.acquire();
        threads.emplace_back([&, url_ptr = &url] {
            const std::string& u = *url_ptr;
            auto backoff = std::chrono::duration<double, std::milli>(limits.retry.first_backoff);
            for (int attempt = 1;; ++attempt) {
                kata::web::FetchResult r = web.fetch_blocking(u);
                if (r.ok()) {
                    const auto result = kata::web::parse(*r.page);
                    r.page.reset();
                    std::lock_guard lock(sink_mutex);
                    sink.parsed(u, result);
                    break;
                }
                const bool may_pass = r.error == Error::transient || r.error == Error::refused;
                if (!may_pass || attempt >= limits.retry.max_attempts) {
                    std::lock_guard lock(sink_mutex);
                    sink.failed(u, r.error);
                    break;
                }
                std::this_thread::sleep_for(backoff);
                backoff *= limits.retry.multiplier;
            }
            open.release();
        });
        while (threads.size() > 2 * slots) {  // join the oldest so finished threads do not pile up
            threads.front().join();
            threads.pop_front();
        }
    }
    for (auto& t : threads) t.join();
}
