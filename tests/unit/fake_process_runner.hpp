#pragma once
/// A ProcessRunner for tests: records every spec and answers with a scripted handler, which
/// may write the files a real tool would (GoogleTest JSON, benchmark JSON, progress file).

#include "process/process.hpp"

#include <functional>
#include <vector>

namespace interleave::testing {

class FakeProcessRunner final : public ProcessRunner {
  public:
    using Handler = std::function<ProcessOutcome(const ProcessSpec&)>;
    explicit FakeProcessRunner(Handler handler) : handler_(std::move(handler)) {}

    ProcessOutcome run(const ProcessSpec& spec) override {
        specs.push_back(spec);
        return handler_(spec);
    }

    std::vector<ProcessSpec> specs;

  private:
    Handler handler_;
};

inline ProcessOutcome exited(int code, std::string out = {}, std::string err = {}) {
    ProcessOutcome o;
    o.termination = Termination::exited;
    o.exit_code = code;
    o.out = std::move(out);
    o.err = std::move(err);
    return o;
}

/// The value of "--flag=VALUE" in argv, or empty.
inline std::string flag_value(const ProcessSpec& spec, const std::string& flag) {
    for (const auto& a : spec.argv) {
        if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
    }
    return {};
}

}  // namespace interleave::testing
