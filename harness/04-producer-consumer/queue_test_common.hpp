#pragma once
// Kata 04 harness: what the three test files share (one file per group of tests, so that a
// student's edit recompiles them side by side): the includes, the time limits, the helpers and
// the move-only Token. Each including file gets its own copy (an unnamed namespace).
#include "bounded_queue.hpp"
#include "queue_support.hpp"

#include <kata/cpu_time.hpp>
#include <kata/stress.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <future>
#include <latch>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using namespace std::chrono_literals;
using pc::Crew;
using pc::in_background;
using pc::Phase;
using pc::ready_by;
using pc::ready_within;
using pc::returned_instead_of_blocking;
using pc::Worker;
using Clock = std::chrono::steady_clock;

/// How long a call that must block is watched: if it returns within this window it did not
/// block. A correct queue can never return early, so the length only limits what is caught.
/// returned_instead_of_blocking() lets a call go as soon as it is seen asleep; the tests that
/// check that every waiter still waits after a while (close) wait the whole window.
constexpr auto kWindow = 150ms;
/// How long a call that has been unblocked may take to return. Far above any real wakeup
/// latency, even under ThreadSanitizer on a loaded machine: missing it means "never woken".
constexpr auto kPrompt = 5s;
/// Stress tests: how long every worker may go without any progress before the test calls it a
/// hang, and how long a whole stress run may take.
constexpr auto kStall = 4s;
constexpr auto kStressLimit = 15s;

long long ms(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// Runs `fn` on its own thread and waits for it at most kPrompt. A call that does not return in
/// time fails the test, naming `what`, and gives no value (its thread is left behind, asleep).
/// `fn` must own what it touches (capture shared_ptrs by value).
template <class Fn>
auto within_prompt(const std::string& what, Fn fn) -> std::optional<decltype(fn())> {
    auto result = in_background(std::move(fn));
    if (!ready_within(result, kPrompt)) {
        ADD_FAILURE() << what
                      << " did not return within 5 s: it must not wait here (a call that "
                         "can never succeed returns at once, a timed call returns at its "
                         "timeout)";
        return std::nullopt;
    }
    return result.get();
}

/// A move-only payload: the queue must never need a copy. A moved-from token is invalid, so a
/// consumer that receives one has been handed a value the queue had already given away.
class Token {
  public:
    Token(int producer, int seq) : producer_(producer), seq_(seq) {}
    Token(Token&& other) noexcept : producer_(other.producer_), seq_(other.seq_) {
        other.producer_ = -1;
        other.seq_ = -1;
    }
    Token& operator=(Token&& other) noexcept {
        producer_ = other.producer_;
        seq_ = other.seq_;
        if (&other != this) {
            other.producer_ = -1;
            other.seq_ = -1;
        }
        return *this;
    }
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;

    bool valid() const { return producer_ >= 0 && seq_ >= 0; }
    int producer() const { return producer_; }
    int seq() const { return seq_; }

  private:
    int producer_;
    int seq_;
};

static_assert(!std::is_copy_constructible_v<Token>);

using IntQueue = BoundedQueue<int>;
}  // namespace
