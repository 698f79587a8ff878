#pragma once
/// Where grading happens: the staging folder that receives the student files of each kata and
/// the build trees that compile them. Nothing outside build/ is ever written.

#include "course/course.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace interleave {

/// One place student files are taken from. With `per_kata` the file of kata NN-name is
/// ROOT/NN-name/FILE (exercises/, solutions/, --source DIR); without it, ROOT/FILE (a mutant).
struct SourceLayer {
    std::filesystem::path root;
    bool per_kata = true;
};

/// Layers are searched from the last to the first: a mutant layer over the solutions layer
/// replaces only the files the mutant provides.
using SourceLayers = std::vector<SourceLayer>;

struct Workspace {
    std::filesystem::path project_root;
    std::filesystem::path build_root;  ///< default: project_root/build/grade

    std::filesystem::path stage_root() const { return build_root / "stage"; }
    std::filesystem::path stage_dir(const Exercise& e) const { return stage_root() / e.folder; }
    std::filesystem::path preset_dir(const std::string& preset) const {
        return build_root / preset;
    }
    std::filesystem::path scratch_dir(const Exercise& e, const std::string& check) const {
        return build_root / "runs" / e.folder / check;
    }
};

struct StageResult {
    std::vector<std::string> missing;  ///< student files found in no layer
    std::vector<std::string> copied;   ///< files whose content changed in the stage
};

/// Copies the kata's student files from the layers into its stage folder. A file is rewritten
/// only when its content differs (so unchanged katas are not rebuilt); a missing file is
/// removed from the stage so that a stale copy is never graded. Never writes outside the stage.
StageResult stage_student_files(const Workspace& ws, const Exercise& e, const SourceLayers& layers);

/// "01-counter/counter.hpp" for a path inside the stage, otherwise the path unchanged: how
/// reports name a student's file.
std::string display_path(const Workspace& ws, const std::string& path);

/// Reads a whole file; empty when it does not exist.
std::string read_file(const std::filesystem::path& path);

}  // namespace interleave
