// The compiler's "file:line:column: error: message" lines (GCC and clang spell them alike).
#include "checks/parsers.hpp"

#include <regex>
#include <sstream>

namespace interleave {

std::vector<Diagnostic> parse_compiler_errors(const std::string& text) {
    static const std::regex kError(R"(^(.+?):(\d+):(\d+): (?:fatal )?error: (.*)$)");
    std::vector<Diagnostic> out;
    std::istringstream in(text);
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (std::regex_match(line, m, kError)) {
            out.push_back(
                Diagnostic{m[1].str(), std::stoi(m[2].str()), std::stoi(m[3].str()), m[4].str()});
        }
    }
    return out;
}

}  // namespace interleave
