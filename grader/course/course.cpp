#include "course/course.hpp"

#include "course/yaml_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>

namespace fs = std::filesystem;

namespace interleave {

namespace {

const std::regex kFolderPattern(R"(^(\d\d)-([a-z0-9][a-z0-9-]*)$)");

void require_positive(const YamlFields& f, const std::string& key, double value) {
    if (!(value > 0)) f.fail(key, fmt::format("must be greater than 0, got {}", value));
}

void require_version(const YamlFields& f) {
    const int version = f.integer("format_version");
    if (version != 1)
        f.fail("format_version",
               fmt::format("unsupported version {} (this grader reads 1)", version));
}

int read_points(const YamlFields& f) {
    const int points = f.integer("points");
    if (points < 0) f.fail("points", "must not be negative");
    return points;
}

TimingSpec read_timing(const YamlFields& t) {
    TimingSpec spec;
    spec.points = read_points(t);
    spec.repetitions = t.integer_or("repetitions", spec.repetitions);
    if (spec.repetitions < 1) t.fail("repetitions", "must be at least 1");
    spec.min_time = t.number_or("min_time", spec.min_time);
    require_positive(t, "min_time", spec.min_time);
    spec.statistic = t.str_or("statistic", spec.statistic);
    if (spec.statistic != "min" && spec.statistic != "median") {
        t.fail("statistic", fmt::format("must be min or median, got \"{}\"", spec.statistic));
    }
    spec.max_spread = t.number_or("max_spread", spec.max_spread);
    require_positive(t, "max_spread", spec.max_spread);
    spec.min_free_cores = t.number_or("min_free_cores", spec.min_free_cores);
    if (spec.min_free_cores < 0) t.fail("min_free_cores", "must not be negative");
    spec.advice = t.str_or("advice", "");
    for (const auto& m : t.maps_or("must_show")) {
        MachineEffect effect;
        effect.counter = m.str("counter");
        effect.at_least = m.number("at_least");
        require_positive(m, "at_least", effect.at_least);
        effect.effect = m.str("effect");
        m.reject_unknown();
        spec.must_show.push_back(effect);
    }
    for (const auto& c : t.maps("comparisons")) {
        Comparison cmp;
        cmp.name = c.str("name");
        cmp.student = c.str("student");
        cmp.baseline = c.str_or("baseline", "");
        cmp.counter = c.str_or("counter", "");
        if (cmp.baseline.empty() == cmp.counter.empty()) {
            c.fail("baseline", "give exactly one of `baseline` and `counter`");
        }
        cmp.metric = c.str_or("metric", cmp.metric);
        if (cmp.metric != "real_time" && cmp.metric != "cpu_time") {
            c.fail("metric", fmt::format("must be real_time or cpu_time, got \"{}\"", cmp.metric));
        }
        cmp.uncontended_counter = c.str_or("uncontended_counter", "");
        cmp.full_credit_ratio = c.number("full_credit_ratio");
        cmp.zero_credit_ratio = c.number("zero_credit_ratio");
        require_positive(c, "full_credit_ratio", cmp.full_credit_ratio);
        if (cmp.zero_credit_ratio <= cmp.full_credit_ratio) {
            c.fail("zero_credit_ratio", "must be greater than full_credit_ratio");
        }
        c.reject_unknown();
        spec.comparisons.push_back(cmp);
    }
    if (spec.comparisons.empty()) t.fail("comparisons", "needs at least one comparison");
    for (const auto& cmp : spec.comparisons) {
        if (!cmp.uncontended_counter.empty() && spec.min_free_cores <= 0)
            t.fail("min_free_cores", fmt::format("comparison \"{}\" has an uncontended_counter, "
                                                 "which is read only when min_free_cores is set",
                                                 cmp.name));
    }
    t.reject_unknown();
    return spec;
}

/// checks.tests.hidden: each entry is "Suite.Test" or a prefix ending in '*' ("Suite.*").
std::vector<std::string> read_hidden_tests(const YamlFields& t) {
    static const std::regex kPattern(R"(^[A-Za-z_][A-Za-z0-9_/]*\.([A-Za-z0-9_/]+\*?|\*)$)");
    std::vector<std::string> hidden = t.strings_or("hidden");
    for (const auto& h : hidden) {
        if (!std::regex_match(h, kPattern)) {
            t.fail("hidden", fmt::format("\"{}\" is not a GoogleTest name: write Suite.Test, or "
                                         "Suite.Prefix* for every test starting with a prefix",
                                         h));
        }
    }
    return hidden;
}

/// course.yaml `instructor_only`: relative globs that stay inside the project and never cover
/// what a student needs to grade (course.yaml, the kata launcher, exercises/, harness tests).
std::vector<std::string> read_instructor_only(const YamlFields& f) {
    std::vector<std::string> globs = f.strings("instructor_only");
    for (const auto& g : globs) {
        if (g.empty() || g.front() == '/' || g.find("..") != std::string::npos) {
            f.fail("instructor_only",
                   fmt::format("\"{}\" must be a relative path or glob inside the project", g));
        }
        for (const char* needed :
             {"course.yaml", "kata", "exercises", "harness", "CMakeLists.txt"}) {
            if (g == needed || g == std::string(needed) + "/" || g == "*" || g == "**") {
                f.fail("instructor_only", fmt::format("\"{}\" would leave students without {}", g,
                                                      g.front() == '*' ? "anything" : needed));
            }
        }
    }
    return globs;
}

/// An explorer's budget (checks.explore, checks.predict): `seconds` of wall time, between 0 and
/// `max_seconds`, and at most `runs` schedules per scenario; both keep their defaults when absent.
void read_search_budget(const YamlFields& x, int max_seconds, double& seconds, int& runs) {
    seconds = x.number_or("seconds", seconds);
    if (seconds <= 0 || seconds > max_seconds) {
        x.fail("seconds", fmt::format("must be a number of seconds between 0 and {}", max_seconds));
    }
    runs = x.integer_or("runs", runs);
    if (runs < 1) x.fail("runs", "must be at least 1");
}

/// `field` names `file`, which must be one of the kata's student_files.
void require_student_file(const YamlFields& x, const char* field, const std::string& file,
                          const std::vector<std::string>& student_files) {
    if (std::find(student_files.begin(), student_files.end(), file) == student_files.end())
        x.fail(field, fmt::format("\"{}\" is not one of the kata's student_files", file));
}

/// checks.explore: {points, seconds, runs}.
ExploreSpec read_explore(const YamlFields& x) {
    ExploreSpec spec;
    spec.points = read_points(x);
    read_search_budget(x, 120, spec.seconds, spec.runs);
    x.reject_unknown();
    return spec;
}

/// checks.predict: {points, answers, seconds, runs, stress_runs}; `answers` must be a student
/// file.
PredictSpec read_predict(const YamlFields& x, const std::vector<std::string>& student_files) {
    PredictSpec spec;
    spec.points = read_points(x);
    spec.answers = x.str_or("answers", spec.answers);
    require_student_file(x, "answers", spec.answers, student_files);
    read_search_budget(x, 300, spec.seconds, spec.runs);
    spec.stress_runs = x.integer_or("stress_runs", spec.stress_runs);
    if (spec.stress_runs < 0 || spec.stress_runs > 10000000)
        x.fail("stress_runs", "must be between 0 (no real runs) and 10000000");
    x.reject_unknown();
    return spec;
}

/// checks.manual: {points, file, title, placeholder}; `file` must be a student file.
ManualSpec read_manual(const YamlFields& m, const std::vector<std::string>& student_files) {
    ManualSpec spec;
    spec.points = read_points(m);
    spec.file = m.str("file");
    require_student_file(m, "file", spec.file, student_files);
    for (const char* taken : {"build", "tests", "tsan", "explore", "timing", "asan", "predict"}) {
        if (spec.check_name() == taken)
            m.fail("file", fmt::format("\"{}\" would name the check `{}`, which the grader uses",
                                       spec.file, taken));
    }
    spec.title = m.str_or("title", "graded by hand");
    spec.placeholder = m.str_or("placeholder", spec.placeholder);
    m.reject_unknown();
    return spec;
}

}  // namespace

std::string ManualSpec::check_name() const {
    std::string stem = std::filesystem::path(file).stem().string();
    std::transform(stem.begin(), stem.end(), stem.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return stem;
}

int Exercise::max_points() const {
    return tests_points.value_or(0) + tsan_points.value_or(0) + (timing ? timing->points : 0) +
           asan_points.value_or(0) + (explore ? explore->points : 0) +
           (predict ? predict->points : 0);
}

const Exercise* Course::find(const std::string& id_or_folder) const {
    for (const auto& e : exercises) {
        if (e.id == id_or_folder || e.folder == id_or_folder) return &e;
    }
    return nullptr;
}

Exercise load_exercise(const fs::path& yaml_path, const std::string& folder,
                       const Exercise& defaults) {
    const std::string file = yaml_path.string();
    const YamlFields f(load_yaml_file(file), file, "");
    require_version(f);
    Exercise e = defaults;
    e.yaml_path = yaml_path;
    e.folder = folder;
    e.id = f.str("id");
    std::smatch m;
    if (std::regex_match(folder, m, kFolderPattern) && m[2].str() != e.id) {
        f.fail("id", fmt::format("\"{}\" does not match its folder \"{}\" (expected \"{}\")", e.id,
                                 folder, m[2].str()));
    }
    e.title = f.str("title");
    e.summary = f.str_or("summary", "");
    e.student_files = f.strings("student_files");
    if (e.student_files.empty()) f.fail("student_files", "must name at least one file");
    for (const auto& s : e.student_files) {
        if (s.empty() || s.find("..") != std::string::npos || s.front() == '/') {
            f.fail("student_files",
                   fmt::format("\"{}\" must be a relative path inside the kata folder", s));
        }
    }
    e.timeout_seconds = f.number_or("timeout_seconds", defaults.timeout_seconds);
    require_positive(f, "timeout_seconds", e.timeout_seconds);
    e.test_timeout_seconds = f.number_or("test_timeout_seconds", defaults.test_timeout_seconds);
    require_positive(f, "test_timeout_seconds", e.test_timeout_seconds);
    e.tsan_stress_scale = f.integer_or("tsan_stress_scale", defaults.tsan_stress_scale);
    if (e.tsan_stress_scale < 1 || e.tsan_stress_scale > 100) {
        f.fail("tsan_stress_scale", "must be a percentage between 1 and 100");
    }
    const YamlFields checks = f.map("checks");
    if (checks.has("tests")) {
        const auto t = checks.map("tests");
        e.tests_points = read_points(t);
        e.hidden_tests = read_hidden_tests(t);
        e.tests_use_every_core = t.boolean_or("uses_every_core", false);
        t.reject_unknown();
    }
    if (checks.has("tsan")) {
        const auto t = checks.map("tsan");
        e.tsan_points = read_points(t);
        t.reject_unknown();
    }
    if (checks.has("explore")) e.explore = read_explore(checks.map("explore"));
    if (checks.has("timing")) e.timing = read_timing(checks.map("timing"));
    if (checks.has("asan")) {
        const auto a = checks.map("asan");
        e.asan_points = read_points(a);
        a.reject_unknown();
    }
    if (checks.has("predict")) e.predict = read_predict(checks.map("predict"), e.student_files);
    if (checks.has("manual")) e.manual = read_manual(checks.map("manual"), e.student_files);
    checks.reject_unknown();
    if (!e.tests_points && !e.predict)
        checks.fail("tests",
                    "every kata needs a tests check (or, for a kata of predictions, a "
                    "predict check)");
    if (e.predict && (e.tests_points || e.tsan_points || e.asan_points || e.timing || e.explore))
        checks.fail("predict",
                    "a kata of predictions runs no student code: it has no tests, tsan, asan, "
                    "explore or timing check");
    e.hints = f.strings_or("hints");
    f.reject_unknown();
    return e;
}

Course load_course(const fs::path& root) {
    const fs::path course_file = root / "course.yaml";
    if (!fs::exists(course_file)) {
        throw MetadataError(fmt::format("{}: not found: is {} an Interleave project?",
                                        course_file.string(), root.string()));
    }
    const std::string file = course_file.string();
    const YamlFields f(load_yaml_file(file), file, "");
    require_version(f);
    Course course;
    course.root = root;
    course.title = f.str("title");
    const std::vector<std::string> order = f.strings_or("order");
    Exercise defaults;
    if (f.has("defaults")) {
        const YamlFields d = f.map("defaults");
        defaults.timeout_seconds = d.number_or("timeout_seconds", defaults.timeout_seconds);
        require_positive(d, "timeout_seconds", defaults.timeout_seconds);
        defaults.test_timeout_seconds =
            d.number_or("test_timeout_seconds", defaults.test_timeout_seconds);
        require_positive(d, "test_timeout_seconds", defaults.test_timeout_seconds);
        defaults.tsan_stress_scale = d.integer_or("tsan_stress_scale", defaults.tsan_stress_scale);
        d.reject_unknown();
    }
    if (f.has("instructor_only")) course.instructor_only = read_instructor_only(f);
    if (f.has("verify")) {
        const YamlFields v = f.map("verify");
        course.verify_safety_factor = v.number_or("safety_factor", course.verify_safety_factor);
        if (!(course.verify_safety_factor >= 1.0))
            v.fail("safety_factor", "must be at least 1 (a margin of 1 means no margin at all)");
        v.reject_unknown();
    }
    f.reject_unknown();

    std::vector<fs::path> folders;
    const fs::path exercises = root / "exercises";
    if (fs::is_directory(exercises)) {
        for (const auto& entry : fs::directory_iterator(exercises)) {
            const std::string name = entry.path().filename().string();
            if (entry.is_directory() && std::regex_match(name, kFolderPattern)) {
                folders.push_back(entry.path());
            }
        }
    }
    std::sort(folders.begin(), folders.end());
    for (const auto& dir : folders) {
        const fs::path yaml = dir / "exercise.yaml";
        if (!fs::exists(yaml)) {
            throw MetadataError(
                fmt::format("{}: missing: every kata folder needs one", yaml.string()));
        }
        course.exercises.push_back(load_exercise(yaml, dir.filename().string(), defaults));
    }
    for (std::size_t i = 0; i < course.exercises.size(); ++i) {
        for (std::size_t j = i + 1; j < course.exercises.size(); ++j) {
            if (course.exercises[i].id == course.exercises[j].id) {
                throw MetadataError(fmt::format(
                    "{}: id \"{}\" is also used by {}", course.exercises[j].yaml_path.string(),
                    course.exercises[j].id, course.exercises[i].folder));
            }
        }
    }
    for (const auto& id : order) {
        if (course.find(id) == nullptr) {
            f.fail("order",
                   fmt::format("lists \"{}\", but no exercises/NN-{} folder exists", id, id));
        }
    }
    // Katas named in `order` come first, in that order; the rest keep folder order.
    std::stable_sort(course.exercises.begin(), course.exercises.end(),
                     [&](const Exercise& a, const Exercise& b) {
                         auto rank = [&](const Exercise& e) {
                             const auto it = std::find(order.begin(), order.end(), e.id);
                             return static_cast<std::size_t>(it - order.begin());
                         };
                         return rank(a) < rank(b);
                     });
    return course;
}

MutantExpectation load_mutant_expectation(const fs::path& yaml_path) {
    const std::string file = yaml_path.string();
    const YamlFields f(load_yaml_file(file), file, "");
    require_version(f);
    MutantExpectation m;
    m.description = f.str("description");
    m.fails = f.strings("fails");
    if (m.fails.empty()) f.fail("fails", "name at least one check that must fail");
    m.may_fail = f.strings_or("may_fail");
    static const std::vector<std::string> known{"build",  "tests", "tsan",   "explore",
                                                "timing", "asan",  "predict"};
    for (const auto* list : {&m.fails, &m.may_fail}) {
        for (const auto& check : *list) {
            if (std::find(known.begin(), known.end(), check) == known.end()) {
                f.fail(
                    list == &m.fails ? "fails" : "may_fail",
                    fmt::format("unknown check \"{}\" (build, tests, tsan, explore, timing, asan "
                                "or predict)",
                                check));
            }
        }
    }
    f.reject_unknown();
    return m;
}

}  // namespace interleave
