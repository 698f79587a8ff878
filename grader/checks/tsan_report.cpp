#include "checks/parsers.hpp"

#include <regex>
#include <sstream>

namespace interleave {

std::vector<SanitizerReport> parse_tsan_reports(const std::string& text) {
    static const std::regex kWarning(R"(^WARNING: ThreadSanitizer: (.+?)(?: \(pid=\d+\))?\s*$)");
    static const std::regex kAccess(
        R"(^\s+((?:Previous )?(?:[Aa]tomic )?(?:[Rr]ead|[Ww]rite) of size \d+) at \S+ by (main thread|thread T\d+).*$)");
    static const std::regex kFrame(R"(^\s+#\d+ (.+?) (/?[^ ]+?):(\d+)(?::\d+)? \(.*$)");
    static const std::regex kSummary(R"(^SUMMARY: ThreadSanitizer: (.*)$)");

    std::vector<SanitizerReport> reports;
    SanitizerReport* current = nullptr;
    SanitizerAccess* access = nullptr;
    std::istringstream in(text);
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (std::regex_match(line, m, kWarning)) {
            reports.push_back(SanitizerReport{m[1].str(), "", {}, line + "\n"});
            current = &reports.back();
            access = nullptr;
            continue;
        }
        if (current == nullptr) continue;
        current->text += line + "\n";
        if (std::regex_match(line, m, kSummary)) {
            current->summary = m[1].str();
            current = nullptr;
            access = nullptr;
        } else if (std::regex_match(line, m, kAccess)) {
            current->accesses.push_back(SanitizerAccess{m[1].str(), m[2].str(), {}});
            access = &current->accesses.back();
        } else if (access != nullptr && std::regex_match(line, m, kFrame)) {
            access->frames.push_back(SanitizerFrame{m[1].str(), m[2].str(), std::stoi(m[3].str())});
        } else if (line.find_first_not_of(' ') == std::string::npos) {
            access = nullptr;
        }
    }
    return reports;
}

}  // namespace interleave
