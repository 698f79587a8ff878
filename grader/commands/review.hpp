#pragma once
/// `kata review SUBMISSIONS... --out DIR` (grade a class) and `kata review merge SHARDS...
/// --out DIR` (join shard outputs): the command line of the instructor's review.

#include "commands/command.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace interleave {

class ReviewCommand final : public Command {
  public:
    /// Registers `review` and `review merge` on the app.
    CLI::App* add_to(CLI::App& app) override;

    /// Runs the parsed command against the course at global.project(); the global --build-dir
    /// (may be empty) holds the grading slots, default OUT/slots. Returns the exit code: 0 when
    /// every submission was graded, 1 when some had a grading error, 2 when the review itself
    /// could not run.
    int run(const GlobalOptions& global) override;

  private:
    /// `review merge SHARDS... --out DIR`.
    int run_merge() const;

  private:
    CLI::App* review_ = nullptr;
    CLI::App* merge_ = nullptr;
    std::vector<std::string> inputs_;
    std::string roster_;
    std::string out_;
    std::vector<std::string> katas_;
    bool no_tsan_ = false;
    bool no_timing_ = false;
    bool isolate_ = false;
    bool no_isolation_ = false;
    int jobs_ = 1;
    int build_jobs_ = 0;
    double test_timeout_ = 0;
    std::string shard_;
    std::string manual_;
    std::vector<std::string> shard_dirs_;
    std::string merge_out_;
    std::string merge_manual_;
};

}  // namespace interleave
