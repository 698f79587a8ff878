#pragma once
// Kata 05 - mutant: two phases instead of a pipeline. Every URL is downloaded first (with the
// right in-flight cap and retries) and its page kept; only when the last download is over are
// the pages handed to the pool. Every page is alive at once, far above max_live_pages, and the
// parse threads sit idle for the whole download.
#include <kata/sim_web.hpp>

#include <asio.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
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
          pages_(urls.size()) {}

    void run() {
        // Phase 1: download everything, keeping every page.
        if (!urls_.empty()) {
            io_.restart();
            asio::post(io_, [this] { start_more(); });
            io_.run();
        }
        // Phase 2: parse everything.
        asio::thread_pool pool(std::max<std::size_t>(1, limits_.parse_threads));
        for (std::size_t i = 0; i < urls_.size(); ++i) {
            if (!pages_[i]) continue;
            asio::post(pool, [this, i, page = std::move(pages_[i])]() mutable {
                const kata::web::ParseResult result = kata::web::parse(*page);
                page.reset();
                std::lock_guard lock(sink_mutex_);
                sink_.parsed(urls_[i], result);
            });
        }
        pool.join();
    }

  private:
    void start_more() {
        const std::size_t in_flight = std::max<std::size_t>(1, limits_.max_in_flight);
        while (next_ < urls_.size() && fetching_ < in_flight) {
            ++fetching_;
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
                pages_[i] = std::move(r.page);
                break;
            }
            const bool may_pass = r.error == Error::transient || r.error == Error::refused;
            if (!may_pass || attempt >= retry.max_attempts) {
                std::lock_guard lock(sink_mutex_);
                sink_.failed(url, r.error);
                break;
            }
            asio::steady_timer timer(
                io_, std::chrono::duration_cast<std::chrono::microseconds>(backoff));
            co_await timer.async_wait(asio::use_awaitable);
            backoff *= retry.multiplier;
        }
        --fetching_;
        start_more();
    }

    SimWeb& web_;
    asio::io_context& io_;
    const std::vector<std::string>& urls_;
    const Limits& limits_;
    ResultSink& sink_;
    std::mutex sink_mutex_;
    std::vector<PagePtr> pages_;

    std::size_t next_ = 0;
    std::size_t fetching_ = 0;
};

}  // namespace pipeline_detail

inline void crawl(kata::web::SimWeb& web, const std::vector<std::string>& urls,
                  const kata::web::Limits& limits, kata::web::ResultSink& sink) {
    pipeline_detail::Crawler(web, urls, limits, sink).run();
}
