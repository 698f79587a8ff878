#include "workspace/build_driver.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace fs = std::filesystem;

namespace interleave {

BuildDriver::BuildDriver(ProcessRunner& runner, Workspace ws, int jobs)
    : runner_(runner), ws_(std::move(ws)), jobs_(jobs) {}

namespace {

BuildOutcome run_step(ProcessRunner& runner, const Workspace& ws, std::vector<std::string> argv,
                      BuildPriority priority = BuildPriority::normal) {
    ProcessSpec spec;
    if (priority == BuildPriority::background) spec.niceness = 19;
    spec.argv = std::move(argv);
    spec.env = base_environment();
    spec.cwd = ws.project_root;
    spec.deadline = std::chrono::minutes(15);
    spec.output_cap = std::size_t{256} * 1024;
    const ProcessOutcome o = runner.run(spec);
    BuildOutcome b;
    b.ok = o.ok();
    b.command = fmt::format("{}", fmt::join(spec.argv, " "));
    b.output = o.out + o.err;
    if (!o.ok() && o.termination != Termination::exited) b.output += "\n[" + o.describe() + "]";
    b.seconds = static_cast<double>(o.elapsed.count()) / 1000.0;
    return b;
}

}  // namespace

BuildOutcome BuildDriver::configure(const std::string& preset) {
    const fs::path dir = ws_.preset_dir(preset);
    if (fs::exists(dir / "CMakeCache.txt") && fs::exists(dir / "build.ninja")) {
        return BuildOutcome{true, "", "", 0};
    }
    fs::create_directories(ws_.stage_root());
    return run_step(runner_, ws_,
                    {"cmake", "--preset", preset, "-B", dir.string(),
                     "-DKATA_SOURCE_ROOT=" + ws_.stage_root().string()});
}

BuildOutcome BuildDriver::build(const std::string& preset, const std::vector<std::string>& targets,
                                BuildPriority priority) {
    BuildOutcome configured = configure(preset);
    if (!configured.ok) {
        configured.infrastructure = true;
        return configured;
    }
    std::vector<std::string> argv{"cmake", "--build", ws_.preset_dir(preset).string(), "--target"};
    argv.insert(argv.end(), targets.begin(), targets.end());
    if (jobs_ > 0) {
        argv.push_back("-j");
        argv.push_back(std::to_string(jobs_));
    }
    return run_step(runner_, ws_, argv, priority);
}

fs::path BuildDriver::binary(const std::string& preset, const Exercise& e,
                             const std::string& target) const {
    return ws_.preset_dir(preset) / "harness" / e.folder / target;
}

}  // namespace interleave
