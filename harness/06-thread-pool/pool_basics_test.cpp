// Kata 06 harness, part 1: what submit() and shutdown() promise. Results and exceptions reach
// the right future, any callable and arguments (move-only ones too) can be submitted, n workers
// run n tasks at once, a task may submit more tasks; shutdown drains or cancels the queue, waits
// for running tasks and joins every worker; the pool's threads are never more than n, all gone
// after shutdown, and asleep when there is no work.
#include "pool_test_common.hpp"

#include <iterator>
#include <sstream>

namespace {

/// The thread ids (tids) of this process, from /proc/self/task, sorted; empty when unreadable.
std::vector<int> task_ids() {
    std::vector<int> ids;
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/self/task", ec), end; !ec && it != end;
         it.increment(ec)) {
        ids.push_back(std::atoi(it->path().filename().c_str()));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::string read_proc_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

/// One thread of this process as /proc/self/task/<tid> shows it.
struct TaskSample {
    bool ok = false;
    char state = '?';                  ///< R running or runnable, S asleep, ...
    long long voluntary_switches = 0;  ///< times it blocked (slept, waited) and was woken
    long long cpu_ns = 0;              ///< CPU time used (schedstat, or utime + stime)
};

TaskSample sample_task(int tid) {
    TaskSample s;
    const std::string dir = "/proc/self/task/" + std::to_string(tid) + "/";
    const std::string stat = read_proc_file(dir + "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) return s;
    std::istringstream fields(stat.substr(close + 2));
    std::string skip;
    long long utime = 0;
    long long stime = 0;
    fields >> s.state;                             // field 3
    for (int f = 4; f <= 13; ++f) fields >> skip;  // fields 4 to 13
    fields >> utime >> stime;                      // fields 14 and 15, in clock ticks
    if (!fields) return s;
    const std::string status = read_proc_file(dir + "status");
    const char* key = "\nvoluntary_ctxt_switches:";
    const auto at = status.find(key);
    if (at == std::string::npos) return s;
    s.voluntary_switches = std::atoll(status.c_str() + at + std::strlen(key));
    const std::string schedstat = read_proc_file(dir + "schedstat");
    if (!schedstat.empty()) {
        s.cpu_ns = std::atoll(schedstat.c_str());
    } else {
        s.cpu_ns = (utime + stime) * (1000000000LL / std::max(::sysconf(_SC_CLK_TCK), 1L));
    }
    s.ok = true;
    return s;
}

/// The contract's corner: a pool without threads could never run anything; size() reports n.
TEST(PoolBasics, SizeIsFixedAndZeroThreadsIsRejected) {
    EXPECT_THROW(ThreadPool{0}, std::invalid_argument)
        << "ThreadPool(0) must throw std::invalid_argument: a pool without workers would accept "
           "tasks and never run them";
    TestPool pool(3);
    EXPECT_EQ(pool->size(), 3u) << "size() must return the number of worker threads, here 3";
}

/// Values of several types, void, arguments, and move-only callables and arguments: each
/// future receives exactly what its own call returned.
TEST(PoolBasics, EachFutureReceivesItsOwnResult) {
    TestPool pool(2);
    auto sum = pool->submit([](int a, int b) { return a + b; }, 40, 2);
    auto text = pool->submit([](std::string s) { return s + "!"; }, std::string("done"));
    auto ran = std::make_shared<std::atomic<bool>>(false);
    auto nothing = pool->submit([ran] { ran->store(true); });
    auto owned = std::make_unique<int>(7);
    auto move_only_lambda = pool->submit([p = std::move(owned)] { return *p * 6; });
    auto move_only_argument =
        pool->submit([](std::unique_ptr<int> p) { return *p + 1; }, std::make_unique<int>(99));

    if (!ready_within(sum, kPrompt, "submit(f, 40, 2)")) {
        FAIL() << "the task submitted first did not finish within 2 s on an idle pool of 2 "
                  "workers: no worker took it (workers not started, or not woken by submit)";
    }
    EXPECT_EQ(sum.get(), 42) << "the future must hold what f(args...) returned";
    ASSERT_TRUE(ready_within(text, kPrompt, "submit(f, std::string)"))
        << "a task with a std::string argument never finished";
    EXPECT_EQ(text.get(), "done!");
    ASSERT_TRUE(ready_within(nothing, kPrompt, "submit(void task)"))
        << "a task returning void never finished";
    nothing.get();
    EXPECT_TRUE(ran->load()) << "the future<void> was ready before the task had run";
    ASSERT_TRUE(ready_within(move_only_lambda, kPrompt, "submit(move-only lambda)"))
        << "a move-only lambda never finished";
    EXPECT_EQ(move_only_lambda.get(), 42);
    ASSERT_TRUE(ready_within(move_only_argument, kPrompt, "submit(f, std::unique_ptr)"))
        << "a task with a move-only argument never finished";
    EXPECT_EQ(move_only_argument.get(), 100);
}

struct Broken : std::runtime_error {
    explicit Broken(int id) : std::runtime_error("broken #" + std::to_string(id)), id(id) {}
    int id;
};

/// A task that throws must not kill its worker nor lose the exception: the future rethrows the
/// very exception (same type, same message), and the pool keeps working.
TEST(PoolBasics, ExceptionsTravelThroughTheFuture) {
    TestPool pool(1);
    auto out_of_range = pool->submit([]() -> int { throw std::out_of_range("index 7"); });
    auto custom = pool->submit([] { throw Broken(3); });
    auto after = pool->submit([] { return 5; });

    ASSERT_TRUE(ready_within(out_of_range, kPrompt, "a throwing task"))
        << "the future of a task that threw never became ready: the exception must be stored "
           "in the task's promise (set_exception) so that get() rethrows it";
    // The exceptions are examined through a shared_future that stays alive meanwhile (see
    // keep_alive_while_examined() in pool_test_common.hpp).
    const auto out_of_range_kept = out_of_range.share();
    try {
        out_of_range_kept.get();
        ADD_FAILURE() << "get() returned normally although the task threw std::out_of_range";
    } catch (const std::out_of_range& e) {
        EXPECT_STREQ(e.what(), "index 7") << "the future must rethrow the task's own exception";
    } catch (const std::future_error& e) {
        ADD_FAILURE() << "get() threw std::future_error (" << e.what()
                      << ") instead of the task's std::out_of_range: the exception was "
                         "swallowed and the promise destroyed without a value. Catch it in the "
                         "worker and hand it to the promise with set_exception";
    } catch (const std::exception& e) {
        ADD_FAILURE() << "get() threw '" << e.what() << "' instead of the task's "
                      << "std::out_of_range(\"index 7\")";
    }
    ASSERT_TRUE(ready_within(custom, kPrompt, "a task throwing a custom type"))
        << "the future of a task that threw a custom exception never became ready";
    const auto custom_kept = custom.share();
    try {
        custom_kept.get();
        ADD_FAILURE() << "get() returned normally although the task threw";
    } catch (const Broken& e) {
        EXPECT_EQ(e.id, 3) << "the rethrown exception must be the task's own object";
    } catch (...) {
        ADD_FAILURE() << "get() did not rethrow the task's own exception type: use "
                         "std::current_exception() in catch (...), which keeps the type";
    }
    ASSERT_TRUE(ready_within(after, kPrompt, "a task after two throwing ones"))
        << "after two tasks threw, the single worker never ran the next task: an exception "
           "escaped the worker's loop (or killed the worker)";
    EXPECT_EQ(after.get(), 5);
}

/// With n idle workers, n tasks submitted back to back all run at the same time: each waits at a
/// rendezvous for the others. Repeated with the workers asleep before each round, so that every
/// submit must wake a worker of its own.
TEST(PoolBasics, NIdleWorkersRunNTasksAtOnce) {
    constexpr int kWorkers = 3;
    TestPool pool(kWorkers);
    for (int round = 0; round < 10; ++round) {
        std::this_thread::sleep_for(20ms);  // every worker is asleep, waiting for work
        auto meet = std::make_shared<Rendezvous>(kWorkers);
        std::vector<std::future<bool>> tasks;
        for (int i = 0; i < kWorkers; ++i)
            tasks.push_back(pool->submit([meet] { return meet->arrive_and_wait(1s); }));
        for (auto& t : tasks) {
            if (!ready_within(t, kPrompt, "a rendezvous task")) {
                FAIL() << "round " << round << ": a task did not finish within 2 s";
            }
        }
        int met = 0;
        for (auto& t : tasks) met += t.get() ? 1 : 0;
        if (met != kWorkers) {
            FAIL() << "round " << round << ": " << kWorkers << " tasks were submitted to a pool of "
                   << kWorkers << " idle workers, but at most " << meet->peak()
                   << " of them were running at the same time (each waited 1 s for the others). "
                      "Every idle worker should take a task. Likely causes: submit() wakes a "
                      "worker only when the queue was empty before (the other sleeping workers "
                      "are never told about the next tasks: a lost wake-up), or a worker holds "
                      "the pool's mutex while it runs its task, so only one task runs at a time";
        }
    }
}

/// A task may submit more tasks: submit() never waits for a worker, so a pool of one worker
/// runs a chain of 50 tasks, each submitted by the one before. And a task can hand back the
/// future of a task it submitted (it must not wait on it: see the README).
TEST(PoolBasics, ATaskMaySubmitMoreTasks) {
    TestPool pool(1, "the pool of the nested-submit test");
    struct Chain {
        ThreadPool* pool = nullptr;
        std::atomic<int> links{0};
        std::promise<int> done;
    };
    auto chain = std::make_shared<Chain>();
    chain->pool = &*pool;
    std::future<int> finished = chain->done.get_future();
    struct Link {
        std::shared_ptr<Chain> chain;
        void operator()() const {
            const int n = ++chain->links;
            if (n == 50) {
                chain->done.set_value(n);
            } else {
                chain->pool->submit(Link{chain});
            }
        }
    };
    auto first = pool->submit(Link{chain});
    if (!ready_within(finished, kPrompt, "a chain of nested submits")) {
        FAIL() << "a chain of 50 tasks, each submitting the next from inside the task, stopped "
                  "after "
               << chain->links.load()
               << " task(s) on a pool of 1 worker. submit() called from a task must queue the task "
                  "and return at once. Likely cause: the worker holds the pool's mutex while it "
                  "runs the task, so the task's own submit() waits for a mutex its own thread "
                  "holds (a deadlock)";
    }
    EXPECT_EQ(finished.get(), 50);

    auto outer = pool->submit([p = &*pool] { return p->submit([] { return 21 * 2; }); });
    ASSERT_TRUE(ready_within(outer, kPrompt, "a task that submits a task"))
        << "a task that submits another task and returns its future never finished";
    std::future<int> inner = outer.get();
    ASSERT_TRUE(ready_within(inner, kPrompt, "the task submitted by a task"))
        << "the task submitted from inside another task never ran";
    EXPECT_EQ(inner.get(), 42);
}

/// submit() only queues: with every worker busy it returns at once, and the task runs later on a
/// worker, never on the thread that called submit() (no "caller runs" when the pool is busy).
TEST(PoolBasics, SubmitQueuesWhileEveryWorkerIsBusy) {
    constexpr int kWorkers = 2;
    TestPool pool(kWorkers);
    auto gate = std::make_shared<Gate>();
    auto started = std::make_shared<Rendezvous>(kWorkers + 1);
    std::vector<std::future<bool>> blockers;
    for (int i = 0; i < kWorkers; ++i)
        blockers.push_back(pool->submit([gate, started] {
            started->arrive_and_wait(kPrompt);
            return gate->wait();
        }));
    if (!started->arrive_and_wait(kPrompt)) {
        gate->open();
        FAIL() << kWorkers << " tasks submitted to an idle pool of " << kWorkers
               << " workers did not both start within 2 s";
    }
    // Both workers are now held at the gate.
    struct Submitted {
        std::thread::id caller;
        std::future<std::thread::id> ran_on;
    };
    auto call = in_background([p = &*pool] {
        Submitted s;
        s.caller = std::this_thread::get_id();
        s.ran_on = p->submit([] { return std::this_thread::get_id(); });
        return s;
    });
    if (call.wait_for(kPrompt) != std::future_status::ready) {
        gate->open();
        FAIL() << "submit() did not return within 2 s while every worker was busy: it must queue "
                  "the task and return at once, never wait for a worker to be free";
    }
    Submitted submitted = call.get();
    const bool ran_before_a_worker_was_free =
        submitted.ran_on.valid() && submitted.ran_on.wait_for(0ms) == std::future_status::ready;
    gate->open();
    ASSERT_TRUE(ready_within(submitted.ran_on, kPrompt,
                             "a task submitted while every worker "
                             "was busy"))
        << "a task submitted while every worker was busy never ran once they were free";
    const std::thread::id ran_on = submitted.ran_on.get();
    if (ran_on == submitted.caller) {
        ADD_FAILURE() << "submit() ran the task on the calling thread because every worker was "
                         "busy (a 'caller runs' policy). submit() must only queue the task and "
                         "return; a worker runs it when one is free. A caller holding a lock, "
                         "or one that needs submit() to return at once, would otherwise run "
                         "the task itself";
    } else if (ran_before_a_worker_was_free) {
        ADD_FAILURE() << "the task submitted while both workers were busy had already run before "
                         "either was free: it ran on a thread that is not one of the pool's "
                      << kWorkers << " workers";
    }
    for (auto& b : blockers) {
        ASSERT_TRUE(ready_within(b, kPrompt, "a task held at the gate"));
    }
}

// ---- shutdown, the destructor, the pool's threads ----------------------------------------

/// One worker, held by a task at a gate, and 20 tasks queued behind it. shutdown(drain) must
/// wait for the running task, then run all 20 (in the order they were submitted), then return.
TEST(PoolShutdown, DrainRunsEveryQueuedTaskInOrder) {
    TestPool pool(1);
    auto gate = std::make_shared<Gate>();
    auto blocker = pool->submit([gate] { return gate->wait(); });
    auto order = std::make_shared<std::vector<int>>();  // written by the one worker only
    std::vector<std::future<int>> queued;
    for (int i = 0; i < 20; ++i)
        queued.push_back(pool->submit([order, i] {
            order->push_back(i);
            return i * i;
        }));
    auto stopped = in_background([p = &*pool] { p->shutdown(ShutdownMode::drain); });
    if (stopped.wait_for(150ms) == std::future_status::ready) {
        gate->open();
        FAIL() << "shutdown(drain) returned while a task was still running: it must wait until "
                  "the running task and every queued task have finished, then join the workers "
                  "(join, never detach)";
    }
    gate->open();
    ASSERT_EQ(stopped.wait_for(kPrompt), std::future_status::ready)
        << "shutdown(drain) did not return within 2 s after the running task finished: a worker "
           "was not woken to finish the queue and leave (notify_all after setting the stop flag), "
           "or it waits for work without checking the stop flag";
    ASSERT_TRUE(ready_within(blocker, 0ms, "the running task")) << "the running task never ended";
    EXPECT_TRUE(blocker.get());
    int lost = 0;
    std::string first_problem;
    for (int i = 0; i < 20; ++i) {
        if (!ready_within(queued[static_cast<std::size_t>(i)], 0ms, "a queued task")) {
            ++lost;
            if (first_problem.empty()) first_problem = "its future is not even ready";
            continue;
        }
        const auto kept = keep_alive_while_examined(queued[static_cast<std::size_t>(i)]);
        try {
            EXPECT_EQ(kept.get(), i * i);
        } catch (...) {
            ++lost;
            if (first_problem.empty())
                first_problem = "get() threw " + describe_current_exception();
        }
    }
    ASSERT_EQ(lost, 0) << lost << " of the 20 tasks queued before shutdown(drain) did not run ("
                       << first_problem
                       << "). drain means: no new tasks, but every task already queued runs. "
                          "Likely cause: shutdown() clears the queue whatever the mode, or the "
                          "workers leave as soon as the stop flag is set, before the queue is "
                          "empty";
    std::vector<int> expected(20);
    for (int i = 0; i < 20; ++i) expected[static_cast<std::size_t>(i)] = i;
    EXPECT_EQ(*order, expected)
        << "one worker must start tasks in the order they were submitted (FIFO)";
}

/// shutdown(cancel_pending) removes the queued tasks at once, and each of their futures
/// throws TaskCancelled (no hang, no broken promise), while the running task is left to finish.
TEST(PoolShutdown, CancelPendingCancelsWhatHasNotStarted) {
    TestPool pool(1);
    auto gate = std::make_shared<Gate>();
    auto started = std::make_shared<std::promise<void>>();
    auto running = started->get_future();
    auto blocker = pool->submit([gate, started] {
        started->set_value();
        return gate->wait();
    });
    // The one worker is busy before the other tasks are submitted: they can only be queued.
    if (running.wait_for(kPrompt) != std::future_status::ready) {
        gate->open();
        FAIL() << "the first task never started on an idle pool of 1 worker";
    }
    auto ran = std::make_shared<std::atomic<int>>(0);
    auto ran_on_caller = std::make_shared<std::atomic<int>>(0);
    const auto caller = std::this_thread::get_id();
    std::vector<std::future<int>> queued;
    for (int i = 0; i < 10; ++i)
        queued.push_back(pool->submit([ran, ran_on_caller, caller, i] {
            if (std::this_thread::get_id() == caller) ++*ran_on_caller;
            return ++*ran + i;
        }));
    if (ran_on_caller->load() > 0) {
        gate->open();
        FAIL() << ran_on_caller->load()
               << " of the 10 tasks submitted while the only worker was busy ran inside submit(), "
                  "on the calling thread. submit() must only queue the task and return; a "
                  "worker runs it when it is free";
    }
    auto stopped = in_background([p = &*pool] { p->shutdown(ShutdownMode::cancel_pending); });

    // The running task is still at its gate: the cancelled futures must be ready before it ends.
    int cancelled = 0;
    std::string problem;
    for (auto& f : queued) {
        if (!ready_within(f, kPrompt, "a cancelled task")) {
            if (problem.empty())
                problem =
                    "a queued task's future was still not ready 2 s after "
                    "shutdown(cancel_pending) began (and the running task had not "
                    "ended). Cancel the queued tasks at once, do not wait for the "
                    "running ones first; and cancelling means calling "
                    "set_exception(TaskCancelled) on each queued task's promise: tasks left "
                    "in the queue, or moved out and kept without their promises ever "
                    "being satisfied, leave their futures hanging";
            break;
        }
        const auto kept = keep_alive_while_examined(f);
        try {
            kept.get();
            if (problem.empty())
                problem =
                    "a queued task ran although shutdown(cancel_pending) was called "
                    "before it started";
        } catch (const TaskCancelled&) {
            ++cancelled;
        } catch (...) {
            if (problem.empty())
                problem =
                    "a cancelled task's future threw something other than TaskCancelled; "
                    "destroying a queued task's promise gives std::future_error (broken "
                    "promise): call set_exception(std::make_exception_ptr(TaskCancelled())) "
                    "on each queued task's promise instead";
        }
    }
    const bool returned_early = stopped.wait_for(0ms) == std::future_status::ready;
    gate->open();
    ASSERT_EQ(cancelled, 10) << "only " << cancelled << " of the 10 queued tasks reported "
                             << "TaskCancelled: " << problem;
    EXPECT_FALSE(returned_early) << "shutdown(cancel_pending) returned while a task was still "
                                    "running: a running task is never interrupted, shutdown "
                                    "waits for it and joins the worker";
    ASSERT_EQ(stopped.wait_for(kPrompt), std::future_status::ready)
        << "shutdown(cancel_pending) did not return within 2 s after the running task ended";
    ASSERT_TRUE(ready_within(blocker, 0ms, "the running task"));
    EXPECT_TRUE(blocker.get()) << "the task that was running must finish normally";
    EXPECT_EQ(ran->load(), 0) << "a cancelled task ran anyway";
}

/// After shutdown() submit throws PoolStopped; shutdown() may be called again, in either mode,
/// and the destructor after it is harmless.
TEST(PoolShutdown, ShutdownIsFinalAndIdempotent) {
    TestPool pool(2);
    auto before = pool->submit([] { return 1; });
    ASSERT_TRUE(ready_within(before, kPrompt, "a task before shutdown"))
        << "a task submitted to an idle pool never finished";
    EXPECT_EQ(before.get(), 1);
    auto first = in_background([p = &*pool] {
        p->shutdown(ShutdownMode::drain);
        p->shutdown(ShutdownMode::cancel_pending);
        p->shutdown();
    });
    ASSERT_EQ(first.wait_for(kPrompt), std::future_status::ready)
        << "calling shutdown() three times on an idle pool did not return within 2 s; a second "
           "call must not wait for workers that are already joined (nor join them twice)";
    first.get();
    EXPECT_THROW(pool->submit([] { return 2; }), PoolStopped)
        << "submit() after shutdown() must throw PoolStopped: no worker is left to run the task, "
           "so a future returned now would never become ready";
}

/// The destructor does not abandon running tasks: with two tasks still running, ~ThreadPool()
/// returns only after both have finished, and the workers are joined (the thread count is back
/// to what it was before the pool existed).
TEST(PoolShutdown, DestructorWaitsForRunningTasksAndJoins) {
    const int baseline = process_thread_count();
    auto ran = std::make_shared<std::atomic<int>>(0);
    auto started = std::make_shared<Rendezvous>(3);
    {
        TestPool pool(2, "a pool going out of scope");
        for (int i = 0; i < 2; ++i)
            pool->submit([ran, started] {
                started->arrive_and_wait(kPrompt);
                std::this_thread::sleep_for(100ms);
                ++*ran;
            });
        if (!started->arrive_and_wait(kPrompt)) {
            FAIL() << "2 tasks submitted to an idle pool of 2 workers did not both start "
                      "within 2 s";
        }
        pool.destroy();
        EXPECT_EQ(ran->load(), 2)
            << "~ThreadPool() returned while " << 2 - ran->load()
            << " of its 2 running tasks had not finished. The destructor must run "
               "shutdown(drain), which waits for the tasks and joins the workers; a destructor "
               "that detaches them returns at once, and the detached threads go on using the "
               "destroyed pool";
    }
    const int after = settled_thread_count(baseline);
    EXPECT_LE(after, baseline)
        << "the process had " << baseline << " threads before the pool and " << after
        << " after its destructor returned: the workers must be joined, not detached or leaked";
}

/// The pool owns exactly n threads: never more (no thread per task), all gone after shutdown.
/// 24 tasks of 15 ms on 3 workers; each task samples the process's thread count.
TEST(PoolThreads, NeverMoreThanNThreads) {
    const int baseline = process_thread_count();
    ASSERT_GT(baseline, 0) << "cannot read /proc/self/stat";
    auto peak = std::make_shared<std::atomic<int>>(0);
    auto sample = [peak] {
        const int n = process_thread_count();
        int seen = peak->load();
        while (n > seen && !peak->compare_exchange_weak(seen, n)) {
        }
    };
    int done = 0;
    {
        TestPool pool(3, "the pool of the thread-count test");
        sample();
        std::vector<std::future<void>> tasks;
        for (int i = 0; i < 24; ++i)
            tasks.push_back(pool->submit([sample] {
                sample();
                std::this_thread::sleep_for(15ms);
                sample();
            }));
        for (auto& t : tasks) {
            if (ready_within(t, kPrompt, "a 15 ms task")) ++done;
        }
        sample();
        pool->shutdown();
        pool.destroy();
    }
    ASSERT_EQ(done, 24) << "only " << done << " of 24 short tasks finished within 2 s each";
    EXPECT_LE(peak->load(), baseline + 3)
        << "a pool of 3 workers running 24 tasks: the process had " << baseline
        << " threads before the pool and up to " << peak->load()
        << " while it ran, so the pool used more than n threads (" << peak->load() - baseline
        << " here, n = 3). The pool owns exactly n threads, its workers, started once and "
           "reused: no extra thread beside them (a dispatcher or manager thread makes n+1), "
           "and no thread per task (even one joined right away costs a thread creation per task "
           "and lets the number of threads grow without bound)";
    const int after = settled_thread_count(baseline);
    EXPECT_LE(after, baseline) << "after shutdown() the process still had " << after << " threads ("
                               << baseline << " before the pool): every worker must be joined";
}

/// A worker with nothing to do sleeps on a condition variable. The pool's threads (those born
/// with it, from /proc/self/task) are watched for 200 ms while the pool is idle: a thread blocked
/// in condition_variable::wait is asleep (state S), uses no CPU and is never woken (its count of
/// voluntary context switches stays put). A worker that polls (sleep_for(1ms) in a loop) wakes up
/// about 200 times; one that spins (with or without yield) is running or runnable (state R) and
/// burns CPU. None of this depends on how busy the machine is.
TEST(PoolThreads, IdleWorkersSleep) {
    constexpr int kWorkers = 3;
    const std::vector<int> before = task_ids();
    TestPool pool(kWorkers);
    std::vector<std::future<int>> warmup;
    for (int i = 0; i < 3 * kWorkers; ++i) warmup.push_back(pool->submit([i] { return i; }));
    for (auto& f : warmup) {
        ASSERT_TRUE(ready_within(f, kPrompt, "a warm-up task"))
            << "a task on an idle pool never finished";
    }
    std::this_thread::sleep_for(30ms);
    std::vector<int> pool_threads;
    const std::vector<int> after = task_ids();
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                        std::back_inserter(pool_threads));
    if (pool_threads.empty()) {
        // No /proc/self/task: fall back to the CPU time of the whole process.
        const auto cpu0 = kata::process_cpu_time();
        const auto wall0 = Clock::now();
        std::this_thread::sleep_for(300ms);
        const kata::CpuUsage idle{Clock::now() - wall0, kata::process_cpu_time() - cpu0};
        if (!(idle.fraction() < 0.15)) {
            ADD_FAILURE() << "the pool's " << kWorkers << " idle workers " << idle.describe()
                          << " (the test thread only slept): a worker that polls (sleep_for in a "
                             "loop) or spins instead of waiting on a condition variable";
        }
        return;
    }

    constexpr int kSamples = 20;
    constexpr auto kStep = 10ms;
    std::vector<TaskSample> first;
    for (const int tid : pool_threads) first.push_back(sample_task(tid));
    const auto wall0 = Clock::now();
    std::vector<int> running(pool_threads.size(), 0);
    for (int k = 0; k < kSamples; ++k) {
        std::this_thread::sleep_for(kStep);
        for (std::size_t t = 0; t < pool_threads.size(); ++t) {
            if (sample_task(pool_threads[t]).state == 'R') ++running[t];
        }
    }
    const auto window = Clock::now() - wall0;
    long long wakeups = 0;
    long long cpu_ns = 0;
    int spinning = 0;
    int watched = 0;
    for (std::size_t t = 0; t < pool_threads.size(); ++t) {
        const TaskSample last = sample_task(pool_threads[t]);
        if (!first[t].ok || !last.ok) continue;  // a thread that left meanwhile
        ++watched;
        wakeups += last.voluntary_switches - first[t].voluntary_switches;
        cpu_ns += last.cpu_ns - first[t].cpu_ns;
        if (running[t] * 3 > kSamples) ++spinning;
    }
    const long long window_ms = ms(window);
    const bool polls = wakeups > 5LL * std::max(watched, 1);
    const bool burns = cpu_ns * 5 > std::chrono::nanoseconds(window).count();
    if (polls || spinning > 0 || burns) {
        std::string running_part;
        if (spinning > 0 || burns) {
            running_part = "; " + std::to_string(spinning) +
                           " of them were running or runnable (state R) in most of " +
                           std::to_string(kSamples) + " samples, and they used " +
                           std::to_string(cpu_ns / 1000000) + " ms of CPU";
        }
        ADD_FAILURE() << watched << " idle workers (the pool's threads) woke up " << wakeups
                      << " times in " << window_ms << " ms" << running_part
                      << ": a worker that polls (sleep_for in a loop) or spins (a loop with "
                         "yield, or none) instead of waiting on a condition variable. Waiting "
                         "for work must sleep in condition_variable::wait until submit() or "
                         "shutdown() notifies: a worker blocked there is not woken at all";
    }
}

}  // namespace
