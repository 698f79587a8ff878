// Kata 04 harness, part 3: many threads at once, invariants checked from outside.
#include "queue_test_common.hpp"

namespace {

// ---------------------------------------------------------------------------------------------
// Stress: many threads, invariants checked from outside
// ---------------------------------------------------------------------------------------------

/// Watches the queue's occupancy from outside. Producers count pushes that have returned, and
/// consumers count pop calls they have started. At any moment the queue holds at least
/// (pushes returned) - (pops started) items, so that bound exceeding the capacity proves an
/// overfull queue.
struct Occupancy {
    std::atomic<long long> pushes_returned{0};
    std::atomic<long long> pops_started{0};
    std::atomic<long long> worst{0};
    std::atomic<long long> size_seen{0};

    void pushed() {
        const long long in = pushes_returned.fetch_add(1) + 1;
        const long long out = pops_started.load();  // read after: the bound stays a lower bound
        const long long at_least = in - out;
        long long w = worst.load();
        while (at_least > w && !worst.compare_exchange_weak(w, at_least)) {
        }
    }
    void popping() { pops_started.fetch_add(1); }
    void saw_size(std::size_t s) {
        long long w = size_seen.load();
        const long long v = static_cast<long long>(s);
        while (v > w && !size_seen.compare_exchange_weak(w, v)) {
        }
    }
};

void expect_capacity_respected(const Occupancy& occ, std::size_t capacity) {
    EXPECT_LE(occ.worst.load(), static_cast<long long>(capacity))
        << "the queue of capacity " << capacity << " held at least " << occ.worst.load()
        << " items at one moment (pushes that had returned minus pops that had started): "
           "push() must wait while the queue is full";
    EXPECT_LE(occ.size_seen.load(), static_cast<long long>(capacity))
        << "size() reported " << occ.size_seen.load() << " items in a queue of capacity "
        << capacity;
}

TEST(QueueStress, FifoWithOneProducerAndOneConsumer) {
    const int n = kata::scaled(40000);
    auto q = std::make_shared<IntQueue>(16);
    Crew crew;
    crew.add("producer", [q, n](Worker& w) {
        for (int i = 0; i < n; ++i) {
            w.at(Phase::push);
            if (!q->push(i)) {
                w.fail("push() returned false on an open queue (item " + std::to_string(i) + ")");
                return;
            }
            w.step();
        }
        w.at(Phase::close);
        q->close();
    });
    crew.add("consumer", [q, n](Worker& w) {
        int expected = 0;
        for (;;) {
            w.at(Phase::pop);
            const auto item = q->pop();
            if (!item) break;
            if (*item != expected) {
                w.fail("expected item " + std::to_string(expected) + " but got " +
                       std::to_string(*item) +
                       ": with one producer and one consumer, items must come out in the order "
                       "they went in");
                return;
            }
            ++expected;
            w.step();
        }
        if (expected != n) {
            w.fail("pop() reported the queue closed and drained after " + std::to_string(expected) +
                   " of " + std::to_string(n) + " items: items were lost or pop() gave up early");
        }
    });
    crew.run(kStall, kStressLimit);
}

/// Shared state of one many-producers/many-consumers run.
struct Delivery {
    Delivery(int producer_count, int items_per_producer)
        : producers(producer_count),
          per_producer(items_per_producer),
          seen(std::make_unique<std::atomic<int>[]>(static_cast<std::size_t>(producer_count) *
                                                    static_cast<std::size_t>(items_per_producer))) {
    }
    /// Records one popped token.
    void delivered(const Token& t) {
        if (!t.valid() || t.producer() >= producers || t.seq() >= per_producer) {
            invalid.fetch_add(1);
            return;
        }
        seen[static_cast<std::size_t>(t.producer()) * static_cast<std::size_t>(per_producer) +
             static_cast<std::size_t>(t.seq())]
            .fetch_add(1);
    }
    int times(int producer, int seq) const {
        return seen[static_cast<std::size_t>(producer) * static_cast<std::size_t>(per_producer) +
                    static_cast<std::size_t>(seq)]
            .load();
    }

    const int producers;
    const int per_producer;
    std::unique_ptr<std::atomic<int>[]> seen;  // [producer * per_producer + seq] -> deliveries
    std::atomic<long long> invalid{0};
    std::atomic<long long> dones_started{0};
    Occupancy occupancy;
};

/// Checks that every (producer, seq) arrived exactly once.
void expect_exactly_once(const Delivery& d) {
    long long missing = 0;
    long long duplicated = 0;
    std::string example;
    for (int p = 0; p < d.producers; ++p) {
        for (int s = 0; s < d.per_producer; ++s) {
            const int times = d.times(p, s);
            if (times == 1) continue;
            if (times == 0) ++missing;
            if (times > 1) ++duplicated;
            if (example.empty()) {
                example = "item " + std::to_string(s) + " of producer " + std::to_string(p) +
                          " arrived " + std::to_string(times) + " times";
            }
        }
    }
    EXPECT_EQ(d.invalid.load(), 0) << d.invalid.load()
                                   << " popped items were moved-from shells: the queue handed out "
                                      "a value it had already given away";
    EXPECT_EQ(missing + duplicated, 0)
        << missing << " items never arrived and " << duplicated << " arrived more than once (e.g. "
        << example << "): every pushed item must be popped exactly once";
}

/// Adds a worker that waits for the producers, then joins the queue (every item processed) and
/// checks that join() did not return early, then closes the queue so consumers finish.
void add_closer(Crew& crew, std::shared_ptr<BoundedQueue<Token>> q, std::shared_ptr<Delivery> d,
                std::shared_ptr<std::latch> producers_done, long long total) {
    crew.add("closer", [q, d, producers_done, total](Worker& w) {
        w.at(Phase::waiting);
        producers_done->wait();
        w.at(Phase::join);
        q->join();
        const long long dones = d->dones_started.load();
        if (dones < total) {
            w.fail("join() returned after only " + std::to_string(dones) + " of " +
                   std::to_string(total) + " task_done() calls: it must wait for the last one");
        }
        w.at(Phase::close);
        q->close();
    });
}

TEST(QueueStress, EveryItemArrivesExactlyOnceWithManyProducersAndConsumers) {
    constexpr int kProducers = 4;
    constexpr int kConsumers = 4;
    constexpr std::size_t kCapacity = 8;
    const int per_producer = kata::scaled(12000);
    auto q = std::make_shared<BoundedQueue<Token>>(kCapacity);
    auto d = std::make_shared<Delivery>(kProducers, per_producer);
    auto producers_done = std::make_shared<std::latch>(kProducers);
    Crew crew;
    for (int p = 0; p < kProducers; ++p) {
        crew.add("producer " + std::to_string(p),
                 [q, d, producers_done, p, per_producer](Worker& w) {
                     for (int s = 0; s < per_producer; ++s) {
                         w.at(Phase::push);
                         if (!q->push(Token(p, s))) {
                             w.fail("push() returned false on an open queue");
                             break;
                         }
                         d->occupancy.pushed();
                         w.step();
                     }
                     producers_done->count_down();
                 });
    }
    for (int c = 0; c < kConsumers; ++c) {
        crew.add("consumer " + std::to_string(c), [q, d](Worker& w) {
            for (;;) {
                w.at(Phase::pop);
                d->occupancy.popping();
                std::optional<Token> item = q->pop();
                if (!item) break;
                if ((w.steps() & 63) == 0) d->occupancy.saw_size(q->size());
                d->delivered(*item);
                w.at(Phase::task_done);
                d->dones_started.fetch_add(1);
                q->task_done();
                w.step();
            }
        });
    }
    add_closer(crew, q, d, producers_done, static_cast<long long>(kProducers) * per_producer);
    if (crew.run(kStall, kStressLimit)) {
        expect_exactly_once(*d);
    }
    expect_capacity_respected(d->occupancy, kCapacity);
}

/// Small capacities with many threads make every producer and consumer wait again and again,
/// which is where a missing or misdirected notify shows up. The calls are a seeded mix of the
/// blocking, non-blocking and timed variants.
class QueueSmallCapacity : public ::testing::TestWithParam<std::size_t> {};

TEST_P(QueueSmallCapacity, ManyThreadsNoLostWakeupNoLostItem) {
    constexpr int kProducers = 5;
    constexpr int kConsumers = 5;
    const std::size_t capacity = GetParam();
    const int per_producer = kata::scaled(2500);
    const std::uint64_t seed = kata::test_seed();
    auto q = std::make_shared<BoundedQueue<Token>>(capacity);
    auto d = std::make_shared<Delivery>(kProducers, per_producer);
    auto producers_done = std::make_shared<std::latch>(kProducers);
    Crew crew;
    for (int p = 0; p < kProducers; ++p) {
        crew.add("producer " + std::to_string(p),
                 [q, d, producers_done, p, per_producer, seed](Worker& w) {
                     std::mt19937_64 rng(seed * 131 + static_cast<std::uint64_t>(p));
                     for (int s = 0; s < per_producer; ++s) {
                         Token token(p, s);
                         bool ok = false;
                         w.at(Phase::push);
                         switch (rng() % 4) {
                             case 0:  // try_push a few times, then block
                                 for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
                                     ok = q->try_push(std::move(token));
                                     if (!ok && !token.valid()) {
                                         w.fail("a refused try_push() took the item anyway");
                                         producers_done->count_down();
                                         return;
                                     }
                                     if (!ok) std::this_thread::yield();
                                 }
                                 if (!ok) ok = q->push(std::move(token));
                                 break;
                             case 1:  // a few short timed waits, then block
                                 for (int attempt = 0; attempt < 4 && !ok; ++attempt) {
                                     ok = q->push_for(std::move(token),
                                                      std::chrono::microseconds(rng() % 400));
                                     if (!ok && !token.valid()) {
                                         w.fail("a push_for() that failed took the item anyway");
                                         producers_done->count_down();
                                         return;
                                     }
                                 }
                                 if (!ok) ok = q->push(std::move(token));
                                 break;
                             default:
                                 ok = q->push(std::move(token));
                                 break;
                         }
                         if (!ok) {
                             w.fail("a push into an open queue failed");
                             break;
                         }
                         d->occupancy.pushed();
                         w.step();
                     }
                     producers_done->count_down();
                 });
    }
    for (int c = 0; c < kConsumers; ++c) {
        crew.add("consumer " + std::to_string(c), [q, d, c, seed](Worker& w) {
            std::mt19937_64 rng(seed * 137 + 7 + static_cast<std::uint64_t>(c));
            for (;;) {
                w.at(Phase::pop);
                d->occupancy.popping();
                std::optional<Token> item;
                switch (rng() % 4) {
                    case 0:
                        item = q->try_pop();
                        if (!item) std::this_thread::yield();
                        break;
                    case 1:
                        item = q->pop_for(std::chrono::microseconds(rng() % 400));
                        break;
                    default:
                        item = q->pop();
                        if (!item) return;  // closed and drained
                        break;
                }
                if (!item) continue;
                d->delivered(*item);
                w.at(Phase::task_done);
                d->dones_started.fetch_add(1);
                q->task_done();
                w.step();
            }
        });
    }
    add_closer(crew, q, d, producers_done, static_cast<long long>(kProducers) * per_producer);
    if (crew.run(kStall, kStressLimit)) {
        expect_exactly_once(*d);
    }
    expect_capacity_respected(d->occupancy, capacity);
}

INSTANTIATE_TEST_SUITE_P(Capacities, QueueSmallCapacity, ::testing::Values(1u, 2u, 3u),
                         [](const auto& p) { return "capacity" + std::to_string(p.param); });

}  // namespace
