// Locations in check evidence: "01-counter/counter.hpp:17", "at harness/x_test.cpp:42".
#include "source_location.hpp"

#include <cctype>
#include <regex>
#include <vector>

namespace interleave {

namespace {

/// A student file is shown relative to the staged kata folder: it starts with "NN-".
bool is_student_file(const std::string& path) {
    return path.size() > 3 && std::isdigit(static_cast<unsigned char>(path[0])) != 0 &&
           std::isdigit(static_cast<unsigned char>(path[1])) != 0 && path[2] == '-';
}

/// Every "path.ext:line[:column]" in `text`, in order.
std::vector<SourceLocation> locations_in(const std::string& text) {
    static const std::regex kWhere(
        R"(((?:[A-Za-z0-9_.+-]+/)*[A-Za-z0-9_+-][A-Za-z0-9_.+-]*\.(?:hpp|cpp|hh|cc|hxx|cxx|h|ipp|inl|tpp)):(\d+)(?::(\d+))?)");
    std::vector<SourceLocation> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kWhere);
         it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        out.push_back(SourceLocation{m[1].str(), std::stoi(m[2].str()),
                                     m[3].matched ? std::stoi(m[3].str()) : 0});
    }
    return out;
}

}  // namespace

std::optional<SourceLocation> find_location(const CheckResult& check) {
    for (const auto& e : check.errors) {
        if (!e.file.empty() && e.line > 0) return SourceLocation{e.file, e.line, e.column};
    }
    std::vector<SourceLocation> all;
    for (const auto& d : check.details) {
        for (auto& l : locations_in(d)) all.push_back(std::move(l));
    }
    for (auto& l : locations_in(check.message)) all.push_back(std::move(l));
    for (const auto& l : all) {
        if (is_student_file(l.file)) return l;
    }
    if (!all.empty()) return all.front();
    return std::nullopt;
}

std::string repository_path(const std::string& shown, const std::string& source,
                            const std::string& workspace) {
    if (!is_student_file(shown) || source.empty() || source.rfind("mutant ", 0) == 0) return shown;
    std::string folder = source;
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    if (folder.rfind("./", 0) == 0) folder.erase(0, 2);
    if (!workspace.empty()) {
        std::string prefix = workspace;
        if (prefix.back() != '/') prefix += '/';
        if (folder.rfind(prefix, 0) == 0) folder.erase(0, prefix.size());
    }
    return folder + "/" + shown;
}

}  // namespace interleave
