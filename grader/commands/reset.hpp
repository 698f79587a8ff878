#pragma once
/// `kata reset KATA`: puts the stub back, after copying the student's files to
/// build/backups/<kata>-<timestamp>/ and checking the copy byte for byte.

#include "commands/context.hpp"
#include "commands/stub_source.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace interleave {

struct ResetResult {
    std::filesystem::path backup;       ///< the folder holding the student's files
    std::vector<std::string> saved;     ///< relative paths copied into it
    std::vector<std::string> restored;  ///< relative paths given their stub back
};

/// Restores the stub of every student file of `e` under `exercises_root`. First every stub is
/// fetched (none missing, or nothing is touched), then every existing student file is copied
/// under `backups_root`/<id>-<timestamp>/ and read back; only when each copy holds the exact
/// bytes are the stubs written. Throws std::runtime_error naming the kata and the file.
ResetResult reset_kata(const Exercise& e, const std::filesystem::path& exercises_root,
                       StubSource& stubs, const std::filesystem::path& backups_root,
                       const std::string& timestamp);

/// Asks a yes/no question; the real one reads a line from the terminal.
using Confirm = std::function<bool(const std::string& question)>;

/// `yes`: --yes. Refuses (exit 2) when neither --yes nor a terminal to ask on.
int run_reset(const CommandContext& ctx, StubSource& stubs, const std::string& kata, bool yes,
              const Confirm& confirm);

/// The real confirmation: prints the question on stderr, reads "y"/"yes" from stdin.
bool ask_on_terminal(const std::string& question);

}  // namespace interleave
