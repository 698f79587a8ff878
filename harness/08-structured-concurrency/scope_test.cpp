// Kata 08 harness, part 1: the scopes themselves. TaskGroup (every child awaited, the first
// failure cancels the rest and reaches the caller with the later ones attached, cancellation
// from the owner or from the parent, a destructor that cancels and joins), gather and
// gather_settled (results in input order), with_timeout (the deadline cancels the work and the
// call returns only once it has stopped) and shield (the section completes, the cancellation
// is delivered after it).
#include "scope_support.hpp"

namespace {

using namespace sc;

/// Checks a TaskGroupError: its first failure is job `first_id`, then `others` in that order.
void expect_group_error(const Call& call, int first_id, const std::vector<int>& others,
                        const std::string& scope) {
    ASSERT_TRUE(call.error) << scope << " returned normally although job " << first_id
                            << " failed: the failure must reach the caller";
    try {
        std::rethrow_exception(call.error);
    } catch (const TaskGroupError& g) {
        EXPECT_EQ(boom_id(g.first()), first_id)
            << "the first failure attached is " << describe(g.first()) << "; job " << first_id
            << " failed first. Keep the first failure as first() (not the last one seen, not one "
               "of the cancelled children's)";
        std::vector<int> got;
        for (const auto& e : g.others()) got.push_back(boom_id(e));
        std::string listed;
        for (const auto& e : g.others()) listed += "\n  " + describe(e);
        EXPECT_EQ(got, others)
            << "others() holds " << g.others().size()
            << " errors:" << (listed.empty() ? " none" : listed)
            << "\nexpected the later failures of jobs in this order: every failure after the first "
               "is attached, in the order it happened; Cancelled is never a failure (a cancelled "
               "child did what it was asked)";
    } catch (...) {
        ADD_FAILURE() << scope << " threw " << describe(call.error)
                      << " instead of TaskGroupError (the first failure, with the later ones "
                         "attached)";
    }
}

/// Every sibling's token was stopped soon after `fail_us`, and none ran its full course.
void expect_siblings_cancelled(const Probe& probe, const std::vector<int>& siblings,
                               std::int64_t fail_us, const std::string& scope) {
    for (int id : siblings) {
        const JobLog log = probe.log(id);
        if (log.stop_us < 0) {
            ADD_FAILURE() << "job " << id << "'s token was never stopped after " << scope
                          << " (it slept on until " << ms(log.end_us - fail_us)
                          << " after it): cancel every child (request_stop on the "
                             "stop_source whose token the children hold)";
            return;
        }
        EXPECT_LE(log.stop_us - fail_us, kStopBoundUs)
            << "job " << id << "'s token was stopped " << ms(log.stop_us - fail_us) << " after "
            << scope
            << ": cancel the siblings at once (as soon as a child fails), "
               "not when wait() gets round to it";
    }
}

// Six children of different lengths (150 to 190 ms): all have started before wait() is called,
// wait() returns once the longest is done (not before, and
// soon after), every child ran at the same time as the others, none is alive at the return and
// every cleanup has run; no thread is left.
TEST(TaskGroup, WaitsForEveryChild) {
    auto probe = Probe::make();
    const int before = kata::process_thread_count();
    auto live = std::make_shared<std::atomic<int>>(-1);
    auto cleaned = std::make_shared<std::atomic<int>>(-1);
    auto started_before_wait = std::make_shared<std::atomic<int>>(-1);
    const Call call = call_within([probe, live, cleaned, started_before_wait] {
        TaskGroup group;
        for (int i = 0; i < 6; ++i)
            group.spawn(probe->sleeper(i, std::chrono::milliseconds(150 + 8 * i)));
        (void)eventually([&] { return probe->started() >= 6; }, kStartBound);
        started_before_wait->store(probe->started());
        group.wait();
        live->store(probe->live());
        cleaned->store(probe->cleaned());
    });
    ASSERT_TRUE(call.finished) << not_returned("TaskGroup::wait()");
    ASSERT_FALSE(call.error) << "wait() threw " << describe(call.error)
                             << " although every child succeeded";
    EXPECT_EQ(probe->started(), 6)
        << "only " << probe->started() << " of the 6 spawned children ran";
    EXPECT_EQ(started_before_wait->load(), 6)
        << ms(kStartBound.count() * 1000) << " after the six spawn() calls, before wait(), only "
        << started_before_wait->load()
        << " of the children had started: spawn() starts its child at once (a thread of its own), "
           "it does not leave it for wait() to start";
    EXPECT_EQ(scope_clean(*probe, live->load(), cleaned->load(), "wait()"), "");
    EXPECT_GE(probe->peak(), 6) << "at most " << probe->peak()
                                << " children ran at once: spawn() starts each child at once, "
                                   "on a thread of its own, and returns";
    EXPECT_GE(call.took_us(), 190000)
        << "wait() returned after " << ms(call.took_us()) << "; the longest child takes 190 ms";
    EXPECT_LE(call.took_us(), 190000 + kReturnBoundUs)
        << "wait() returned " << ms(call.took_us())
        << " after the start; the longest child takes 190 ms";
    EXPECT_EQ(thread_leak(before, settled_threads(before), "wait()"), "");
}

// One child fails after 20 ms while five sleep for 3 s: every sibling's token is stopped at
// once, wait() returns soon after with TaskGroupError whose first() is that failure, and no
// child outlives the scope.
TEST(TaskGroup, FirstFailureCancelsTheSiblings) {
    auto probe = Probe::make();
    auto live = std::make_shared<std::atomic<int>>(-1);
    auto cleaned = std::make_shared<std::atomic<int>>(-1);
    const Call call = call_within([probe, live, cleaned] {
        TaskGroup group;
        for (int i = 0; i < 5; ++i) group.spawn(probe->sleeper(i, kLong));
        group.spawn(probe->failer(9, 20ms));
        try {
            group.wait();
        } catch (...) {
            live->store(probe->live());
            cleaned->store(probe->cleaned());
            throw;
        }
        live->store(probe->live());
        cleaned->store(probe->cleaned());
    });
    ASSERT_TRUE(call.finished) << not_returned("TaskGroup::wait() after a child failed");
    expect_group_error(call, 9, {}, "wait()");
    const std::int64_t fail = probe->log(9).fail_us;
    ASSERT_GE(fail, 0) << "the failing child never ran";
    expect_siblings_cancelled(*probe, {0, 1, 2, 3, 4}, fail, "the first failure");
    EXPECT_LE(call.end_us - fail, kReturnBoundUs)
        << "wait() returned " << ms(call.end_us - fail)
        << " after the first failure: cancel the siblings and return once they have ended";
    EXPECT_EQ(scope_clean(*probe, live->load(), cleaned->load(), "wait()"), "");
    EXPECT_EQ(kata::tasks::live_timers(), 0) << "timers still running after wait() returned";
}

// Job 1 fails first; job 2 and job 3 fail while they clean up after the cancellation (5 ms and
// 60 ms later); job 4 is simply cancelled. first() is job 1's failure; others() holds job 2's
// and job 3's, in that order, and nothing for job 4.
TEST(TaskGroup, LaterFailuresAreAttachedInOrder) {
    auto probe = Probe::make();
    const Call call = call_within([probe] {
        TaskGroup group;
        group.spawn(probe->fails_when_cancelled(3, 60ms));
        group.spawn(probe->sleeper(4, kLong));
        group.spawn(probe->fails_when_cancelled(2, 5ms));
        group.spawn(probe->failer(1, 15ms));
        group.wait();
    });
    ASSERT_TRUE(call.finished) << not_returned("TaskGroup::wait()");
    expect_group_error(call, 1, {2, 3}, "wait()");
    if (call.error) {
        try {
            std::rethrow_exception(call.error);
        } catch (const TaskGroupError& g) {
            EXPECT_NE(std::string(g.what()).find("job 1 failed"), std::string::npos)
                << "what() is \"" << g.what() << "\"; it should start with the first failure's";
        } catch (...) {
        }
    }
    EXPECT_EQ(probe->live(), 0) << "children still running after wait() returned";
}

// The owner calls cancel() 20 ms in: every child is stopped, wait() returns normally (the
// owner asked for it: no error), soon, with every cleanup done.
TEST(TaskGroup, CancelStopsEveryChildWithoutAnError) {
    auto probe = Probe::make();
    auto cancel_us = std::make_shared<std::atomic<std::int64_t>>(-1);
    auto live = std::make_shared<std::atomic<int>>(-1);
    const Call call = call_within([probe, cancel_us, live] {
        TaskGroup group;
        for (int i = 0; i < 4; ++i) group.spawn(probe->sleeper(i, kLong));
        std::this_thread::sleep_for(20ms);
        cancel_us->store(now_us());
        group.cancel();
        group.wait();
        live->store(probe->live());
    });
    ASSERT_TRUE(call.finished) << not_returned("TaskGroup::wait() after cancel()");
    EXPECT_FALSE(call.error) << "wait() threw " << describe(call.error)
                             << " after the owner's cancel(): cancelled children are not failures";
    expect_siblings_cancelled(*probe, {0, 1, 2, 3}, cancel_us->load(), "cancel()");
    EXPECT_LE(call.end_us - cancel_us->load(), kReturnBoundUs)
        << "wait() returned " << ms(call.end_us - cancel_us->load()) << " after cancel()";
    EXPECT_EQ(live->load(), 0) << "children still running when wait() returned";
}

// The group's parent token is stopped from another thread 20 ms in: the children are stopped
// with it, and wait() throws Cancelled (the scope's owner was cancelled too).
TEST(TaskGroup, ParentCancellationReachesTheChildren) {
    auto probe = Probe::make();
    auto parent = std::make_shared<std::stop_source>();
    std::thread canceller([parent] {
        std::this_thread::sleep_for(20ms);
        parent->request_stop();
    });
    const std::int64_t stop_at = now_us() + 20000;
    const Call call = call_within([probe, parent] {
        TaskGroup group(parent->get_token());
        for (int i = 0; i < 4; ++i) group.spawn(probe->sleeper(i, kLong));
        group.wait();
    });
    canceller.join();
    ASSERT_TRUE(call.finished) << not_returned("TaskGroup::wait() after the parent was stopped");
    bool cancelled = false;
    if (call.error) {
        try {
            std::rethrow_exception(call.error);
        } catch (const Cancelled&) {
            cancelled = true;
        } catch (...) {
        }
    }
    EXPECT_TRUE(cancelled) << "wait() "
                           << (call.error ? "threw " + describe(call.error) : "returned normally")
                           << " after the parent token was stopped: it should throw Cancelled "
                              "once every child has ended";
    for (int i = 0; i < 4; ++i) {
        EXPECT_GE(probe->log(i).stop_us, 0)
            << "child " << i
            << "'s token was never stopped although the group's parent was: "
               "link the group's stop_source to the parent (a std::stop_callback)";
    }
    EXPECT_LE(call.end_us - stop_at, kReturnBoundUs + 10000)
        << "wait() returned " << ms(call.end_us - stop_at) << " after the parent was stopped";
}

// The owner's code throws while children run, so wait() is never called: the destructor must
// cancel and join them (not wait out their two seconds, not detach, not terminate).
TEST(TaskGroup, DestructorCancelsAndJoins) {
    auto probe = Probe::make();
    auto live = std::make_shared<std::atomic<int>>(-1);
    auto cleaned = std::make_shared<std::atomic<int>>(-1);
    const int before = kata::process_thread_count();
    auto started_before = std::make_shared<std::atomic<int>>(-1);
    const Call call = call_within([probe, live, cleaned, started_before] {
        try {
            TaskGroup group;
            for (int i = 0; i < 4; ++i) group.spawn(probe->sleeper(i, kLong));
            group.spawn(probe->slow_to_stop(4, 200ms));
            (void)eventually([&] { return probe->started() >= 5; }, kStartBound);
            started_before->store(probe->started());
            throw std::runtime_error("the owner's own code failed");
        } catch (const std::runtime_error&) {
            live->store(probe->live());
            cleaned->store(probe->cleaned());
        }
    });
    ASSERT_TRUE(call.finished) << not_returned("~TaskGroup() without wait()");
    EXPECT_FALSE(call.error) << describe(call.error);
    EXPECT_EQ(started_before->load(), 5)
        << ms(kStartBound.count() * 1000) << " after the five spawn() calls only "
        << started_before->load()
        << " of the children had started: spawn() starts its child at once";
    for (int i = 0; i < 5; ++i) {
        EXPECT_GE(probe->log(i).stop_us, 0)
            << "child " << i << "'s token was never stopped by ~TaskGroup(): the destructor "
            << "requests the stop of every child still running, then joins them";
    }
    EXPECT_EQ(scope_clean(*probe, live->load(), cleaned->load(), "~TaskGroup()"), "");
    EXPECT_GE(call.took_us(), 200000)
        << "leaving the scope took " << ms(call.took_us())
        << ", but child 4 takes 200 ms to clean up once cancelled: the destructor must wait for "
           "every child to end (join), not only ask them to stop";
    EXPECT_LE(call.took_us(), 100000 * kSanitizedFactor + 200000 + kReturnBoundUs)
        << "leaving the scope took " << ms(call.took_us())
        << " (the slowest cleanup takes 200 ms): the destructor must cancel the children still "
           "running, then join them";
    EXPECT_EQ(thread_leak(before, settled_threads(before), "~TaskGroup()"), "");
}

// A child spawns three siblings while wait() is already waiting; wait() joins them too. Then a
// burst of many short children (spawned from the owner and from children at once).
TEST(TaskGroup, ChildrenMaySpawnSiblings) {
    auto probe = Probe::make();
    auto live = std::make_shared<std::atomic<int>>(-1);
    const int burst = kata::scaled(200);
    const Call call = call_within([probe, live, burst] {
        TaskGroup group;
        group.spawn(probe->job(100, [probe, &group](std::stop_token t) {
            kata::tasks::sleep_for(10ms, t);
            for (int i = 0; i < 3; ++i) group.spawn(probe->sleeper(101 + i, 30ms));
            return 0;
        }));
        for (int i = 0; i < burst; ++i) {
            group.spawn(probe->job(1000 + i, [probe, &group, i](std::stop_token) {
                if (i % 10 == 0) group.spawn(probe->sleeper(5000 + i, 1ms));
                return 0;
            }));
        }
        group.wait();
        live->store(probe->live());
    });
    ASSERT_TRUE(call.finished) << not_returned("TaskGroup::wait()");
    EXPECT_FALSE(call.error) << describe(call.error);
    const int expected = 1 + 3 + burst + (burst + 9) / 10;
    EXPECT_EQ(probe->started(), expected) << "children spawned by children must run too";
    EXPECT_EQ(live->load(), 0)
        << "wait() returned while children spawned by other children were still running: keep "
           "joining until no child is left (spawn may be called while wait() joins)";
}

// Short children that have all finished before wait() is called; the group lives on the heap
// and is deleted as soon as wait() returns, round after round. Every child's thread must have
// ended by then: the scope joins its threads. (A child's thread lingers 20 ms after its job, in
// a thread_local destructor, the last thing a thread does: a group that detaches its children
// and counts them down returns while they still exist, and they touch the deleted group.)
TEST(TaskGroup, NoChildThreadOutlivesWait) {
    const int rounds = std::max(3, kata::scaled(10));
    for (int r = 0; r < rounds; ++r) {
        auto probe = Probe::make();
        probe->note_thread_exits(20ms);
        auto ended = std::make_shared<std::atomic<int>>(-1);
        auto done_before_wait = std::make_shared<std::atomic<bool>>(false);
        const Call call = call_within([probe, ended, done_before_wait] {
            auto group = std::make_unique<TaskGroup>();
            for (int i = 0; i < 4; ++i)
                group->spawn(probe->job(i, [i](std::stop_token) { return i; }));
            done_before_wait->store(eventually([&] { return probe->cleaned() >= 4; }, 1s));
            group->wait();
            ended->store(probe->threads_ended());
            group.reset();
        });
        ASSERT_TRUE(call.finished) << "round " << r << ": " << not_returned("TaskGroup::wait()");
        ASSERT_FALSE(call.error) << "round " << r << ": wait() threw " << describe(call.error);
        ASSERT_TRUE(done_before_wait->load())
            << "round " << r << ": four children that return at once had not all run 1 s after "
            << "they were spawned (only " << probe->cleaned() << " had)";
        ASSERT_EQ(ended->load(), 4)
            << "round " << r << ": wait() returned while " << 4 - ended->load()
            << " of the 4 children's threads were still running (their jobs were done, their "
               "threads were not): join every child's thread. A detached thread outlives the "
               "scope, and whatever it touches after its job (the group's counter, mutex or "
               "condition variable) may already be freed";
    }
}

// The first failure is the one that happened first, even when the siblings it cancels fail at
// once in their cleanup: job 1 fails, the group stops the others, and each of them throws its
// own error immediately (while the stop request is still running other callbacks). Round
// after round, first() is job 1's. (A child that requests the
// group's stop before it records its own error lets a sibling's cleanup error take its place.)
TEST(TaskGroup, FirstIsTheOriginalFailure) {
    const int rounds = std::max(10, kata::scaled(50));
    for (int r = 0; r < rounds; ++r) {
        auto probe = Probe::make();
        const Call call = call_within([probe] {
            // Two observers whose stop callbacks take 5 ms, registered before and after the
            // siblings' (whatever the order in which request_stop() runs the callbacks, one of
            // them runs after a sibling was woken): the stop request takes a while, and a sibling
            // woken early has time to record its error before a late-recording first failure.
            auto observer = [probe](int id) {
                return probe->job(id, [](std::stop_token t) -> int {
                    std::stop_callback slow(t, [] { std::this_thread::sleep_for(5ms); });
                    kata::tasks::sleep_for(kLong, t);
                    return 0;
                });
            };
            TaskGroup group;
            group.spawn(observer(10));
            (void)eventually([&] { return probe->started() >= 1; }, kStartBound);
            for (int i = 2; i < 6; ++i) group.spawn(probe->fails_when_cancelled(i, 0ms));
            (void)eventually([&] { return probe->started() >= 5; }, kStartBound);
            group.spawn(observer(11));
            (void)eventually([&] { return probe->started() >= 6; }, kStartBound);
            group.spawn(probe->failer(1, 3ms));
            group.wait();
        });
        ASSERT_TRUE(call.finished) << "round " << r << ": " << not_returned("TaskGroup::wait()");
        ASSERT_TRUE(call.error) << "round " << r << ": wait() returned normally although job 1 "
                                << "failed";
        try {
            std::rethrow_exception(call.error);
        } catch (const TaskGroupError& g) {
            ASSERT_EQ(boom_id(g.first()), 1)
                << "round " << r << ": first() is " << describe(g.first())
                << ", but job 1 failed first and the others failed only because it cancelled "
                   "them: record a child's error (under the lock) before you request the "
                   "group's stop, so that the original failure is always first";
            ASSERT_EQ(g.others().size(), 4u)
                << "round " << r << ": the four cleanup failures should be attached";
        } catch (...) {
            FAIL() << "round " << r << ": wait() threw " << describe(call.error)
                   << " instead of TaskGroupError";
        }
    }
}

// ---------------------------------------------------------------------------------------------
// gather, gather_settled
// ---------------------------------------------------------------------------------------------

// Five jobs, the first the slowest: the values come back in the order of the jobs, not in the
// order they finished, and the jobs ran at the same time.
TEST(Gather, ResultsInTheOrderOfTheJobs) {
    auto probe = Probe::make();
    auto result = std::make_shared<std::vector<int>>();
    const Call call = call_within([probe, result] {
        std::vector<Job<int>> jobs;
        for (int i = 0; i < 5; ++i)
            jobs.push_back(probe->sleeper(i, std::chrono::milliseconds(100 - 10 * i), 10 * i));
        *result = gather(std::stop_token{}, std::move(jobs));
    });
    ASSERT_TRUE(call.finished) << not_returned("gather()");
    ASSERT_FALSE(call.error) << "gather() threw " << describe(call.error);
    EXPECT_EQ(*result, (std::vector<int>{0, 10, 20, 30, 40}))
        << "gather() returns the values in the order of the jobs (job 0 is the slowest)";
    EXPECT_GE(probe->peak(), 5) << "the jobs did not all run at once";
    EXPECT_LE(call.took_us(), 100000 + kReturnBoundUs) << "gather() took " << ms(call.took_us());
    EXPECT_EQ(probe->live(), 0) << "jobs still running after gather() returned";
}

// One job fails: the others are cancelled and gather() throws TaskGroupError with it first.
TEST(Gather, FirstFailureCancelsTheRest) {
    auto probe = Probe::make();
    const Call call = call_within([probe] {
        std::vector<Job<int>> jobs;
        for (int i = 0; i < 4; ++i) jobs.push_back(probe->sleeper(i, kLong, i));
        jobs.push_back(probe->failer(7, 15ms));
        (void)gather(std::stop_token{}, std::move(jobs));
    });
    ASSERT_TRUE(call.finished) << not_returned("gather() after a job failed");
    expect_group_error(call, 7, {}, "gather()");
    const std::int64_t fail = probe->log(7).fail_us;
    expect_siblings_cancelled(*probe, {0, 1, 2, 3}, fail, "the first failure");
    EXPECT_LE(call.end_us - fail, kReturnBoundUs)
        << "gather() returned " << ms(call.end_us - fail) << " after the first failure";
    EXPECT_EQ(probe->live(), 0) << "jobs still running after gather() returned";
}

// gather_settled: failures are results. Job 1 fails at 5 ms, the others finish later and are
// not cancelled; every outcome is in the order of the jobs.
TEST(Gather, SettledKeepsEveryOutcomeInOrder) {
    auto probe = Probe::make();
    auto result = std::make_shared<std::vector<Outcome<int>>>();
    const Call call = call_within([probe, result] {
        std::vector<Job<int>> jobs;
        jobs.push_back(probe->sleeper(0, 40ms, 100));
        jobs.push_back(probe->failer(1, 5ms));
        jobs.push_back(probe->sleeper(2, 30ms, 102));
        jobs.push_back(probe->failer(3, 20ms));
        jobs.push_back(probe->sleeper(4, 1ms, 104));
        *result = gather_settled(std::stop_token{}, std::move(jobs));
    });
    ASSERT_TRUE(call.finished) << not_returned("gather_settled()");
    ASSERT_FALSE(call.error) << "gather_settled() threw " << describe(call.error)
                             << ": failures are outcomes, not exceptions";
    ASSERT_EQ(result->size(), 5u) << "one outcome per job";
    for (int i : {0, 2, 4}) {
        const auto& o = (*result)[static_cast<std::size_t>(i)];
        EXPECT_TRUE(o.value.has_value() && *o.value == 100 + i && !o.error)
            << "outcome " << i << " should hold the value " << 100 + i << " (job " << i
            << " succeeds; a failing sibling cancels nothing in gather_settled), but it holds "
            << (o.value ? std::to_string(*o.value) : describe(o.error));
    }
    for (int i : {1, 3}) {
        const auto& o = (*result)[static_cast<std::size_t>(i)];
        EXPECT_EQ(boom_id(o.error), i)
            << "outcome " << i << " should hold job " << i << "'s error, but holds "
            << (o.value ? "the value " + std::to_string(*o.value) : describe(o.error))
            << ": outcomes are in the order of the jobs";
    }
    EXPECT_EQ(probe->live(), 0) << "jobs still running after gather_settled() returned";
}

// gather_settled runs its jobs at once too, and a stopped parent cancels them: it throws
// Cancelled once every job has ended.
TEST(Gather, SettledRunsAtOnceAndHonoursTheParent) {
    auto probe = Probe::make();
    auto parent = std::make_shared<std::stop_source>();
    auto live = std::make_shared<std::atomic<int>>(-1);
    std::thread canceller([probe, parent] {
        (void)eventually([&] { return probe->started() >= 4; }, 1s);
        std::this_thread::sleep_for(10ms);
        parent->request_stop();
    });
    const Call call = call_within([probe, parent, live] {
        std::vector<Job<int>> jobs;
        for (int i = 0; i < 4; ++i) jobs.push_back(probe->sleeper(i, kLong, i));
        try {
            (void)gather_settled(parent->get_token(), std::move(jobs));
        } catch (...) {
            live->store(probe->live());
            throw;
        }
        live->store(probe->live());
    });
    canceller.join();
    ASSERT_TRUE(call.finished) << not_returned("gather_settled() after its parent was stopped");
    EXPECT_GE(probe->peak(), 4) << "at most " << probe->peak()
                                << " of gather_settled()'s 4 jobs ran at once: run them all at "
                                   "once, each on a child of its own";
    EXPECT_EQ(describe(call.error), "Cancelled")
        << "gather_settled() should throw Cancelled when its parent is stopped (the jobs' "
           "cancellations are not outcomes to return: the caller itself was cancelled)";
    EXPECT_EQ(live->load(), 0) << "jobs still running when gather_settled() returned";
}

// ---------------------------------------------------------------------------------------------
// with_timeout
// ---------------------------------------------------------------------------------------------

// Work of 10 ms under a 3 s limit: the value comes back as soon as the work is done (not at the
// deadline), and the timer is gone.
TEST(WithTimeout, ReturnsAsSoonAsTheWorkEnds) {
    auto probe = Probe::make();
    auto value = std::make_shared<int>(0);
    const int before = kata::process_thread_count();
    const Call call = call_within([probe, value] {
        *value = with_timeout(std::stop_token{}, kLong, probe->sleeper(0, 10ms, 42));
    });
    ASSERT_TRUE(call.finished) << not_returned("with_timeout()");
    ASSERT_FALSE(call.error) << "with_timeout() threw " << describe(call.error)
                             << " for work of 10 ms under a 3 s limit";
    EXPECT_EQ(*value, 42) << "with_timeout() returns what the work returned";
    EXPECT_LE(call.took_us(), 10000 + kReturnBoundUs)
        << "with_timeout() returned " << ms(call.took_us())
        << " after the start for work of 10 ms: return when the work ends, and stop the timer "
           "then (wake it; do not wait for it to reach the deadline)";
    EXPECT_EQ(thread_leak(before, settled_threads(before), "with_timeout()"), "");
}

// Work that would sleep 3 s under a 30 ms limit: the deadline cancels it, with_timeout throws
// TimedOut, and by then the work has stopped and cleaned up (nothing left running).
TEST(WithTimeout, DeadlineCancelsTheWorkAndThrowsTimedOut) {
    auto probe = Probe::make();
    auto live = std::make_shared<std::atomic<int>>(-1);
    auto timers = std::make_shared<std::atomic<std::int64_t>>(-1);
    const int before = kata::process_thread_count();
    const Call call = call_within([probe, live, timers] {
        try {
            (void)with_timeout(std::stop_token{}, 30ms, probe->sleeper(0, kLong, 1));
        } catch (...) {
            live->store(probe->live());
            timers->store(kata::tasks::live_timers());
            throw;
        }
        live->store(probe->live());
    });
    ASSERT_TRUE(call.finished) << not_returned("with_timeout() past its deadline");
    bool timed_out = false;
    if (call.error) {
        try {
            std::rethrow_exception(call.error);
        } catch (const TimedOut&) {
            timed_out = true;
        } catch (...) {
        }
    }
    EXPECT_TRUE(timed_out) << "with_timeout() "
                           << (call.error ? "threw " + describe(call.error) : "returned normally")
                           << " when the work outlived its 30 ms limit: throw TimedOut";
    EXPECT_EQ(live->load(), 0)
        << "the work was still running when with_timeout() threw: a timeout cancels the work "
           "and waits for it to stop; an operation left running after its timeout holds its "
           "resources (and its caller's references) for as long as it likes";
    EXPECT_EQ(timers->load(), 0) << "a timer was still running when with_timeout() returned";
    EXPECT_GE(probe->log(0).stop_us, 0) << "the work's token was never stopped";
    EXPECT_LE(call.took_us(), 30000 + kReturnBoundUs)
        << "with_timeout() returned " << ms(call.took_us())
        << " after the start; the limit is 30 ms";
    EXPECT_EQ(thread_leak(before, settled_threads(before), "with_timeout()"), "");
}

// Work that takes 200 ms to clean up once cancelled (a cleanup that ignores the token), under
// a 30 ms limit: with_timeout throws TimedOut only once the work has ended, cleanup included.
TEST(WithTimeout, WaitsForTheWorksCleanup) {
    auto probe = Probe::make();
    auto live = std::make_shared<std::atomic<int>>(-1);
    const Call call = call_within([probe, live] {
        try {
            (void)with_timeout(std::stop_token{}, 30ms, probe->slow_to_stop(0, 200ms));
        } catch (...) {
            live->store(probe->live());
            throw;
        }
        live->store(probe->live());
    });
    ASSERT_TRUE(call.finished) << not_returned("with_timeout() whose work is slow to stop");
    EXPECT_EQ(describe(call.error), "TimedOut")
        << "with_timeout() should throw TimedOut when the work outlived its 30 ms limit";
    EXPECT_EQ(live->load(), 0)
        << "the work was still running (in its 200 ms cleanup) when with_timeout() threw: the "
           "call returns only once the work has ended, however long its cleanup takes (a "
           "grace period is not enough: no bound on a cleanup is safe)";
    EXPECT_GE(call.took_us(), 230000 - 1000)
        << "with_timeout() returned " << ms(call.took_us())
        << " after the start; the deadline is at 30 ms and the work's cleanup takes 200 ms more";
    EXPECT_LE(call.took_us(), 230000 + kReturnBoundUs)
        << "with_timeout() returned " << ms(call.took_us())
        << " after the start; the work ended at about 230 ms";
}

// The parent is stopped 10 ms in, long before the 1 s deadline: that is a cancellation, not a
// timeout (Cancelled, not TimedOut), and it is prompt.
TEST(WithTimeout, ParentCancellationIsNotATimeout) {
    auto probe = Probe::make();
    auto parent = std::make_shared<std::stop_source>();
    std::thread canceller([parent] {
        std::this_thread::sleep_for(10ms);
        parent->request_stop();
    });
    const Call call = call_within([probe, parent] {
        (void)with_timeout(parent->get_token(), 1s, probe->sleeper(0, kLong, 1));
    });
    canceller.join();
    ASSERT_TRUE(call.finished) << not_returned("with_timeout() after its parent was stopped");
    bool cancelled = false;
    if (call.error) {
        try {
            std::rethrow_exception(call.error);
        } catch (const Cancelled&) {
            cancelled = true;
        } catch (...) {
        }
    }
    EXPECT_TRUE(cancelled) << "with_timeout() "
                           << (call.error ? "threw " + describe(call.error) : "returned normally")
                           << " when its parent was stopped before the deadline: throw Cancelled";
    EXPECT_LE(call.took_us(), 10000 + kReturnBoundUs)
        << "with_timeout() returned " << ms(call.took_us())
        << " after the start; the parent was stopped at 10 ms";
    EXPECT_EQ(probe->live(), 0);
}

// The work's own error passes through unchanged.
TEST(WithTimeout, OtherErrorsPassThrough) {
    auto probe = Probe::make();
    const Call call =
        call_within([probe] { (void)with_timeout(std::stop_token{}, 1s, probe->failer(5, 1ms)); });
    ASSERT_TRUE(call.finished) << not_returned("with_timeout()");
    EXPECT_EQ(boom_id(call.error), 5) << "with_timeout() threw " << describe(call.error)
                                      << "; the work threw Boom: let it through unchanged";
}

// ---------------------------------------------------------------------------------------------
// shield
// ---------------------------------------------------------------------------------------------

// A section of five 4 ms steps (each a cancellable sleep on the token shield gives it); the
// caller is cancelled during the second step. Every step completes, and shield throws
// Cancelled after the section: the cancellation is deferred, never dropped.
TEST(Shield, SectionCompletesWhenCancelledDuringIt) {
    auto steps = std::make_shared<std::atomic<int>>(0);
    auto outer = std::make_shared<std::stop_source>();
    auto stopped_at_step = std::make_shared<std::atomic<int>>(-1);
    const Call call = call_within([steps, outer, stopped_at_step] {
        shield(outer->get_token(), [&](std::stop_token t) {
            for (int i = 0; i < 5; ++i) {
                if (i == 1) {
                    outer->request_stop();
                    stopped_at_step->store(i);
                }
                kata::tasks::sleep_for(4ms, t);
                steps->fetch_add(1);
            }
        });
    });
    ASSERT_TRUE(call.finished) << not_returned("shield()");
    EXPECT_EQ(steps->load(), 5)
        << "the shielded section stopped after " << steps->load() << " of its 5 steps when the "
        << "caller was cancelled during step 2: give the section a token that is never stopped "
           "(not the caller's), so that it runs to the end";
    bool cancelled = false;
    if (call.error) {
        try {
            std::rethrow_exception(call.error);
        } catch (const Cancelled&) {
            cancelled = true;
        } catch (...) {
        }
    }
    EXPECT_TRUE(cancelled) << "shield() "
                           << (call.error ? "threw " + describe(call.error) : "returned normally")
                           << " although the caller was cancelled during the section: once the "
                              "section is done, deliver the cancellation (throw Cancelled)";
}

// Not cancelled: shield returns the section's value. Already cancelled: the section does not
// start.
TEST(Shield, ReturnsTheValueAndDoesNotStartWhenAlreadyCancelled) {
    auto ran = std::make_shared<std::atomic<int>>(0);
    auto value = std::make_shared<int>(0);
    const Call plain = call_within([ran, value] {
        *value = shield(std::stop_token{}, [&](std::stop_token) {
            ran->fetch_add(1);
            return 7;
        });
    });
    ASSERT_TRUE(plain.finished) << not_returned("shield()");
    EXPECT_FALSE(plain.error) << "shield() threw " << describe(plain.error);
    EXPECT_EQ(*value, 7) << "shield() returns what the section returned";
    auto stopped = std::make_shared<std::stop_source>();
    stopped->request_stop();
    const Call late = call_within([ran, stopped] {
        (void)shield(stopped->get_token(), [&](std::stop_token) {
            ran->fetch_add(1);
            return 1;
        });
    });
    ASSERT_TRUE(late.finished) << not_returned("shield()");
    EXPECT_EQ(ran->load(), 1) << "the section started although the caller was already cancelled: "
                                 "a shield protects a section once it has begun";
    bool cancelled = false;
    if (late.error) {
        try {
            std::rethrow_exception(late.error);
        } catch (const Cancelled&) {
            cancelled = true;
        } catch (...) {
        }
    }
    EXPECT_TRUE(cancelled) << "shield() on a cancelled caller should throw Cancelled";
}

}  // namespace
