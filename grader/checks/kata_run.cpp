// KataRun's builds: the later checks' trees compile in the background while the release tests
// run (mostly waiting on purpose: a blocked call is watched for a while), then each check takes
// its build's outcome as if it had built in the foreground.
#include "checks/checks.hpp"

#include <algorithm>

namespace interleave {

void KataRun::build_early(const std::string& preset, const std::vector<std::string>& targets) {
    if (early_builds.count(preset) != 0 || targets.empty()) return;
    early_builds[preset] =
        EarlyBuild{targets, std::async(std::launch::async, [this, preset, targets] {
                                return builder.build(preset, targets, BuildPriority::background);
                            }).share()};
}

BuildOutcome KataRun::build(const std::string& preset, const std::string& target) {
    const auto early = early_builds.find(preset);
    if (early == early_builds.end()) return builder.build(preset, {target});
    // One build per tree at a time: a target the early build left out is built after it.
    BuildOutcome outcome = early->second.outcome.get();
    const auto& built = early->second.targets;
    if (std::find(built.begin(), built.end(), target) == built.end())
        return builder.build(preset, {target});
    return outcome;
}

}  // namespace interleave
