#include "checks/manual_check.hpp"

#include <fmt/format.h>

#include <cctype>
#include <sstream>

namespace interleave {

int count_words(const std::string& text) {
    std::istringstream in(text);
    std::string token;
    int words = 0;
    while (in >> token) {
        for (const unsigned char ch : token) {
            if (std::isalnum(ch)) {
                ++words;
                break;
            }
        }
    }
    return words;
}

int count_placeholders(const std::string& text, const std::string& placeholder) {
    if (placeholder.empty()) return 0;
    int found = 0;
    for (auto at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + placeholder.size())) {
        ++found;
    }
    return found;
}

CheckResult judge_manual(const ManualSpec& spec, const std::optional<std::string>& text) {
    CheckResult c;
    c.name = spec.check_name();
    c.status = CheckStatus::pending;
    c.score = 0;
    c.max_score = spec.points;
    const int words = text ? count_words(*text) : 0;
    const int placeholders = text ? count_placeholders(*text, spec.placeholder) : 0;
    const bool still_template = !text || words == 0 || placeholders > 0;
    if (!text) {
        c.message = fmt::format("manually graded: {} is missing", spec.file);
    } else if (words == 0) {
        c.message = fmt::format("manually graded: {} is empty: still the template", spec.file);
    } else if (placeholders > 0) {
        c.message = fmt::format(
            "manually graded: {} ({} words): still the template, {} answer{} "
            "left as \"{}\"",
            spec.file, words, placeholders, placeholders == 1 ? "" : "s", spec.placeholder);
    } else {
        c.message = fmt::format("manually graded: {} ({} words)", spec.file, words);
    }
    c.details.push_back(fmt::format("{}: {}", spec.file, spec.title));
    c.details.push_back(fmt::format(
        "{} points pending: a person grades this part; they are not in the automatic total",
        spec.points));
    c.data = nlohmann::json{{"manual", true},
                            {"file", spec.file},
                            {"words", words},
                            {"placeholders", placeholders},
                            {"template", still_template}};
    return c;
}

}  // namespace interleave
