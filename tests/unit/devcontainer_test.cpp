// The development container installs every package the `kata` launcher checks for (so that
// `./kata` never needs to install anything inside it) plus the editor's tools, and its settings
// are valid JSON that point clangd at an exported compile_commands.json.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

const fs::path kProject = fs::path(INTERLEAVE_TEST_DATA).parent_path().parent_path().parent_path();

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// The package names of the launcher's DEPENDENCIES entries ("package|check|why").
std::set<std::string> launcher_packages(const std::string& kata) {
    std::set<std::string> out;
    const std::regex entry(R"re(^\s*"([a-z0-9.+-]+)\|)re", std::regex::multiline);
    for (auto it = std::sregex_iterator(kata.begin(), kata.end(), entry);
         it != std::sregex_iterator(); ++it)
        out.insert((*it)[1]);
    return out;
}

/// Whitespace-separated words of the Dockerfile.
std::set<std::string> words(const std::string& text) {
    std::set<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) out.insert(w);
    return out;
}

TEST(Devcontainer, InstallsEveryLauncherDependencyAndTheEditorTools) {
    const auto packages = launcher_packages(slurp(kProject / "kata"));
    ASSERT_GE(packages.size(), 10U) << "the launcher's dependency list was not found";
    const auto dockerfile = words(slurp(kProject / ".devcontainer" / "Dockerfile"));
    EXPECT_TRUE(dockerfile.count("FROM") == 1 && dockerfile.count("debian:bookworm") == 1);
    for (const auto& p : packages) EXPECT_EQ(dockerfile.count(p), 1U) << "missing " << p;
    for (const char* p : {"clangd", "gdb"}) EXPECT_EQ(dockerfile.count(p), 1U) << "missing " << p;
}

TEST(Devcontainer, SettingsAreValidAndUseTheExportedCompileCommands) {
    const auto json =
        nlohmann::json::parse(slurp(kProject / ".devcontainer" / "devcontainer.json"));
    const auto& extensions = json["customizations"]["vscode"]["extensions"];
    EXPECT_NE(std::find(extensions.begin(), extensions.end(), "ms-vscode.cmake-tools"),
              extensions.end());
    const auto presets = nlohmann::json::parse(slurp(kProject / "CMakePresets.json"));
    bool exported = false;
    for (const auto& p : presets["configurePresets"]) {
        if (p.value("name", "") == "base")
            exported = p["cacheVariables"].value("CMAKE_EXPORT_COMPILE_COMMANDS", "") == "ON";
    }
    EXPECT_TRUE(exported) << "clangd needs compile_commands.json from every preset";
}

}  // namespace
