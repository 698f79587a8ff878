// The student commands' state handling: list statuses, progressive hints, reset that never
// loses a file. Every test works in its own temporary project folder.
#include "commands/hint.hpp"
#include "commands/list.hpp"
#include "commands/reset.hpp"
#include "commands/state.hpp"
#include "workspace/workspace.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using namespace interleave;

namespace {

struct TempProject {
    fs::path root;
    Course course;

    TempProject() {
        std::random_device rd;
        root = fs::temp_directory_path() / ("interleave-student-" + std::to_string(rd()));
        fs::create_directories(root / "exercises");
        course.title = "Test course";
        course.root = root;
        course.exercises.push_back(
            make("counter", "01-counter", {"counter.hpp"}, {"first idea", "second idea"}));
        course.exercises.push_back(make("queue", "02-queue", {"queue.hpp", "detail/impl.hpp"}, {}));
        for (const auto& e : course.exercises) {
            for (const auto& rel : student_paths(e)) write(rel, stub_of(rel));
        }
    }
    ~TempProject() { fs::remove_all(root); }

    static Exercise make(const std::string& id, const std::string& folder,
                         std::vector<std::string> files, std::vector<std::string> hints) {
        Exercise e;
        e.id = id;
        e.folder = folder;
        e.title = id;
        e.student_files = std::move(files);
        e.hints = std::move(hints);
        e.tests_points = 100;
        return e;
    }
    static std::string stub_of(const std::string& rel) { return "// stub of " + rel + "\n"; }
    MapStubSource stubs() const {
        std::map<std::string, std::string> m;
        for (const auto& e : course.exercises) {
            for (const auto& rel : student_paths(e)) m[rel] = stub_of(rel);
        }
        return MapStubSource(m);
    }
    fs::path exercises() const { return root / "exercises"; }
    void write(const std::string& rel, const std::string& bytes) const {
        const fs::path p = exercises() / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << bytes;
    }
    GradeReport graded(const std::string& id, double score) const {
        GradeReport r;
        KataReport k;
        k.id = id;
        k.checks.push_back(CheckResult{"tests",
                                       score >= 100 ? CheckStatus::pass : CheckStatus::fail,
                                       score,
                                       100,
                                       "",
                                       {},
                                       nlohmann::json::object(),
                                       0});
        total_up(k);
        r.katas.push_back(k);
        total_up(r);
        return r;
    }
};

TEST(StudentState, MissingFileIsEmptyAndRoundTrips) {
    TempProject p;
    const fs::path file = state_file(p.root);
    EXPECT_TRUE(load_state(file).katas.empty());
    StudentState s;
    s.katas["counter"] = KataProgress{true, 60, 100, "abc", "tsan", 2};
    save_state(file, s);
    const StudentState back = load_state(file);
    ASSERT_EQ(back.katas.count("counter"), 1u);
    const auto& k = back.katas.at("counter");
    EXPECT_TRUE(k.graded);
    EXPECT_DOUBLE_EQ(k.score, 60);
    EXPECT_EQ(k.hash, "abc");
    EXPECT_EQ(k.next_check, "tsan");
    EXPECT_EQ(k.hints_shown, 2);
}

TEST(StudentState, CorruptFileNamesItself) {
    TempProject p;
    fs::create_directories(state_file(p.root).parent_path());
    std::ofstream(state_file(p.root)) << "{not json";
    try {
        load_state(state_file(p.root));
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("state.json"), std::string::npos) << e.what();
    }
}

TEST(StudentState, HashFollowsContentAndNames) {
    TempProject p;
    const Exercise& e = p.course.exercises[0];
    const std::string before = hash_student_files(e, p.exercises());
    EXPECT_EQ(before, hash_student_files(e, p.exercises()));
    p.write("01-counter/counter.hpp", "changed");
    EXPECT_NE(before, hash_student_files(e, p.exercises()));
    fs::remove(p.exercises() / "01-counter/counter.hpp");
    EXPECT_NE(hash_student_files(e, p.exercises()), before);
}

TEST(StudentState, NextCheckIsTheFirstWithoutFullPoints) {
    KataReport k;
    k.checks.push_back(CheckResult{"build", CheckStatus::pass, 0, 0, "", {}, {}, 0});
    k.checks.push_back(CheckResult{"tests", CheckStatus::pass, 60, 60, "", {}, {}, 0});
    k.checks.push_back(CheckResult{"tsan", CheckStatus::fail, 0, 20, "", {}, {}, 0});
    total_up(k);
    EXPECT_EQ(next_check(k), "tsan");
    k.checks[2].status = CheckStatus::pass;
    k.checks[2].score = 20;
    total_up(k);
    EXPECT_EQ(next_check(k), "");
    k.checks[0].status = CheckStatus::fail;
    EXPECT_EQ(next_check(k), "build");
}

TEST(ListCommand, StatusesFollowStateAndFiles) {
    TempProject p;
    MapStubSource stubs = p.stubs();
    StudentState s;
    auto rows = list_rows(p.course, s, stubs, p.exercises());
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].status, "not started");
    EXPECT_EQ(rows[0].last_score, "-");
    EXPECT_TRUE(rows[0].current);
    EXPECT_FALSE(rows[1].current);

    p.write("01-counter/counter.hpp", "// my attempt\n");
    rows = list_rows(p.course, s, stubs, p.exercises());
    EXPECT_EQ(rows[0].status, "not checked yet");

    record_grade(s, p.graded("counter", 60), p.course, p.exercises());
    rows = list_rows(p.course, s, stubs, p.exercises());
    EXPECT_EQ(rows[0].status, "failing");
    EXPECT_EQ(rows[0].last_score, "60/100");
    EXPECT_EQ(rows[0].next, "tests");

    record_grade(s, p.graded("counter", 100), p.course, p.exercises());
    rows = list_rows(p.course, s, stubs, p.exercises());
    EXPECT_EQ(rows[0].status, "passing");
    EXPECT_EQ(rows[0].next, "-");
    EXPECT_FALSE(rows[0].current);
    EXPECT_TRUE(rows[1].current) << "the current kata is the first without full marks";

    p.write("01-counter/counter.hpp", "// edited after the grade\n");
    rows = list_rows(p.course, s, stubs, p.exercises());
    EXPECT_EQ(rows[0].status, "stale (changed since last check)");
    EXPECT_TRUE(rows[0].current) << "a changed kata must be checked again";
    EXPECT_EQ(rows[0].next, "check again");

    std::ostringstream out;
    render_list(rows, out);
    EXPECT_NE(out.str().find("> 01-counter"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("stale (changed since last check)"), std::string::npos);
}

TEST(ListCommand, AQuickRunNeverDowngradesTheRecordOfTheSameFiles) {
    TempProject p;
    MapStubSource stubs = p.stubs();
    StudentState s;
    p.write("01-counter/counter.hpp", "// solved\n");
    record_grade(s, p.graded("counter", 100), p.course, p.exercises());
    // The same files, checked again with --no-tsan --no-timing: tests pass, two checks not run.
    GradeReport quick = p.graded("counter", 60);
    quick.katas[0].checks[0].max_score = 60;
    quick.katas[0].checks[0].status = CheckStatus::pass;
    quick.katas[0].checks.push_back(
        CheckResult{"tsan", CheckStatus::skipped, 0, 20, "disabled", {}, {}, 0});
    quick.katas[0].checks.push_back(
        CheckResult{"timing", CheckStatus::skipped, 0, 20, "disabled", {}, {}, 0});
    for (auto& c : quick.katas[0].checks) c.disabled = c.status == CheckStatus::skipped;
    total_up(quick.katas[0]);
    ASSERT_DOUBLE_EQ(quick.katas[0].max_score, 60) << "switched-off checks are out of the report";
    record_grade(s, quick, p.course, p.exercises());
    auto rows = list_rows(p.course, s, stubs, p.exercises());
    EXPECT_EQ(rows[0].status, "passing");
    EXPECT_EQ(rows[0].last_score, "100/100");

    // After an edit the quick run is the record, and says what it did not run.
    p.write("01-counter/counter.hpp", "// solved, then edited\n");
    record_grade(s, quick, p.course, p.exercises());
    rows = list_rows(p.course, s, stubs, p.exercises());
    EXPECT_EQ(rows[0].status, "passing what ran; some checks not run");
    EXPECT_EQ(rows[0].last_score, "60/100") << "but not out of the record's";
    EXPECT_EQ(rows[0].next, "tsan (not run)");
}

TEST(ListCommand, GradeKeepsHintCount) {
    TempProject p;
    StudentState s;
    s.katas["counter"].hints_shown = 2;
    record_grade(s, p.graded("counter", 10), p.course, p.exercises());
    EXPECT_EQ(s.katas["counter"].hints_shown, 2);
}

TEST(HintCommand, OneMoreEachTimeThenSaysNoMore) {
    TempProject p;
    StudentState s;
    const Exercise& e = p.course.exercises[0];
    std::string text = next_hint(s, e);
    EXPECT_NE(text.find("hint 1 of 2 (counter): first idea"), std::string::npos) << text;
    EXPECT_EQ(text.find("second idea"), std::string::npos) << text;
    text = next_hint(s, e);
    EXPECT_NE(text.find("first idea"), std::string::npos);
    EXPECT_NE(text.find("hint 2 of 2 (counter): second idea"), std::string::npos) << text;
    EXPECT_NE(text.find("last hint"), std::string::npos) << text;
    text = next_hint(s, e);
    EXPECT_NE(text.find("no more hints"), std::string::npos) << text;
    EXPECT_EQ(s.katas["counter"].hints_shown, 2);

    // The count survives a save and a load (the next run of `kata hint`).
    save_state(state_file(p.root), s);
    StudentState again = load_state(state_file(p.root));
    EXPECT_NE(next_hint(again, e).find("no more hints"), std::string::npos);

    const std::string none = next_hint(s, p.course.exercises[1]);
    EXPECT_NE(none.find("has no hints"), std::string::npos) << none;
}

TEST(ResetCommand, BacksUpExactBytesThenRestoresStub) {
    TempProject p;
    MapStubSource stubs = p.stubs();
    const Exercise& e = p.course.exercises[1];
    std::string binary("line\r\n\0\xff tail", 14);
    p.write("02-queue/queue.hpp", binary);
    p.write("02-queue/detail/impl.hpp", "// my detail\n");
    const fs::path backups = p.root / "build" / "backups";
    const ResetResult r = reset_kata(e, p.exercises(), stubs, backups, "20260101-000000");
    EXPECT_EQ(r.backup, backups / "queue-20260101-000000");
    EXPECT_EQ(read_file(r.backup / "02-queue/queue.hpp"), binary);
    EXPECT_EQ(read_file(r.backup / "02-queue/detail/impl.hpp"), "// my detail\n");
    EXPECT_EQ(read_file(p.exercises() / "02-queue/queue.hpp"),
              TempProject::stub_of("02-queue/queue.hpp"));
    EXPECT_EQ(r.saved.size(), 2u);
    EXPECT_EQ(r.restored.size(), 2u);

    // A second reset in the same second gets its own folder: the first backup is kept.
    p.write("02-queue/queue.hpp", "second attempt");
    const ResetResult again = reset_kata(e, p.exercises(), stubs, backups, "20260101-000000");
    EXPECT_NE(again.backup, r.backup);
    EXPECT_EQ(read_file(r.backup / "02-queue/queue.hpp"), binary);
    EXPECT_EQ(read_file(again.backup / "02-queue/queue.hpp"), "second attempt");
}

TEST(ResetCommand, WithoutAStubNothingIsTouched) {
    TempProject p;
    MapStubSource none({});
    p.write("01-counter/counter.hpp", "precious");
    const fs::path backups = p.root / "build" / "backups";
    try {
        reset_kata(p.course.exercises[0], p.exercises(), none, backups, "t");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("kata reset counter"), std::string::npos) << e.what();
    }
    EXPECT_EQ(read_file(p.exercises() / "01-counter/counter.hpp"), "precious");
    EXPECT_FALSE(fs::exists(backups));
}

TEST(ResetCommand, RefusesWithoutTerminalOrYes) {
    TempProject p;
    MapStubSource stubs = p.stubs();
    p.write("01-counter/counter.hpp", "precious");
    std::ostringstream out, err;
    CommandContext ctx{p.course, p.root, Workspace{p.root, p.root / "build" / "grade"},
                       false,    false,  {},
                       out,      err};
    bool asked = false;
    const auto confirm = [&](const std::string&) { return asked = true; };
    EXPECT_EQ(run_reset(ctx, stubs, "counter", false, confirm), 2);
    EXPECT_FALSE(asked);
    EXPECT_NE(err.str().find("--yes"), std::string::npos) << err.str();
    EXPECT_EQ(read_file(p.exercises() / "01-counter/counter.hpp"), "precious");

    // On a terminal, "no" changes nothing.
    ctx.interactive = true;
    EXPECT_EQ(run_reset(ctx, stubs, "counter", false, [](const std::string&) { return false; }), 1);
    EXPECT_EQ(read_file(p.exercises() / "01-counter/counter.hpp"), "precious");

    // --yes resets, prints the backup folder, and the kata starts over in the state file.
    StudentState s;
    record_grade(s, p.graded("counter", 60), p.course, p.exercises());
    s.katas["counter"].hints_shown = 1;
    save_state(state_file(p.root), s);
    ctx.interactive = false;
    EXPECT_EQ(run_reset(ctx, stubs, "01-counter", true, confirm), 0);
    EXPECT_FALSE(asked);
    EXPECT_NE(out.str().find("build/backups/counter-"), std::string::npos) << out.str();
    EXPECT_EQ(read_file(p.exercises() / "01-counter/counter.hpp"),
              TempProject::stub_of("01-counter/counter.hpp"));
    const StudentState after = load_state(state_file(p.root));
    EXPECT_FALSE(after.katas.at("counter").graded);
    EXPECT_EQ(after.katas.at("counter").hints_shown, 1);
}

}  // namespace
