#include "report/utf8.hpp"

namespace interleave {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

/// The length of the well-formed sequence at text[i], or 0.
std::size_t sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80;  // the range of the second byte (RFC 3629, table 3-7 of Unicode)
    unsigned char hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        n = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 3;
        if (lead == 0xE0) lo = 0xA0;  // no overlong forms
        if (lead == 0xED) hi = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        n = 4;
        if (lead == 0xF0) lo = 0x90;  // no overlong forms
        if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + n > text.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    }
    return n;
}

void clean(std::string& s) {
    s = valid_utf8(s);
}

void clean(nlohmann::json& j) {
    if (j.is_string()) {
        clean(j.get_ref<std::string&>());
    } else if (j.is_array()) {
        for (auto& item : j) clean(item);
    } else if (j.is_object()) {
        nlohmann::json cleaned = nlohmann::json::object();
        for (auto& [key, value] : j.items()) {
            clean(value);
            cleaned[valid_utf8(key)] = std::move(value);
        }
        j = std::move(cleaned);
    }
}

}  // namespace

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = sequence_length(text, i);
        if (n == 0) {
            out += kReplacement;
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

void make_valid_utf8(GradeReport& report) {
    clean(report.course);
    clean(report.source);
    for (auto& n : report.notes) clean(n);
    for (auto& k : report.katas) {
        clean(k.title);
        for (auto& c : k.checks) {
            clean(c.name);
            clean(c.message);
            for (auto& d : c.details) clean(d);
            for (auto& t : c.tamper) clean(t);
            clean(c.data);
            for (auto& cmp : c.comparisons) clean(cmp.name);
            for (auto& e : c.errors) {
                clean(e.file);
                clean(e.message);
            }
        }
    }
}

}  // namespace interleave
