#pragma once
// Kata 05 - MUTANT (no-work-guard): nothing keeps the event loop running while the pool parses
//
//   event loop (calling thread)                CPU pool (parse_threads)
//   fetch coroutines, at most max_in_flight ──▶ parse(page), drop page, record ──┐
//          ▲                                                                       │
//          └──────────── credit returned to the loop (asio::post) ◀───────────────┘
//
// All bookkeeping (next URL, requests open, page credits, URLs finished) lives on the event-loop
// thread, so it needs no lock: the pool hands its news back by posting to the loop. A fetch may
// start only when it holds a page credit; the credit comes back when its page has been parsed
// and destroyed. So the pages alive at any moment (being fetched, waiting, being parsed) never
// exceed max_live_pages: that is the bounded buffer, and it is what pushes back on the
// fetchers when parsing falls behind.
#include <kata/sim_web.hpp>

#include <asio.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pipeline_detail {

using kata::web::Error;
using kata::web::Limits;
using kata::web::PagePtr;
using kata::web::ResultSink;
using kata::web::SimWeb;

class Crawler {
  public:
    Crawler(SimWeb& web, const std::vector<std::string>& urls, const Limits& limits,
            ResultSink& sink)
        : web_(web),
          io_(web.io()),
          urls_(urls),
          limits_(limits),
          sink_(sink),
          pool_(std::max<std::size_t>(1, limits.parse_threads)) {}

    void run() {
        if (!urls_.empty()) {
            io_.restart();
            asio::post(io_, [this] { start_more(); });
            io_.run();  // returns as soon as nothing is queued: the pool may still be parsing
        }
        pool_.join();
    }

  private:
    // ---- event-loop thread only ----

    void start_more() {
        const std::size_t in_flight = std::max<std::size_t>(1, limits_.max_in_flight);
        const std::size_t credits = std::max<std::size_t>(1, limits_.max_live_pages);
        while (next_ < urls_.size() && fetching_ < in_flight && pages_held_ < credits) {
            ++fetching_;
            ++pages_held_;
            asio::co_spawn(io_, fetch_one(next_++), asio::detached);
        }
    }

    asio::awaitable<void> fetch_one(std::size_t i) {
        const std::string& url = urls_[i];
        const auto& retry = limits_.retry;
        auto backoff = std::chrono::duration<double, std::milli>(retry.first_backoff);
        for (int attempt = 1;; ++attempt) {
            kata::web::FetchResult r = co_await web_.fetch(url);
            if (r.ok()) {
                --fetching_;
                hand_to_pool(i, std::move(r.page));
                start_more();
                co_return;
            }
            // A refusal means we were too eager; like a transient error it may pass. A missing
            // page never comes back, so it is reported at once.
            const bool may_pass = r.error == Error::transient || r.error == Error::refused;
            if (!may_pass || attempt >= retry.max_attempts) {
                --fetching_;
                --pages_held_;
                record_failure(url, r.error);
                finish_one();
                start_more();
                co_return;
            }
            asio::steady_timer timer(
                io_, std::chrono::duration_cast<std::chrono::microseconds>(backoff));
            co_await timer.async_wait(asio::use_awaitable);
            backoff *= retry.multiplier;
        }
    }

    void finish_one() { ++finished_; }

    // ---- hand-over to the CPU pool ----

    void hand_to_pool(std::size_t i, PagePtr page) {
        asio::post(pool_, [this, i, page = std::move(page)]() mutable {
            const kata::web::ParseResult result = kata::web::parse(*page);
            page.reset();  // the page is gone before its credit goes back
            {
                std::lock_guard lock(sink_mutex_);
                sink_.parsed(urls_[i], result);
            }
            asio::post(io_, [this] {
                --pages_held_;
                finish_one();
                start_more();
            });
        });
    }

    void record_failure(const std::string& url, Error reason) {
        std::lock_guard lock(sink_mutex_);
        sink_.failed(url, reason);
    }

    SimWeb& web_;
    asio::io_context& io_;
    const std::vector<std::string>& urls_;
    const Limits& limits_;
    ResultSink& sink_;
    std::mutex sink_mutex_;  // the sink is not thread-safe: parse threads and the loop share it
    asio::thread_pool pool_;

    std::size_t next_ = 0;
    std::size_t fetching_ = 0;
    std::size_t pages_held_ = 0;
    std::size_t finished_ = 0;
};

}  // namespace pipeline_detail

/// Fetches every URL once (retrying transient failures), parses every page on a pool of
/// limits.parse_threads threads, and reports each URL exactly once to `sink`.
inline void crawl(kata::web::SimWeb& web, const std::vector<std::string>& urls,
                  const kata::web::Limits& limits, kata::web::ResultSink& sink) {
    pipeline_detail::Crawler(web, urls, limits, sink).run();
}
