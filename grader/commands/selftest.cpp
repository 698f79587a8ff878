// `kata selftest`: the project's own tests, through CTest (the launcher built them first).
#include "commands/command.hpp"

#include <unistd.h>

#include <stdexcept>

namespace interleave {

namespace {

class SelftestCommand final : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand("selftest", "Run the project's own test suite (CTest)");
        cmd->add_option("--label,-L", label_,
                        "Only the tests with this CTest label (unit, e2e, verify)");
        return cmd;
    }

    int run(const GlobalOptions& global) override {
        const auto project = global.project();
        if (chdir(project.c_str()) != 0)
            throw std::runtime_error("cannot enter " + project.string());
        if (label_.empty()) {
            execlp("ctest", "ctest", "--preset", "grader", static_cast<char*>(nullptr));
        } else {
            execlp("ctest", "ctest", "--preset", "grader", "-L", label_.c_str(),
                   static_cast<char*>(nullptr));
        }
        throw std::runtime_error("could not start ctest (is CMake installed?)");
    }

  private:
    std::string label_;
};

}  // namespace

std::unique_ptr<Command> selftest_command() {
    return std::make_unique<SelftestCommand>();
}

}  // namespace interleave
