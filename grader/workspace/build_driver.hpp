#pragma once
/// Compiling katas with the CMake presets: one build tree per preset under the workspace,
/// configured once, then one `cmake --build --target` per kata so that a kata that does not
/// compile costs only its own points. Builds of different trees may run at the same time (one
/// thread each); two builds of the same tree must not.

#include "process/process.hpp"
#include "workspace/workspace.hpp"

#include <string>
#include <vector>

namespace interleave {

struct BuildOutcome {
    bool ok = false;
    std::string command;  ///< for error messages
    std::string output;   ///< compiler and CMake output (capped)
    double seconds = 0;
    /// The tree could not be configured: a broken installation, not the student's code.
    bool infrastructure = false;
};

/// How a build shares the machine: `background` builds run at the lowest CPU priority, so that a
/// test run going on at the same time keeps the cores it needs.
enum class BuildPriority { normal, background };

class BuildDriver {
  public:
    BuildDriver(ProcessRunner& runner, Workspace ws, int jobs);

    /// Configures the tree of `preset` ("release", "tsan") unless it already is.
    BuildOutcome configure(const std::string& preset);
    /// Builds the targets in the tree of `preset` (configuring it first when needed).
    BuildOutcome build(const std::string& preset, const std::vector<std::string>& targets,
                       BuildPriority priority = BuildPriority::normal);
    /// Where a target's binary lands: PRESET_DIR/harness/NN-name/TARGET.
    std::filesystem::path binary(const std::string& preset, const Exercise& e,
                                 const std::string& target) const;

  private:
    ProcessRunner& runner_;
    Workspace ws_;
    int jobs_;
};

}  // namespace interleave
