#include "commands/trace.hpp"

#include "workspace/build_driver.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace fs = std::filesystem;

namespace interleave {

fs::path trace_path(const fs::path& project, const Exercise& e, const std::string& who) {
    return project / "build" / "trace" / fmt::format("{}.{}.json", e.id, who);
}

std::string write_trace(ProcessRunner& runner, const Workspace& ws, const Exercise& e,
                        const SourceLayers& layers, const fs::path& out) {
    const StageResult staged = stage_student_files(ws, e, layers);
    if (!staged.missing.empty()) {
        return fmt::format("trace of {}: missing file {}", e.id, staged.missing.front());
    }
    BuildDriver builder(runner, ws, 0);
    const std::string target = e.id + "_bench";
    const BuildOutcome built = builder.build("release", {target});
    if (!built.ok) {
        return fmt::format("trace of {}: the build failed ({}); run `./kata check {}` first", e.id,
                           built.command, e.id);
    }
    fs::create_directories(out.parent_path());
    fs::remove(out);
    const fs::path scratch = ws.scratch_dir(e, "trace");
    fs::create_directories(scratch);
    ProcessSpec spec;
    spec.argv = {builder.binary("release", e, target).string(), "--benchmark_repetitions=1"};
    spec.env = base_environment();
    spec.env["KATA_TRACE_FILE"] = out.string();
    spec.cwd = scratch;
    spec.deadline = std::chrono::milliseconds(static_cast<long long>(e.timeout_seconds * 1000));
    const ProcessOutcome o = runner.run(spec);
    if (!o.ok()) {
        return fmt::format("trace of {}: the benchmark {} ({})", e.id, o.describe(),
                           fmt::join(spec.argv, " "));
    }
    if (!fs::exists(out)) {
        return fmt::format(
            "trace of {}: no trace was written: either the benchmark skipped its run (does the "
            "code pass `./kata check {}`?), or this kata's harness has no KATA_TRACE_FILE support",
            e.id, e.id);
    }
    return {};
}

}  // namespace interleave
