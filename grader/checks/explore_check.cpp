// The explore check: the kata's scenarios (harness/NN-name/*_explore.cpp) run under the
// explorer's controlled schedules (harness/explore/), which looks for the one order of a few
// operations that breaks the student's code: the bugs ThreadSanitizer cannot see (no data race:
// a compare-exchange that gives up, two atomic steps that should be one, a lost wake-up) and a
// stress test finds only by luck.
#include "checks/checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace fs = std::filesystem;

namespace interleave {

namespace {

/// The lines of the explorer's table, as they are (already aligned by the explorer).
std::vector<std::string> table_lines(const std::string& table) {
    std::vector<std::string> lines;
    std::istringstream in(table);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

}  // namespace

CheckResult judge_explore(const ProcessOutcome& process, const ChannelContent& channel, int points,
                          const std::string& kata_id) {
    CheckResult c;
    c.name = check_name(CheckKind::explore);
    c.max_score = points;
    for (const auto& line : channel.foreign)
        c.tamper.push_back("results channel: a line without the harness's token: \"" + line + "\"");
    const bool finished = std::find(channel.records.begin(), channel.records.end(), "finished") !=
                          channel.records.end();
    if (channel.blocks.size() != 1 || channel.blocks.front().first != "explore" || !finished ||
        !c.tamper.empty()) {
        c.status = CheckStatus::fail;
        c.message = !c.tamper.empty()
                        ? "something other than the explorer wrote to its results channel, so its "
                          "report cannot be trusted (see the tamper evidence)"
                    : process.ok()
                        ? "the explorer ended without sending its report to the grader: "
                          "did the submission close or take over descriptors it did not "
                          "open?"
                        : fmt::format("the explorer {} before it could report", process.describe());
        return c;
    }
    nlohmann::json report;
    try {
        report = nlohmann::json::parse(channel.blocks.front().second);
    } catch (const std::exception& e) {
        c.status = CheckStatus::error;
        c.infrastructure = true;
        c.message = fmt::format("could not read the explorer's report: {}", e.what());
        return c;
    }
    const auto& scenarios = report.value("scenarios", nlohmann::json::array());
    if (scenarios.empty()) {
        c.status = CheckStatus::error;
        c.infrastructure = true;
        c.message = "the explorer reported no scenario: harness/" + kata_id +
                    " has an explore check but its scenarios file registers none";
        return c;
    }
    int schedules = 0;
    int exhausted = 0;
    int unfinished = 0;
    std::vector<std::string> failed;
    for (const auto& s : scenarios) {
        const std::string name = s.value("name", "?");
        schedules += s.value("schedules", 0);
        exhausted += s.value("exhausted", false) ? 1 : 0;
        unfinished += s.value("unfinished", 0);
        c.data["scenarios"].push_back(s);
        if (!s.contains("failure")) continue;
        const auto& f = s["failure"];
        failed.push_back(name);
        const std::string message = f.value("message", "");
        c.details.push_back(fmt::format("{}: {}", name, s.value("description", "")));
        // The first failure's first line is the check's message already.
        std::istringstream lines(message);
        bool first = failed.size() == 1;
        for (std::string line; std::getline(lines, line); first = false) {
            if (!first) c.details.push_back("  " + line);
        }
        // A scenario that never ends has no interleaving to show.
        if (f.value("table", "").empty()) continue;
        c.details.push_back(fmt::format(
            "  the interleaving that breaks it ({}, after {} schedules), step by step ('>' marks "
            "a switch to another thread):",
            f.value("found_by", "search"), s.value("schedules", 0)));
        for (const auto& line : table_lines(f.value("table", ""))) c.details.push_back(line);
        c.details.push_back(fmt::format("  replay it: ./kata explore {} --scenario {} --replay {}",
                                        kata_id, name, f.value("replay", "s")));
    }
    const int total = static_cast<int>(scenarios.size());
    c.seconds = static_cast<double>(process.elapsed.count()) / 1000.0;
    if (!failed.empty()) {
        c.status = CheckStatus::fail;
        c.score = points * static_cast<double>(total - static_cast<int>(failed.size())) / total;
        const auto& first = *std::find_if(scenarios.begin(), scenarios.end(),
                                          [](const auto& s) { return s.contains("failure"); });
        c.message = fmt::format("{} of {} scenarios broken by a schedule; first: {}: {}",
                                failed.size(), total, first.value("name", "?"),
                                first_line(first["failure"].value("message", "")));
        return c;
    }
    c.status = CheckStatus::pass;
    c.score = points;
    c.message = fmt::format(
        "no schedule breaks the {} scenario{} ({} schedules run; {} of {} "
        "searched completely up to 2 preemptions)",
        total, total == 1 ? "" : "s", schedules, exhausted, total);
    if (unfinished > 0)
        c.details.push_back(fmt::format(
            "{} schedule(s) did not finish within the explorer's step limit (a thread that spins "
            "while the one it waits for never runs): not counted against you",
            unfinished));
    return c;
}

namespace {

/// Builds (or waits for the early build of) the scenarios and runs the explorer.
CheckResult explore_now(KataRun& k) {
    const Exercise& e = k.exercise;
    const int points = e.explore->points;
    const BuildOutcome build = k.build("tsan", k.explore_target());
    if (!build.ok) {
        CheckResult c = judge_build_failure(build, k.ws, "compiling the explorer's scenarios");
        c.name = check_name(CheckKind::explore);
        c.max_score = points;
        return c;
    }
    const std::string token = random_token();
    const double seconds = explorer_seconds(k.options, e.explore->seconds);
    // The explorer keeps to its own budget; the deadline only stops one that cannot.
    ProcessSpec p =
        channel_run_spec(k.ws.scratch_dir(e, "explore"), token, k.containment, seconds + 30);
    p.argv = {k.builder.binary("tsan", e, k.explore_target()).string(), "--seconds",
              fmt::format("{}", seconds), "--runs", std::to_string(e.explore->runs)};
    if (k.options.fail_fast) p.argv.emplace_back("--stop-at-first-failure");
    const ProcessOutcome o = k.runner.run(p);
    return judge_explore(o, read_channel(o.channel, token), points, e.id);
}

}  // namespace

double explorer_seconds(const GradeOptions& options, double seconds) {
    // Long enough for kata 10's whole enumeration (about 33,000 schedules: 10 s here) on a
    // machine where every run needs a process of its own (113 schedules a second: 5 minutes).
    constexpr double kSafetyNet = 900;
    return options.explore_runs_only ? std::max(kSafetyNet, 6 * seconds) : seconds;
}

void start_explore_early(KataRun& k) {
    if (!k.options.explore || !k.exercise.explore || k.explore_early.valid()) return;
    k.explore_early = std::async(std::launch::async, [&k] { return explore_now(k); }).share();
}

CheckResult run_explore_check(KataRun& k) {
    const Exercise& e = k.exercise;
    if (!k.options.explore)
        return disabled_check(CheckKind::explore, e.explore->points,
                              "the explorer disabled (--no-explore)");
    k.step("explore");
    if (k.explore_early.valid()) return k.explore_early.get();
    return explore_now(k);
}

}  // namespace interleave
