#pragma once
/// Text for markup: what XML 1.0 allows (JUnit, written with pugixml) and HTML escaping (the
/// class summary).

#include <string>

namespace interleave {

/// The text with the control characters XML 1.0 does not allow (all below 0x20 but tab and
/// line breaks) dropped: for a writer (pugixml) that escapes the rest itself.
std::string xml_allowed(const std::string& text);

/// Text safe inside HTML: the five special characters as entities (the apostrophe as &#39;,
/// which HTML 4 also reads); other characters unchanged.
std::string html_escape(const std::string& text);

}  // namespace interleave
