#pragma once
/// Student code and its output may hold any bytes; every report format needs valid UTF-8 (the
/// JSON writer throws on anything else). The grade loop cleans a report once, as it is
/// assembled, so that no reporter ever sees an invalid byte.

#include "report/report.hpp"

#include <string>
#include <string_view>

namespace interleave {

/// `text` with every byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no
/// overlong forms, no surrogates, nothing above U+10FFFF) replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

/// Applies valid_utf8 to every string of the report: messages, details, notes, names, and the
/// strings anywhere inside each check's data.
void make_valid_utf8(GradeReport& report);

}  // namespace interleave
