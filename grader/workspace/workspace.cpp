#include "workspace/workspace.hpp"

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace interleave {

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

StageResult stage_student_files(const Workspace& ws, const Exercise& e,
                                const SourceLayers& layers) {
    StageResult result;
    const fs::path stage = ws.stage_dir(e);
    fs::create_directories(stage);
    for (const auto& file : e.student_files) {
        std::optional<fs::path> source;
        for (auto it = layers.rbegin(); it != layers.rend() && !source; ++it) {
            const fs::path candidate = it->per_kata ? it->root / e.folder / file : it->root / file;
            if (fs::is_regular_file(candidate)) source = candidate;
        }
        const fs::path target = stage / file;
        if (!source) {
            result.missing.push_back(file);
            fs::remove(target);
            continue;
        }
        const std::string content = read_file(*source);
        if (fs::exists(target) && read_file(target) == content) continue;
        fs::create_directories(target.parent_path());
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        out << content;
        result.copied.push_back(file);
    }
    return result;
}

std::string display_path(const Workspace& ws, const std::string& path) {
    std::error_code ec;
    const fs::path p = fs::weakly_canonical(path, ec);
    const fs::path stage = fs::weakly_canonical(ws.stage_root(), ec);
    const auto rel = p.lexically_relative(stage);
    if (!rel.empty() && rel.native().rfind("..", 0) != 0) return rel.string();
    const fs::path root = fs::weakly_canonical(ws.project_root, ec);
    const auto in_project = p.lexically_relative(root);
    if (!in_project.empty() && in_project.native().rfind("..", 0) != 0) return in_project.string();
    return path;
}

}  // namespace interleave
