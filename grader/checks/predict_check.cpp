// The predict check: a kata whose student writes no code but predicts, for each of the
// harness's small programs, every outcome some interleaving of its threads can produce
// (exercise.yaml checks.predict). The explorer enumerates every schedule of each program
// (`<id>_explore --outcomes`) to find the true set; the student's YAML answers are read, never
// run. A wrong answer is shown with a schedule that reaches the outcome the student missed.
#include "checks/checks.hpp"
#include "checks/parsers.hpp"
#include "workspace/content_hash.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace interleave {

namespace {

/// "  r1=0   r2=1 " -> "r1=0 r2=1": outcomes compare word by word.
std::string normalise_outcome(const std::string& text) {
    std::istringstream in(text);
    std::string word;
    std::string out;
    while (in >> word) out += (out.empty() ? "" : " ") + word;
    return out;
}

std::string joined(const std::set<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

/// One program's witness schedule, short: "T1 load 0 (line 12), T2 load 0 (line 12), ...".
/// Only the program's threads: thread 0 only starts them, joins them and reports.
std::string witness_text(const nlohmann::json& outcome) {
    std::string out;
    for (const auto& step : outcome.value("steps", nlohmann::json::array())) {
        if (!step.is_object() || step.value("thread", 0) == 0) continue;
        const std::string op = step.value("operation", "");
        std::string text = fmt::format("T{} {}", step.value("thread", 0), op);
        const std::string value = step.value("value", "");
        if (!value.empty()) text += " " + value;
        const std::string where = step.value("where", "");
        const auto colon = where.rfind(':');
        if (colon != std::string::npos) text += " (line " + where.substr(colon + 1) + ")";
        out += (out.empty() ? "" : ", ") + text;
    }
    return out.empty() ? "a schedule the explorer found" : out;
}

/// A litmus test's real runs (`<id>_stress`): how many ended each way.
struct RealRuns {
    long runs = 0;
    std::map<std::string, long> histogram;
};

RealRuns real_runs_of(const nlohmann::json& stress, const std::string& name) {
    RealRuns out;
    if (!stress.is_object()) return out;
    for (const auto& p : stress.value("programs", nlohmann::json::array())) {
        if (!p.is_object() || p.value("name", "") != name) continue;
        const auto histogram = p.value("histogram", nlohmann::json::object());
        if (!histogram.is_object()) continue;
        for (const auto& [outcome, count] : histogram.items()) {
            if (!count.is_number_integer() || count.get<long>() <= 0) continue;
            out.histogram[normalise_outcome(outcome)] += count.get<long>();
            out.runs += count.get<long>();
        }
    }
    return out;
}

/// "r1=0 r2=1 x111123, r1=0 r2=0 x4773 (relaxed only)", most frequent first.
std::string histogram_text(const RealRuns& real, const std::set<std::string>& relaxed) {
    std::vector<std::pair<std::string, long>> rows(real.histogram.begin(), real.histogram.end());
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string out;
    for (const auto& [outcome, count] : rows) {
        out += fmt::format("{}{} x{}{}", out.empty() ? "" : ", ", outcome, count,
                           relaxed.count(outcome) != 0 ? " (relaxed atomics only)" : "");
    }
    for (const auto& r : relaxed) {
        if (real.histogram.count(r) == 0) out += fmt::format(", {} never (allowed)", r);
    }
    return out;
}

/// " (seen 4773 times in 200000 real runs here)" / " (not seen in ... : allowed all the same)".
std::string seen_text(const RealRuns& real, const std::string& outcome) {
    if (real.runs == 0) return "";
    const auto it = real.histogram.find(outcome);
    if (it == real.histogram.end())
        return fmt::format(
            "; not seen in {} real runs on this machine, but allowed, and other hardware "
            "shows it",
            real.runs);
    return fmt::format("; seen {} times in {} real runs on this machine", it->second, real.runs);
}

}  // namespace

PredictAnswers parse_predict_answers(const std::string& file, const std::string& text) {
    PredictAnswers answers;
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        answers.error = fmt::format("{} line {}: not valid YAML: {}", file, e.mark.line + 1, e.msg);
        return answers;
    }
    if (root.IsNull()) return answers;
    if (!root.IsMap()) {
        answers.error = fmt::format(
            "{}: expected a mapping from each program's name to its outcomes and why", file);
        return answers;
    }
    for (const auto& entry : root) {
        const std::string name = entry.first.Scalar();
        const int line = entry.first.Mark().line + 1;
        if (name == "format_version") continue;
        const YAML::Node program = entry.second;
        if (program.IsNull()) continue;  // a program not answered yet
        if (!program.IsMap()) {
            answers.error = fmt::format(
                "{} line {}: {}: expected `outcomes: [...]` and `why: ...` under the name", file,
                line, name);
            return answers;
        }
        PredictAnswer a;
        a.line = line;
        const YAML::Node outcomes = program["outcomes"];
        if (outcomes && !outcomes.IsNull()) {
            if (!outcomes.IsSequence()) {
                answers.error =
                    fmt::format("{} line {}: {}.outcomes: expected a list, e.g. [\"x=1\", \"x=2\"]",
                                file, outcomes.Mark().line + 1, name);
                return answers;
            }
            for (const auto& o : outcomes) {
                if (!o.IsScalar()) {
                    answers.error = fmt::format(
                        "{} line {}: {}.outcomes: each outcome is one string, as the "
                        "program reports it (\"r1=0 r2=1\")",
                        file, o.Mark().line + 1, name);
                    return answers;
                }
                const std::string normal = normalise_outcome(o.Scalar());
                if (!normal.empty()) a.outcomes.insert(normal);
            }
        }
        answers.programs[name] = std::move(a);
    }
    return answers;
}

CheckResult judge_predictions(const PredictSpec& spec, const nlohmann::json& enumeration,
                              const PredictAnswers& answers, const nlohmann::json& stress) {
    CheckResult c;
    c.name = check_name(CheckKind::predict);
    c.max_score = spec.points;
    if (!answers.error.empty()) {
        c.status = CheckStatus::fail;
        c.message = answers.error;
        return c;
    }
    const auto& programs = enumeration.value("scenarios", nlohmann::json::array());
    if (programs.empty()) {
        c.status = CheckStatus::error;
        c.infrastructure = true;
        c.message =
            "the explorer listed no program to predict: the kata's scenarios file "
            "registers none";
        return c;
    }
    const double share = static_cast<double>(spec.points) / static_cast<double>(programs.size());
    int exact = 0;
    std::set<std::string> known;
    for (const auto& program : programs) {
        if (!program.is_object()) continue;
        const std::string name = program.value("name", "?");
        known.insert(name);
        if (!program.value("complete", false)) {
            c.status = CheckStatus::error;
            c.infrastructure = true;
            c.message = fmt::format(
                "the explorer could not run every schedule of {} within its budget "
                "(checks.predict.runs and seconds): the true set is unknown, so nothing is graded",
                name);
            return c;
        }
        std::map<std::string, nlohmann::json> truth;  // outcome -> its witness
        for (const auto& o : program.value("outcomes", nlohmann::json::array()))
            if (o.is_object()) truth[normalise_outcome(o.value("outcome", ""))] = o;
        std::set<std::string> reachable;
        for (const auto& [text, o] : truth) reachable.insert(text);
        // What only a weak memory order gives: no schedule reaches it, the program names it.
        std::set<std::string> relaxed;
        for (const auto& r : program.value("relaxed_outcomes", nlohmann::json::array()))
            if (r.is_string()) relaxed.insert(normalise_outcome(r.get<std::string>()));
        for (const auto& r : relaxed) reachable.insert(r);
        const RealRuns real = real_runs_of(stress, name);
        for (const auto& [seen, count] : real.histogram) {
            if (reachable.count(seen) != 0) continue;
            c.status = CheckStatus::error;
            c.infrastructure = true;
            c.score = 0;
            c.message = fmt::format(
                "the real runs of {} ended {} time(s) as \"{}\", which neither an interleaving "
                "nor its relaxed outcomes give: the program's list of relaxed outcomes is wrong, "
                "so nothing is graded",
                name, count, seen);
            return c;
        }
        const std::string real_line = real.runs > 0
                                          ? fmt::format("\n  {} real runs on this machine: {}",
                                                        real.runs, histogram_text(real, relaxed))
                                          : "";
        const auto answer = answers.programs.find(name);
        if (answer == answers.programs.end() || answer->second.outcomes.empty()) {
            c.details.push_back(fmt::format(
                "{}: no prediction yet (write its outcomes under `{}:` in {}): 0/{:.4g}", name,
                name, spec.answers, share));
            continue;
        }
        const std::set<std::string>& predicted = answer->second.outcomes;
        std::set<std::string> right;
        std::set<std::string> missed;
        std::set<std::string> impossible;
        std::set_intersection(predicted.begin(), predicted.end(), reachable.begin(),
                              reachable.end(), std::inserter(right, right.end()));
        std::set_difference(reachable.begin(), reachable.end(), predicted.begin(), predicted.end(),
                            std::inserter(missed, missed.end()));
        std::set_difference(predicted.begin(), predicted.end(), reachable.begin(), reachable.end(),
                            std::inserter(impossible, impossible.end()));
        // Credit: the right outcomes over every outcome named by either side (1 only when exact).
        const double fraction =
            static_cast<double>(right.size()) /
            static_cast<double>(right.size() + missed.size() + impossible.size());
        c.score += share * fraction;
        if (missed.empty() && impossible.empty()) {
            ++exact;
            c.details.push_back(fmt::format("{}: exact ({}): {:.4g}/{:.4g}{}", name,
                                            joined(reachable), share, share, real_line));
            continue;
        }
        std::string line = fmt::format("{}: {} of your {} outcome{} right, {:.4g}/{:.4g}", name,
                                       right.size(), predicted.size(),
                                       predicted.size() == 1 ? "" : "s", share * fraction, share);
        for (const auto& m : missed) {
            if (truth.count(m) != 0) {
                line +=
                    fmt::format("\n  you missed {}, reachable by: {}", m, witness_text(truth[m]));
            } else {
                line += fmt::format(
                    "\n  you missed {}: no interleaving reaches it, but the relaxed atomics "
                    "allow it (the memory model lets a thread see another thread's stores late, "
                    "or in another order than they were made){}",
                    m, seen_text(real, m));
            }
        }
        for (const auto& i : impossible) {
            line += fmt::format(
                "\n  {} cannot happen: none of the {} schedules of this program ends that way{}", i,
                program.value("schedules", 0),
                relaxed.empty() ? "" : ", and relaxed atomics do not give it either");
        }
        line += real_line;
        c.details.push_back(std::move(line));
    }
    for (const auto& [name, answer] : answers.programs) {
        if (known.count(name) == 0)
            c.details.push_back(
                fmt::format("{} line {}: `{}` is not one of the programs ({}): "
                            "ignored",
                            spec.answers, answer.line, name, joined(known)));
    }
    const int total = static_cast<int>(programs.size());
    c.status = exact == total ? CheckStatus::pass : CheckStatus::fail;
    c.message = exact == total
                    ? fmt::format("every outcome of the {} programs predicted exactly", total)
                    : fmt::format("{} of {} programs predicted exactly; first difference: {}",
                                  exact, total, [&] {
                                      for (const auto& d : c.details)
                                          if (d.find(": exact (") == std::string::npos)
                                              return d.substr(0, d.find('\n'));
                                      return std::string();
                                  }());
    return c;
}

namespace {

/// The programs' litmus tests run for real (`<id>_stress --runs N`, release tree: the
/// hardware's own atomics), when a program names relaxed outcomes. Never cached: the counts
/// are what this machine does now. They only inform (the true sets do not depend on them), so a
/// problem is returned in `problem` and the grade stands.
nlohmann::json run_litmus_stress(KataRun& k, const nlohmann::json& enumeration,
                                 std::string& problem) {
    const Exercise& e = k.exercise;
    const PredictSpec& spec = *e.predict;
    bool any = false;
    for (const auto& program : enumeration.value("scenarios", nlohmann::json::array()))
        any = any || (program.is_object() && program.contains("relaxed_outcomes"));
    if (!any || spec.stress_runs == 0) return nullptr;
    const std::string target = e.id + "_stress";
    const BuildOutcome build = k.build("release", target);
    if (!build.ok) {
        problem = fmt::format(
            "the litmus tests could not be built for their real runs ({}): no counts shown",
            target);
        return nullptr;
    }
    const std::string token = random_token();
    ProcessSpec p = channel_run_spec(k.ws.scratch_dir(e, "stress"), token, k.containment, 60);
    // At most 2 s per litmus test: a machine with no free core makes fewer runs, not a slow check.
    p.argv = {k.builder.binary("release", e, target).string(), "--runs",
              std::to_string(spec.stress_runs), "--seconds", "2"};
    const ProcessOutcome o = k.runner.run(p);
    const ChannelContent channel = read_channel(o.channel, token);
    if (!o.ok() || channel.blocks.size() != 1 || channel.blocks.front().first != "stress") {
        problem = fmt::format("the real runs of the litmus tests ({}) {} without their counts",
                              target, o.ok() ? "ended" : o.describe());
        return nullptr;
    }
    try {
        return nlohmann::json::parse(channel.blocks.front().second);
    } catch (const std::exception& ex) {
        problem =
            fmt::format("could not read the counts of the real runs ({}): {}", target, ex.what());
        return nullptr;
    }
}

}  // namespace

CheckResult run_predict_check(KataRun& k) {
    const Exercise& e = k.exercise;
    const PredictSpec& spec = *e.predict;
    k.step("predict");
    auto failed = [&](std::string message) {
        CheckResult c;
        c.name = check_name(CheckKind::predict);
        c.max_score = spec.points;
        c.status = CheckStatus::error;
        c.infrastructure = true;
        c.message = std::move(message);
        return c;
    };
    const fs::path answers_file = k.ws.stage_dir(e) / spec.answers;
    if (!fs::is_regular_file(answers_file)) {
        CheckResult c;
        c.name = check_name(CheckKind::predict);
        c.max_score = spec.points;
        c.status = CheckStatus::fail;
        c.message = fmt::format("{} is missing: write your predictions there", spec.answers);
        return c;
    }
    const PredictAnswers answers = parse_predict_answers(spec.answers, read_file(answers_file));
    // The programs are the harness's, not the student's: a build failure is the course's.
    const BuildOutcome build = k.build("tsan", k.explore_target());
    if (!build.ok) {
        CheckResult c = judge_build_failure(build, k.ws, "compiling the programs to predict");
        c.name = check_name(CheckKind::predict);
        c.max_score = spec.points;
        c.status = CheckStatus::error;
        c.infrastructure = true;
        return c;
    }
    // The true outcomes depend on the programs only, never on the answers: enumerated once per
    // build of the programs (the cache is named by the binary's hash), then read back, so every
    // later check of the kata is immediate.
    const fs::path binary = k.builder.binary("tsan", e, k.explore_target());
    const fs::path cache = binary.string() + ".outcomes-" + content_hash(read_file(binary)) + "-" +
                           std::to_string(spec.runs) + ".json";
    nlohmann::json enumeration;
    if (fs::is_regular_file(cache)) {
        try {
            enumeration = nlohmann::json::parse(read_file(cache));
        } catch (const std::exception&) {
            enumeration = nullptr;  // a damaged cache is enumerated again
        }
    }
    if (enumeration.is_null()) {
        const std::string token = random_token();
        // Under verify only the run budget ends the enumeration: a slow or busy machine costs
        // time once (the result is kept), not every row's verdict.
        const double seconds = explorer_seconds(k.options, spec.seconds);
        ProcessSpec p =
            channel_run_spec(k.ws.scratch_dir(e, "predict"), token, k.containment, seconds + 30);
        p.argv = {binary.string(), "--outcomes",
                  "--seconds",     fmt::format("{}", seconds),
                  "--runs",        std::to_string(spec.runs)};
        const ProcessOutcome o = k.runner.run(p);
        const ChannelContent channel = read_channel(o.channel, token);
        if (channel.blocks.size() != 1 || channel.blocks.front().first != "outcomes")
            return failed(fmt::format("the explorer {} without listing the programs' outcomes",
                                      o.ok() ? "ended" : o.describe()));
        try {
            enumeration = nlohmann::json::parse(channel.blocks.front().second);
        } catch (const std::exception& ex) {
            return failed(fmt::format("could not read the explorer's outcomes: {}", ex.what()));
        }
        bool complete = true;
        for (const auto& program : enumeration.value("scenarios", nlohmann::json::array()))
            complete = complete && program.value("complete", false);
        if (complete) std::ofstream(cache) << channel.blocks.front().second;
    }
    std::string stress_problem;
    const nlohmann::json stress = run_litmus_stress(k, enumeration, stress_problem);
    try {
        CheckResult c = judge_predictions(spec, enumeration, answers, stress);
        if (!stress_problem.empty()) c.details.push_back(stress_problem);
        return c;
    } catch (const std::exception& ex) {
        return failed(fmt::format("could not judge the predictions: {}", ex.what()));
    }
}

}  // namespace interleave
