#pragma once
// Linearizability: do the results a concurrent object gave match some one-at-a-time order of
// the same calls? A history records each call's thread, operation, result, and when it was
// invoked and when it returned; the check looks for an order of the calls that respects real
// time (a call that returned before another was invoked comes first) in which a sequential
// model of the object, fed the calls in that order, gives every recorded result.
//
// The search is Wing & Gong's, with the memoisation of Lowe (as Lincheck and Porcupine do):
// take any call that no pending call must precede, apply it to the model, recurse; a set of
// (calls done, model state) pairs already explored is never explored twice. Histories here are
// short (at most 64 calls: the explorer's scenarios, or a window of a stress run).
//
// A model is a copyable type with
//   std::optional<Result> step(const Op&)   // nullopt: the call could not complete in this
//                                            // state (a push on a full queue would block)
//   bool operator==(const Model&) const and std::size_t hash() const
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace kata::lin {

/// The logical clock of a History: one atomic counter, hidden from the sanitizers' and the
/// explorer's instrumentation (clang's disable_sanitizer_instrumentation), so that recording
/// adds no synchronisation TSan would credit the code under test with, and no scheduling
/// point the explorer would have to search.
#if defined(__clang__) && __has_attribute(disable_sanitizer_instrumentation)
__attribute__((disable_sanitizer_instrumentation))
#endif
inline std::uint64_t
tick(std::uint64_t* clock) {
    return __atomic_fetch_add(clock, 1, __ATOMIC_SEQ_CST);
}

template <class Op, class Result>
struct Call {
    int thread = 0;
    Op op{};
    Result result{};
    std::uint64_t invoked = 0;
    std::uint64_t returned = 0;
};

/// Records calls from several threads: each thread appends to its own list, and the logical
/// clock (one atomic counter) orders invocations and returns.
template <class Op, class Result>
class History {
  public:
    explicit History(int threads, std::size_t per_thread = 64) : calls_(threads) {
        for (auto& c : calls_) c.reserve(per_thread);
    }

    /// Runs `call` as thread `thread`'s operation `op` and records its result.
    template <class F>
    Result record(int thread, Op op, F&& call) {
        const std::uint64_t invoked = tick(&clock_);
        Result result = call();
        const std::uint64_t returned = tick(&clock_);
        calls_[static_cast<std::size_t>(thread)].push_back({thread, op, result, invoked, returned});
        return result;
    }

    /// Every call, once every recording thread has been joined.
    std::vector<Call<Op, Result>> calls() const {
        std::vector<Call<Op, Result>> all;
        for (const auto& c : calls_) all.insert(all.end(), c.begin(), c.end());
        return all;
    }

  private:
    std::uint64_t clock_ = 0;  // only through tick()
    std::vector<std::vector<Call<Op, Result>>> calls_;
};

namespace detail {

template <class Model>
struct Node {
    std::uint64_t done;
    Model model;
    bool operator==(const Node& o) const { return done == o.done && model == o.model; }
};

template <class Model>
struct NodeHash {
    std::size_t operator()(const Node<Model>& n) const {
        return std::hash<std::uint64_t>{}(n.done) * 31 + n.model.hash();
    }
};

template <class Model, class Op, class Result>
bool search(const std::vector<Call<Op, Result>>& h, std::uint64_t done, const Model& model,
            std::unordered_set<Node<Model>, NodeHash<Model>>& seen,
            std::vector<std::size_t>& order) {
    const std::uint64_t all = h.size() == 64 ? ~0ULL : (1ULL << h.size()) - 1;
    if (done == all) return true;
    if (!seen.insert({done, model}).second) return false;
    // The earliest return among pending calls: a call invoked after it cannot go next.
    std::uint64_t first_return = ~0ULL;
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (((done >> i) & 1) == 0 && h[i].returned < first_return) first_return = h[i].returned;
    }
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (((done >> i) & 1) != 0 || h[i].invoked > first_return) continue;
        Model next = model;
        const std::optional<Result> r = next.step(h[i].op);
        if (!r || !(*r == h[i].result)) continue;
        order.push_back(i);
        if (search(h, done | (1ULL << i), next, seen, order)) return true;
        order.pop_back();
    }
    return false;
}

}  // namespace detail

/// An order of the calls (indices into `history`) that explains every result, or nullopt when
/// none does: the history is not linearizable. At most 64 calls.
template <class Model, class Op, class Result>
std::optional<std::vector<std::size_t>> linearize(const Model& initial,
                                                  const std::vector<Call<Op, Result>>& history) {
    if (history.size() > 64) return std::nullopt;
    std::unordered_set<detail::Node<Model>, detail::NodeHash<Model>> seen;
    std::vector<std::size_t> order;
    if (detail::search(history, 0, initial, seen, order)) return order;
    return std::nullopt;
}

/// The calls one per line in the order they were invoked: "thread 1  reset() -> 2  [3..8]",
/// where [invoked..returned] are the logical clock's readings. `show(call)` names a call and
/// its result ("reset() -> 2").
template <class Op, class Result, class Show>
std::string describe(std::vector<Call<Op, Result>> history, Show show) {
    std::sort(history.begin(), history.end(),
              [](const auto& a, const auto& b) { return a.invoked < b.invoked; });
    std::string out;
    for (const auto& c : history) {
        out += "\n  thread " + std::to_string(c.thread + 1) + "  " + show(c) + "  [" +
               std::to_string(c.invoked) + ".." + std::to_string(c.returned) + "]";
    }
    return out;
}

}  // namespace kata::lin
