// Model-based test of the bounded queue: random sequences of calls from one thread, in every
// state the queue can reach (empty, part full, full, closed, closed and drained, with tasks
// unfinished or not), each call's result compared with a plain std::deque that follows the
// contract in bounded_queue.hpp. A failure is shrunk by RapidCheck to the shortest sequence that
// still fails, and printed call by call. The hand-written tests check what their author thought
// of; this one checks what the contract says, in orders nobody wrote down.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <sstream>
#include <stdexcept>
#include <string>

#include "queue_model.hpp"

namespace {

// One fixed seed: the same code gets the same verdict on every run.
[[maybe_unused]] const int kSeeded = setenv("RC_PARAMS", "seed=2026 max_success=150 noshrink=0", 0);

struct Model {
    std::size_t capacity = 1;
    std::deque<int> items;
    bool closed = false;
    int unfinished = 0;
};

using Command = rc::state::Command<Model, QueueUnderTest>;

std::string text(const std::optional<int>& v) {
    return v ? std::to_string(*v) : std::string("nullopt");
}

std::string state(const Model& m) {
    std::ostringstream out;
    out << "(the model holds " << m.items.size() << " of " << m.capacity << " items"
        << (m.closed ? ", closed" : ", open") << ", " << m.unfinished << " unfinished)";
    return out.str();
}

void expect(bool ok, const std::string& what, const Model& m) {
    if (!ok) RC_FAIL(what + " " + state(m));
}

/// A short timeout, not a whole number of milliseconds.
std::chrono::nanoseconds timeout() {
    return std::chrono::nanoseconds(*rc::gen::element<long>(0, 1, 900, 23'000));
}

struct TryPush : Command {
    int item = *rc::gen::inRange(0, 100);
    void apply(Model& m) const override {
        if (m.closed || m.items.size() >= m.capacity) return;
        m.items.push_back(item);
        ++m.unfinished;
    }
    void run(const Model& m, QueueUnderTest& q) const override {
        const bool want = !m.closed && m.items.size() < m.capacity;
        const bool got = q.try_push(item);
        expect(got == want,
               "try_push(" + std::to_string(item) + ") returned " + (got ? "true" : "false"), m);
    }
    void show(std::ostream& os) const override { os << "try_push(" << item << ")"; }
};

/// push() only where it cannot block: the queue has room, or is closed.
struct Push : Command {
    int item = *rc::gen::inRange(0, 100);
    void checkPreconditions(const Model& m) const override {
        RC_PRE(m.closed || m.items.size() < m.capacity);
    }
    void apply(Model& m) const override {
        if (m.closed) return;
        m.items.push_back(item);
        ++m.unfinished;
    }
    void run(const Model& m, QueueUnderTest& q) const override {
        const bool got = q.push(item);
        expect(got == !m.closed,
               "push(" + std::to_string(item) + ") returned " + (got ? "true" : "false"), m);
    }
    void show(std::ostream& os) const override { os << "push(" << item << ")"; }
};

struct PushFor : Command {
    int item = *rc::gen::inRange(0, 100);
    std::chrono::nanoseconds wait = timeout();
    void apply(Model& m) const override {
        if (m.closed || m.items.size() >= m.capacity) return;
        m.items.push_back(item);
        ++m.unfinished;
    }
    void run(const Model& m, QueueUnderTest& q) const override {
        const bool want = !m.closed && m.items.size() < m.capacity;
        const bool got = q.push_for(item, wait);
        expect(got == want,
               "push_for(" + std::to_string(item) + ", " + std::to_string(wait.count()) +
                   "ns) returned " + (got ? "true" : "false"),
               m);
    }
    void show(std::ostream& os) const override {
        os << "push_for(" << item << ", " << wait.count() << "ns)";
    }
};

std::optional<int> front(const Model& m) {
    return m.items.empty() ? std::nullopt : std::optional<int>(m.items.front());
}

void take(Model& m) {
    if (!m.items.empty()) m.items.pop_front();
}

struct TryPop : Command {
    void apply(Model& m) const override { take(m); }
    void run(const Model& m, QueueUnderTest& q) const override {
        const auto got = q.try_pop();
        expect(got == front(m), "try_pop() returned " + text(got) + ", expected " + text(front(m)),
               m);
    }
    void show(std::ostream& os) const override { os << "try_pop()"; }
};

/// pop() only where it cannot block: an item is there, or the queue is closed.
struct Pop : Command {
    void checkPreconditions(const Model& m) const override { RC_PRE(!m.items.empty() || m.closed); }
    void apply(Model& m) const override { take(m); }
    void run(const Model& m, QueueUnderTest& q) const override {
        const auto got = q.pop();
        expect(got == front(m), "pop() returned " + text(got) + ", expected " + text(front(m)), m);
    }
    void show(std::ostream& os) const override { os << "pop()"; }
};

struct PopFor : Command {
    std::chrono::nanoseconds wait = timeout();
    void apply(Model& m) const override { take(m); }
    void run(const Model& m, QueueUnderTest& q) const override {
        const auto got = q.pop_for(wait);
        expect(got == front(m),
               "pop_for(" + std::to_string(wait.count()) + "ns) returned " + text(got) +
                   ", expected " + text(front(m)),
               m);
    }
    void show(std::ostream& os) const override { os << "pop_for(" << wait.count() << "ns)"; }
};

struct Close : Command {
    void apply(Model& m) const override { m.closed = true; }
    void run(const Model&, QueueUnderTest& q) const override { q.close(); }
    void show(std::ostream& os) const override { os << "close()"; }
};

struct Observe : Command {
    void run(const Model& m, QueueUnderTest& q) const override {
        expect(q.size() == m.items.size(), "size() returned " + std::to_string(q.size()), m);
        expect(q.closed() == m.closed,
               std::string("closed() returned ") + (q.closed() ? "true" : "false"), m);
        expect(q.capacity() == m.capacity, "capacity() returned " + std::to_string(q.capacity()),
               m);
    }
    void show(std::ostream& os) const override { os << "size(), closed(), capacity()"; }
};

struct TaskDone : Command {
    void apply(Model& m) const override {
        if (m.unfinished > 0) --m.unfinished;
    }
    void run(const Model& m, QueueUnderTest& q) const override {
        bool threw = false;
        try {
            q.task_done();
        } catch (const std::logic_error&) {
            threw = true;
        }
        expect(threw == (m.unfinished == 0),
               threw ? "task_done() threw std::logic_error although a task was unfinished"
                     : "task_done() did not throw std::logic_error with no task unfinished",
               m);
    }
    void show(std::ostream& os) const override { os << "task_done()"; }
};

/// join() only where it must return at once: no task unfinished.
struct Join : Command {
    void checkPreconditions(const Model& m) const override { RC_PRE(m.unfinished == 0); }
    void run(const Model&, QueueUnderTest& q) const override { q.join(); }
    void show(std::ostream& os) const override { os << "join()"; }
};

}  // namespace

RC_GTEST_PROP(QueueModel, EveryCallSequenceFollowsTheContract, ()) {
    Model model;
    model.capacity = *rc::gen::inRange<std::size_t>(1, 5);
    const auto queue = make_queue_under_test(model.capacity);
    rc::state::check(model, *queue,
                     rc::state::gen::execOneOfWithArgs<TryPush, Push, PushFor, TryPop, Pop, PopFor,
                                                       Close, Observe, TaskDone, Join>());
}
