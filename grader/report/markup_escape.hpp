#pragma once
/// Escaping text for XML and HTML, shared by every writer of markup (JUnit, the class summary).

#include <string>

namespace interleave {

/// Text safe inside an XML attribute or element: the five special characters as entities,
/// other control characters (not allowed in XML 1.0) dropped, except tab and line breaks.
std::string xml_escape(const std::string& text);

/// The text with the control characters XML 1.0 does not allow (all below 0x20 but tab and
/// line breaks) dropped: for a writer (pugixml) that escapes the rest itself.
std::string xml_allowed(const std::string& text);

/// Text safe inside HTML: the five special characters as entities (the apostrophe as &#39;,
/// which HTML 4 also reads); other characters unchanged.
std::string html_escape(const std::string& text);

}  // namespace interleave
