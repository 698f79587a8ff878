#include "workspace/tree_seal.hpp"

#include "workspace/content_hash.hpp"
#include "workspace/workspace.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace fs = std::filesystem;

namespace interleave {

namespace {

/// The sealed part of the tree: what decides a grade and is not a student's file.
std::map<std::string, std::string> hash_tree(const fs::path& root) {
    std::map<std::string, std::string> hashes;
    auto add = [&](const fs::path& file) {
        std::error_code ec;
        if (!fs::is_regular_file(file, ec)) return;
        hashes[file.lexically_relative(root).generic_string()] = content_hash(read_file(file));
    };
    for (const char* top : {"CMakeLists.txt", "CMakePresets.json", "course.yaml"}) add(root / top);
    for (const char* area : {"harness", "cmake", "solutions"}) {
        std::error_code ec;
        if (!fs::is_directory(root / area, ec)) continue;
        for (const auto& entry : fs::recursive_directory_iterator(root / area, ec)) {
            if (entry.is_regular_file()) add(entry.path());
        }
    }
    std::error_code ec;
    if (fs::is_directory(root / "exercises", ec)) {
        for (const auto& kata : fs::directory_iterator(root / "exercises", ec)) {
            add(kata.path() / "exercise.yaml");
        }
    }
    return hashes;
}

}  // namespace

GradingTreeChanged::GradingTreeChanged(std::string kata, std::vector<std::string> changes)
    : std::runtime_error(fmt::format(
          "the grading tree changed while the student code of {} ran ({}): no grade is given "
          "from a tree that student code could write; restore it (git checkout -- harness cmake "
          "solutions exercises) and grade again",
          kata, fmt::join(changes, ", "))),
      kata_(std::move(kata)),
      changes_(std::move(changes)) {}

TreeSeal TreeSeal::take(const fs::path& root) {
    TreeSeal seal;
    seal.root_ = root;
    seal.hashes_ = hash_tree(root);
    return seal;
}

std::vector<std::string> TreeSeal::changes() const {
    const auto now = hash_tree(root_);
    std::vector<std::string> out;
    for (const auto& [path, hash] : hashes_) {
        const auto it = now.find(path);
        if (it == now.end()) {
            out.push_back(path + " removed");
        } else if (it->second != hash) {
            out.push_back(path + " modified");
        }
    }
    for (const auto& [path, hash] : now) {
        if (hashes_.count(path) == 0) out.push_back(path + " added");
    }
    std::sort(out.begin(), out.end());
    return out;
}

void TreeSeal::check_after(const std::string& kata) const {
    auto found = changes();
    if (!found.empty()) throw GradingTreeChanged(kata, std::move(found));
}

}  // namespace interleave
