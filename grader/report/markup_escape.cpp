#include "report/markup_escape.hpp"

namespace interleave {

namespace {

/// The HTML entity of one of the five special characters, or nullptr.
const char* entity(char ch) {
    switch (ch) {
        case '&':
            return "&amp;";
        case '<':
            return "&lt;";
        case '>':
            return "&gt;";
        case '"':
            return "&quot;";
        case '\'':
            return "&#39;";  // HTML 4 has no &apos;
        default:
            return nullptr;
    }
}

}  // namespace

std::string xml_allowed(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
        out += ch;
    }
    return out;
}

std::string html_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const char* e = entity(ch);
        if (e != nullptr) {
            out += e;
        } else {
            out += ch;
        }
    }
    return out;
}

}  // namespace interleave
