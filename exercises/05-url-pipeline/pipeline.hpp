#pragma once
// Kata 05 - the 50,000-URL pipeline. Read README.md in this folder first.
//
// Write crawl(): fetch every URL on the event loop (web.io()), parse every page on a pool of
// limits.parse_threads threads, keep at most limits.max_in_flight requests open and at most
// limits.max_live_pages pages alive, retry transient failures with backoff, and report every URL
// to `sink` exactly once. Explain your design in DESIGN.md.
#include <kata/sim_web.hpp>

#include <asio.hpp>

#include <string>
#include <vector>

inline void crawl(kata::web::SimWeb& web, const std::vector<std::string>& urls,
                  const kata::web::Limits& limits, kata::web::ResultSink& sink) {
    // TODO: the whole pipeline. Useful pieces:
    //   asio::co_spawn(web.io(), some_coroutine(), asio::detached);
    //   kata::web::FetchResult r = co_await web.fetch(url);      // inside a coroutine on web.io()
    //   asio::thread_pool pool(limits.parse_threads);  asio::post(pool, [..] { parse(*page); });
    //   asio::post(web.io(), [..] { ... });                      // hand news back to the loop
    //   web.io().run();                                           // runs the loop on this thread
    (void)web;
    (void)urls;
    (void)limits;
    (void)sink;
}
