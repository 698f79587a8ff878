// Kata 06 harness, part 2: many threads at once, and process_files(). Every task runs exactly
// once and its result or exception reaches its own future; shutdown racing submit leaves no
// future hanging. process_files() on a generated folder (files of many sizes, two missing, one
// directory, one that makes fn throw): results in input order; on_done hears of each file on the
// calling thread as it finishes; errors stay with their file.
#include "file_folder.hpp"
#include "pool_test_common.hpp"

#include <map>

namespace {

struct Failed : std::runtime_error {
    explicit Failed(int id) : std::runtime_error("task " + std::to_string(id)), id(id) {}
    int id;
};

/// Three threads submit 2,000 tasks each (scaled down under the sanitizers) to a pool of 3
/// while its workers run them. Every task runs once; task i returns i * 3 + 1, or throws
/// Failed(i) when i % 7 == 0; each future must hold its own task's outcome.
TEST(PoolStress, EveryTaskRunsExactlyOnce) {
    constexpr int kSubmitters = 3;
    const int per_submitter = kata::scaled(2000);
    const int total = kSubmitters * per_submitter;
    auto runs = std::make_shared<std::vector<std::atomic<int>>>(static_cast<std::size_t>(total));
    TestPool pool(3, "the pool of the stress test");
    std::vector<std::vector<std::future<int>>> futures(kSubmitters);
    kata::run_together(kSubmitters, [&](int s) {
        auto& mine = futures[static_cast<std::size_t>(s)];
        mine.reserve(static_cast<std::size_t>(per_submitter));
        for (int k = 0; k < per_submitter; ++k) {
            const int id = s * per_submitter + k;
            mine.push_back(pool->submit([runs, id] {
                (*runs)[static_cast<std::size_t>(id)].fetch_add(1);
                if (id % 7 == 0) throw Failed(id);
                return id * 3 + 1;
            }));
        }
    });
    int wrong = 0;
    std::string first;
    const auto deadline = Clock::now() + 10s;
    for (int s = 0; s < kSubmitters; ++s) {
        for (int k = 0; k < per_submitter; ++k) {
            const int id = s * per_submitter + k;
            auto& f = futures[static_cast<std::size_t>(s)][static_cast<std::size_t>(k)];
            const auto left = std::max<Clock::duration>(deadline - Clock::now(), 1ms);
            if (!ready_within(f, left, "a stress task")) {
                FAIL() << "task " << id << " of " << total
                       << " never finished (10 s for all of them): a task was lost, or a worker "
                          "slept although the queue held work (a lost wake-up on submit)";
            }
            const auto kept = keep_alive_while_examined(f);
            try {
                const int value = kept.get();
                if (id % 7 == 0 || value != id * 3 + 1) {
                    if (++wrong == 1)
                        first = "the future of task " + std::to_string(id) + " returned " +
                                std::to_string(value) +
                                (id % 7 == 0 ? " although the task threw"
                                             : " instead of " + std::to_string(id * 3 + 1));
                }
            } catch (const Failed& e) {
                if (e.id != id && ++wrong == 1)
                    first = "the future of task " + std::to_string(id) +
                            " rethrew the exception of task " + std::to_string(e.id);
                if (e.id == id && id % 7 != 0 && ++wrong == 1)
                    first = "task " + std::to_string(id) + " did not throw, but its future did";
            } catch (...) {
                if (++wrong == 1)
                    first = "the future of task " + std::to_string(id) + " threw " +
                            describe_current_exception() +
                            " instead of the task's own result or exception";
            }
        }
    }
    EXPECT_EQ(wrong, 0) << wrong << " futures held the wrong outcome; first: " << first;
    int never = 0;
    int twice = 0;
    for (const auto& r : *runs) {
        never += r.load() == 0 ? 1 : 0;
        twice += r.load() > 1 ? 1 : 0;
    }
    EXPECT_EQ(never, 0) << never << " tasks never ran, yet their futures were ready";
    EXPECT_EQ(twice, 0) << twice << " tasks ran more than once: two workers took the same task "
                        << "(the queue was read or popped without the mutex)";
}

/// shutdown() racing submit(): two threads keep submitting while a third shuts the pool down.
/// Each submit either throws PoolStopped, or its task runs (drain) or reports TaskCancelled
/// (cancel_pending). No future may hang or break.
TEST(PoolStress, ShutdownRacingSubmitLeavesNoFutureHanging) {
    const int rounds = std::max(kata::scaled(40), 10);
    for (int round = 0; round < rounds; ++round) {
        const ShutdownMode mode =
            round % 2 == 0 ? ShutdownMode::drain : ShutdownMode::cancel_pending;
        const char* mode_name = round % 2 == 0 ? "drain" : "cancel_pending";
        TestPool pool(2, "the pool of the shutdown race");
        auto ran = std::make_shared<std::atomic<int>>(0);
        std::vector<std::vector<std::future<int>>> futures(2);
        std::atomic<bool> stop_submitting{false};
        kata::run_together(3, [&](int t) {
            if (t == 2) {
                std::this_thread::sleep_for(std::chrono::microseconds(200 + 37 * round));
                pool->shutdown(mode);
                stop_submitting.store(true);
                return;
            }
            auto& mine = futures[static_cast<std::size_t>(t)];
            for (int k = 0; k < 5000 && !stop_submitting.load(); ++k) {
                try {
                    mine.push_back(pool->submit([ran, k] {
                        ++*ran;
                        return k;
                    }));
                } catch (const PoolStopped&) {
                    break;
                }
            }
        });
        int ok = 0;
        int cancelled = 0;
        for (auto& mine : futures) {
            for (auto& f : mine) {
                if (!ready_within(f, 0ms, "a task submitted before shutdown")) {
                    FAIL() << "round " << round << ": shutdown(" << mode_name
                           << ") returned, but the future of a task whose submit() succeeded "
                              "was not ready: every accepted task must either run (drain) or be "
                              "cancelled (cancel_pending) before shutdown returns. Possible "
                              "causes: submit() checks the stop flag and pushes in two separate "
                              "lock sections (a task slips in after the workers left); the "
                              "workers leave on the stop flag while tasks are still queued; "
                              "cancel_pending takes the queue out but never calls "
                              "set_exception(TaskCancelled) on the tasks' promises; or "
                              "shutdown() returns before every worker is joined";
                }
                const auto kept = keep_alive_while_examined(f);
                try {
                    kept.get();
                    ++ok;
                } catch (const TaskCancelled&) {
                    ++cancelled;
                } catch (...) {
                    FAIL() << "round " << round << ": a task accepted before shutdown(" << mode_name
                           << ") ended with " << describe_current_exception()
                           << " instead of a value or TaskCancelled";
                }
            }
        }
        if (mode == ShutdownMode::drain) {
            ASSERT_EQ(cancelled, 0) << "round " << round << ": shutdown(drain) cancelled "
                                    << cancelled << " tasks; drain runs every accepted task";
        }
        ASSERT_EQ(ran->load(), ok) << "round " << round << ": " << ran->load() << " tasks ran but "
                                   << ok << " futures hold a value";
    }
}

// ---- process_files ------------------------------------------------------------------------

using pool_files::BadRecord;
using pool_files::Folder;
using pool_files::Kind;

constexpr int kFiles = 24;
/// Entry 0's fn sleeps this long, so it finishes well after every other file.
constexpr auto kSlow = 600ms;
/// How late on_done may hear of a file after its fn returned: far above any wake-up latency,
/// far below kSlow (a ThreadSanitizer build on a busy machine was measured past 150 ms once).
constexpr auto kReportLag = 300ms;

/// What fn saw, shared with the tasks (they may outlive a test that gave up on them).
struct Observed {
    explicit Observed(std::size_t n) : calls(n), finished_ns(n) {}
    std::vector<std::atomic<int>> calls;
    std::vector<std::atomic<long long>> finished_ns;  ///< when fn returned (steady_clock)
    Clock::time_point origin = Clock::now();
};

struct Run {
    std::vector<FileResult<std::uint64_t>> results;
    struct Report {
        std::filesystem::path path;
        std::thread::id thread;
        long long at_ns;
        bool has_value;
        bool has_error;
    };
    std::vector<Report> reports;
};

/// Runs process_files on a pool of 2 over `folder`, with an fn that checksums each file, sleeps
/// on entry 0, throws BadRecord on the refused file and records what it saw; bounded by 10 s.
std::optional<Run> run_folder(const std::shared_ptr<Folder>& folder,
                              const std::shared_ptr<Observed>& seen, bool with_on_done) {
    TestPool pool(2, "the pool of process_files");
    auto call = in_background([folder, seen, p = &*pool, with_on_done] {
        auto fn = [folder, seen](const std::filesystem::path& path,
                                 const std::string& contents) -> std::uint64_t {
            std::size_t index = folder->size();
            for (std::size_t i = 0; i < folder->size(); ++i)
                if (folder->paths()[i] == path) index = i;
            if (index == folder->size()) throw std::logic_error("fn called with an unknown path");
            seen->calls[index].fetch_add(1);
            if (index == 0) std::this_thread::sleep_for(kSlow);
            auto finish = [&] {
                seen->finished_ns[index].store((Clock::now() - seen->origin).count());
            };
            if (contents.compare(0, 4, pool_files::kBadMarker) == 0) {
                finish();
                throw BadRecord(path);
            }
            const std::uint64_t sum = pool_files::checksum(contents);
            finish();
            return sum;
        };
        Run run;
        const auto caller = std::this_thread::get_id();
        std::function<void(const FileResult<std::uint64_t>&)> on_done;
        if (with_on_done) {
            on_done = [&run, seen](const FileResult<std::uint64_t>& r) {
                run.reports.push_back({r.path, std::this_thread::get_id(),
                                       (Clock::now() - seen->origin).count(), r.value.has_value(),
                                       static_cast<bool>(r.error)});
            };
        }
        run.results = process_files(*p, folder->paths(), fn, on_done);
        return std::make_pair(std::move(run), caller);
    });
    if (call.wait_for(10s) != std::future_status::ready) {
        ADD_FAILURE() << "process_files() on " << kFiles
                      << " files did not return within 10 s on a pool of 2 workers (a correct "
                         "one takes about "
                      << ms(kSlow)
                      << " ms): it waits for a file that is never reported as finished, or a "
                         "task is lost";
        pool.abandon();
        return std::nullopt;
    }
    auto [run, caller] = call.get();
    for (const auto& r : run.reports) {
        if (r.thread != caller) {
            ADD_FAILURE() << "on_done was called for " << r.path.filename()
                          << " on another thread than the one that called process_files(). "
                             "It must run on the calling thread (the caller takes each "
                             "finished file off a queue the tasks fill), so that it needs no "
                             "locking of its own";
            break;
        }
    }
    return std::move(run);
}

std::string name_of(const std::filesystem::path& p) {
    return p.filename().string();
}

/// Every file's outcome, in the order of the input: values are the checksums of what the harness
/// wrote, unreadable entries hold FileReadError, the refused file holds fn's BadRecord. Entry 0
/// finishes last, so a result list built in finishing order is caught; the paths are not in the
/// order of their names (a seeded shuffle), so a result list sorted by name is caught too.
TEST(PoolFiles, ResultsComeBackInInputOrder) {
    auto folder = std::make_shared<Folder>(kata::test_seed(), kFiles, 1, 16384, true, true);
    auto seen = std::make_shared<Observed>(folder->size());
    auto run = run_folder(folder, seen, false);
    if (!run) return;
    const auto& results = run->results;
    ASSERT_EQ(results.size(), folder->size())
        << "process_files() must return one FileResult per input path";
    for (std::size_t i = 0; i < results.size(); ++i) {
        ASSERT_EQ(results[i].path, folder->paths()[i])
            << "result " << i << " is for " << name_of(results[i].path) << " but input " << i
            << " was " << name_of(folder->paths()[i])
            << ". The results must follow the order of `paths` (here not the order of the "
               "names) whatever order the files finish in (entry 0 is the slowest): put each "
               "outcome at its input index; do not append in the order files finish, nor sort "
               "by name";
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        const std::string name = name_of(r.path);
        switch (folder->kind(i)) {
            case Kind::data:
                EXPECT_FALSE(r.error) << name << " is readable, yet its result holds an error";
                ASSERT_TRUE(r.value.has_value()) << name << ": readable, but no value";
                EXPECT_EQ(*r.value, pool_files::checksum(folder->contents(i)))
                    << name << ": the value is not what fn returned for this file's contents";
                EXPECT_EQ(seen->calls[i].load(), 1)
                    << name << ": fn must be called exactly once per readable file";
                break;
            case Kind::missing:
            case Kind::folder:
                EXPECT_FALSE(r.value.has_value()) << name << " cannot be read, yet has a value";
                ASSERT_TRUE(r.error) << name << " cannot be read: its error must be set";
                EXPECT_THROW(std::rethrow_exception(r.error), FileReadError)
                    << name
                    << ": an unreadable file's error must be the FileReadError thrown "
                       "by read_whole_file()";
                EXPECT_EQ(seen->calls[i].load(), 0) << name << ": fn was called for a file "
                                                    << "that could not be read";
                break;
            case Kind::bad:
                EXPECT_FALSE(r.value.has_value()) << name << ": fn threw, yet there is a value";
                ASSERT_TRUE(r.error) << name << ": fn threw BadRecord, but the error is empty: "
                                     << "catch what the task throws and keep it with the file";
                try {
                    std::rethrow_exception(r.error);
                } catch (const BadRecord& e) {
                    EXPECT_EQ(e.path, r.path)
                        << "the error of " << name << " is the exception thrown for another file";
                } catch (...) {
                    ADD_FAILURE() << name << ": the error must be the exception fn threw "
                                  << "(BadRecord), got " << describe_current_exception();
                }
                break;
        }
    }
}

/// on_done: once per file, on the calling thread, with the same outcome process_files returns,
/// and as each file finishes: no file is reported long after it finished, and none is reported
/// before a file that finished well ahead of it (the slow entry 0 comes last).
TEST(PoolFiles, OnDoneHearsOfEachFileAsItFinishes) {
    auto folder = std::make_shared<Folder>(kata::test_seed(), kFiles, 1, 16384, true, true);
    auto seen = std::make_shared<Observed>(folder->size());
    auto run = run_folder(folder, seen, true);
    if (!run) return;
    ASSERT_EQ(run->results.size(), folder->size())
        << "process_files() must return one FileResult per input path";
    std::map<std::filesystem::path, int> times;
    for (const auto& r : run->reports) ++times[r.path];
    for (const auto& path : folder->paths()) {
        ASSERT_EQ(times[path], 1) << "on_done was called " << times[path] << " times for "
                                  << name_of(path) << ": it must be called exactly once per file";
    }
    ASSERT_EQ(run->reports.size(), folder->size()) << "on_done was called for unknown paths";
    std::map<std::filesystem::path, std::size_t> index;
    for (std::size_t i = 0; i < folder->size(); ++i) index[folder->paths()[i]] = i;
    for (const auto& rep : run->reports) {
        const auto& result = run->results[index[rep.path]];
        EXPECT_EQ(rep.has_value, result.value.has_value())
            << "on_done saw " << name_of(rep.path) << " with" << (rep.has_value ? "" : "out")
            << " a value, but the returned result has" << (rep.has_value ? " none" : " one");
        EXPECT_EQ(rep.has_error, static_cast<bool>(result.error))
            << "on_done and the returned results disagree on whether " << name_of(rep.path)
            << " failed: on_done must see the finished outcome";
        const long long finished = seen->finished_ns[index[rep.path]].load();
        if (finished > 0) {
            const auto lag = std::chrono::nanoseconds(rep.at_ns - finished);
            ASSERT_LT(lag, kReportLag)
                << "on_done heard of " << name_of(rep.path) << " " << ms(lag)
                << " ms after fn returned for it. on_done must be called as each file "
                   "finishes (like as_completed), not once every file is done, and not in "
                   "input order (waiting for each future in turn holds every fast file back "
                   "behind the slow entry 0)";
        }
    }
    for (std::size_t a = 0; a < run->reports.size(); ++a) {
        for (std::size_t b = a + 1; b < run->reports.size(); ++b) {
            const long long fa = seen->finished_ns[index[run->reports[a].path]].load();
            const long long fb = seen->finished_ns[index[run->reports[b].path]].load();
            if (fa > 0 && fb > 0 && std::chrono::nanoseconds(fa - fb) > kReportLag) {
                FAIL() << "on_done heard of " << name_of(run->reports[a].path) << " before "
                       << name_of(run->reports[b].path) << ", which had finished "
                       << ms(std::chrono::nanoseconds(fa - fb))
                       << " ms earlier: on_done follows the order in which files finish";
            }
        }
    }
}

}  // namespace
