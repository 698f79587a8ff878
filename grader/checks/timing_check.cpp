// The timing check: the kata's benchmark against a baseline measured in the same run; each
// comparison's ratio earns its share of the points, linearly between two thresholds.
#include "checks/checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace interleave {

namespace {

/// Credit comes in steps of 1 / kCreditSteps of a comparison's share.
constexpr double kCreditSteps = 20;

/// One comparison as measured, before it is judged.
struct Measured {
    double ratio = 0;
    /// The larger (median - min) / min of the two sides: how noisy the samples were.
    double spread = 0;
    /// The ratio most favourable to the student that the samples allow: noise only adds time,
    /// so the student's fastest run against the baseline's slowest run.
    double best_case = 0;
    double free_cores = 0;  ///< median of the benchmark's free_cores counter, when required
    /// The must_show effects this run did not show, each as "EFFECT (COUNTER V, it shows at >=
    /// MIN)".
    std::vector<std::string> unshown;
    /// Median of the comparison's uncontended_counter, when it has one.
    std::optional<double> uncontended;
    std::string error;  ///< a benchmark or counter missing from the results
    /// The benchmark stopped on the student's code (SkipWithError): its message.
    std::string student_error;
};

Measured measure(const TimingSpec& spec, const Comparison& cmp,
                 const std::map<std::string, BenchmarkSamples>& samples) {
    auto stat = [&](const std::vector<double>& v) {
        return spec.statistic == "median" ? median(v) : minimum(v);
    };
    auto spread = [](const std::vector<double>& v) {
        const double lo = minimum(v);
        return lo > 0 ? (median(v) - lo) / lo : 0.0;
    };
    auto series = [&](const BenchmarkSamples& s) -> const std::vector<double>& {
        return cmp.metric == "cpu_time" ? s.cpu_time_ns : s.real_time_ns;
    };
    auto available = [&] {
        std::string names;
        for (const auto& [name, s] : samples) names += (names.empty() ? "" : ", ") + name;
        return names;
    };
    Measured m;
    const auto student = samples.find(cmp.student);
    if (student == samples.end()) {
        m.error = fmt::format("benchmark \"{}\" is missing from the results (found: {})",
                              cmp.student, available());
        return m;
    }
    if (!student->second.errors.empty()) {
        m.student_error = student->second.errors.front();
        return m;
    }
    // A user counter of the student's benchmark; nullptr, with m.error set, when it is missing.
    auto counter_of = [&](const std::string& name,
                          const std::string& why = "") -> const std::vector<double>* {
        const auto found = student->second.counters.find(name);
        if (found != student->second.counters.end()) return &found->second;
        m.error = fmt::format("counter \"{}\" is missing from benchmark \"{}\"{}", name,
                              cmp.student, why);
        return nullptr;
    };
    if (!cmp.baseline.empty()) {
        const auto baseline = samples.find(cmp.baseline);
        if (baseline == samples.end()) {
            m.error = fmt::format("baseline \"{}\" is missing from the results (found: {})",
                                  cmp.baseline, available());
            return m;
        }
        const auto& s = series(student->second);
        const auto& b = series(baseline->second);
        m.ratio = stat(b) > 0 ? stat(s) / stat(b) : 0;
        m.spread = std::max(spread(s), spread(b));
        m.best_case = maximum(b) > 0 ? minimum(s) / maximum(b) : 0;
    } else {
        const auto* counter = counter_of(cmp.counter);
        if (counter == nullptr) return m;
        m.ratio = stat(*counter);
        m.spread = spread(*counter);
        m.best_case = minimum(*counter);
    }
    if (spec.min_free_cores > 0) {
        const auto* free = counter_of("free_cores", " (exercise.yaml sets min_free_cores)");
        if (free == nullptr) return m;
        m.free_cores = median(*free);
    }
    for (const auto& effect : spec.must_show) {
        const auto* shown = counter_of(effect.counter, " (exercise.yaml lists it in must_show)");
        if (shown == nullptr) return m;
        const double value = median(*shown);
        if (value < effect.at_least)
            m.unshown.push_back(fmt::format("{} ({} {:.2f}, it shows at >= {:.2f})", effect.effect,
                                            effect.counter, value, effect.at_least));
    }
    if (!cmp.uncontended_counter.empty()) {
        const auto* alone = counter_of(cmp.uncontended_counter);
        if (alone == nullptr) return m;
        m.uncontended = median(*alone);
    }
    return m;
}

/// The check's headline once every comparison is judged.
std::string timing_message(const TimingSpec& spec, const CheckResult& c,
                           const std::vector<std::string>& summaries,
                           std::optional<double> starved_cores) {
    if (c.inconclusive && starved_cores)
        return fmt::format(
            "inconclusive: the machine was too busy to judge the speed (the benchmark's threads "
            "got {:.2f} cores, it needs {:.2f}); regrade on a quieter machine",
            *starved_cores, spec.min_free_cores);
    if (c.inconclusive)
        return "inconclusive: the machine was too noisy to judge the speed (spread above " +
               fmt::format("{:.0f}%", spec.max_spread * 100) + "); regrade on a quieter machine";
    if (c.status == CheckStatus::pass)
        return summaries.size() == 1 ? summaries.front() : "every comparison earns full credit";
    // Lead with the first comparison that missed full credit.
    std::size_t first_miss = 0;
    while (first_miss + 1 < summaries.size() && c.comparisons[first_miss].fraction >= 1.0)
        ++first_miss;
    return summaries[first_miss];
}

}  // namespace

CheckResult judge_timing(const TimingSpec& spec,
                         const std::map<std::string, BenchmarkSamples>& samples) {
    CheckResult c = skipped_check(CheckKind::timing, spec.points);
    c.status = CheckStatus::pass;
    const double share =
        spec.comparisons.empty() ? 0.0 : spec.points / static_cast<double>(spec.comparisons.size());
    // The fewest free cores a comparison that missed full credit ran with, when too few.
    std::optional<double> starved_cores;
    std::vector<std::string> summaries;
    // Comparisons a busy machine could not judge under contention, judged on one call's cost.
    std::vector<std::string> judged_alone;
    // The must_show effects a comparison that earned full credit did not show.
    std::vector<std::string> unshown;
    for (const auto& cmp : spec.comparisons) {
        const Measured m = measure(spec, cmp, samples);
        if (!m.student_error.empty()) {
            // The harness stopped the benchmark because the code misbehaved: the student's bug,
            // quoted, not the grader's.
            c.status = CheckStatus::fail;
            c.message = fmt::format("{}: the benchmark stopped on your code: {}", cmp.name,
                                    m.student_error);
            c.score = 0;
            return c;
        }
        if (!m.error.empty()) {
            c.status = CheckStatus::error;
            c.message = m.error;
            c.score = 0;
            return c;
        }
        // On a grid of 5%: a measurement noise of a few percent must not move the score by
        // fractions of a point from one run of the same code to the next.
        const double fraction =
            std::round(std::clamp((cmp.zero_credit_ratio - m.ratio) /
                                      (cmp.zero_credit_ratio - cmp.full_credit_ratio),
                                  0.0, 1.0) *
                       kCreditSteps) /
            kCreditSteps;
        const bool noisy = m.spread > spec.max_spread;
        // Noise makes a verdict doubtful only when it could have changed it: a comparison whose
        // most favourable ratio still earns no credit is judged however noisy the machine.
        const bool no_credit_in_any_case = m.best_case >= cmp.zero_credit_ratio;
        if (noisy && fraction < 1.0 && !no_credit_in_any_case) c.inconclusive = true;
        // Too few free cores bias the ratio itself (not just its spread), so no bound on the
        // repetitions can rescue the verdict: only full credit stands.
        const bool starved = spec.min_free_cores > 0 && m.free_cores < spec.min_free_cores;
        // ... unless the design costs as much as the baseline even alone, which no number of
        // free cores can improve: that is judged, with what was measured.
        const bool costly_alone =
            starved && fraction < 1.0 && m.uncontended && *m.uncontended >= cmp.zero_credit_ratio;
        if (starved && fraction < 1.0 && !costly_alone) {
            c.inconclusive = true;
            starved_cores = std::min(m.free_cores, starved_cores.value_or(m.free_cores));
        }
        // An effect the run did not show only ever makes a design look faster than it is: a
        // miss stands, and full credit stands too, but unproven (a design that suffers from the
        // effect would have earned it here).
        if (!m.unshown.empty() && fraction >= 1.0) {
            c.unproven = true;
            unshown.insert(unshown.end(), m.unshown.begin(), m.unshown.end());
        }
        if (costly_alone) {
            judged_alone.push_back(fmt::format(
                "{}: the machine was too busy to run the threads at once ({:.2f} free cores, "
                "{:.2f} needed), so contention was not measured; but one call from a single "
                "thread costs {:.2f}x the baseline's, where {:.2f} already earns nothing: the "
                "design costs what a lock costs before any contention adds to it. (One lock per "
                "thread would scale: regrade on a quieter machine to have it measured under "
                "contention.)",
                cmp.name, m.free_cores, spec.min_free_cores, *m.uncontended,
                cmp.zero_credit_ratio));
        }
        c.score += share * fraction;
        if (fraction < 1.0) c.status = CheckStatus::fail;
        const std::string verdict = fraction >= 1.0 ? "full credit"
                                    : fraction <= 0.0
                                        ? "no credit"
                                        : fmt::format("{:.0f}% credit", fraction * 100);
        summaries.push_back(fmt::format(
            "{}: ratio {:.2f} (full credit at <= {:.2f}, none at >= {:.2f}, {} of {} runs) -> "
            "{}{}{}",
            cmp.name, m.ratio, cmp.full_credit_ratio, cmp.zero_credit_ratio, spec.statistic,
            spec.repetitions, verdict,
            noisy ? fmt::format(" [noisy: spread {:.0f}%]", m.spread * 100) : "",
            starved ? fmt::format(" [busy machine: {:.2f} free cores]", m.free_cores) : ""));
        c.comparisons.push_back(TimingComparison{
            cmp.name, m.ratio, cmp.full_credit_ratio, cmp.zero_credit_ratio, fraction, m.spread,
            spec.min_free_cores > 0 ? std::optional<double>(m.free_cores) : std::nullopt});
    }
    c.message = timing_message(spec, c, summaries, starved_cores);
    // The evidence lists every comparison but the one the headline already says.
    for (const auto& line : summaries)
        if (line != c.message) c.details.push_back(line);
    for (const auto& line : judged_alone) c.details.push_back(line);
    if (c.unproven)
        for (const auto& effect : unshown)
            c.details.push_back(fmt::format(
                "this run did not show {}: full credit stands, but a design that suffers from it "
                "would have earned it here too",
                effect));
    if (c.inconclusive) {
        c.status = CheckStatus::error;
    } else if (c.status != CheckStatus::pass && !spec.advice.empty()) {
        c.details.push_back("idea: " + spec.advice);
    }
    return c;
}

bool timing_inconclusive(const CheckResult& timing) {
    return timing.inconclusive;
}

CheckResult run_timing_check(KataRun& k) {
    const Exercise& e = k.exercise;
    const int points = e.timing->points;
    if (!k.options.timing)
        return disabled_check(CheckKind::timing, points, "timing disabled (--no-timing)");
    k.step("timing");
    CheckResult timing;
    for (int attempt = 0; attempt < 2; ++attempt) {
        const BenchmarkRun bench = run_benchmark(
            k.runner, k.builder.binary("release", e, k.bench_target()),
            k.ws.scratch_dir(e, "timing"), *e.timing, e.timeout_seconds, k.containment);
        if (!bench.error.empty()) {
            timing = skipped_check(CheckKind::timing, points, bench.error);
            timing.status = CheckStatus::fail;
            timing.seconds = bench.seconds;
            timing.tamper = bench.tamper;
            break;
        }
        timing = judge_timing(*e.timing, bench.samples);
        timing.seconds = bench.seconds;
        // A run too noisy to judge gets one more chance before it is called inconclusive.
        if (!timing_inconclusive(timing)) break;
        timing.details.push_back(fmt::format("attempt {} was too noisy to judge", attempt + 1));
    }
    return timing;
}

}  // namespace interleave
