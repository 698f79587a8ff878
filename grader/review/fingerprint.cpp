#include "review/fingerprint.hpp"

#include "workspace/workspace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace fs = std::filesystem;

namespace interleave {

std::string grader_version() {
    const std::string self = read_file("/proc/self/exe");
    return self.empty() ? "unknown" : content_hash(self);
}

std::string submission_fingerprint(const std::vector<const Exercise*>& katas, const fs::path& repo,
                                   const std::string& salt) {
    std::string material;
    for (const Exercise* e : katas) {
        material += "kata " + e->id + "\n";
        for (const auto& f : e->student_files) {
            const fs::path p = repo / "exercises" / e->folder / f;
            material += "file " + f + "\n";
            material += fs::is_regular_file(p) ? content_hash(read_file(p)) : "missing";
            material += "\n";
        }
    }
    material += "salt " + salt + "\n";
    return content_hash(material);
}

std::string course_fingerprint(const Course& course, const std::vector<const Exercise*>& katas) {
    std::vector<fs::path> files;
    files.reserve(katas.size() + 2);
    for (const Exercise* e : katas) files.push_back(e->yaml_path);
    for (const char* top : {"CMakeLists.txt", "CMakePresets.json"})
        files.push_back(course.root / top);
    if (fs::is_directory(course.root / "harness")) {
        for (const auto& entry : fs::recursive_directory_iterator(course.root / "harness"))
            if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin() + static_cast<std::ptrdiff_t>(katas.size()) + 2, files.end());
    std::string material;
    for (const auto& f : files) material += f.string() + " " + content_hash(read_file(f)) + "\n";
    return content_hash(material);
}

}  // namespace interleave
