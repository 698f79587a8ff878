#include "commands/stub_source.hpp"

namespace interleave {

std::optional<std::string> GitStubSource::stub(const std::string& relative_path) {
    ProcessSpec spec;
    spec.argv = {"git", "-C", project_.string(), "show", "HEAD:exercises/" + relative_path};
    spec.env = base_environment();
    spec.cwd = project_;
    spec.deadline = std::chrono::seconds(30);
    spec.output_cap = 64 << 20;
    const ProcessOutcome o = runner_.run(spec);
    if (!o.ok() || o.dropped_bytes > 0) return std::nullopt;
    return o.out;
}

}  // namespace interleave
