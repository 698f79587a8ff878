#include "commands/state.hpp"

#include "commands/file_lock.hpp"
#include "workspace/content_hash.hpp"
#include "workspace/workspace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

namespace fs = std::filesystem;

namespace interleave {

fs::path state_file(const fs::path& project) {
    return project / "build" / "state.json";
}

StudentState load_state(const fs::path& file) {
    StudentState state;
    if (!fs::exists(file)) return state;
    std::ifstream in(file);
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
        for (const auto& [id, k] : doc.at("katas").items()) {
            KataProgress p;
            p.graded = k.value("graded", false);
            p.score = k.value("score", 0.0);
            p.max_score = k.value("max_score", 0.0);
            p.hash = k.value("hash", "");
            p.next_check = k.value("next_check", "");
            p.hints_shown = k.value("hints_shown", 0);
            state.katas[id] = p;
        }
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(fmt::format(
            "the progress file {} is unreadable ({}); delete it to start the record afresh",
            file.string(), e.what()));
    }
    return state;
}

void save_state(const fs::path& file, const StudentState& state) {
    nlohmann::json doc;
    doc["version"] = 1;
    doc["katas"] = nlohmann::json::object();
    for (const auto& [id, p] : state.katas) {
        doc["katas"][id] = {{"graded", p.graded},         {"score", p.score},
                            {"max_score", p.max_score},   {"hash", p.hash},
                            {"next_check", p.next_check}, {"hints_shown", p.hints_shown}};
    }
    fs::create_directories(file.parent_path());
    // A name of this writer's own: a writer outside update_state() never truncates another's.
    static std::atomic<unsigned> writes{0};
    const fs::path tmp = fmt::format("{}.tmp.{}.{}", file.string(), getpid(), writes++);
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        if (!out) {
            out.close();
            fs::remove(tmp);
            throw std::runtime_error("cannot write the progress file " + tmp.string());
        }
    }
    fs::rename(tmp, file);
}

fs::path state_lock_file(const fs::path& file) {
    return file.string() + ".lock";
}

void update_state(const fs::path& file, const std::function<void(StudentState&)>& change) {
    const FileLock lock(state_lock_file(file));
    StudentState state = load_state(file);
    change(state);
    save_state(file, state);
}

std::vector<std::string> student_paths(const Exercise& e) {
    std::vector<std::string> out;
    for (const auto& f : e.student_files) out.push_back(e.folder + "/" + f);
    return out;
}

std::string hash_student_files(const Exercise& e, const fs::path& exercises_root) {
    // Each file as its path, a NUL, then "<size>:<bytes>" or "<missing>".
    std::string material;
    for (const auto& rel : student_paths(e)) {
        const fs::path p = exercises_root / rel;
        material += rel;
        material += '\0';
        if (fs::is_regular_file(p)) {
            const std::string bytes = read_file(p);
            material += std::to_string(bytes.size()) + ":" + bytes;
        } else {
            material += "<missing>";
        }
    }
    return content_hash(material);
}

std::string next_check(const KataReport& kata) {
    for (const auto& c : kata.checks) {
        if (c.status == CheckStatus::pending) continue;  // graded by a person, not by a rerun
        if (c.status == CheckStatus::fail || c.status == CheckStatus::error) return c.name;
        if (c.status == CheckStatus::skipped && c.max_score > 0)
            return c.name + std::string(kNotRun);
        if (c.max_score > 0 && c.score < c.max_score) return c.name;
    }
    return kata.score >= kata.max_score ? "" : "tests";
}

namespace {

/// Whether a check that carries points was not run (switched off, or waiting on another).
bool some_check_not_run(const KataReport& kata) {
    return std::any_of(kata.checks.begin(), kata.checks.end(), [](const CheckResult& c) {
        return c.status == CheckStatus::skipped && c.max_score > 0;
    });
}

}  // namespace

void record_grade(StudentState& state, const GradeReport& report, const Course& course,
                  const fs::path& exercises_root) {
    for (const auto& k : report.katas) {
        const Exercise* e = course.find(k.id);
        if (e == nullptr) continue;
        KataProgress& p = state.katas[k.id];
        const std::string hash = hash_student_files(*e, exercises_root);
        // A quicker run of the same files (--no-tsan, --no-timing) says nothing new about the
        // checks it left out: it never replaces a better record of those files.
        if (p.graded && p.hash == hash && some_check_not_run(k) && p.score >= k.score) continue;
        p.graded = true;
        p.score = k.score;
        // A switched-off check is out of the report's maximum, not out of the kata's: the
        // record keeps the whole maximum, so a quick run never reads as full marks.
        p.max_score = k.max_score + k.disabled_points;
        p.hash = hash;
        p.next_check = next_check(k);
    }
}

bool done(const StudentState& state, const Exercise& e, const fs::path& exercises_root) {
    const auto it = state.katas.find(e.id);
    return it != state.katas.end() && it->second.full_marks() &&
           it->second.hash == hash_student_files(e, exercises_root);
}

const Exercise* current_kata(const Course& course, const StudentState& state,
                             const fs::path& exercises_root) {
    for (const auto& e : course.exercises) {
        if (!done(state, e, exercises_root)) return &e;
    }
    return nullptr;
}

const Exercise& find_kata(const Course& course, const std::string& name,
                          const std::string& command) {
    if (const Exercise* e = course.find(name)) return *e;
    std::string known;
    for (const auto& k : course.exercises) known += (known.empty() ? "" : ", ") + k.id;
    throw std::invalid_argument(
        fmt::format("kata {}: unknown kata \"{}\" (known: {})", command, name, known));
}

}  // namespace interleave

namespace interleave {

void remember_grade(const fs::path& project, const Course& course, const GradeReport& report) {
    try {
        update_state(state_file(project), [&](StudentState& state) {
            record_grade(state, report, course, project / "exercises");
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kata: warning: progress not saved: %s\n", e.what());
    }
}

}  // namespace interleave
