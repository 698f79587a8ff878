#include "review/tamper.hpp"

#include "workspace/workspace.hpp"

#include <algorithm>

namespace fs = std::filesystem;

namespace interleave {

namespace {

bool is_student_file(const Course& course, const fs::path& rel) {
    // rel = exercises/NN-name/FILE...
    auto it = rel.begin();
    if (it == rel.end() || *it != "exercises") return false;
    if (++it == rel.end()) return false;
    const std::string folder = it->string();
    fs::path rest;
    for (++it; it != rel.end(); ++it) rest /= *it;
    for (const auto& e : course.exercises) {
        if (e.folder != folder) continue;
        for (const auto& f : e.student_files) {
            if (fs::path(f).lexically_normal() == rest.lexically_normal()) return true;
        }
    }
    return false;
}

void compare_file(const fs::path& tree, const fs::path& repo, const fs::path& rel,
                  std::vector<TamperFinding>& out) {
    const fs::path theirs = repo / rel;
    const fs::path ours = tree / rel;
    if (!fs::is_regular_file(ours)) {
        out.push_back({rel.generic_string(), "added"});
    } else if (read_file(theirs) != read_file(ours)) {
        out.push_back({rel.generic_string(), "modified"});
    }
}

}  // namespace

std::vector<TamperFinding> find_tampering(const Course& course, const fs::path& tree,
                                          const fs::path& repo) {
    std::vector<TamperFinding> out;
    for (const char* top : {"CMakeLists.txt", "CMakePresets.json", "course.yaml"}) {
        if (fs::is_regular_file(repo / top)) compare_file(tree, repo, top, out);
    }
    for (const char* area : {"exercises", "harness", "tests", "cmake"}) {
        const fs::path root = repo / area;
        if (!fs::is_directory(root)) continue;
        for (auto it = fs::recursive_directory_iterator(root);
             it != fs::recursive_directory_iterator(); ++it) {
            const auto name = it->path().filename().string();
            if (it->is_directory() && (name == "build" || name == ".git")) {
                it.disable_recursion_pending();
                continue;
            }
            if (!it->is_regular_file()) continue;
            const fs::path rel = it->path().lexically_relative(repo);
            if (is_student_file(course, rel)) continue;
            compare_file(tree, repo, rel, out);
        }
    }
    std::sort(out.begin(), out.end(),
              [](const TamperFinding& a, const TamperFinding& b) { return a.path < b.path; });
    return out;
}

}  // namespace interleave
