#pragma once
// Fixed grade reports for the report-format tests: what the grader produces for a passing
// submission, a partial score, a compile error, a hang, a data race and a noisy timing run.
// Values are written out by hand (times included) so that every rendering is deterministic.
#include "report/report.hpp"
#include "report/utf8.hpp"

#include <string>
#include <vector>

namespace interleave::scenarios {

/// An absolute checkout root that appears in one scenario; goldens show it as "@ROOT@".
inline const std::string kRoot = "/srv/ci/interleave";

inline CheckResult check(const std::string& name, CheckStatus status, double score, double max,
                         const std::string& message, std::vector<std::string> details = {},
                         nlohmann::json data = nlohmann::json::object(), double seconds = 1.0) {
    CheckResult c{name,   status, score, max, message, std::move(details), nlohmann::json::object(),
                  seconds};
    if (!data.is_object()) {
        c.data = std::move(data);
        return c;
    }
    // The typed fields, written here as the JSON report spells them.
    for (const auto& cmp : data.value("comparisons", nlohmann::json::array())) {
        c.comparisons.push_back(TimingComparison{cmp["name"], cmp["ratio"],
                                                 cmp["full_credit_ratio"], cmp["zero_credit_ratio"],
                                                 cmp["fraction"], cmp["spread"], std::nullopt});
    }
    for (const auto& e : data.value("errors", nlohmann::json::array())) {
        c.errors.push_back(SourceError{e["file"], e["line"], e.value("column", 0), e["message"]});
    }
    c.inconclusive = data.value("inconclusive", false);
    for (const char* typed : {"comparisons", "inconclusive", "errors"}) data.erase(typed);
    c.data = std::move(data);
    return c;
}

inline KataReport kata(const std::string& id, const std::string& folder, const std::string& title,
                       std::vector<CheckResult> checks) {
    KataReport k;
    k.id = id;
    k.folder = folder;
    k.title = title;
    k.checks = std::move(checks);
    return k;
}

inline nlohmann::json comparison(const std::string& name, double ratio, double fraction,
                                 double spread) {
    return nlohmann::json{{"name", name},
                          {"ratio", ratio},
                          {"full_credit_ratio", 1.2},
                          {"zero_credit_ratio", 3.0},
                          {"fraction", fraction},
                          {"spread", spread}};
}

inline KataReport counter_passing() {
    return kata(
        "counter", "01-counter", "Thread-safe counter",
        {check("build", CheckStatus::pass, 0, 0, "compiles", {}, {}, 4.25),
         check("tests", CheckStatus::pass, 60, 60, "10 of 10 tests pass", {},
               {{"passed", 10}, {"total", 10}}, 2.5),
         check("tsan", CheckStatus::pass, 20, 20, "no data race found", {}, {}, 6.75),
         check("timing", CheckStatus::pass, 20, 20,
               "sharded_vs_atomic: ratio 0.85 (full credit at <= 1.20, none at >= 3.00, median "
               "of 5 runs) -> full credit",
               {"sharded_vs_atomic: ratio 0.85 (full credit at <= 1.20, none at >= 3.00, median "
                "of 5 runs) -> full credit"},
               {{"comparisons", {comparison("sharded_vs_atomic", 0.85, 1.0, 0.04)}},
                {"inconclusive", false}},
               9.5)});
}

inline GradeReport report(const std::string& source, std::vector<KataReport> katas,
                          double seconds) {
    GradeReport r;
    r.course = "Interleave";
    r.source = source;
    r.seconds = seconds;
    r.katas = std::move(katas);
    total_up(r);
    return r;
}

/// `r` after make_valid_utf8, as grade_katas hands it to the reporters.
inline GradeReport cleaned(GradeReport r) {
    make_valid_utf8(r);
    return r;
}

inline GradeReport all_pass() {
    return report("solutions", {counter_passing()}, 23.0);
}

inline GradeReport partial() {
    const std::string failure =
        "TokenBucket.RefillIsProportionalToElapsedTime: at "
        "harness/02-rate-limiter/rate_limiter_test.cpp:57\n    Expected equality of these "
        "values:\n      bucket.available()\n        Which is: 3\n      5\n    after 500 ms at "
        "10 tokens/s the bucket must hold 5 tokens";
    return report(
        "exercises",
        {counter_passing(),
         kata("rate-limiter", "02-rate-limiter", "Token-bucket rate limiter",
              {check("build", CheckStatus::pass, 0, 0, "compiles", {}, {}, 5.0),
               check("tests", CheckStatus::fail, 48, 60,
                     "8 of 10 tests pass. First failure: "
                     "TokenBucket.RefillIsProportionalToElapsedTime: after 500 ms at 10 tokens/s "
                     "the bucket must hold 5 tokens",
                     {failure,
                      "TokenBucket.NeverExceedsCapacity: at "
                      "harness/02-rate-limiter/rate_limiter_test.cpp:74\n    capacity is 10, "
                      "got 12"},
                     {{"failed",
                       {"TokenBucket.RefillIsProportionalToElapsedTime",
                        "TokenBucket.NeverExceedsCapacity"}},
                      {"passed", 8},
                      {"total", 10}},
                     1.5),
               check("tsan", CheckStatus::skipped, 0, 20,
                     "no data race found, but these points need every correctness test to pass "
                     "first",
                     {}, {}, 7.0),
               check("timing", CheckStatus::skipped, 0, 20,
                     "not measured: speed is graded once every correctness test passes", {}, {},
                     0)})},
        41.0);
}

inline GradeReport compile_error() {
    return report(
        "exercises",
        {kata("counter", "01-counter", "Thread-safe counter",
              {check("build", CheckStatus::fail, 0, 0,
                     "compiling failed: 2 errors; first: 01-counter/counter.hpp:12:9: error: "
                     "'mutex' in namespace 'std' does not name a type",
                     {"01-counter/counter.hpp:12:9: error: 'mutex' in namespace 'std' does not "
                      "name a type",
                      "01-counter/counter.hpp:18:14: error: 'm_' was not declared in this scope"},
                     {{"errors",
                       {{{"file", "01-counter/counter.hpp"},
                         {"line", 12},
                         {"column", 9},
                         {"message", "'mutex' in namespace 'std' does not name a type"}},
                        {{"file", "01-counter/counter.hpp"},
                         {"line", 18},
                         {"column", 14},
                         {"message", "'m_' was not declared in this scope"}}}}},
                     3.5),
               check("tests", CheckStatus::skipped, 0, 60, "not graded: the code does not compile",
                     {}, {}, 0),
               check("tsan", CheckStatus::skipped, 0, 20, "not graded: the code does not compile",
                     {}, {}, 0),
               check("timing", CheckStatus::skipped, 0, 20, "not graded: the code does not compile",
                     {}, {}, 0)})},
        4.0);
}

inline GradeReport timeout() {
    return report(
        "exercises",
        {kata("producer-consumer", "04-producer-consumer", "Bounded producer-consumer queue",
              {check("build", CheckStatus::pass, 0, 0, "compiles", {}, {}, 6.0),
               check("tests", CheckStatus::fail, 22.5, 60,
                     "timed out, likely deadlock: BoundedQueue.CloseWakesBlockedConsumers never "
                     "finished (the binary was killed after 30 s); 3 of 8 tests pass",
                     {"thread 2 waits (std::condition_variable::wait) in BoundedQueue<int>::pop() "
                      "at 04-producer-consumer/bounded_queue.hpp:41: not_empty_.wait(lock);",
                      "thread 3 waits (std::thread::join) in main at "
                      "harness/04-producer-consumer/queue_test.cpp:88: consumer.join();"},
                     {{"hung_test", "BoundedQueue.CloseWakesBlockedConsumers"},
                      {"passed", 3},
                      {"total", 8}},
                     30.0),
               check("tsan", CheckStatus::skipped, 0, 20,
                     "no data race found, but these points need every correctness test to pass "
                     "first",
                     {}, {}, 31.0),
               check("timing", CheckStatus::skipped, 0, 20,
                     "not measured: speed is graded once every correctness test passes", {}, {},
                     0)})},
        70.0);
}

/// Graded from an absolute --source folder inside the checkout.
inline GradeReport race() {
    const std::string access =
        "data race: Read of size 8 by thread T3 in Counter::value() const at "
        "01-counter/counter.hpp:17: return total_;; Previous write of size 8 by thread T1 in "
        "Counter::increment() at 01-counter/counter.hpp:10: ++total_;";
    return report(
        kRoot + "/submissions",
        {kata("counter", "01-counter", "Thread-safe counter",
              {check("build", CheckStatus::pass, 0, 0, "compiles", {}, {}, 4.0),
               check("tests", CheckStatus::pass, 60, 60, "10 of 10 tests pass", {},
                     {{"passed", 10}, {"total", 10}}, 2.0),
               check("tsan", CheckStatus::fail, 0, 20,
                     "ThreadSanitizer reported 3 problems (1 distinct); first: " + access, {access},
                     {{"reports",
                       {{{"kind", "data race"},
                         {"summary", "data race counter.hpp:17 in Counter::value() const"},
                         {"text", "WARNING: ThreadSanitizer: data race (pid=4242)"}}}}},
                     5.0),
               check("timing", CheckStatus::pass, 20, 20, "every comparison earns full credit", {},
                     {{"comparisons", {comparison("sharded_vs_atomic", 1.1, 1.0, 0.05)}}}, 9.0)})},
        21.0);
}

inline GradeReport inconclusive() {
    GradeReport r = report(
        "exercises",
        {kata("url-pipeline", "05-url-pipeline", "URL pipeline",
              {check("build", CheckStatus::pass, 0, 0, "compiles", {}, {}, 12.0),
               check("tests", CheckStatus::pass, 60, 60, "9 of 9 tests pass", {},
                     {{"passed", 9}, {"total", 9}}, 8.0),
               check("tsan", CheckStatus::pass, 20, 20, "no data race found", {}, {}, 20.0),
               check("timing", CheckStatus::error, 10, 20,
                     "inconclusive: the machine was too noisy to judge the speed (spread above "
                     "25%); regrade on a quieter machine",
                     {"pipeline_vs_serial: ratio 2.10 (full credit at <= 1.20, none at >= 3.00, "
                      "median of 5 runs) -> 50% credit [noisy: spread 41%]",
                      "attempt 1 was too noisy to judge"},
                     {{"comparisons", {comparison("pipeline_vs_serial", 2.1, 0.5, 0.41)}},
                      {"inconclusive", true}},
                     15.0)})},
        60.0);
    r.notes.push_back("ThreadSanitizer reruns used setarch -R (address randomisation off)");
    return r;
}

/// The starter files as handed out: they compile, every test fails, and the checks that wait
/// for the tests (the sanitizer, timing) earn nothing. Every platform must show 0.
inline GradeReport untouched() {
    return report(
        "exercises",
        {kata("counter", "01-counter", "Thread-safe counter",
              {check("build", CheckStatus::pass, 0, 0, "compiles", {}, {}, 3.5),
               check("tests", CheckStatus::fail, 0, 60,
                     "0 of 11 tests pass. First failure: CounterBasics.StartsAtZeroAndCounts: two "
                     "increment() calls must give 2",
                     {"CounterBasics.StartsAtZeroAndCounts: at "
                      "harness/01-counter/counter_test.cpp:37\n    Expected equality of these "
                      "values:\n      c.value()\n        Which is: 0\n      2\n    two "
                      "increment() calls must give 2"},
                     {{"passed", 0}, {"total", 11}}, 1.25),
               check("tsan", CheckStatus::skipped, 0, 20,
                     "no data race found, but these points need every correctness test to pass "
                     "first",
                     {}, {}, 4.0),
               check("timing", CheckStatus::skipped, 0, 20,
                     "not measured: speed is graded once every correctness test passes", {}, {},
                     0.0)})},
        9.0);
}

/// The reference graded with two checks the course switched off (--no-tsan --no-timing, as on a
/// platform whose containers cannot run them): out of the maximum, so full marks stay 100%.
inline GradeReport disabled_checks() {
    KataReport k = kata("counter", "01-counter", "Thread-safe counter",
                        {check("build", CheckStatus::pass, 0, 0, "compiles", {}, {}, 4.25),
                         check("tests", CheckStatus::pass, 60, 60, "11 of 11 tests pass", {},
                               {{"passed", 11}, {"total", 11}}, 2.5),
                         check("tsan", CheckStatus::skipped, 0, 20,
                               "ThreadSanitizer disabled (--no-tsan)", {}, {}, 0.0),
                         check("timing", CheckStatus::skipped, 0, 20,
                               "timing disabled (--no-timing)", {}, {}, 0.0)});
    k.checks[2].disabled = true;
    k.checks[3].disabled = true;
    return report("solutions", {k}, 7.0);
}

/// A failing test whose output holds bytes that are not UTF-8 (the student printed raw memory
/// and a Latin-1 string), cleaned as grading cleans every report before its reporters run
/// (make_valid_utf8): every format stays valid, the bytes shown as U+FFFD.
inline GradeReport non_utf8() {
    return cleaned(report(
        "exercises",
        {kata("counter", "01-counter", "Thread-safe counter",
              {check("build", CheckStatus::pass, 0, 0, "compiles", {}, {}, 3.5),
               check("tests", CheckStatus::fail, 50, 60,
                     "10 of 11 tests pass. First failure: CounterBasics.StartsAtZeroAndCounts: "
                     "value() printed \xff\xfe\x80 garbage",
                     {"CounterBasics.StartsAtZeroAndCounts: stdout: caf\xe9 cr\xe8me \xc3(\xa0 "
                      "and a lone continuation \xbf"},
                     {{"passed", 10}, {"total", 11}}, 1.25)})},
        5.0));
}

struct Scenario {
    std::string name;
    GradeReport report;
};

inline std::vector<Scenario> all() {
    return {{"all_pass", all_pass()},
            {"partial", partial()},
            {"compile_error", compile_error()},
            {"timeout", timeout()},
            {"race", race()},
            {"inconclusive", inconclusive()},
            {"untouched", untouched()},
            {"disabled_checks", disabled_checks()},
            {"non_utf8", non_utf8()}};
}

}  // namespace interleave::scenarios
