#pragma once
/// Where the pristine stub of a student file comes from: the committed version in git
/// (exercises/ is the stub). Behind an interface so that tests use a map.

#include "process/process.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace interleave {

class StubSource {
  public:
    virtual ~StubSource() = default;
    /// The stub's bytes for "01-counter/counter.hpp"; nullopt when there is none.
    virtual std::optional<std::string> stub(const std::string& relative_path) = 0;
};

/// `git show HEAD:exercises/<relative_path>` in the project.
class GitStubSource final : public StubSource {
  public:
    GitStubSource(ProcessRunner& runner, std::filesystem::path project)
        : runner_(runner), project_(std::move(project)) {}
    std::optional<std::string> stub(const std::string& relative_path) override;

  private:
    ProcessRunner& runner_;
    std::filesystem::path project_;
};

/// A fixed set of stubs (tests).
class MapStubSource final : public StubSource {
  public:
    explicit MapStubSource(std::map<std::string, std::string> stubs) : stubs_(std::move(stubs)) {}
    std::optional<std::string> stub(const std::string& relative_path) override {
        const auto it = stubs_.find(relative_path);
        if (it == stubs_.end()) return std::nullopt;
        return it->second;
    }

  private:
    std::map<std::string, std::string> stubs_;
};

}  // namespace interleave
