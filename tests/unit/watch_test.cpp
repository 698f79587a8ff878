// The watch loop driven by a fake file watcher, fake keys and a fake grader; and the real
// watchers on a temporary file.
#include "commands/watch.hpp"
#include "fake_file_watcher.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace interleave;
using interleave::testing::FakeFileWatcher;
using interleave::testing::FakeKeys;

namespace {

Course two_katas() {
    Course c;
    for (const auto& [id, folder] : std::vector<std::pair<std::string, std::string>>{
             {"counter", "01-counter"}, {"queue", "02-queue"}}) {
        Exercise e;
        e.id = id;
        e.folder = folder;
        e.title = id;
        e.student_files = {id + ".hpp"};
        c.exercises.push_back(e);
    }
    return c;
}

/// A grader that answers from a script of scores per call, and records what it graded.
struct FakeGrading {
    std::deque<double> scores;
    std::vector<std::string> graded;
    std::vector<std::string> hints;
    int lists = 0;
    int clears = 0;

    WatchHooks hooks() {
        WatchHooks h;
        h.grade = [this](const Exercise& e) {
            graded.push_back(e.id);
            KataReport k;
            k.id = e.id;
            const double s = scores.empty() ? 0 : scores.front();
            if (!scores.empty()) scores.pop_front();
            k.checks.push_back(CheckResult{"tests",
                                           s >= 100 ? CheckStatus::pass : CheckStatus::fail,
                                           s,
                                           100,
                                           "",
                                           {},
                                           nlohmann::json::object(),
                                           0});
            total_up(k);
            return k;
        };
        h.show = [](const KataReport&) {};
        h.hint = [this](const Exercise& e) {
            hints.push_back(e.id);
            return "hint for " + e.id + "\n";
        };
        h.list = [this] {
            ++lists;
            return std::string("the list\n");
        };
        h.files = [](const Exercise& e) {
            return std::vector<fs::path>{fs::path("ex") / e.folder / e.student_files[0]};
        };
        h.clear_screen = [this] { ++clears; };
        return h;
    }
};

TEST(WatchLoop, RechecksOnSaveAndQuitsOnQ) {
    const Course c = two_katas();
    FakeFileWatcher watcher({false, true, false});
    FakeKeys keys({std::nullopt, std::nullopt, std::nullopt, 'q'});
    FakeGrading g{{10, 40}};
    std::ostringstream out;
    EXPECT_EQ(watch_loop(c, &c.exercises[0], watcher, keys, g.hooks(), out), 0);
    EXPECT_EQ(g.graded, (std::vector<std::string>{"counter", "counter"}))
        << "once at the start, once for the save";
    EXPECT_EQ(g.clears, 2);
    ASSERT_FALSE(watcher.watched.empty());
    EXPECT_EQ(watcher.watched[0][0], fs::path("ex/01-counter/counter.hpp"));
    EXPECT_NE(out.str().find("Keys: n next kata"), std::string::npos) << out.str();
}

TEST(WatchLoop, MovesOnAtFullMarks) {
    const Course c = two_katas();
    FakeFileWatcher watcher({true});
    FakeKeys keys({std::nullopt, std::nullopt});
    FakeGrading g{{50, 100}};
    std::ostringstream out;
    watch_loop(c, &c.exercises[0], watcher, keys, g.hooks(), out);
    EXPECT_EQ(g.graded, (std::vector<std::string>{"counter", "counter"}));
    ASSERT_EQ(watcher.watched.size(), 2u);
    EXPECT_EQ(watcher.watched[1][0], fs::path("ex/02-queue/queue.hpp"))
        << "after full marks the next kata's files are watched";
    EXPECT_NE(out.str().find("counter: full marks! Moving on."), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("now on 02-queue"), std::string::npos) << out.str();
}

TEST(WatchLoop, StopsAfterTheLastKata) {
    const Course c = two_katas();
    FakeFileWatcher watcher({true});
    FakeKeys keys({std::nullopt});
    FakeGrading g{{100}};
    std::ostringstream out;
    EXPECT_EQ(watch_loop(c, &c.exercises[1], watcher, keys, g.hooks(), out), 0);
    EXPECT_EQ(g.graded.size(), 1u);
    EXPECT_NE(out.str().find("last kata. Well done"), std::string::npos) << out.str();
}

TEST(WatchLoop, KeysNextHintListEnter) {
    const Course c = two_katas();
    FakeFileWatcher watcher({});
    FakeKeys keys({'h', 'l', 'x', 'n', 'h', 'n', '\n', 'q'});
    FakeGrading g{{0, 0}};
    std::ostringstream out;
    watch_loop(c, &c.exercises[0], watcher, keys, g.hooks(), out);
    EXPECT_EQ(g.hints, (std::vector<std::string>{"counter", "queue"}));
    EXPECT_EQ(g.lists, 1);
    EXPECT_NE(out.str().find("02-queue is the last kata"), std::string::npos)
        << "n on the last kata stays there";
    EXPECT_EQ(g.graded, (std::vector<std::string>{"counter", "queue"})) << "Enter re-checks";
    EXPECT_NE(out.str().find("bye"), std::string::npos);
}

TEST(WatchLoop, NothingToWatchWhenAllDone) {
    const Course c = two_katas();
    FakeFileWatcher watcher({});
    FakeKeys keys({});
    FakeGrading g;
    std::ostringstream out;
    EXPECT_EQ(watch_loop(c, nullptr, watcher, keys, g.hooks(), out), 0);
    EXPECT_TRUE(g.graded.empty());
}

struct TempFile {
    fs::path dir;
    fs::path file;
    TempFile() {
        std::random_device rd;
        dir = fs::temp_directory_path() / ("interleave-watch-" + std::to_string(rd()));
        fs::create_directories(dir);
        file = dir / "counter.hpp";
        std::ofstream(file) << "first";
    }
    ~TempFile() { fs::remove_all(dir); }
};

void expect_notices_save(FileWatcher& w, const TempFile& t) {
    w.watch({t.file});
    EXPECT_FALSE(w.wait_for_change(std::chrono::milliseconds(50))) << w.describe();
    std::ofstream(t.file) << "second, longer";
    EXPECT_TRUE(w.wait_for_change(std::chrono::milliseconds(1000))) << w.describe();
    EXPECT_FALSE(w.wait_for_change(std::chrono::milliseconds(50))) << w.describe();
    // A save by rename (as many editors do).
    std::ofstream(t.dir / "tmp") << "third, by rename!";
    fs::rename(t.dir / "tmp", t.file);
    EXPECT_TRUE(w.wait_for_change(std::chrono::milliseconds(1000))) << w.describe();
    // Other files in the folder do not count.
    std::ofstream(t.dir / "notes.txt") << "x";
    EXPECT_FALSE(w.wait_for_change(std::chrono::milliseconds(250))) << w.describe();
}

TEST(FileWatchers, InotifySeesSaves) {
    TempFile t;
    auto w = make_inotify_watcher();
    if (!w) GTEST_SKIP() << "inotify unavailable";
    expect_notices_save(*w, t);
}

TEST(FileWatchers, PollingSeesSaves) {
    TempFile t;
    auto w = make_polling_watcher(std::chrono::milliseconds(20));
    // Modification times can be coarse: the sizes differ at each step of the script.
    expect_notices_save(*w, t);
}

TEST(FileWatchers, ManualNeverFires) {
    TempFile t;
    auto w = make_manual_watcher();
    w->watch({t.file});
    std::ofstream(t.file) << "changed";
    EXPECT_FALSE(w->wait_for_change(std::chrono::milliseconds(10)));
}

}  // namespace
