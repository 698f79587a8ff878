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
                              const PredictAnswers& answers) {
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
            c.details.push_back(fmt::format("{}: exact ({}): {:.4g}/{:.4g}", name,
                                            joined(reachable), share, share));
            continue;
        }
        std::string line = fmt::format("{}: {} of your {} outcome{} right, {:.4g}/{:.4g}", name,
                                       right.size(), predicted.size(),
                                       predicted.size() == 1 ? "" : "s", share * fraction, share);
        for (const auto& m : missed) {
            line += fmt::format("\n  you missed {}, reachable by: {}", m, witness_text(truth[m]));
        }
        for (const auto& i : impossible) {
            line += fmt::format(
                "\n  {} cannot happen: none of the {} schedules of this program ends that way", i,
                program.value("schedules", 0));
        }
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
    try {
        return judge_predictions(spec, enumeration, answers);
    } catch (const std::exception& ex) {
        return failed(fmt::format("could not judge the predictions: {}", ex.what()));
    }
}

}  // namespace interleave
