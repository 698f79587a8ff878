// KataRun's builds: the later checks' trees compile in the background while the release tests
// run (mostly waiting on purpose: a blocked call is watched for a while), then each check takes
// its build's outcome as if it had built in the foreground.
#include "checks/checks.hpp"

namespace interleave {

void KataRun::build_early(const std::string& preset, const std::string& target) {
    const std::string key = preset + "/" + target;
    if (early_builds.count(key) != 0) return;
    early_builds[key] = std::async(std::launch::async, [this, preset, target] {
                            return builder.build(preset, {target}, BuildPriority::background);
                        }).share();
}

BuildOutcome KataRun::build(const std::string& preset, const std::string& target) {
    const auto early = early_builds.find(preset + "/" + target);
    if (early == early_builds.end()) return builder.build(preset, {target});
    BuildOutcome outcome = early->second.get();
    early_builds.erase(early);
    return outcome;
}

}  // namespace interleave
